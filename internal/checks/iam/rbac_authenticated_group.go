package iam

import (
	"slices"
	"strconv"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacAuthenticatedGroup: EKS-IAM-035.
//
// Forbidden: a RoleBinding or ClusterRoleBinding with a subject Group system:authenticated or
// Group system:serviceaccounts, other than the default ClusterRoleBindings system:basic-user,
// system:discovery, system:public-info-viewer and system:service-account-issuer-discovery. On
// EKS every IAM principal that can obtain a token for the cluster is "authenticated", and every
// pod's service account is in system:serviceaccounts: such a binding grants its role to all of
// them. One finding per binding, at its first such subject.
//
// Decisions: a default binding is recognised by kind, name and roleRef: each binds the
// ClusterRole of its own name, and one whose roleRef was changed is reported (as EKS-IAM-034
// treats system:public-info-viewer). Groups system:serviceaccounts:<namespace> are narrower and
// not reported. Bindings of cluster-admin are left to EKS-IAM-025 (RBAC_EXEMPT). Manifest mode
// evaluates the bindings in the input.
var rbacAuthenticatedGroup = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-035",
		Slug:        "rbac-authenticated-group",
		Title:       "The system:authenticated group must not receive extra permissions",
		Section:     "iam",
		Severity:    check.High,
		Source:      check.SourceK8sRBAC,
		Remediation: "Bind specific groups instead of system:authenticated.",
		References: check.References{
			Guide: "iam#review-and-revoke-unnecessary-anonymous-access-to-your-eks-cluster",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	// Subjects of bindings only: the bound role is named from roleRef, never read.
	Reads: []string{"RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		defaults := []string{"system:basic-user", "system:discovery", "system:public-info-viewer", "system:service-account-issuer-discovery"}
		m := inventory.RBACOf(inv)
		r.Evaluated(len(m.Bindings))
		for _, b := range m.Bindings {
			if isClusterAdminBinding(b) {
				continue
			}
			isDefault := b.ClusterWide() && slices.Contains(defaults, b.Name)
			if isDefault && b.RoleRefIs(inventory.KindClusterRole, b.Name) {
				continue
			}
			var broad []inventory.RBACSubject
			for _, s := range b.Subjects {
				if s.Is(rbacv1.GroupKind, inventory.GroupAuthenticated) || s.Is(rbacv1.GroupKind, inventory.GroupServiceAccounts) {
					broad = append(broad, s)
				}
			}
			if len(broad) == 0 {
				continue
			}
			who := "every authenticated principal (on EKS, every IAM identity that can get a token)"
			if !slices.ContainsFunc(broad, func(s inventory.RBACSubject) bool { return s.Name == inventory.GroupAuthenticated }) {
				who = "every service account of the cluster"
			}
			msg := b.String() + " binds " + b.RoleRefString() + " to " + listSubjects(broad) + ": " + who + " holds it"
			if !b.ClusterWide() {
				msg += " in namespace " + strconv.Quote(b.Namespace)
			}
			if isDefault {
				msg += "; the default binding must reference ClusterRole " + strconv.Quote(b.Name)
			}
			r.Fail(b.Object, broad[0].Path(), msg)
		}
	},
}

func init() { check.Register(rbacAuthenticatedGroup) }
