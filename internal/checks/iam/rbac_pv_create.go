package iam

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacPVCreate: EKS-IAM-030, CIS EKS 4.1.9.
//
// Forbidden: a ClusterRole that is not RBAC_EXEMPT whose effective rules grant create on
// persistentvolumes (core group) and that a ClusterRoleBinding grants to a subject that is not
// RBAC_EXEMPT; and a ClusterRoleBinding of an RBAC_EXEMPT role with such rules to a subject
// that is not exempt. A PersistentVolume can be a hostPath volume: whoever creates one and a
// claim for it mounts any node path into a pod, past pod-level hostPath controls.
//
// Decisions: PersistentVolumes are cluster-scoped, so RoleBindings (and Roles) cannot grant
// them and are not reported. A rule restricted by resourceNames does not grant create.
// Manifest mode evaluates the RBAC objects in the input plus the Kubernetes default roles they
// bind (none of admin, edit, view creates PersistentVolumes).
var rbacPVCreate = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-030",
		Slug:        "rbac-pv-create",
		Title:       "Permission to create PersistentVolumes must be limited",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceK8sRBAC,
		Remediation: "Let only storage administrators and CSI provisioners create PersistentVolumes; users create PVCs.",
		References: check.References{
			Guide:  "iam#employ-least-privileged-access-when-creating-rolebindings-and-clusterrolebindings",
			CISEKS: "4.1.9",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		evalBound(inv, r, boundQuery{accesses: []access{
			{verbs: []string{"create"}, groups: coreGroup, resources: []string{"persistentvolumes"}, clusterScoped: true},
		}})
	},
}

func init() { check.Register(rbacPVCreate) }
