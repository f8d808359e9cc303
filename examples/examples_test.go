// Package examples holds the "shop" sample application in two variants: insecure/ with
// the mistakes eksguard exists to catch, and fixed/ written the way the checks ask for.
// This test keeps both honest as checks are added: fixed/ must scan clean under every
// registered check, and insecure/ must keep tripping the headline ones.
package examples

import (
	"context"
	"slices"
	"testing"

	"github.com/eksguard/eksguard/internal/check"
	_ "github.com/eksguard/eksguard/internal/checks/all" // every registered check
	"github.com/eksguard/eksguard/internal/scan"
)

func scanDir(t *testing.T, dir string) *scan.Result {
	t.Helper()
	// Zero Options: every registered check, every severity down to info, default config.
	res, err := scan.Files(context.Background(), []string{dir}, scan.Options{})
	if err != nil {
		t.Fatalf("scan %s: %v", dir, err)
	}
	if len(res.Checks) == 0 {
		t.Fatal("no checks are registered")
	}
	for _, p := range res.Inventory.Problems {
		t.Errorf("input problem: %v", p)
	}
	return res
}

func TestFixedIsClean(t *testing.T) {
	res := scanDir(t, "fixed")
	if len(res.Inventory.Objects) == 0 {
		t.Fatal("fixed/ holds no objects")
	}
	for _, f := range res.Findings {
		t.Errorf("%s:%d:%d %s %s %s: %s (%s)", f.Position.File, f.Position.Line, f.Position.Column,
			f.Severity, f.CheckID, f.Object, f.Message, f.Path)
	}
	t.Logf("%d objects, %d checks, %d findings", len(res.Inventory.Objects), len(res.Checks), len(res.Findings))
}

func TestInsecureHasFindings(t *testing.T) {
	res := scanDir(t, "insecure")
	var fired []string
	for _, f := range res.Findings {
		if !slices.Contains(fired, f.CheckID) {
			fired = append(fired, f.CheckID)
		}
	}
	for _, id := range []string{
		"EKS-POD-001", // privileged init container (worker)
		"EKS-POD-004", // hostNetwork (worker)
		"EKS-POD-026", // writable root filesystem (every container)
	} {
		if _, ok := check.Lookup(id); !ok {
			t.Errorf("%s is not registered", id)
			continue
		}
		if !slices.Contains(fired, id) {
			t.Errorf("insecure/ has no %s finding; checks that fired: %v", id, fired)
		}
	}
}
