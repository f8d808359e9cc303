package incident

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// maxSessionSeconds is the longest role session EKS-IR-004 accepts without a pre-flag.
const maxSessionSeconds = 3600

// revokeWorkloadCredentials: EKS-IR-004 (manual; pre-flags only).
//
// A reviewer confirms the session-revocation runbook. The automatic pre-flag: each node role
// (use "node") and workload role (IRSA or Pod Identity) whose MaxSessionDuration exceeds 3600
// seconds fails (low) on the role's ARN, since a stolen session lives that long.
//
// Decisions: the evidence half (a prepared revoke-older-sessions deny with an
// aws:TokenIssueTime condition, or a responder role allowed iam:PutRolePolicy on these roles
// via iam:SimulatePrincipalPolicy) is not collected, so nothing is reported for it; a role
// whose MaxSessionDuration is unset has the IAM default of 3600 seconds and passes.
var revokeWorkloadCredentials = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IR-004",
		Slug:        "revoke-workload-credentials",
		Title:       "Responders must be able to revoke workload credentials quickly",
		Section:     "incident-response",
		Severity:    check.Low,
		Source:      check.SourceAWSIAM,
		Remediation: "Document and test session revocation (deny with aws:TokenIssueTime) for node and pod roles; keep session durations short.",
		References:  check.References{Guide: "incidents#revoke-temporary-security-credentials-assigned-to-the-pod-or-worker-node-if-necessary"},
	},
	Reads: []string{"ServiceAccount", inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("eks:DescribeNodegroup"),
		inventory.AWSKind("iam:GetInstanceProfile"), inventory.AWSKind("eks:DescribePodIdentityAssociation"), inventory.AWSKind("iam:GetRole")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil {
			return
		}
		roles := make([]*inventory.IAMRole, 0, len(inv.AWS.Roles))
		for i := range inv.AWS.Roles {
			roles = append(roles, &inv.AWS.Roles[i])
		}
		sort.Slice(roles, func(i, j int) bool { return deref(roles[i].Role.Arn) < deref(roles[j].Role.Arn) })
		for _, role := range roles {
			var kinds []string
			for _, u := range role.Uses {
				kind, _, _ := strings.Cut(u, ":")
				if kind != inventory.RoleUseCluster && !slices.Contains(kinds, kind) {
					kinds = append(kinds, kind)
				}
			}
			if len(kinds) == 0 {
				continue
			}
			r.Evaluated(1)
			if d := role.Role.MaxSessionDuration; d != nil && *d > maxSessionSeconds {
				r.FailResource(deref(role.Role.Arn), "Role.MaxSessionDuration", fmt.Sprintf("%s role sessions last up to %d seconds (over %d): stolen credentials stay valid that long unless revoked",
					strings.Join(kinds, "/"), *d, maxSessionSeconds))
			}
		}
	},
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func init() { check.Register(revokeWorkloadCredentials) }
