package iam

import (
	"strconv"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacAnonymous: EKS-IAM-034.
//
// Forbidden: a RoleBinding or ClusterRoleBinding with a subject User system:anonymous or Group
// system:unauthenticated. Those are requests that present no credentials: whatever such a
// binding grants, anyone who reaches the API endpoint holds. The default ClusterRoleBinding
// system:public-info-viewer (version and health endpoints) is allowed as long as its roleRef
// is still ClusterRole system:public-info-viewer; pointed elsewhere it fails too. One finding
// per binding, at its first anonymous subject.
//
// Decisions: bindings of cluster-admin are left to EKS-IAM-025, which reports every subject of
// them (RBAC_EXEMPT: cluster-admin bindings are reported only by EKS-IAM-025 and EKS-IAM-008).
// Subject names are compared exactly, as the authorizer does. Manifest mode evaluates the
// bindings in the input.
var rbacAnonymous = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-034",
		Slug:        "rbac-anonymous",
		Title:       "Anonymous and unauthenticated users must not be bound to roles",
		Section:     "iam",
		Severity:    check.High,
		Source:      check.SourceK8sRBAC,
		Remediation: "Delete the binding or replace the subject with authenticated groups.",
		References: check.References{
			Guide: "iam#review-and-revoke-unnecessary-anonymous-access-to-your-eks-cluster",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	// Subjects of bindings only: the bound role is named from roleRef, never read.
	Reads: []string{"RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		const publicInfoViewer = "system:public-info-viewer"
		m := inventory.RBACOf(inv)
		r.Evaluated(len(m.Bindings))
		for _, b := range m.Bindings {
			if isClusterAdminBinding(b) {
				continue
			}
			isDefault := b.ClusterWide() && b.Name == publicInfoViewer
			if isDefault && b.RoleRefIs(inventory.KindClusterRole, publicInfoViewer) {
				continue
			}
			var anonymous []inventory.RBACSubject
			for _, s := range b.Subjects {
				if s.Is(rbacv1.UserKind, inventory.UserAnonymous) || s.Is(rbacv1.GroupKind, inventory.GroupUnauthenticated) {
					anonymous = append(anonymous, s)
				}
			}
			if len(anonymous) == 0 {
				continue
			}
			msg := b.String() + " binds " + b.RoleRefString() + " to " + listSubjects(anonymous) +
				": anyone who can reach the API server holds it"
			if !b.ClusterWide() {
				msg += " in namespace " + strconv.Quote(b.Namespace)
			}
			msg += ", without credentials"
			if isDefault {
				msg += "; the default binding must reference ClusterRole \"" + publicInfoViewer + "\""
			}
			r.Fail(b.Object, anonymous[0].Path(), msg)
		}
	},
}

func init() { check.Register(rbacAnonymous) }
