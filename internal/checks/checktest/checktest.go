// Package checktest runs a check package's fixtures through the real loader and runner:
//
//	testdata/<slug>/pass-<case>.yaml        must yield no finding for the check <slug>
//	testdata/<slug>/fail-<case>.yaml        must yield at least one finding
//	testdata/<slug>/fail-<case>.golden.json the expected findings (ID, severity, path, line:col, message)
//
// A first line "# eksguard-test: include-system-namespaces, require-cpu-limit,
// allowed-hostpath-prefixes=/a:/b" sets the check configuration for that fixture; further
// options: exempt-namespaces=a:b, approved-registries=a:b, rbac-exempt=a|b,
// max-secret-age-days=N, runbook-url=URL, last-game-day=YYYY-MM-DD, last-pentest=YYYY-MM-DD,
// max-cluster-admins=N, max-public-cidr-prefix-ipv4=N, max-public-cidr-prefix-ipv6=N,
// max-ami-age-days=N, upgrade-grace-days=N, min-log-retention-days=N, quarantine-label=key=value,
// role-sharing-allowlist=ns/sa:ns/sa, known-system-components=a:b*,
// sensitive-repo-patterns=a/*:b.
//
// Checks of the AWS side take recorded facts instead (see LoadFacts):
//
//	testdata/<slug>/pass-<case>.json        the AWS facts model, and optionally Kubernetes
//	testdata/<slug>/fail-<case>.json        objects, coverage gaps and a configuration
//	testdata/<slug>/fail-<case>.golden.json the expected findings, as for YAML fixtures
//
// Run with -update (or EKSGUARD_UPDATE_GOLDEN=1) to rewrite goldens; stale or orphaned
// goldens and fixtures with input problems fail the run.
package checktest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/source/files"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Updating reports whether goldens should be rewritten.
func Updating() bool { return *update || os.Getenv("EKSGUARD_UPDATE_GOLDEN") == "1" }

// GoldenFinding is the part of a finding a golden file pins.
type GoldenFinding struct {
	CheckID  string         `json:"checkId"`
	Severity string         `json:"severity"`
	Object   string         `json:"object"`
	Path     fieldpath.Path `json:"fieldPath"`
	Line     int            `json:"line"`
	Column   int            `json:"column"`
	Message  string         `json:"message"`
	Exempt   bool           `json:"exempt,omitempty"`
	// Resource is the ARN of an AWS resource a finding names (FailResource).
	Resource string `json:"resource,omitempty"`
}

// Run checks every fixture directory under dir against the registered check of that slug.
func Run(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return // a section without checks yet; internal/checks/all fails checks without fixtures
	}
	if err != nil {
		t.Fatalf("read fixtures: %v", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		slug := e.Name()
		t.Run(slug, func(t *testing.T) {
			c, ok := check.Lookup(slug)
			if !ok || c.Slug != slug {
				t.Fatalf("testdata/%s: no registered check has slug %q", slug, slug)
			}
			RunCheckDir(t, c, filepath.Join(dir, slug))
		})
	}
}

// RunCheckDir runs the fixtures of one check.
func RunCheckDir(t *testing.T, c *check.Check, dir string) {
	t.Helper()
	fixtures, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	facts, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range facts {
		if !strings.HasSuffix(f, ".golden.json") {
			fixtures = append(fixtures, f)
		}
	}
	var pass, fail int
	for _, f := range fixtures {
		name := filepath.Base(f)
		ext := filepath.Ext(name)
		switch {
		case strings.HasPrefix(name, "pass-"):
			pass++
		case strings.HasPrefix(name, "fail-"):
			fail++
		default:
			t.Errorf("%s: fixture names start with pass- or fail-", f)
			continue
		}
		t.Run(strings.TrimSuffix(name, ext), func(t *testing.T) {
			got := Findings(t, c, f)
			if strings.HasPrefix(name, "pass-") {
				for _, g := range got {
					t.Errorf("unexpected finding %s at %d:%d %s: %s", g.CheckID, g.Line, g.Column, g.Path, g.Message)
				}
				return
			}
			if len(got) == 0 {
				t.Fatalf("expected at least one %s finding, got none", c.ID)
			}
			CompareGolden(t, strings.TrimSuffix(f, ext)+".golden.json", got)
		})
	}
	if pass == 0 || fail == 0 {
		t.Errorf("%s: needs at least one pass- and one fail- fixture (has %d and %d)", dir, pass, fail)
	}
	goldens, _ := filepath.Glob(filepath.Join(dir, "*.golden.json"))
	for _, g := range goldens {
		base := strings.TrimSuffix(g, ".golden.json")
		_, yamlErr := os.Stat(base + ".yaml")
		if _, err := os.Stat(base + ".json"); err != nil && yamlErr != nil {
			t.Errorf("%s: orphaned golden file (no fixture)", g)
		}
	}
}

// Findings loads one fixture and returns the findings of check c on it.
func Findings(t *testing.T, c *check.Check, fixture string) []GoldenFinding {
	t.Helper()
	var inv *inventory.Inventory
	var cfg check.Config
	if strings.HasSuffix(fixture, ".json") {
		inv, cfg = LoadFacts(t, fixture)
	} else {
		var err error
		if inv, err = files.Load(context.Background(), []string{fixture}, files.Options{}); err != nil {
			t.Fatalf("load %s: %v", fixture, err)
		}
		cfg = ConfigFor(t, fixture)
	}
	for _, p := range inv.Problems {
		// A fixture about repeated objects expects the loader's warning about them.
		if p.Level == inventory.ProblemWarning && strings.Contains(fixture, "duplicate") && strings.Contains(p.Message, "is also defined at") {
			continue
		}
		t.Errorf("fixture has an input problem: %s", p.Error())
	}
	findings, err := check.Run(context.Background(), inv, []*check.Check{c}, cfg)
	if err != nil {
		t.Fatalf("run %s: %v", c.ID, err)
	}
	out := make([]GoldenFinding, 0, len(findings))
	for _, f := range findings {
		out = append(out, GoldenFinding{CheckID: f.CheckID, Severity: f.Severity.String(), Object: f.Object.String(), Path: f.Path,
			Line: f.Position.Line, Column: f.Position.Column, Message: f.Message, Exempt: f.Exempt, Resource: f.Resource})
	}
	return out
}

// ConfigFor reads the fixture's "# eksguard-test:" directive.
func ConfigFor(t *testing.T, fixture string) check.Config {
	t.Helper()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	directive, ok := strings.CutPrefix(strings.TrimSpace(string(first)), "# eksguard-test:")
	if !ok {
		return check.Config{}
	}
	return parseDirective(t, fixture, directive)
}

// parseDirective reads the options of an eksguard-test directive.
func parseDirective(t *testing.T, fixture, directive string) check.Config {
	t.Helper()
	var cfg check.Config
	if strings.TrimSpace(directive) == "" {
		return cfg
	}
	for _, opt := range strings.Split(directive, ",") {
		key, val, _ := strings.Cut(strings.TrimSpace(opt), "=")
		switch key {
		case "include-system-namespaces":
			cfg.IncludeSystemNamespaces = true
		case "require-cpu-limit":
			cfg.RequireCPULimit = true
		case "allowed-hostpath-prefixes":
			cfg.AllowedHostPathPrefixes = strings.Split(val, ":")
		case "exempt-namespaces":
			cfg.ExemptNamespaces = strings.Split(val, ":")
		case "approved-registries":
			cfg.ApprovedRegistries = strings.Split(val, ":")
		case "rbac-exempt": // role names contain ':', so they are separated by '|'
			cfg.RBACExempt = strings.Split(val, "|")
		case "responder-role":
			cfg.ResponderRole = val
		case "max-secret-age-days":
			cfg.MaxSecretAgeDays = atoi(t, fixture, key, val)
		case "max-cluster-admins":
			cfg.MaxClusterAdmins = atoi(t, fixture, key, val)
		case "max-public-cidr-prefix-ipv4":
			cfg.MaxPublicCIDRPrefix.IPv4 = atoi(t, fixture, key, val)
		case "max-public-cidr-prefix-ipv6":
			cfg.MaxPublicCIDRPrefix.IPv6 = atoi(t, fixture, key, val)
		case "max-ami-age-days":
			cfg.MaxAMIAgeDays = atoi(t, fixture, key, val)
		case "upgrade-grace-days":
			cfg.UpgradeGraceDays = atoi(t, fixture, key, val)
		case "min-log-retention-days":
			cfg.MinLogRetentionDays = atoi(t, fixture, key, val)
		case "quarantine-label":
			cfg.QuarantineLabel = val
		case "role-sharing-allowlist":
			cfg.RoleSharingAllowlist = strings.Split(val, ":")
		case "known-system-components":
			cfg.KnownSystemComponents = strings.Split(val, ":")
		case "sensitive-repo-patterns":
			cfg.SensitiveRepoPatterns = strings.Split(val, ":")
		case "runbook-url":
			cfg.IncidentResponse.RunbookURL = val
		case "last-game-day":
			cfg.IncidentResponse.LastGameDay = val
		case "last-pentest":
			cfg.IncidentResponse.LastPentest = val
		default:
			t.Fatalf("%s: unknown eksguard-test option %q", fixture, key)
		}
	}
	return cfg
}

// atoi reads the number of a directive option.
func atoi(t *testing.T, fixture, key, val string) int {
	t.Helper()
	n, err := strconv.Atoi(val)
	if err != nil {
		t.Fatalf("%s: %s=%q: %v", fixture, key, val, err)
	}
	return n
}

// CompareGolden compares got with the golden file, or rewrites it when updating.
func CompareGolden(t *testing.T, golden string, got []GoldenFinding) {
	t.Helper()
	sort.SliceStable(got, func(i, j int) bool { return got[i].Line < got[j].Line })
	data, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if Updating() {
		if err := os.WriteFile(golden, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("missing golden %s (run go test with -update): %v", golden, err)
	}
	if !bytes.Equal(want, data) {
		t.Errorf("%s is stale (run go test with -update to accept):\n--- want\n%s\n--- got\n%s", golden, want, data)
	}
}

// Facts is an AWS check fixture: the AWS facts model as the collectors fill it, Kubernetes
// objects the check joins with (as a live scan would have them), coverage gaps, and an
// eksguard-test directive ("include-system-namespaces, rbac-exempt=a|b").
type Facts struct {
	AWS        *inventory.AWS    `json:"aws"`
	Kubernetes []json.RawMessage `json:"kubernetes,omitempty"`
	Gaps       []inventory.Gap   `json:"gaps,omitempty"`
	Config     string            `json:"config,omitempty"`
}

// LoadFacts reads a JSON fixture into an inventory. Unknown fields are errors, so a
// misspelt SDK field cannot make a fixture pass vacuously. Kubernetes objects go through
// the file loader, as any manifest does.
func LoadFacts(t *testing.T, fixture string) (*inventory.Inventory, check.Config) {
	t.Helper()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var fx Facts
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fx); err != nil {
		t.Fatalf("%s: %v", fixture, err)
	}
	inv := &inventory.Inventory{}
	if len(fx.Kubernetes) > 0 {
		list, err := json.MarshalIndent(map[string]any{"apiVersion": "v1", "kind": "List", "items": fx.Kubernetes}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "kubernetes.json")
		if err := os.WriteFile(path, list, 0o644); err != nil {
			t.Fatal(err)
		}
		if inv, err = files.Load(context.Background(), []string{path}, files.Options{}); err != nil {
			t.Fatalf("%s: kubernetes: %v", fixture, err)
		}
	}
	inv.AWS = fx.AWS
	for _, g := range fx.Gaps {
		inv.ReportGap(g)
	}
	return inv, parseDirective(t, fixture, fx.Config)
}
