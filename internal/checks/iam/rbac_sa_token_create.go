package iam

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacSATokenCreate: EKS-IAM-033, CIS EKS 4.1.12.
//
// Forbidden: a bound Role/ClusterRole that is not RBAC_EXEMPT whose effective rules grant
// create on serviceaccounts/token (core group), and a binding of an RBAC_EXEMPT role with such
// rules (edit, admin) to a subject that is not exempt. The TokenRequest API mints a token for
// any service account in reach, so the grantee holds the permissions of all of them. Medium
// when granted within namespaces; high when a ClusterRoleBinding grants it (every service
// account of the cluster, kube-system's included).
//
// Decisions: RBAC_MATCH applies: "serviceaccounts" alone does not grant the subresource,
// "*/token" and "*" do. A rule restricted by resourceNames to named service accounts does not
// count, as the remediation recommends exactly that. Manifest mode evaluates the RBAC objects
// in the input plus the Kubernetes default roles they bind.
var rbacSATokenCreate = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-033",
		Slug:        "rbac-sa-token-create",
		Title:       "Permission to create service account tokens must be limited",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceK8sRBAC,
		Remediation: "Remove the grant or scope it with resourceNames to the service accounts a controller manages.",
		References: check.References{
			Guide:  "iam#employ-least-privileged-access-when-creating-rolebindings-and-clusterrolebindings",
			CISEKS: "4.1.12",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		evalBound(inv, r, boundQuery{
			accesses: []access{{verbs: []string{"create"}, groups: coreGroup, resources: []string{"serviceaccounts/token"}}},
			severity: highWhenClusterWide(check.Medium),
		})
	},
}

func init() { check.Register(rbacSATokenCreate) }
