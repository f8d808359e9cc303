package pod

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/source/files"
)

// psaFixtureVersion is the newest policy version directory in the pod-security-admission
// module's test/testdata; bump it with the module.
const psaFixtureVersion = "v1.35"

// pssChecks returns the eksguard checks of a PSS level: baseline is EKS-POD-001..014,
// restricted adds EKS-POD-015..021.
func pssChecks(t *testing.T, level api.Level) []*check.Check {
	t.Helper()
	last := 14
	if level == api.LevelRestricted {
		last = 21
	}
	var out []*check.Check
	for n := 1; n <= last; n++ {
		id := fmt.Sprintf("EKS-POD-%03d", n)
		c, ok := check.Lookup(id)
		if !ok {
			t.Fatalf("%s is not registered", id)
		}
		out = append(out, c)
	}
	return out
}

// runPSSChecks loads one manifest file with eksguard's loader and returns the findings of
// checks, without the info findings, which are outside PSS.
func runPSSChecks(t *testing.T, file string, checks []*check.Check) []check.Finding {
	t.Helper()
	inv, err := files.Load(context.Background(), []string{file}, files.Options{})
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	for _, p := range inv.Problems {
		t.Errorf("%s: input problem: %s", file, p.Error())
	}
	if n := len(inv.PodSpecs()); n != 1 {
		t.Fatalf("%s: eksguard found %d pod specs, want 1", file, n)
	}
	findings, err := check.Run(context.Background(), inv, checks, check.Config{})
	if err != nil {
		t.Fatalf("run %s: %v", file, err)
	}
	out := findings[:0:0]
	for _, f := range findings {
		if f.Severity != check.Info {
			out = append(out, f)
		}
	}
	return out
}

// decodePod reads a Pod manifest independently of eksguard's loader (YAML -> JSON -> typed),
// so the PSA side of the comparison does not share eksguard's decoding.
func decodePod(t *testing.T, file string) *corev1.Pod {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var pod corev1.Pod
	if err := json.Unmarshal(js, &pod); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if pod.Kind != "Pod" {
		t.Fatalf("%s: kind %q, want Pod", file, pod.Kind)
	}
	// PSA's fixtures are stored as written, but the API server admits them after defaulting,
	// which turns a volume without a source into an emptyDir (restricted/pass/restrictedvolumes0).
	for i := range pod.Spec.Volumes {
		if reflect.ValueOf(pod.Spec.Volumes[i].VolumeSource).IsZero() {
			pod.Spec.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
	}
	return &pod
}

// TestPSSParity runs pod-security-admission's own fixtures through both the real PSA
// evaluator and eksguard: a pod PSA allows must yield no eksguard finding, and a pod it
// forbids at least one, located by the check itself rather than by the pod-level fallback.
func TestPSSParity(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output()
	if err != nil {
		t.Fatalf("locate k8s.io/pod-security-admission: %v", err)
	}
	moduleDir := strings.TrimSpace(string(out))
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}

	evaluated := 0
	for _, level := range []api.Level{api.LevelBaseline, api.LevelRestricted} {
		checks := pssChecks(t, level)
		lv := api.LevelVersion{Level: level, Version: api.LatestVersion()}
		for _, want := range []string{"pass", "fail"} {
			dir := filepath.Join(moduleDir, "test", "testdata", string(level), psaFixtureVersion, want)
			fixtures, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
			if len(fixtures) == 0 {
				t.Fatalf("no fixtures in %s", dir)
			}
			for _, file := range fixtures {
				evaluated++
				t.Run(string(level)+"/"+want+"/"+filepath.Base(file), func(t *testing.T) {
					pod := decodePod(t, file)
					agg := policy.AggregateCheckResults(evaluator.EvaluatePod(lv, &pod.ObjectMeta, &pod.Spec))
					if agg.Allowed != (want == "pass") {
						t.Fatalf("PSA allowed=%v for a %s fixture (%s)", agg.Allowed, want, agg.ForbiddenReason())
					}
					findings := runPSSChecks(t, file, checks)
					if agg.Allowed && len(findings) > 0 {
						for _, f := range findings {
							t.Errorf("PSA allows, eksguard reports %s at %s: %s", f.CheckID, f.Path, f.Message)
						}
					}
					if !agg.Allowed && len(findings) == 0 {
						t.Errorf("PSA forbids (%s: %s), eksguard reports nothing", agg.ForbiddenReason(), agg.ForbiddenDetail())
					}
					for _, f := range findings {
						if strings.HasPrefix(f.Message, "pod-security-admission forbids this pod") {
							t.Errorf("%s fell back to a pod-level finding: its locator missed %q", f.CheckID, f.Message)
						}
					}
				})
			}
		}
	}
	if evaluated <= 100 {
		t.Fatalf("evaluated %d PSA fixtures, want more than 100", evaluated)
	}
}

// psaIDsOf maps an eksguard PSS check to the pod-security-admission checks it reports
// for, from its References.PSS. EKS-POD-010 reports procMount_restricted as well outside
// user namespaces, where that check and procMount forbid exactly the same pods.
func psaIDsOf(c *check.Check) []string {
	_, id, _ := strings.Cut(c.References.PSS, "/")
	if c.ID == "EKS-POD-010" {
		return []string{id, "procMount_restricted"}
	}
	return []string{id}
}

// TestPSSCheckMapping checks, per PSA check rather than per level, that the PSA checks
// forbidding a pod are exactly those the eksguard findings map back to. Each PSA check
// runs on its own at its newest version, without restricted's overrides of baseline
// checks, because eksguard keeps both (EKS-POD-005 and 020, 006 and 015, 011 and 019).
func TestPSSCheckMapping(t *testing.T) {
	pods := map[string]string{
		"restricted-clean": `
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: api
    image: public.ecr.aws/shop/api:1.4.2
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
`,
		"host-namespaces-and-root": `
apiVersion: v1
kind: Pod
metadata: {name: node-debugger, namespace: ops}
spec:
  hostNetwork: true
  hostPID: true
  securityContext: {runAsUser: 0}
  containers:
  - name: shell
    image: public.ecr.aws/docker/library/busybox:1.36
    securityContext:
      capabilities: {add: [SYS_ADMIN]}
      seccompProfile: {type: Unconfined}
`,
		"user-namespace-unmasked-proc": `
apiVersion: v1
kind: Pod
metadata: {name: builder, namespace: ci}
spec:
  hostUsers: false
  securityContext: {runAsUser: 0, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: buildkit
    image: moby/buildkit:v0.16.0-rootless
    securityContext:
      procMount: Unmasked
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
`,
		"unmasked-proc": `
apiVersion: v1
kind: Pod
metadata: {name: sysinfo, namespace: ops}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: sysinfo
    image: public.ecr.aws/ops/sysinfo:2.0.1
    securityContext:
      procMount: Unmasked
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
`,
		"windows-host-process": `
apiVersion: v1
kind: Pod
metadata: {name: win-agent, namespace: monitoring}
spec:
  os: {name: windows}
  securityContext:
    windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\SYSTEM"}
  hostNetwork: true
  containers:
  - name: agent
    image: mcr.microsoft.com/windows/nanoserver:ltsc2022
`,
		"legacy-seccomp-annotation-only": `
apiVersion: v1
kind: Pod
metadata:
  name: legacy
  namespace: shop
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: public.ecr.aws/shop/app:3.1.0
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
`,
		"host-access-baseline": `
apiVersion: v1
kind: Pod
metadata:
  name: collector
  namespace: logging
  annotations:
    container.apparmor.security.beta.kubernetes.io/collector: unconfined
spec:
  hostIPC: true
  securityContext:
    sysctls: [{name: kernel.msgmax, value: "65536"}, {name: net.ipv4.tcp_syncookies, value: "1"}]
    seLinuxOptions: {type: spc_t}
  volumes:
  - {name: buffer}
  - {name: varlog, hostPath: {path: /var/log}}
  - {name: shared, nfs: {server: fs.example.internal, path: /exports}}
  containers:
  - name: collector
    image: public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2
    ports: [{containerPort: 2020, hostPort: 2020}]
    livenessProbe: {httpGet: {host: 169.254.169.254, path: /latest/meta-data, port: 80}}
    securityContext: {privileged: true, runAsNonRoot: false}
`,
	}

	latest := map[string]policy.CheckPodFn{}
	for _, c := range policy.DefaultChecks() {
		latest[string(c.ID)] = c.Versions[len(c.Versions)-1].CheckPod
	}
	checks := pssChecks(t, api.LevelRestricted)
	names := make([]string, 0, len(pods))
	for name := range pods {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), name+".yaml")
			if err := os.WriteFile(file, []byte(strings.TrimLeft(pods[name], "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			pod := decodePod(t, file)
			var want []string
			for id, fn := range latest {
				if !fn(&pod.ObjectMeta, &pod.Spec).Allowed {
					want = append(want, id)
				}
			}
			var got []string
			for _, f := range runPSSChecks(t, file, checks) {
				c, _ := check.Lookup(f.CheckID)
				got = append(got, psaIDsOf(c)...)
			}
			sort.Strings(want)
			sort.Strings(got)
			got = slices.Compact(got)
			t.Logf("PSA checks forbidding the pod: %v", want)
			if !slices.Equal(want, got) {
				t.Errorf("PSA checks forbidding the pod:\n  %v\neksguard findings map to:\n  %v", want, got)
			}
		})
	}
}
