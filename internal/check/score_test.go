package check

import (
	"context"
	"reflect"
	"testing"

	"github.com/eksguard/eksguard/internal/inventory"
)

func TestComputeScores(t *testing.T) {
	pss := &Check{Meta: Meta{ID: "EKS-POD-001", Section: "pod-security", References: References{CISEKS: "4.2.1", PSS: "baseline/privileged"}}}
	restricted := &Check{Meta: Meta{ID: "EKS-POD-016", Section: "pod-security", References: References{PSS: "restricted/allowPrivilegeEscalation"}}}
	guide := &Check{Meta: Meta{ID: "EKS-POD-026", Section: "pod-security"}}
	nothing := &Check{Meta: Meta{ID: "EKS-IAM-020", Section: "iam", References: References{CISEKS: "4.1.5"}}}
	results := []Result{
		{Check: pss, Evaluated: 4, Failed: 1},
		{Check: restricted, Evaluated: 4},
		{Check: guide, Evaluated: 4},
		{Check: nothing}, // ran, nothing to evaluate
	}
	pending := []Pending{
		{ID: "EKS-IAM-001", Section: "iam", Source: "aws-eks", References: References{CISEKS: "5.4.2"}, Reason: NeedsData},
		{ID: "EKS-IAM-099", Section: "iam", Source: SourceK8sRBAC, Reason: NotImplemented},
	}
	got := ComputeScores(results, pending, []string{"iam", "pod-security", "network"}, func(s string) string { return s }, AllFrameworks)
	want := Scores{
		Sections: []Score{
			{ID: "iam", Title: "iam", Percent: -1, NotApplicable: 1, NeedsData: []PendingCheck{{ID: "EKS-IAM-001", Source: "aws-eks"}}, NotImplemented: []string{"EKS-IAM-099"}, CoverageGaps: []string{}},
			{ID: "pod-security", Title: "pod-security", Passed: 2, Evaluated: 3, Percent: 66, NeedsData: []PendingCheck{}, NotImplemented: []string{}, CoverageGaps: []string{}},
		},
		Frameworks: []Score{
			{ID: "eks-bp", Title: "EKS best practices", Passed: 2, Evaluated: 3, Percent: 66, NotApplicable: 1, NeedsData: []PendingCheck{{ID: "EKS-IAM-001", Source: "aws-eks"}}, NotImplemented: []string{"EKS-IAM-099"}, CoverageGaps: []string{}},
			{ID: "cis-eks", Title: "CIS Amazon EKS 1.8.0", Passed: 0, Evaluated: 1, Percent: 0, NotApplicable: 1, NeedsData: []PendingCheck{{ID: "EKS-IAM-001", Source: "aws-eks"}}, NotImplemented: []string{}, CoverageGaps: []string{}},
			{ID: "pss-baseline", Title: "PSS baseline", Passed: 0, Evaluated: 1, Percent: 0, NeedsData: []PendingCheck{}, NotImplemented: []string{}, CoverageGaps: []string{}},
			{ID: "pss-restricted", Title: "PSS restricted", Passed: 1, Evaluated: 2, Percent: 50, NeedsData: []PendingCheck{}, NotImplemented: []string{}, CoverageGaps: []string{}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scores:\n got %+v\nwant %+v", got, want)
	}
}

func TestGapsMarkReadersNotEvaluated(t *testing.T) {
	inv := &inventory.Inventory{}
	inv.ReportGap(inventory.Gap{Kind: "NetworkPolicy", Resource: "networking.k8s.io/v1/networkpolicies", Reason: inventory.GapForbidden})
	pods := &Check{Meta: Meta{ID: "EKS-POD-001"}, PodSpec: func(inventory.PodSpecRef, *Reporter) {}}
	netpol := &Check{Meta: Meta{ID: "EKS-NET-001"}, Inventory: func(_ *inventory.Inventory, r *Reporter) {
		r.Evaluated(1)
	}, Reads: []string{"Namespace", "NetworkPolicy"}}
	unknown := &Check{Meta: Meta{ID: "EKS-CMP-001"}, Inventory: func(*inventory.Inventory, *Reporter) {}}
	out, err := Evaluate(context.Background(), inv, []*Check{pods, netpol, unknown}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.Results {
		got = append(got, r.Check.ID+"="+r.Status())
	}
	want := []string{"EKS-POD-001=not-applicable", "EKS-NET-001=not-evaluated", "EKS-CMP-001=not-evaluated"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if !reflect.DeepEqual(inv.Gaps[0].Checks, []string{"EKS-NET-001", "EKS-CMP-001"}) {
		t.Errorf("gap checks %v", inv.Gaps[0].Checks)
	}
}

func TestGapChecksAreNotDuplicatedAcrossRuns(t *testing.T) {
	inv := &inventory.Inventory{}
	inv.ReportGap(inventory.Gap{Kind: "Secret", Reason: inventory.GapForbidden})
	c := &Check{Meta: Meta{ID: "EKS-IAM-024"}, Inventory: func(*inventory.Inventory, *Reporter) {}, Reads: []string{"Secret"}}
	for range 2 {
		if _, err := Evaluate(context.Background(), inv, []*Check{c}, Config{}); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(inv.Gaps[0].Checks, []string{"EKS-IAM-024"}) {
		t.Errorf("gap checks after two runs: %v", inv.Gaps[0].Checks)
	}
}
