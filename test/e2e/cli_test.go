package e2e

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/cli"
	"github.com/eksguard/eksguard/internal/report"
)

type result struct {
	code           int
	stdout, stderr string
}

func eksguard(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Execute(args, cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return result{code, out.String(), errOut.String()}
}

// kubeconfig writes a kubeconfig for the test cluster (context "envtest"), impersonating as
// unless empty.
func kubeconfig(t *testing.T, as string) string {
	t.Helper()
	path, err := env.WriteKubeconfig(t.TempDir(), "envtest", as)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

const cliApp = `
apiVersion: v1
kind: Namespace
metadata: {name: cli-app}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: cli-app
  labels: {app.kubernetes.io/managed-by: Helm}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api:1, securityContext: {privileged: true}}]}
`

// TestClusterCommand runs eksguard cluster against the test API server with a written
// kubeconfig, and checks exit codes, the JSON report and what findings name.
func TestClusterCommand(t *testing.T) {
	deploy := apply(t, cliApp)[1]
	kc := kubeconfig(t, "")
	base := []string{"cluster", "--kubeconfig", kc, "-n", "cli-app", "--checks", "EKS-POD-001"}

	for _, tc := range []struct {
		name      string
		args      []string
		code      int
		stdoutHas string
		stderrHas string
	}{
		{"privileged fails the default gate", base, cli.ExitFindings, "cluster envtest\n  cli-app/Deployment/api (managed by Helm)", ""},
		{"fail-on none", append(base, "--fail-on", "none"), cli.ExitOK, "1 finding", ""},
		{"context by name", append(base, "--context", "envtest", "--fail-on", "none"), cli.ExitOK, "EKS-POD-001", ""},
		{"unknown context", append(base, "--context", "nope"), cli.ExitUsage, "", `context "nope" does not exist`},
		{"missing kubeconfig", []string{"cluster", "--kubeconfig", filepath.Join(t.TempDir(), "none")}, cli.ExitUsage, "", "load kubeconfig"},
		{"missing namespace", []string{"cluster", "--kubeconfig", kc, "-n", "no-such-ns"}, cli.ExitUsage, "", `namespace not found: "no-such-ns"`},
		{"unknown check fails before connecting", []string{"cluster", "--kubeconfig", "/nonexistent", "--checks", "EKS-NOPE-1"}, cli.ExitUsage, "", `no check matches "EKS-NOPE-1"`},
		{"bad concurrency", append(base, "--concurrency", "0"), cli.ExitUsage, "", "--concurrency must be positive"},
		{"arguments are refused", append(base, "k8s/"), cli.ExitUsage, "", "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := eksguard(t, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tc.stdoutHas) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdoutHas, r.stdout)
			}
			if !strings.Contains(r.stderr, tc.stderrHas) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderrHas, r.stderr)
			}
		})
	}

	t.Run("json names the live object", func(t *testing.T) {
		r := eksguard(t, append(base, "-o", "json")...)
		if r.code != cli.ExitFindings {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var rep struct {
			Inputs   []string `json:"inputs"`
			Findings []struct {
				CheckID string `json:"checkId"`
				Object  struct {
					Kind, Namespace, Name, UID string
				} `json:"object"`
				Resource string `json:"resource"`
				Live     struct {
					Cluster, ResourceVersion, ManagedBy string
				} `json:"live"`
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("stdout is not a JSON report: %v\n%s", err, r.stdout)
		}
		if len(rep.Findings) != 1 {
			t.Fatalf("%d findings, want 1", len(rep.Findings))
		}
		f := rep.Findings[0]
		if f.Object.UID != string(deploy.GetUID()) || f.Resource != "k8s://cli-app/Deployment/api" ||
			f.Live.Cluster != "envtest" || f.Live.ManagedBy != "Helm" || f.Live.ResourceVersion == "" {
			t.Errorf("finding %+v", f)
		}
		if len(rep.Inputs) != 1 || rep.Inputs[0] != "cluster envtest, namespace cli-app" {
			t.Errorf("inputs %v", rep.Inputs)
		}
	})

	t.Run("KUBECONFIG is honoured", func(t *testing.T) {
		t.Setenv("KUBECONFIG", kc)
		if r := eksguard(t, "cluster", "-n", "cli-app", "--checks", "EKS-POD-001"); r.code != cli.ExitFindings {
			t.Errorf("exit %d: %s", r.code, r.stderr)
		}
	})
}

// TestClusterCommandGaps: coverage gaps are listed in the report and leave the exit code alone.
func TestClusterCommandGaps(t *testing.T) {
	apply(t, cliApp)
	// A ServiceAccount bound to no role may read nothing but the discovery endpoints.
	kc := kubeconfig(t, "system:serviceaccount:eksguard:nobody")
	r := eksguard(t, "cluster", "--kubeconfig", kc, "--fail-on", "none", "-o", "json")
	if r.code != cli.ExitOK {
		t.Fatalf("exit %d, want 0: gaps are not errors\n%s", r.code, r.stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Gaps) == 0 {
		t.Fatal("an unbound ServiceAccount must produce coverage gaps")
	}
	for _, g := range rep.Gaps {
		if g.Reason != "forbidden" {
			t.Errorf("gap %+v: want forbidden", g)
		}
	}
	table := eksguard(t, "cluster", "--kubeconfig", kc, "--fail-on", "none")
	if table.code != cli.ExitOK || !strings.Contains(table.stdout, "Coverage gaps") || !strings.Contains(table.stdout, "forbidden v1/secrets") {
		t.Errorf("table report must list the gaps (exit %d):\n%s", table.code, table.stdout)
	}
	// With the default gate only findings decide, and nothing could be read to find any.
	if r := eksguard(t, "cluster", "--kubeconfig", kc); r.code != cli.ExitOK {
		t.Errorf("exit %d with gaps and no findings, want 0\n%s", r.code, r.stderr)
	}
}
