package iam

import (
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacPodCreate: EKS-IAM-028, CIS EKS 4.1.4.
//
// Forbidden: a bound Role/ClusterRole that is not RBAC_EXEMPT whose effective rules grant
// create on pods, or create, update or patch on deployments, replicasets, statefulsets,
// daemonsets (apps), jobs, cronjobs (batch), replicationcontrollers or podtemplates (core);
// and a binding of an RBAC_EXEMPT role with such rules (edit, admin, ...) to a subject that is
// not exempt. Whoever creates a pod chooses its service account, host mounts and privileges,
// so pod creation is as strong as the strongest service account and node in reach. Medium;
// high when a subject is Group system:authenticated or system:serviceaccounts (every
// principal or every service account can then create pods).
//
// Decisions: ServiceAccount subjects in SYSTEM_NAMESPACES do not count unless
// --include-system-namespaces is given (the catalogue grades service accounts "outside
// SYSTEM_NAMESPACES": controllers there create pods by design); User and Group subjects always
// count. Group system:unauthenticated and User system:anonymous also make the finding high,
// being broader than system:authenticated. Only the groups the catalogue names count (a
// wildcard apiGroups matches them); extensions/v1beta1 workloads are no longer served.
// Manifest mode evaluates the RBAC objects in the input plus the Kubernetes default roles they
// bind.
var rbacPodCreate = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-028",
		Slug:        "rbac-pod-create",
		Title:       "Permission to create pods must be minimised",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceK8sRBAC,
		Remediation: "Limit pod/workload creation to CI/CD identities and operators scoped to their namespaces.",
		References: check.References{
			Guide:  "iam#employ-least-privileged-access-when-creating-rolebindings-and-clusterrolebindings",
			CISEKS: "4.1.4",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		write := []string{"create", "update", "patch"}
		evalBound(inv, r, boundQuery{
			accesses: []access{
				{verbs: []string{"create"}, groups: coreGroup, resources: []string{"pods"}},
				{verbs: write, groups: []string{"apps"}, resources: []string{"deployments", "replicasets", "statefulsets", "daemonsets"}},
				{verbs: write, groups: []string{"batch"}, resources: []string{"jobs", "cronjobs"}},
				{verbs: write, groups: coreGroup, resources: []string{"replicationcontrollers", "podtemplates"}},
			},
			counts: func(s inventory.RBACSubject, r *check.Reporter) bool {
				return s.Kind != rbacv1.ServiceAccountKind || r.Config.IncludeSystemNamespaces || !r.Config.IsSystemNamespace(s.Namespace)
			},
			severity: func(_ []ruleHit, bs []boundBinding) check.Severity {
				for _, bb := range bs {
					for _, s := range bb.subjects {
						if isEveryoneSubject(s) {
							return check.High
						}
					}
				}
				return check.Medium
			},
		})
	},
}

// isEveryoneSubject reports whether the subject stands for every principal, every
// unauthenticated request or every service account.
func isEveryoneSubject(s inventory.RBACSubject) bool {
	switch s.Kind {
	case rbacv1.GroupKind:
		return s.Name == inventory.GroupAuthenticated || s.Name == inventory.GroupUnauthenticated || s.Name == inventory.GroupServiceAccounts
	case rbacv1.UserKind:
		return s.Name == inventory.UserAnonymous
	}
	return false
}

func init() { check.Register(rbacPodCreate) }
