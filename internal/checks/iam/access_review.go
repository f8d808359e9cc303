package iam

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// accessReview: EKS-IAM-037.
//
// Not a pass/fail test: info findings are the access evidence a reviewer signs off, one per
// access entry (type, principal, username, Kubernetes groups, associated policies and their
// scopes) and one per aws-auth mapping. Decision: IAM principals with eks:* permissions
// (iam:SimulatePrincipalPolicy) and last-seen times from the authenticator log are not
// collected yet; the RBAC side of the review is the RBAC checks' findings.
var accessReview = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-037",
		Slug:        "access-review",
		Title:       "Cluster access must be reviewed regularly",
		Section:     "iam",
		Severity:    check.Info,
		Source:      check.SourceAWSEKS,
		Remediation: "Remove stale entries and bindings; record the review.",
		References:  check.References{Guide: "iam#regularly-audit-access-to-the-cluster"},
	},
	Reads: accessEntryReads,
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := awsCluster(inv)
		if a == nil {
			return
		}
		r.Evaluated(1)
		for _, e := range a.AccessEntries {
			msg := fmt.Sprintf("access entry: %s principal %s", orUnknown(deref(e.Entry.Type)), deref(e.Entry.PrincipalArn))
			if u := deref(e.Entry.Username); u != "" {
				msg += ", username " + u
			}
			if len(e.Entry.KubernetesGroups) > 0 {
				msg += ", groups [" + strings.Join(e.Entry.KubernetesGroups, ", ") + "]"
			}
			r.FailResource(entryResource(a, e), "", msg+", "+describePolicies(e))
		}
		for _, c := range findAWSAuth(inv) {
			for _, e := range slices.Concat(c.Roles, c.Users) {
				r.Fail(c.Object, e.Path(), "aws-auth "+e.Label()+": "+e.Describe())
			}
		}
	},
}

func orUnknown(s string) string {
	if s == "" {
		return "(type unknown)"
	}
	return s
}

func init() { check.Register(accessReview) }
