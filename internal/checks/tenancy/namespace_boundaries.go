package tenancy

import (
	"path"
	"slices"
	"strconv"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// namespaceBoundaries: EKS-TEN-004, CIS EKS 4.5.1 (manual).
//
// Namespaces are an administrative boundary only when teams are bound inside them. Whether the
// split of namespaces matches teams and applications is for a reviewer; eksguard pre-flags the
// pattern that defeats the split: a subject (User, Group or ServiceAccount) that holds
// RoleBindings in two or more namespaces and also a ClusterRoleBinding to ClusterRole edit,
// admin or cluster-admin, which gives it the same rights in every namespace. The info finding
// points at the subject in the ClusterRoleBinding and lists the namespaces of its RoleBindings.
// Subjects exempt under RBAC_EXEMPT (Group system:masters and system:nodes, EKS add-on
// ServiceAccounts in kube-system) are not reported.
//
// Decisions: a ServiceAccount subject of a RoleBinding without a namespace is in the binding's
// namespace. The remaining evidence the catalogue lists (owner labels, workload and binding
// counts per namespace) is inventory for a reviewer, not a finding, and is not reported.
var namespaceBoundaries = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-TEN-004",
		Slug:        "namespace-boundaries",
		Title:       "Namespaces must form administrative boundaries",
		Section:     "multi-tenancy",
		Severity:    check.Info,
		Source:      check.SourceK8sObjects,
		Remediation: "Create a namespace per team or application and bind teams only within their namespaces.",
		References: check.References{
			Guide:  "multitenancy#namespaces",
			CISEKS: "4.5.1",
		},
	},
	Reads: []string{"RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		bound := map[subjectKey][]string{}
		for _, o := range inv.OfKind("RoleBinding") {
			rb, ok := o.Typed.(*rbacv1.RoleBinding)
			if !ok {
				continue
			}
			for _, s := range rb.Subjects {
				k := keyOf(s, o.Namespace)
				if !slices.Contains(bound[k], o.Namespace) {
					bound[k] = append(bound[k], o.Namespace)
				}
			}
		}
		for _, o := range inv.OfKind("ClusterRoleBinding") {
			crb, ok := o.Typed.(*rbacv1.ClusterRoleBinding)
			if !ok || crb.RoleRef.Kind != "ClusterRole" || !slices.Contains(clusterWideRoles, crb.RoleRef.Name) {
				continue
			}
			for i, s := range crb.Subjects {
				k := keyOf(s, "")
				if k.exempt() {
					continue
				}
				r.Evaluated(1)
				nss := bound[k]
				if len(nss) < 2 {
					continue
				}
				slices.Sort(nss)
				r.Fail(o, fieldpath.Root.Key("subjects").Index(i), k.String()+" has RoleBindings in namespaces "+strings.Join(nss, ", ")+
					" and this ClusterRoleBinding grants it ClusterRole "+strconv.Quote(crb.RoleRef.Name)+" in every namespace, so namespaces do not bound it")
			}
		}
	},
}

// clusterWideRoles are the ClusterRoles whose cluster-wide binding defeats namespace boundaries.
var clusterWideRoles = []string{"edit", "admin", "cluster-admin"}

// subjectKey identifies an RBAC subject.
type subjectKey struct{ kind, namespace, name string }

// keyOf identifies a subject; a ServiceAccount without a namespace is in defaultNS.
func keyOf(s rbacv1.Subject, defaultNS string) subjectKey {
	k := subjectKey{kind: s.Kind, name: s.Name}
	if s.Kind == rbacv1.ServiceAccountKind {
		k.namespace = s.Namespace
		if k.namespace == "" {
			k.namespace = defaultNS
		}
	}
	return k
}

func (k subjectKey) String() string {
	if k.kind == rbacv1.ServiceAccountKind {
		return "ServiceAccount " + strconv.Quote(k.namespace+"/"+k.name)
	}
	return k.kind + " " + strconv.Quote(k.name)
}

// exempt reports RBAC_EXEMPT subjects: Group system:masters and system:nodes, and the
// ServiceAccounts of EKS add-ons in kube-system.
func (k subjectKey) exempt() bool {
	switch k.kind {
	case rbacv1.GroupKind:
		return k.name == "system:masters" || k.name == "system:nodes"
	case rbacv1.ServiceAccountKind:
		if k.namespace != "kube-system" {
			return false
		}
		for _, pattern := range []string{"aws-node", "coredns", "kube-proxy", "ebs-csi-*", "efs-csi-*", "eks-pod-identity-agent", "aws-load-balancer-controller"} {
			if ok, _ := path.Match(pattern, k.name); ok {
				return true
			}
		}
	}
	return false
}

func init() { check.Register(namespaceBoundaries) }
