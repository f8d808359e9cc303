package iam

import (
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacClusterAdmin: EKS-IAM-025, CIS EKS 4.1.1.
//
// Forbidden: a ClusterRoleBinding or RoleBinding whose roleRef is ClusterRole cluster-admin and
// that has a subject other than Group system:masters; and a binding of any other ClusterRole
// whose effective rules (aggregation resolved) hold one rule with "*" in verbs, resources and
// apiGroups (a cluster-admin equivalent), unless the role is RBAC_EXEMPT and every subject is
// an RBAC_EXEMPT subject. cluster-admin holds every permission, including reading every
// Secret and rewriting RBAC, so each holder is a cluster owner. One finding per binding, at
// its first offending subject, listing every offending subject.
//
// Decisions: the equivalent rule must not be limited by resourceNames (such a rule is not
// unlimited). For a cluster-admin equivalent that is not RBAC_EXEMPT every subject is listed,
// Group system:masters included; for an exempt one only the non-exempt subjects. A RoleBinding
// of cluster-admin grants it within one namespace; it is still reported, as the catalogue
// says. Bindings of cluster-admin are reported here (and by EKS-IAM-008) only; the other RBAC
// checks leave them out. Manifest mode evaluates the bindings in the input; an equivalent is
// recognised only when its ClusterRole is in the input.
var rbacClusterAdmin = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-025",
		Slug:        "rbac-cluster-admin",
		Title:       "cluster-admin must be bound only where required",
		Section:     "iam",
		Severity:    check.High,
		Source:      check.SourceK8sRBAC,
		Remediation: "Bind users/groups to narrower roles (admin/edit/view or custom); keep cluster-admin for a break-glass group.",
		References: check.References{
			Guide:  "iam#employ-least-privileged-access-when-creating-rolebindings-and-clusterrolebindings",
			CISEKS: "4.1.1",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	// Only bindings of ClusterRoles are judged, so Roles are never read.
	Reads: []string{"ClusterRole", "RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		m := inventory.RBACOf(inv)
		r.Evaluated(len(m.Bindings))
		for _, b := range m.Bindings {
			if isClusterAdminBinding(b) {
				var subjects []inventory.RBACSubject
				for _, s := range b.Subjects {
					if !s.Is(rbacv1.GroupKind, inventory.GroupMasters) {
						subjects = append(subjects, s)
					}
				}
				if len(subjects) > 0 {
					r.Fail(b.Object, subjects[0].Path(), b.String()+" binds ClusterRole \"cluster-admin\" to "+listSubjects(subjects))
				}
				continue
			}
			if b.RoleRef.Kind != inventory.KindClusterRole || b.Role == nil {
				continue
			}
			i := slices.IndexFunc(b.Role.Rules, isAdminRule)
			if i < 0 {
				continue
			}
			subjects := b.Subjects
			if inventory.IsExemptRoleName(b.Role.Name, r.Config.RBACExempt) {
				subjects = nil
				for _, s := range b.Subjects {
					if !s.Exempt() {
						subjects = append(subjects, s)
					}
				}
			}
			if len(subjects) > 0 {
				r.Fail(b.Object, subjects[0].Path(), b.String()+" binds "+b.Role.String()+", whose "+b.Role.Rules[i].Label()+
					" grants every verb on every resource in every API group (a cluster-admin equivalent), to "+listSubjects(subjects))
			}
		}
	},
}

// isAdminRule reports whether a rule grants every verb on every resource in every API group.
func isAdminRule(rule inventory.RBACRule) bool {
	return slices.Contains(rule.Verbs, rbacv1.VerbAll) && slices.Contains(rule.Resources, rbacv1.ResourceAll) &&
		slices.Contains(rule.APIGroups, rbacv1.APIGroupAll) && len(rule.ResourceNames) == 0
}

// listSubjects names subjects: User "alice", Group "ops".
func listSubjects(ss []inventory.RBACSubject) string {
	return (&boundQuery{}).describeSubjects(ss)
}

func init() { check.Register(rbacClusterAdmin) }
