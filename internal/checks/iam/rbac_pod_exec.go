package iam

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacPodExec: EKS-IAM-036.
//
// Forbidden: a bound Role/ClusterRole that is not RBAC_EXEMPT whose effective rules grant
// create or get on pods/exec, pods/attach or pods/portforward (core group), and a binding of
// an RBAC_EXEMPT role with such rules (edit, admin) to a subject that is not exempt. get counts
// because older clients open these streams with a GET upgrade. exec and attach run commands
// with the container's identity and secrets; port-forward reaches ports never exposed as a
// Service. Medium within namespaces; high when a ClusterRoleBinding grants it (every pod of
// the cluster).
//
// Decisions: RBAC_MATCH applies: "pods" alone does not grant these subresources, "*/exec" and
// "*" do. A rule restricted by resourceNames to named pods does not count. Manifest mode
// evaluates the RBAC objects in the input plus the Kubernetes default roles they bind.
var rbacPodExec = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-036",
		Slug:        "rbac-pod-exec",
		Title:       "exec, attach and port-forward into pods must be limited",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceK8sRBAC,
		Remediation: "Grant exec only to on-call roles in the namespaces they operate; audit its use (EKS-DET-007).",
		References: check.References{
			Guide: "iam#employ-least-privileged-access-when-creating-rolebindings-and-clusterrolebindings",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		evalBound(inv, r, boundQuery{
			accesses: []access{{verbs: []string{"create", "get"}, groups: coreGroup, resources: []string{"pods/exec", "pods/attach", "pods/portforward"}}},
			severity: highWhenClusterWide(check.Medium),
		})
	},
}

func init() { check.Register(rbacPodExec) }
