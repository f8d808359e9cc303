package check

import (
	"context"
	"testing"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// exceptNamed excepts findings about objects of one name.
type exceptNamed string

func (n exceptNamed) Except(obj *inventory.Object, _ *Finding) *ExceptionRef {
	if obj.Name == string(n) {
		return &ExceptionRef{Source: "x.yaml:1", Type: ExceptionFile, Justification: "accepted"}
	}
	return nil
}

// TestExceptedFindingsDoNotFailTheControl: the runner marks covered findings excepted as
// they are recorded; they neither fail the control nor make it not-applicable.
func TestExceptedFindingsDoNotFailTheControl(t *testing.T) {
	inv := &inventory.Inventory{}
	inv.Add(&inventory.Object{ObjectRef: inventory.ObjectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "a"}},
		&inventory.Object{ObjectRef: inventory.ObjectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: "kube-system", Name: "b"}})
	// An Inventory check that reports without counting what it evaluated.
	c := &Check{Meta: Meta{ID: "EKS-TST-001", Title: "t", Severity: High, SystemNamespaces: ExemptSystemNamespaces},
		Inventory: func(inv *inventory.Inventory, r *Reporter) {
			for _, o := range inv.Objects {
				r.Fail(o, fieldpath.Root.Key("data"), "bad")
			}
		}}
	for _, tc := range []struct {
		name      string
		except    Excepter
		status    string
		failed    int
		statusOfA Status
	}{
		{"no exceptions", nil, "fail", 1, StatusFail},
		{"the only failing finding excepted", exceptNamed("a"), "pass", 0, StatusExcepted},
		{"an exempt finding excepted too", exceptNamed("b"), "fail", 1, StatusFail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Evaluate(context.Background(), inv, []*Check{c}, Config{Exceptions: tc.except})
			if err != nil {
				t.Fatal(err)
			}
			res := out.Results[0]
			if res.Status() != tc.status || res.Failed != tc.failed {
				t.Errorf("status %s failed %d, want %s %d", res.Status(), res.Failed, tc.status, tc.failed)
			}
			for _, f := range out.Findings {
				if f.Object.Name == "a" && (f.Status != tc.statusOfA || (f.Status == StatusExcepted) != (f.Exception != nil)) {
					t.Errorf("finding on a: status %s exception %+v", f.Status, f.Exception)
				}
				if f.Fails() != (f.Status == StatusFail && !f.Exempt) {
					t.Errorf("Fails() of %+v", f)
				}
			}
		})
	}
}
