package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/report"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/kube"
)

// canary is a secret value planted in the cluster; it must never be read or printed.
const canary = "CANARY-7f3a9c-never-print-me"

// TestSecretValuesNeverLeave plants a canary in Secrets (data, stringData, and kubectl's
// last-applied annotation, which holds a Secret's data when kubectl apply created it) and in a
// Deployment's last-applied annotation, then runs the full cluster scan in every output format
// and checks the canary (and its base64 form) is in no output, no log line and no object of
// the inventory.
func TestSecretValuesNeverLeave(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte(canary))
	lastApplied := fmt.Sprintf(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"canary"},"stringData":{"password":%q}}`, canary)
	apply(t, fmt.Sprintf(`
apiVersion: v1
kind: Namespace
metadata: {name: canary}
---
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: canary
  annotations: {kubectl.kubernetes.io/last-applied-configuration: '%[1]s'}
data: {password: %[2]s}
stringData: {token: %[3]s}
---
apiVersion: v1
kind: Secret
metadata: {name: tls, namespace: canary}
type: kubernetes.io/tls
data: {tls.crt: %[2]s, tls.key: %[2]s}
---
apiVersion: v1
kind: Secret
metadata: {name: custom, namespace: canary}
type: example.com/custom
stringData: {value: %[3]s}
---
apiVersion: v1
kind: Secret
metadata:
  name: sa-token
  namespace: canary
  annotations: {kubernetes.io/service-account.name: default}
type: kubernetes.io/service-account-token
stringData: {token: %[3]s}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: canary
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"spec":{"template":{"spec":{"containers":[{"env":[{"name":"PASSWORD","value":"%[3]s"}]}]}}}}'
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec: {containers: [{name: app, image: app:1, envFrom: [{secretRef: {name: db}}]}]}
`, lastApplied, b64, canary))

	leaks := func(where, s string) {
		t.Helper()
		for _, needle := range []string{canary, b64} {
			if strings.Contains(s, needle) {
				t.Errorf("%s holds the canary %q", where, needle)
			}
		}
	}

	kc := kubeconfig(t, "")
	for _, format := range report.Names() {
		for _, ns := range []string{"", "canary"} {
			args := []string{"cluster", "--kubeconfig", kc, "-o", format, "--fail-on", "none", "--include-system-namespaces", "--verbose"}
			if ns != "" {
				args = append(args, "-n", ns)
			}
			r := eksguard(t, args...)
			if r.code != 0 {
				t.Errorf("%v: exit %d\n%s", args, r.code, r.stderr)
			}
			leaks(fmt.Sprintf("stdout of -o %s (namespace %q)", format, ns), r.stdout)
			leaks(fmt.Sprintf("stderr of -o %s (namespace %q)", format, ns), r.stderr)
			if !strings.Contains(r.stdout, "canary") {
				t.Errorf("-o %s: the report does not mention namespace canary at all; is it scanning?", format)
			}
		}
	}

	var debug strings.Builder
	inv := collect(t, kube.Options{Debugf: func(format string, args ...any) { fmt.Fprintf(&debug, format+"\n", args...) }})
	leaks("the debug log", debug.String())
	types := map[string]corev1.SecretType{}
	for _, o := range inv.Objects {
		leaks(o.ObjectRef.String()+" (Go value)", fmt.Sprintf("%#v %#v", o.Raw, o.Typed))
		data, err := json.Marshal(struct{ Raw, Typed any }{o.Raw, o.Typed})
		if err != nil {
			t.Fatal(err)
		}
		leaks(o.ObjectRef.String()+" (JSON)", string(data))
		if o.Kind == "Secret" && o.Namespace == "canary" {
			s := o.Typed.(*corev1.Secret)
			types[o.Name] = s.Type
			if s.Data != nil || s.StringData != nil || o.Raw != nil {
				t.Errorf("Secret %s carries more than metadata", o.Name)
			}
		}
	}
	want := map[string]corev1.SecretType{"db": corev1.SecretTypeOpaque, "tls": corev1.SecretTypeTLS, "sa-token": corev1.SecretTypeServiceAccountToken, "custom": ""}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("Secrets and their types %v, want %v (the type of other types is unknown: empty)", types, want)
	}
	leaks("the inventory's problems and gaps", fmt.Sprintf("%#v %#v", inv.Problems, inv.Gaps))

	// EKS-DATA-010 lists Opaque Secrets: db, not the Secret whose type is unknown (a live
	// Secret with no type is one whose type the collector did not learn, not an Opaque one).
	res := runChecks(t, inv, scan.Options{Checks: []string{"EKS-DATA-010"}})
	fs := findingsIn(res.Findings, "canary")
	if len(fs) != 1 || !strings.HasSuffix(fs[0].Message, "manage: db") {
		t.Errorf("EKS-DATA-010 on namespace canary: %+v; want one finding listing only Secret db", fs)
	}
}
