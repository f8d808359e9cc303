package vap_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/eksguard/eksguard/internal/check"
	_ "github.com/eksguard/eksguard/internal/checks/all"
	"github.com/eksguard/eksguard/internal/checks/checktest"
	"github.com/eksguard/eksguard/internal/policy/vap"
	"github.com/eksguard/eksguard/internal/source/files"
	"github.com/eksguard/eksguard/internal/source/kube/kubetest"
)

var env *kubetest.Env

func TestMain(m *testing.M) {
	os.Exit(kubetest.Run(m, func(e *kubetest.Env) error { env = e; return nil }))
}

// TestCoverage: every object-local check is exported or listed as unsupported with a reason.
func TestCoverage(t *testing.T) {
	all := check.MustAll()
	exported := map[string]bool{}
	for _, c := range vap.Exported(all) {
		exported[c.ID] = true
		if c.PodSpec == nil {
			t.Errorf("%s is exported but is not a PodSpec check (the export binds pod-spec kinds only)", c.ID)
		}
	}
	for _, u := range vap.UnsupportedChecks(all) {
		if strings.TrimSpace(u.Reason) == "" {
			t.Errorf("%s (%s) is neither exported as a ValidatingAdmissionPolicy nor listed as unsupported with a reason (internal/policy/vap/unsupported.go)", u.Check.ID, u.Check.Slug)
		}
	}
	for id := range vap.UnsupportedIDs() {
		c, ok := check.Lookup(id)
		switch {
		case !ok:
			t.Errorf("unsupported.go lists %s, which is not a registered check", id)
		case exported[id]:
			t.Errorf("%s is both exported and listed as unsupported", id)
		case c.PodSpec == nil && c.Object == nil:
			t.Errorf("unsupported.go lists %s, which is not object-local", id)
		}
	}
	for id := range vap.RuleIDs() {
		if _, ok := check.Lookup(id); !ok {
			t.Errorf("rules.go has a rule for %s, which is not a registered check", id)
		}
	}
}

// warnings collects the warning headers of the requests a client makes.
type warnings struct {
	mu  sync.Mutex
	got []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, msg)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	got := w.got
	w.got = nil
	return got
}

// admission creates fixture objects in dry-run mode and reports the policies that warned.
type admission struct {
	dyn    dynamic.Interface
	mapper meta.RESTMapper
	warn   *warnings
	nsDone map[string]bool
}

func newAdmission(t *testing.T) *admission {
	cfg := rest.CopyConfig(env.Config)
	w := &warnings{}
	cfg.WarningHandler = w
	d, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &admission{dyn: d, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)), warn: w, nsDone: map[string]bool{}}
}

var workloadKinds = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range check.WorkloadKinds {
		m[k] = true
	}
	return m
}()

// ensureNamespace creates namespace ns (for real) with the fixture's labels minus Pod
// Security Admission's, so only the exported policies judge the objects; and the
// ServiceAccount sa the ServiceAccount admission plugin looks up for pods.
func (a *admission) ensureNamespace(ctx context.Context, ns string, labels map[string]string, sa string) error {
	if !a.nsDone[ns] {
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{}}}
		for k, v := range labels {
			if !strings.HasPrefix(k, "pod-security.kubernetes.io/") {
				n.Labels[k] = v
			}
		}
		if _, err := env.Client.CoreV1().Namespaces().Create(ctx, n, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		a.nsDone[ns] = true
	}
	if sa == "" {
		return nil
	}
	_, err := env.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// warned dry-run creates the workloads of a fixture and returns, per workload, the
// warnings the API server returned. Namespaces of the fixture are created first.
func (a *admission) warned(ctx context.Context, fixture string) (map[string][]string, error) {
	data, err := os.ReadFile(fixture)
	if err != nil {
		return nil, err
	}
	var docs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		if len(u.Object) > 0 {
			docs = append(docs, u)
		}
	}
	for _, u := range docs {
		if u.GetKind() == "Namespace" && u.GetAPIVersion() == "v1" {
			if err := a.ensureNamespace(ctx, u.GetName(), u.GetLabels(), ""); err != nil {
				return nil, err
			}
		}
	}
	out := map[string][]string{}
	for _, u := range docs {
		if !workloadKinds[u.GetKind()] {
			continue
		}
		if u.GetNamespace() == "" {
			u.SetNamespace("default")
		}
		sa := ""
		if u.GetKind() == "Pod" {
			sa, _, _ = unstructured.NestedString(u.Object, "spec", "serviceAccountName")
			if sa == "" {
				sa = "default"
			}
		}
		if err := a.ensureNamespace(ctx, u.GetNamespace(), nil, sa); err != nil {
			return nil, err
		}
		gvk := u.GroupVersionKind()
		m, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return nil, err
		}
		a.warn.take()
		_, err = a.dyn.Resource(m.Resource).Namespace(u.GetNamespace()).Create(ctx, u, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		key := u.GetKind() + " " + u.GetNamespace() + "/" + u.GetName()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out[key] = a.warn.take()
	}
	return out, nil
}

// install creates the export's policies and bindings and waits until they are enforced.
func install(t *testing.T, ctx context.Context, opts vap.Options) {
	t.Helper()
	objs, err := vap.Objects(check.MustAll(), opts)
	if err != nil {
		t.Fatal(err)
	}
	api := env.Client.AdmissionregistrationV1()
	for _, o := range objs {
		switch o := o.(type) {
		case *admissionv1.ValidatingAdmissionPolicy:
			if _, err := api.ValidatingAdmissionPolicies().Create(ctx, o, metav1.CreateOptions{}); err != nil {
				t.Fatalf("the API server rejects policy %s: %v", o.Name, err)
			}
		case *admissionv1.ValidatingAdmissionPolicyBinding:
			if _, err := api.ValidatingAdmissionPolicyBindings().Create(ctx, o, metav1.CreateOptions{}); err != nil {
				t.Fatalf("the API server rejects binding %s: %v", o.Name, err)
			}
		}
	}
	// Creating a policy compiles its expressions (a syntax error or an undeclared reference
	// is rejected above). Type checking against each kind's schema is reported by the
	// controller manager, which this control plane does not run; an expression that fails
	// at run time surfaces as a policy warning on a fixture the scan passes.
	// Policies and bindings reach the admission plugin through informers: wait until a
	// privileged pod draws the privileged check's warning.
	a := newAdmission(t)
	probe := filepath.Join(t.TempDir(), "probe.yaml")
	if err := os.WriteFile(probe, []byte(`apiVersion: v1
kind: Pod
metadata: {name: probe, namespace: eksguard-probe}
spec:
  containers: [{name: c, image: busybox, securityContext: {privileged: true}}]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := a.warned(ctx, probe)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.Join(got["Pod eksguard-probe/probe"], "\n"), "'eksguard-privileged'") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the exported policies are not enforced after 30s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second) // every other binding was created before the last probe's
}

// TestParity applies every fixture of every exported check to the API server with the
// exported policies installed (action Warn, so every policy reports, not just the first to
// deny) and requires the check's policy to warn exactly when eksguard scan fails the check.
func TestParity(t *testing.T) {
	ctx := context.Background()
	install(t, ctx, vap.Options{Action: admissionv1.Warn})
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	a := newAdmission(t)
	var compared, skipped int
	for _, c := range vap.Exported(check.MustAll()) {
		dirs, _ := filepath.Glob(filepath.Join(root, "internal", "checks", "*", "testdata", c.Slug))
		if len(dirs) != 1 {
			t.Errorf("%s: want one fixture directory internal/checks/*/testdata/%s, found %d", c.ID, c.Slug, len(dirs))
			continue
		}
		fixtures, _ := filepath.Glob(filepath.Join(dirs[0], "*.yaml"))
		t.Run(c.ID+"_"+c.Slug, func(t *testing.T) {
			for _, f := range fixtures {
				name := strings.TrimSuffix(filepath.Base(f), ".yaml")
				t.Run(name, func(t *testing.T) {
					if cfg := checktest.ConfigFor(t, f); !reflect.DeepEqual(cfg, check.Config{}) {
						skipped++
						t.Skipf("fixture sets a scan configuration (%+v) the default export does not take", cfg)
					}
					scanFails, scanMsgs := scan(t, c, f)
					got, err := a.warned(ctx, f)
					if err != nil {
						t.Fatalf("the API server does not admit the fixture, policies aside: %v", err)
					}
					var denied []string
					for obj, ws := range got {
						for _, w := range ws {
							if strings.Contains(w, "'"+vap.PolicyName(c)+"'") {
								denied = append(denied, obj+": "+w)
							}
						}
					}
					sort.Strings(denied)
					compared++
					if scanFails != (len(denied) > 0) {
						t.Errorf("MISMATCH %s %s: scan fails=%v %v; policy denies=%v %v", c.ID, name, scanFails, scanMsgs, len(denied) > 0, denied)
					}
				})
			}
		})
	}
	t.Logf("parity: %d fixtures compared, %d skipped", compared, skipped)
}

// scan reports whether eksguard scan fails check c on fixture f: a finding that is
// neither exempt nor excepted.
func scan(t *testing.T, c *check.Check, f string) (bool, []string) {
	t.Helper()
	inv, err := files.Load(context.Background(), []string{f}, files.Options{})
	if err != nil {
		t.Fatal(err)
	}
	findings, err := check.Run(context.Background(), inv, []*check.Check{c}, checktest.ConfigFor(t, f))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for i := range findings {
		if findings[i].Fails() {
			msgs = append(msgs, findings[i].Message)
		}
	}
	return len(msgs) > 0, msgs
}
