package pod

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/eksguard/eksguard/internal/check"
)

// TestPSSCatalogueMeta checks that the metadata of EKS-POD-001..021 is copied exactly from
// spec/checks.yaml (remediation with whitespace normalised) and that every PSS check
// reports system namespaces as exempt rather than skipping them.
func TestPSSCatalogueMeta(t *testing.T) {
	data, err := os.ReadFile("../../../spec/checks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var catalogue struct {
		Checks []struct {
			ID          string `yaml:"id"`
			Title       string `yaml:"title"`
			Section     string `yaml:"section"`
			Source      string `yaml:"source"`
			Severity    string `yaml:"severity"`
			Remediation string `yaml:"remediation"`
			References  struct {
				Guide        string `yaml:"guide"`
				CISEKS       string `yaml:"cis_eks"`
				CISEKSLegacy string `yaml:"cis_eks_legacy"`
				PSS          string `yaml:"pss"`
			} `yaml:"references"`
		} `yaml:"checks"`
	}
	if err := yaml.Unmarshal(data, &catalogue); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, want := range catalogue.Checks {
		var n int
		if _, err := fmt.Sscanf(want.ID, "EKS-POD-%03d", &n); err != nil || n < 1 || n > 21 {
			continue
		}
		seen++
		t.Run(want.ID, func(t *testing.T) {
			c, ok := check.Lookup(want.ID)
			if !ok {
				t.Fatalf("%s is not registered", want.ID)
			}
			got := c.Meta
			wantRefs := check.References{Guide: want.References.Guide, CISEKS: want.References.CISEKS,
				CISEKSLegacy: want.References.CISEKSLegacy, PSS: want.References.PSS}
			for _, d := range []struct{ field, got, want string }{
				{"title", got.Title, want.Title},
				{"section", got.Section, want.Section},
				{"source", string(got.Source), want.Source},
				{"severity", got.Severity.String(), want.Severity},
				{"remediation", got.Remediation, strings.Join(strings.Fields(want.Remediation), " ")},
				{"references", fmt.Sprintf("%+v", got.References), fmt.Sprintf("%+v", wantRefs)},
			} {
				if d.got != d.want {
					t.Errorf("%s:\n  got  %q\n  want %q", d.field, d.got, d.want)
				}
			}
			if got.SystemNamespaces != check.ExemptSystemNamespaces {
				t.Errorf("PSS checks must report system namespaces as exempt")
			}
			if c.PodSpec == nil {
				t.Errorf("PSS checks evaluate pod specs")
			}
		})
	}
	if seen != 21 {
		t.Fatalf("catalogue lists %d of EKS-POD-001..021", seen)
	}
}
