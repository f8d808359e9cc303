package check

import (
	"reflect"
	"testing"
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
			{ID: "iam", Title: "iam", Percent: -1, NotApplicable: 1, NeedsData: []PendingCheck{{ID: "EKS-IAM-001", Source: "aws-eks"}}, NotImplemented: []string{"EKS-IAM-099"}},
			{ID: "pod-security", Title: "pod-security", Passed: 2, Evaluated: 3, Percent: 66, NeedsData: []PendingCheck{}, NotImplemented: []string{}},
		},
		Frameworks: []Score{
			{ID: "eks-bp", Title: "EKS best practices", Passed: 2, Evaluated: 3, Percent: 66, NotApplicable: 1, NeedsData: []PendingCheck{{ID: "EKS-IAM-001", Source: "aws-eks"}}, NotImplemented: []string{"EKS-IAM-099"}},
			{ID: "cis-eks", Title: "CIS Amazon EKS 1.8.0", Passed: 0, Evaluated: 1, Percent: 0, NotApplicable: 1, NeedsData: []PendingCheck{{ID: "EKS-IAM-001", Source: "aws-eks"}}, NotImplemented: []string{}},
			{ID: "pss-baseline", Title: "PSS baseline", Passed: 0, Evaluated: 1, Percent: 0, NeedsData: []PendingCheck{}, NotImplemented: []string{}},
			{ID: "pss-restricted", Title: "PSS restricted", Passed: 1, Evaluated: 2, Percent: 50, NeedsData: []PendingCheck{}, NotImplemented: []string{}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scores:\n got %+v\nwant %+v", got, want)
	}
}
