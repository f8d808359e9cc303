package iam

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// clusterAdminPrincipals: EKS-IAM-010 (CIS EKS 4.1.7).
//
// Collects the access entries whose associated AmazonEKSClusterAdminPolicy or
// AmazonEKSAdminPolicy (matched on the last segment of policyArn) has accessScope cluster,
// and those whose kubernetesGroups a ClusterRoleBinding binds to cluster-admin. Fails when
// there are more than max_cluster_admins (settings file, default 3), or when any is an IAM
// user; otherwise the list is an info finding, the evidence a reviewer signs off. Decision:
// the policy names were confirmed against the
// cluster-access-policy ARNs eks:ListAccessPolicies returns
// (arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy).
var clusterAdminPrincipals = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-010",
		Slug:        "cluster-admin-principals",
		Title:       "Cluster-wide admin access policies must be limited to a small set of roles",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceAWSEKS,
		Remediation: "Scope access policies to namespaces (accessScope type namespace) and use AmazonEKSEditPolicy/ViewPolicy where possible.",
		References:  check.References{Guide: "iam#employ-least-privileged-access-when-creating-rolebindings-and-clusterrolebindings", CISEKS: "4.1.7"},
	},
	Reads: append([]string{"ClusterRoleBinding"}, accessEntryReads...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := awsCluster(inv)
		if a == nil {
			return
		}
		r.Evaluated(1)
		adminGroups := clusterAdminGroups(inv)
		var admins, users []string
		for _, e := range a.AccessEntries {
			principal := deref(e.Entry.PrincipalArn)
			why := clusterAdminPolicy(e)
			if why == "" {
				for _, g := range e.Entry.KubernetesGroups {
					if adminGroups[g] {
						why = "group " + g + " bound to cluster-admin"
						break
					}
				}
			}
			if why == "" {
				continue
			}
			admins = append(admins, principal+" ("+why+")")
			if inventory.IsIAMUser(principal) {
				users = append(users, principal)
			}
		}
		if len(admins) == 0 {
			return
		}
		sort.Strings(admins)
		list := strings.Join(admins, ", ")
		arn := a.ClusterResource()
		switch {
		case len(users) > 0:
			r.FailResource(arn, "AccessEntries", fmt.Sprintf("IAM user(s) %s hold cluster-wide admin; cluster admins: %s", strings.Join(users, ", "), list))
		case len(admins) > r.Config.ClusterAdmins():
			r.FailResource(arn, "AccessEntries", fmt.Sprintf("%d principals hold cluster-wide admin, more than %d: %s", len(admins), r.Config.ClusterAdmins(), list))
		default:
			r.FailResourceWith(arn, "AccessEntries", check.Info, fmt.Sprintf("%d principal(s) hold cluster-wide admin: %s", len(admins), list))
		}
	},
}

// clusterAdminGroups are the Kubernetes groups ClusterRoleBindings bind to cluster-admin.
func clusterAdminGroups(inv *inventory.Inventory) map[string]bool {
	out := map[string]bool{}
	for _, o := range inv.OfKind("ClusterRoleBinding") {
		b, ok := o.Typed.(*rbacv1.ClusterRoleBinding)
		if !ok || b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != "cluster-admin" {
			continue
		}
		for _, s := range b.Subjects {
			if s.Kind == rbacv1.GroupKind && !slices.Contains([]string{"system:masters"}, s.Name) {
				out[s.Name] = true
			}
		}
	}
	return out
}

func init() { check.Register(clusterAdminPrincipals) }
