package all

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/eksguard/eksguard/internal/check"
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
			if len(matches) == 0 {
				t.Errorf("%s (%s) has no %s fixture under internal/checks/<section>/testdata/%s/", c.ID, c.Slug, kind, c.Slug)
			}
		}
	}
}
