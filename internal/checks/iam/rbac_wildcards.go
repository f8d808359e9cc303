package iam

import (
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacWildcards: EKS-IAM-026, CIS EKS 4.1.3.
//
// Forbidden: a rule of a Role or ClusterRole that is not RBAC_EXEMPT with "*" in verbs,
// resources or apiGroups, or (ClusterRoles only, where they mean something) "*" in
// nonResourceURLs. A wildcard grants every verb, resource or group, including those added
// later by new API versions and CRDs. One finding per rule, at the first "*" (in the order
// verbs, apiGroups, resources, nonResourceURLs), naming every field that holds one; high when
// verbs and resources both hold "*", medium otherwise. Whether the role is bound does not
// matter: this is about rule content.
//
// Decisions: an aggregated ClusterRole is evaluated on its effective rules; a rule aggregated
// from another ClusterRole of the input that is not RBAC_EXEMPT is reported on that role only,
// so a wildcard is reported once; one aggregated from an exempt or default role is reported on
// the aggregating role, at its clusterRoleSelectors entry. Only the literal "*" counts (not
// "*/scale" in resources or "/api/*" in nonResourceURLs, which are limited). RBAC_EXEMPT roles
// (system:*, eks:*, cluster-admin, admin, edit, view, aws-node and rbac_exempt) are never
// reported here. Manifest mode evaluates the roles in the input.
var rbacWildcards = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-026",
		Slug:        "rbac-wildcards",
		Title:       "Roles and ClusterRoles must not use wildcards",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceK8sRBAC,
		Remediation: "List the specific verbs, resources and API groups the subject needs.",
		References: check.References{
			Guide:  "iam#employ-least-privileged-access-when-creating-rolebindings-and-clusterrolebindings",
			CISEKS: "4.1.3",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	// Rule content only: whether a role is bound does not change what is reported.
	Reads: []string{"Role", "ClusterRole"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, role := range inventory.RBACOf(inv).Roles {
			if role.Object == nil || inventory.IsExemptRoleName(role.Name, r.Config.RBACExempt) {
				continue
			}
			r.Evaluated(1)
			for _, rule := range role.Rules {
				if rule.Aggregated() && rule.From.Object != nil && !inventory.IsExemptRoleName(rule.From.Name, r.Config.RBACExempt) {
					continue
				}
				fields := []ruleField{{"verbs", rule.Verbs}, {"apiGroups", rule.APIGroups}, {"resources", rule.Resources}}
				if role.Kind == inventory.KindClusterRole {
					fields = append(fields, ruleField{"nonResourceURLs", rule.NonResourceURLs})
				}
				var wild []string
				at := rule.Path()
				for _, f := range fields {
					j := slices.Index(f.values, "*")
					if j < 0 {
						continue
					}
					if len(wild) == 0 && !rule.Aggregated() {
						at = at.Key(f.name).Index(j)
					}
					wild = append(wild, f.name)
				}
				if len(wild) == 0 {
					continue
				}
				sev := check.Medium
				if slices.Contains(rule.Verbs, rbacv1.VerbAll) && slices.Contains(rule.Resources, rbacv1.ResourceAll) {
					sev = check.High
				}
				r.FailWith(role.Object, at, sev, role.String()+" "+rule.Label()+" uses \"*\" in "+strings.Join(wild, ", "))
			}
		}
	},
}

// ruleField is one list field of a PolicyRule.
type ruleField struct {
	name   string
	values []string
}

func init() { check.Register(rbacWildcards) }
