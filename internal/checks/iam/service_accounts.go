package iam

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers shared by the service account checks EKS-IAM-021 and EKS-IAM-022.

// defaultServiceAccount is the name of the service account every namespace gets.
const defaultServiceAccount = "default"

// effectiveServiceAccount returns the service account a pod spec runs as:
// spec.serviceAccountName, else the deprecated spec.serviceAccount, else "default", with
// the path of the field that chose it (the missing serviceAccountName for the default).
func effectiveServiceAccount(p inventory.PodSpecRef) (string, fieldpath.Path) {
	switch {
	case p.Spec.ServiceAccountName != "":
		return p.Spec.ServiceAccountName, p.SpecPath.Key("serviceAccountName")
	case p.Spec.DeprecatedServiceAccount != "":
		return p.Spec.DeprecatedServiceAccount, p.SpecPath.Key("serviceAccount")
	}
	return defaultServiceAccount, p.SpecPath.Key("serviceAccountName")
}

// saKey names a service account by namespace and name.
type saKey struct{ namespace, name string }

// String renders the service account as namespace/name, or name when the namespace is unset.
func (k saKey) String() string {
	if k.namespace == "" {
		return k.name
	}
	return k.namespace + "/" + k.name
}

// saGrant is one subject of a RoleBinding or ClusterRoleBinding that reaches service accounts.
type saGrant struct {
	Binding *inventory.Object
	Subject int
	RoleRef rbacv1.RoleRef
}

// Path is the subject's field path in the binding.
func (g saGrant) Path() fieldpath.Path { return fieldpath.Root.Key("subjects").Index(g.Subject) }

// String names the binding as Kind namespace/name (Kind name when cluster-scoped).
func (g saGrant) String() string {
	return g.Binding.Kind + " " + saKey{g.Binding.Namespace, g.Binding.Name}.String()
}

// saGrants indexes the RBAC bindings of an inventory by the service accounts they reach.
type saGrants struct {
	// direct holds subjects of kind ServiceAccount, by the service account they name.
	direct map[saKey][]saGrant
	// group holds Group subjects system:serviceaccounts:<ns> by namespace, and
	// system:serviceaccounts (every service account) under allNamespaces.
	group map[string][]saGrant
}

// allNamespaces keys the grants of Group system:serviceaccounts.
const allNamespaces = "\x00all"

// indexSAGrants reads every typed RoleBinding and ClusterRoleBinding of the inventory.
// A ServiceAccount subject without a namespace is in the binding's namespace.
func indexSAGrants(inv *inventory.Inventory) saGrants {
	g := saGrants{direct: map[saKey][]saGrant{}, group: map[string][]saGrant{}}
	add := func(o *inventory.Object, subjects []rbacv1.Subject, roleRef rbacv1.RoleRef) {
		for i, s := range subjects {
			grant := saGrant{Binding: o, Subject: i, RoleRef: roleRef}
			groupNS, isNSGroup := strings.CutPrefix(s.Name, "system:serviceaccounts:")
			switch {
			case s.Kind == rbacv1.ServiceAccountKind && s.APIGroup == "":
				ns := s.Namespace
				if ns == "" {
					ns = o.Namespace
				}
				k := saKey{ns, s.Name}
				g.direct[k] = append(g.direct[k], grant)
			case s.Kind == rbacv1.GroupKind && s.Name == "system:serviceaccounts":
				g.group[allNamespaces] = append(g.group[allNamespaces], grant)
			case s.Kind == rbacv1.GroupKind && isNSGroup && groupNS != "":
				g.group[groupNS] = append(g.group[groupNS], grant)
			}
		}
	}
	for _, o := range inv.OfKind("RoleBinding") {
		if b, ok := o.Typed.(*rbacv1.RoleBinding); ok {
			add(o, b.Subjects, b.RoleRef)
		}
	}
	for _, o := range inv.OfKind("ClusterRoleBinding") {
		if b, ok := o.Typed.(*rbacv1.ClusterRoleBinding); ok {
			add(o, b.Subjects, b.RoleRef)
		}
	}
	return g
}

// of returns every grant that reaches the service account: direct subjects first, then groups.
func (g saGrants) of(k saKey) []saGrant {
	out := append([]saGrant(nil), g.direct[k]...)
	out = append(out, g.group[k.namespace]...)
	return append(out, g.group[allNamespaces]...)
}

// indexServiceAccounts maps the core ServiceAccount objects of the inventory by namespace and name.
func indexServiceAccounts(inv *inventory.Inventory) map[saKey]*corev1.ServiceAccount {
	out := map[saKey]*corev1.ServiceAccount{}
	for _, o := range inv.OfKind("ServiceAccount") {
		if sa, ok := o.Typed.(*corev1.ServiceAccount); ok {
			out[saKey{o.Namespace, o.Name}] = sa
		}
	}
	return out
}
