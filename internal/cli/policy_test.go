package cli

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/policy/vap"
)

func decodeExport(t *testing.T, data string) (map[string]*admissionv1.ValidatingAdmissionPolicy, map[string]*admissionv1.ValidatingAdmissionPolicyBinding) {
	t.Helper()
	policies := map[string]*admissionv1.ValidatingAdmissionPolicy{}
	bindings := map[string]*admissionv1.ValidatingAdmissionPolicyBinding{}
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatal(err)
		}
		if len(u.Object) == 0 {
			continue
		}
		switch u.GetKind() {
		case "ValidatingAdmissionPolicy":
			p := &admissionv1.ValidatingAdmissionPolicy{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, p); err != nil {
				t.Fatal(err)
			}
			policies[p.Name] = p
		case "ValidatingAdmissionPolicyBinding":
			b := &admissionv1.ValidatingAdmissionPolicyBinding{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, b); err != nil {
				t.Fatal(err)
			}
			bindings[b.Name] = b
		default:
			t.Fatalf("unexpected kind %q in the export", u.GetKind())
		}
	}
	return policies, bindings
}

func TestPolicyExportVAP(t *testing.T) {
	r := run(t, "", "policy", "export", "--format", "vap")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	policies, bindings := decodeExport(t, r.stdout)
	exported := vap.Exported(check.MustAll())
	if len(exported) == 0 || len(policies) != len(exported) || len(bindings) != len(exported) {
		t.Fatalf("%d policies and %d bindings for %d exported checks", len(policies), len(bindings), len(exported))
	}
	for _, c := range exported {
		p, b := policies["eksguard-"+c.Slug], bindings["eksguard-"+c.Slug]
		if p == nil || b == nil {
			t.Errorf("%s: no policy or binding named eksguard-%s", c.ID, c.Slug)
			continue
		}
		if p.Labels[vap.LabelCheckID] != c.ID || b.Labels[vap.LabelCheckID] != c.ID {
			t.Errorf("%s: labels %v / %v", c.ID, p.Labels, b.Labels)
		}
		if b.Spec.PolicyName != p.Name || len(b.Spec.ValidationActions) != 1 || b.Spec.ValidationActions[0] != admissionv1.Deny {
			t.Errorf("%s: binding %+v", c.ID, b.Spec)
		}
		if v := p.Spec.Validations; len(v) != 1 || !strings.Contains(v[0].MessageExpression, c.ID+" "+c.Title) {
			t.Errorf("%s: validations %+v must name the check ID and title", c.ID, v)
		}
	}
	// The header lists every unsupported object-local check with its reason.
	for _, u := range vap.UnsupportedChecks(check.MustAll()) {
		if u.ObjectLocal && !strings.Contains(r.stdout, "#   "+u.Check.ID+" "+u.Check.Slug+": "+u.Reason+"\n") {
			t.Errorf("the header does not list %s as unsupported", u.Check.ID)
		}
	}
	// PSS checks are exempt in system namespaces: their bindings leave those out.
	sel := bindings["eksguard-privileged"].Spec.MatchResources.NamespaceSelector
	if len(sel.MatchExpressions) != 1 || strings.Join(sel.MatchExpressions[0].Values, ",") != "kube-node-lease,kube-public,kube-system" {
		t.Errorf("privileged binding namespace selector = %+v", sel)
	}
}

func TestPolicyExportOptions(t *testing.T) {
	r := run(t, "", "policy", "export", "--action", "warn", "--exempt-namespaces", "monitoring,karpenter")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	_, bindings := decodeExport(t, r.stdout)
	b := bindings["eksguard-host-pid"]
	if b.Spec.ValidationActions[0] != admissionv1.Warn {
		t.Errorf("actions = %v, want [Warn]", b.Spec.ValidationActions)
	}
	if got := strings.Join(b.Spec.MatchResources.NamespaceSelector.MatchExpressions[0].Values, ","); got != "karpenter,kube-node-lease,kube-public,kube-system,monitoring" {
		t.Errorf("excluded namespaces = %s", got)
	}
	for _, bad := range [][]string{{"policy", "export", "--format", "kyverno"}, {"policy", "export", "--action", "block"}} {
		if r := run(t, "", bad...); r.code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", bad, r.code, ExitUsage)
		}
	}
}

func TestPolicyExportListUnsupported(t *testing.T) {
	r := run(t, "", "policy", "export", "--list-unsupported")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "apiVersion") {
		t.Error("--list-unsupported must not write policies")
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	unsupported := vap.UnsupportedChecks(check.MustAll())
	if len(lines) != len(unsupported)+1 {
		t.Fatalf("%d lines for %d unsupported checks:\n%s", len(lines), len(unsupported), r.stdout)
	}
	for _, u := range unsupported {
		if !bytes.Contains([]byte(r.stdout), []byte(u.Check.ID)) || u.Reason == "" {
			t.Errorf("%s missing or without a reason", u.Check.ID)
		}
	}
}

func TestPolicyExportHostPathPrefixes(t *testing.T) {
	without := run(t, "", "policy", "export")
	with := run(t, "", "policy", "export", "--allowed-hostpath-prefixes", "/var/log/pods")
	if without.code != ExitOK || with.code != ExitOK {
		t.Fatalf("exit %d / %d: %s%s", without.code, with.code, without.stderr, with.stderr)
	}
	pw, _ := decodeExport(t, without.stdout)
	pa, _ := decodeExport(t, with.stdout)
	expr := func(p *admissionv1.ValidatingAdmissionPolicy) string {
		return p.Spec.Variables[len(p.Spec.Variables)-1].Expression
	}
	if a, b := expr(pw["eksguard-host-path-prefixes"]), expr(pa["eksguard-host-path-prefixes"]); a == b || !strings.Contains(b, "pods") {
		t.Errorf("the prefixes do not reach EKS-POD-024's rule:\n%s\n%s", a, b)
	}
}
