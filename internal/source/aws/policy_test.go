package aws_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/eksguard/eksguard/internal/inventory"
	awssource "github.com/eksguard/eksguard/internal/source/aws"
	"github.com/eksguard/eksguard/internal/source/aws/awstest"
)

// policyFile is the read-only IAM policy the scanner needs.
var policyFile = filepath.Join("..", "..", "..", "deploy", "iam-policy.json")

// PolicyActions reads the actions of every Allow statement of an IAM policy document.
func policyActions(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version   string
		Statement []struct {
			Sid      string
			Effect   string
			Action   []string
			Resource string
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if doc.Version != "2012-10-17" {
		t.Errorf("%s: Version = %q, want 2012-10-17", path, doc.Version)
	}
	var out []string
	for _, st := range doc.Statement {
		if st.Effect != "Allow" || st.Resource != "*" {
			t.Errorf("%s: statement %s: want Effect Allow on Resource *", path, st.Sid)
		}
		if !slices.IsSorted(st.Action) {
			t.Errorf("%s: statement %s: actions are not sorted", path, st.Sid)
		}
		out = append(out, st.Action...)
	}
	sort.Strings(out)
	if len(slices.Compact(slices.Clone(out))) != len(out) {
		t.Errorf("%s lists an action twice", path)
	}
	return out
}

// TestIAMPolicyMatchesCalls runs a full collection against moto (every collector has
// something to read) and compares the actions it called with deploy/iam-policy.json: an
// action the policy lacks would be denied in a real account; one it lists but the scanner
// never calls is more access than the scanner needs.
func TestIAMPolicyMatchesCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct, _, inv := fullAccount(t, ctx)
	rec := &calls{}
	opts := options(acct, "prod", rec)
	if err := awssource.Collect(ctx, inv, opts); err != nil {
		t.Fatal(err)
	}
	if len(inv.Gaps) > 0 {
		t.Fatalf("the collection left gaps, so not every call was made: %+v", inv.Gaps)
	}
	// Basic scanning reads ecr:DescribeImageScanFindings instead of inspector2:ListFindings.
	basic := srv.NewAccount(t)
	if _, err := basic.CreateCluster(ctx, awstest.ClusterSpec{Name: "prod", Version: "1.31"}); err != nil {
		t.Fatal(err)
	}
	for _, repo := range []string{"shop/web", "shop/worker"} {
		if err := basic.CreateRepository(ctx, repo, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	basicInv := &inventory.Inventory{}
	pushImages(t, ctx, basic, basicInv, false)
	if err := awssource.Collect(ctx, basicInv, options(basic, "prod", rec)); err != nil {
		t.Fatal(err)
	}
	called := rec.actions()
	policy := policyActions(t, policyFile)
	for _, a := range called {
		if !slices.Contains(policy, a) {
			t.Errorf("the scanner calls %s, which deploy/iam-policy.json does not allow", a)
		}
	}
	for _, a := range policy {
		if !slices.Contains(called, a) {
			t.Errorf("deploy/iam-policy.json allows %s, which the scanner never calls", a)
		}
	}
}
