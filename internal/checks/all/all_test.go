package all

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/spec"
)

// TestRegistryMatchesCatalogue holds every registered check to spec/checks.yaml: a check
// whose ID, title, section, severity, source, remediation or references drift from the
// catalogue fails here, as does a registry that does not validate.
func TestRegistryMatchesCatalogue(t *testing.T) {
	all, err := check.All()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no checks registered")
	}
	for _, c := range all {
		e, ok := cat.Lookup(c.ID)
		if !ok {
			t.Errorf("%s is registered but not in the catalogue", c.ID)
			continue
		}
		ref := func(key string) string {
			if v, ok := e.References[key]; ok {
				return fmt.Sprint(v)
			}
			return ""
		}
		for _, field := range []struct{ name, got, want string }{
			{"title", c.Title, e.Title},
			{"section", c.Section, e.Section},
			{"severity", c.Severity.String(), e.Severity},
			{"source", string(c.Source), e.Source},
			{"remediation", spec.Normalize(c.Remediation), spec.Normalize(e.Remediation)},
			{"guide", c.References.Guide, ref("guide")},
			{"cis_eks", c.References.CISEKS, ref("cis_eks")},
			{"cis_eks_legacy", c.References.CISEKSLegacy, ref("cis_eks_legacy")},
			{"pss", c.References.PSS, ref("pss")},
		} {
			if field.got != field.want {
				t.Errorf("%s %s = %q, catalogue says %q", c.ID, field.name, field.got, field.want)
			}
		}
		// SYSTEM_NAMESPACES: PSS checks never skip system namespaces silently.
		if c.References.PSS != "" && c.SystemNamespaces != check.ExemptSystemNamespaces {
			t.Errorf("%s is a PSS check: it must report system namespaces as exempt, not skip them", c.ID)
		}
	}
}

// TestEveryCheckHasFixtures enforces the house rule: each check has a pass and a fail fixture.
func TestEveryCheckHasFixtures(t *testing.T) {
	for _, c := range check.MustAll() {
		for _, kind := range []string{"pass", "fail"} {
			matches, _ := filepath.Glob(filepath.Join("..", "*", "testdata", c.Slug, kind+"-*.yaml"))
			facts, _ := filepath.Glob(filepath.Join("..", "*", "testdata", c.Slug, kind+"-*.json")) // AWS facts (checktest)
			for _, f := range facts {
				if !strings.HasSuffix(f, ".golden.json") {
					matches = append(matches, f)
				}
			}
			if len(matches) == 0 {
				t.Errorf("%s (%s) has no %s fixture under internal/checks/<section>/testdata/%s/", c.ID, c.Slug, kind, c.Slug)
			}
		}
	}
}

// builtinGroups are the API groups Kubernetes serves itself. Kinds of other groups are custom
// resources: a cluster without their CRD is not missing data, so no check's Reads names them.
var builtinGroups = []string{
	"", "apps", "batch", "autoscaling", "policy", "extensions",
	"networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io",
	"node.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io",
	"certificates.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io",
	"flowcontrol.apiserver.k8s.io",
}

// builtinKind reports whether internal/inventory knows kind as a built-in kind: one it decodes
// into a typed view (TypedKindList, which the live collector lists and reports gaps for), or
// one of a built-in group whose scope it knows (IngressClass, read through Object.Raw).
func builtinKind(kind string) bool {
	for _, gk := range inventory.TypedKindList() {
		if gk.Kind == kind && slices.Contains(builtinGroups, gk.Group) {
			return true
		}
	}
	for _, g := range builtinGroups {
		if _, known := inventory.NamespacedKind(g, kind); known {
			return true
		}
	}
	return false
}

// TestInventoryChecksDeclareReads: an Inventory check without Reads is treated as reading
// everything, so any coverage gap (one forbidden Secret list) would void it. Every Inventory
// check must say which built-in kinds it reads.
func TestInventoryChecksDeclareReads(t *testing.T) {
	policy := iamPolicyActions(t)
	for _, c := range check.MustAll() {
		if c.Inventory == nil {
			if len(c.Reads) > 0 {
				t.Errorf("%s sets Reads but is not an Inventory check: Reads is ignored", c.ID)
			}
			continue
		}
		if len(c.Reads) == 0 {
			t.Errorf("%s is an Inventory check without Reads: any coverage gap marks it not evaluated", c.ID)
		}
		seen := map[string]bool{}
		for _, k := range c.Reads {
			if inventory.IsAWSKind(k) {
				if !slices.Contains(policy, strings.TrimPrefix(k, "aws:")) {
					t.Errorf("%s reads %q: the AWS collectors make no such call (it is not in deploy/iam-policy.json)", c.ID, k)
				}
			} else if !builtinKind(k) {
				t.Errorf("%s reads %q, which is not a built-in kind internal/inventory knows (custom resources are optional and never gaps)", c.ID, k)
			}
			if seen[k] {
				t.Errorf("%s lists %q twice in Reads", c.ID, k)
			}
			seen[k] = true
		}
	}
}

// iamPolicyActions are the actions of deploy/iam-policy.json: the calls the AWS collectors make.
func iamPolicyActions(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "deploy", "iam-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Statement []struct{ Action []string } }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, st := range doc.Statement {
		out = append(out, st.Action...)
	}
	return out
}

// TestSecretGapVoidsOnlySecretReaders: when the scan may not list Secrets, the checks that
// read Secrets are not evaluated, and the pod spec checks are unaffected.
func TestSecretGapVoidsOnlySecretReaders(t *testing.T) {
	inv := &inventory.Inventory{}
	inv.ReportGap(inventory.Gap{Kind: "Secret", Resource: "v1/secrets", Reason: inventory.GapForbidden})
	out, err := check.Evaluate(context.Background(), inv, check.MustAll(), check.Config{})
	if err != nil {
		t.Fatal(err)
	}
	gap := map[string]bool{}
	for _, r := range out.Results {
		gap[r.Check.ID] = r.Gap
	}
	for id, want := range map[string]bool{"EKS-POD-001": false, "EKS-IAM-024": true} {
		if gap[id] != want {
			t.Errorf("%s: Gap = %v with Secret missing, want %v", id, gap[id], want)
		}
		if got := slices.Contains(inv.Gaps[0].Checks, id); got != want {
			t.Errorf("%s listed in the Secret gap's checks = %v, want %v (%v)", id, got, want, inv.Gaps[0].Checks)
		}
	}
}
