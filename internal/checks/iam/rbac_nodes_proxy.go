package iam

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacNodesProxy: EKS-IAM-031, CIS EKS 4.1.10.
//
// Forbidden: a ClusterRole that is not RBAC_EXEMPT whose effective rules grant get or create
// (or "*") on nodes/proxy (core group) and that a ClusterRoleBinding grants to a subject that
// is not RBAC_EXEMPT; and a ClusterRoleBinding of an RBAC_EXEMPT role with such rules to a
// subject that is not exempt. nodes/proxy reaches the kubelet API of every node: exec into any
// pod there, with no pod-level audit event.
//
// Decisions: nodes are cluster-scoped, so only ClusterRoleBindings grant nodes/proxy. RBAC_MATCH
// applies: "nodes" alone does not grant the subresource, "*/proxy" and "*" do. A rule restricted
// by resourceNames (node names) does not count: node names change with every node. Manifest
// mode evaluates the RBAC objects in the input plus the Kubernetes default roles they bind.
var rbacNodesProxy = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-031",
		Slug:        "rbac-nodes-proxy",
		Title:       "Access to the nodes/proxy subresource must be limited",
		Section:     "iam",
		Severity:    check.High,
		Source:      check.SourceK8sRBAC,
		Remediation: "Remove nodes/proxy from roles; monitoring agents should use the metrics endpoints instead.",
		References: check.References{
			Guide:  "iam#employ-least-privileged-access-when-creating-rolebindings-and-clusterrolebindings",
			CISEKS: "4.1.10",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		evalBound(inv, r, boundQuery{accesses: []access{
			{verbs: []string{"get", "create"}, groups: coreGroup, resources: []string{"nodes/proxy"}, clusterScoped: true},
		}})
	},
}

func init() { check.Register(rbacNodesProxy) }
