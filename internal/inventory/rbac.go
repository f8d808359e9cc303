package inventory

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/eksguard/eksguard/internal/fieldpath"
)

// This file is the RBAC model the k8s-rbac checks share: the catalogue's RBAC_MATCH
// (RuleGrants, RuleGrantsURL) and RBAC_EXEMPT (IsExemptRoleName, RBACSubject.Exempt), and an
// index of the inventory's Roles, ClusterRoles and their bindings with aggregated ClusterRoles
// resolved to their effective rules. RBACOf builds it once per inventory.

// RBAC kinds, as objects and roleRefs name them.
const (
	KindRole               = "Role"
	KindClusterRole        = "ClusterRole"
	KindRoleBinding        = "RoleBinding"
	KindClusterRoleBinding = "ClusterRoleBinding"
)

// RuleGrants is RBAC_MATCH: whether rule grants verb on resource in apiGroup, for the object
// called name. resource is "R" or "R/S" for a subresource; "R/S" is matched only by the rule
// resources "R/S", "*/S" and "*". The core group is "". name is the object the caller is
// about; "" means no particular object, which a rule restricted by resourceNames does not
// grant (as the API server treats list, watch, create and deletecollection).
func RuleGrants(rule *rbacv1.PolicyRule, verb, apiGroup, resource, name string) bool {
	return hasOrAll(rule.Verbs, verb, rbacv1.VerbAll) &&
		hasOrAll(rule.APIGroups, apiGroup, rbacv1.APIGroupAll) &&
		resourceMatches(rule.Resources, resource) &&
		(len(rule.ResourceNames) == 0 || (name != "" && slices.Contains(rule.ResourceNames, name)))
}

// RuleGrantsURL is RBAC_MATCH for non-resource URLs: verb on url is granted when verbs
// contains it or "*" and nonResourceURLs contains url, "*", or a pattern "P*" with url
// starting with P.
func RuleGrantsURL(rule *rbacv1.PolicyRule, verb, url string) bool {
	if !hasOrAll(rule.Verbs, verb, rbacv1.VerbAll) {
		return false
	}
	for _, u := range rule.NonResourceURLs {
		if u == rbacv1.NonResourceAll || u == url || (strings.HasSuffix(u, "*") && strings.HasPrefix(url, strings.TrimRight(u, "*"))) {
			return true
		}
	}
	return false
}

func hasOrAll(list []string, want, all string) bool {
	for _, v := range list {
		if v == want || v == all {
			return true
		}
	}
	return false
}

func resourceMatches(ruleResources []string, resource string) bool {
	_, sub, isSub := strings.Cut(resource, "/")
	for _, r := range ruleResources {
		if r == rbacv1.ResourceAll || r == resource || (isSub && r == "*/"+sub) {
			return true
		}
	}
	return false
}

// IsExemptRoleName reports whether a Role or ClusterRole name is RBAC_EXEMPT: it starts with
// "system:" or "eks:", is one of cluster-admin, admin, edit, view, aws-node, or is in extra
// (the configuration's rbac_exempt).
func IsExemptRoleName(name string, extra []string) bool {
	if strings.HasPrefix(name, "system:") || strings.HasPrefix(name, "eks:") {
		return true
	}
	switch name {
	case "cluster-admin", "admin", "edit", "view", "aws-node":
		return true
	}
	return slices.Contains(extra, name)
}

// eksAddonServiceAccounts are the kube-system service accounts of EKS add-ons that
// RBAC_EXEMPT lists; a trailing "*" is a prefix.
var eksAddonServiceAccounts = []string{
	"aws-node", "coredns", "kube-proxy", "ebs-csi-*", "efs-csi-*", "eks-pod-identity-agent", "aws-load-balancer-controller",
}

// Well-known subjects.
const (
	GroupMasters         = "system:masters"
	GroupNodes           = "system:nodes"
	GroupAuthenticated   = "system:authenticated"
	GroupUnauthenticated = "system:unauthenticated"
	GroupServiceAccounts = "system:serviceaccounts"
	UserAnonymous        = "system:anonymous"
)

// RBACRole is a Role or ClusterRole: one of the inventory, or a Kubernetes default
// ClusterRole that the inventory lacks (Object nil; see defaultClusterRoles).
type RBACRole struct {
	Kind      string
	Namespace string
	Name      string
	// Object is the Role or ClusterRole of the inventory, or nil for a Kubernetes default.
	Object *Object
	Labels map[string]string
	// Aggregation is the ClusterRole's aggregationRule, or nil.
	Aggregation *rbacv1.AggregationRule
	// Rules are the effective rules: the role's own rules in order, then for an aggregated
	// ClusterRole the rules of the ClusterRoles its selectors match (transitively), without
	// duplicates.
	Rules []RBACRule
	// Bindings are the RoleBindings and ClusterRoleBindings whose roleRef names this role, in
	// source order.
	Bindings []*RBACBinding
	// Shadowed is set on a role a later object of the same kind, namespace and name replaces:
	// kubectl apply of the whole input leaves the later one, which RBAC.Role returns and
	// which alone takes part in aggregation. But the input may be several applications'
	// manifests, applied in any order, so a shadowed role is still judged as written and the
	// bindings that name it are listed in its Bindings too (the loader warns about the repeat).
	// Its Rules are its own: an aggregationRule of a shadowed ClusterRole is not resolved.
	// Checks that start from a binding (RBACBinding.Role) see only the last copy.
	Shadowed bool
}

// Default reports whether the role is a Kubernetes default the inventory does not contain.
func (r *RBACRole) Default() bool { return r.Object == nil }

// String names the role as Kind "namespace/name" (Kind "name" for a ClusterRole).
func (r *RBACRole) String() string { return r.Kind + " " + strconv.Quote(nsName(r.Namespace, r.Name)) }

// RBACRule is one effective rule of a role and where it is written.
type RBACRule struct {
	*rbacv1.PolicyRule
	// From is the role whose rules[Index] holds the rule: the role itself, or for an
	// aggregated rule the ClusterRole it was aggregated from.
	From  *RBACRole
	Index int
	// Selector is the index in aggregationRule.clusterRoleSelectors of the role that brought
	// the rule in, or -1 for the role's own rules.
	Selector int
}

// Aggregated reports whether the rule came from another ClusterRole through aggregation.
func (r RBACRule) Aggregated() bool { return r.Selector >= 0 }

// Path locates the rule in the role that holds it as an effective rule: rules[i] for its own
// rules, aggregationRule.clusterRoleSelectors[j] for an aggregated one.
func (r RBACRule) Path() fieldpath.Path {
	if r.Aggregated() {
		return fieldpath.Root.Key("aggregationRule").Key("clusterRoleSelectors").Index(r.Selector)
	}
	return fieldpath.Root.Key("rules").Index(r.Index)
}

// Label names the rule in messages: rules[1], or rules[1] of ClusterRole "x" (aggregated).
func (r RBACRule) Label() string {
	s := "rules" + fieldpath.IndexSegment(r.Index)
	if r.Aggregated() {
		s += " of " + r.From.String() + " (aggregated)"
	}
	return s
}

// RBACBinding is a RoleBinding or ClusterRoleBinding of the inventory.
type RBACBinding struct {
	Object    *Object
	Kind      string
	Namespace string
	Name      string
	RoleRef   rbacv1.RoleRef
	Subjects  []RBACSubject
	// Role is the role roleRef names, or nil when it is neither in the inventory nor a
	// Kubernetes default.
	Role *RBACRole
}

// ClusterWide reports whether the binding is a ClusterRoleBinding: its role applies in every
// namespace and to cluster-scoped resources.
func (b *RBACBinding) ClusterWide() bool { return b.Kind == KindClusterRoleBinding }

// Covers reports whether the binding grants its role's permissions on objects in namespace
// ("" for every namespace, or any) of a namespaced resource, or of a cluster-scoped
// resource. A RoleBinding covers namespaced resources of its own namespace only.
func (b *RBACBinding) Covers(namespace string, clusterScoped bool) bool {
	if b.ClusterWide() {
		return true
	}
	return !clusterScoped && (namespace == "" || namespace == b.Namespace)
}

// RoleRefIs reports whether roleRef names the role of kind (Role or ClusterRole) called name.
func (b *RBACBinding) RoleRefIs(kind, name string) bool {
	return b.RoleRef.Kind == kind && b.RoleRef.Name == name
}

// String names the binding as Kind "namespace/name" (Kind "name" for a ClusterRoleBinding).
func (b *RBACBinding) String() string {
	return b.Kind + " " + strconv.Quote(nsName(b.Namespace, b.Name))
}

// RoleRefString names the bound role as roleRef does: ClusterRole "edit".
func (b *RBACBinding) RoleRefString() string {
	return b.RoleRef.Kind + " " + strconv.Quote(b.RoleRef.Name)
}

// Exempt reports whether every subject is an RBAC_EXEMPT subject (a binding without subjects
// is exempt too: it grants nothing), or the binding is a control-plane default (see
// controlPlaneDefault).
func (b *RBACBinding) Exempt() bool {
	if b.controlPlaneDefault() {
		return true
	}
	for _, s := range b.Subjects {
		if !s.Exempt() {
			return false
		}
	}
	return true
}

// controlPlaneDefault reports the bindings Kubernetes and EKS create for their own control
// plane (system:controller:* roles bound to kube-system controller ServiceAccounts,
// system:kube-scheduler, eks:* roles for EKS components). RBAC_EXEMPT's literal subject list
// misses them, and every live cluster would report them as HIGH findings. The rule is narrow
// on purpose: binding and role both named system:* or eks:*, and every subject a kube-system
// ServiceAccount, a system:kube-* or eks:* User, or Group system:masters, system:nodes or
// system:bootstrappers. Anything bound to system:authenticated or system:anonymous is never
// covered (EKS-IAM-034/035 judge those).
func (b *RBACBinding) controlPlaneDefault() bool {
	reserved := func(name string) bool { return strings.HasPrefix(name, "system:") || strings.HasPrefix(name, "eks:") }
	if !reserved(b.Name) || !reserved(b.RoleRef.Name) || len(b.Subjects) == 0 {
		return false
	}
	for _, s := range b.Subjects {
		switch {
		case s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "kube-system":
		case s.Kind == rbacv1.UserKind && (strings.HasPrefix(s.Name, "system:kube-") || strings.HasPrefix(s.Name, "eks:")):
		case s.Kind == rbacv1.GroupKind && (s.Name == GroupMasters || s.Name == GroupNodes || s.Name == "system:bootstrappers"):
		default:
			return false
		}
	}
	return true
}

// RBACSubject is one subject of a binding.
type RBACSubject struct {
	// Kind is User, Group or ServiceAccount.
	Kind string
	Name string
	// Namespace is the ServiceAccount's namespace; a RoleBinding's subject without one is in
	// the binding's namespace.
	Namespace string
	// Index is the subject's position in the binding's subjects.
	Index int
}

// Path locates the subject in its binding.
func (s RBACSubject) Path() fieldpath.Path { return fieldpath.Root.Key("subjects").Index(s.Index) }

// String names the subject: User "alice", ServiceAccount "ns/name".
func (s RBACSubject) String() string {
	if s.Kind == rbacv1.ServiceAccountKind {
		return s.Kind + " " + strconv.Quote(nsName(s.Namespace, s.Name))
	}
	return s.Kind + " " + strconv.Quote(s.Name)
}

// Is reports whether the subject is of kind and called name.
func (s RBACSubject) Is(kind, name string) bool { return s.Kind == kind && s.Name == name }

// Exempt reports whether the subject is an RBAC_EXEMPT subject: Group system:masters, Group
// system:nodes, or a kube-system ServiceAccount of an EKS add-on.
func (s RBACSubject) Exempt() bool {
	switch s.Kind {
	case rbacv1.GroupKind:
		return s.Name == GroupMasters || s.Name == GroupNodes
	case rbacv1.ServiceAccountKind:
		if s.Namespace != "kube-system" {
			return false
		}
		for _, a := range eksAddonServiceAccounts {
			if p, ok := strings.CutSuffix(a, "*"); (ok && strings.HasPrefix(s.Name, p)) || s.Name == a {
				return true
			}
		}
	}
	return false
}

// IncludesServiceAccount reports whether the subject reaches the service account namespace/name:
// the ServiceAccount itself, or Group system:serviceaccounts, system:serviceaccounts:<namespace>
// or system:authenticated.
func (s RBACSubject) IncludesServiceAccount(namespace, name string) bool {
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		return s.Namespace == namespace && s.Name == name
	case rbacv1.GroupKind:
		return s.Name == GroupServiceAccounts || s.Name == GroupAuthenticated || s.Name == GroupServiceAccounts+":"+namespace
	}
	return false
}

func nsName(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// RBAC indexes the Roles, ClusterRoles and bindings of an inventory.
type RBAC struct {
	// Roles are the inventory's Roles and ClusterRoles in source order (shadowed ones
	// included), then the Kubernetes default ClusterRoles it lacks.
	Roles []*RBACRole
	// Bindings are the inventory's RoleBindings and ClusterRoleBindings in source order.
	Bindings []*RBACBinding
	byKey    map[roleKey]*RBACRole
}

type roleKey struct{ kind, namespace, name string }

// Role returns the Role (namespace set) or ClusterRole called name, or nil.
func (m *RBAC) Role(kind, namespace, name string) *RBACRole {
	if kind == KindClusterRole {
		namespace = ""
	}
	return m.byKey[roleKey{kind, namespace, name}]
}

// RBACOf returns the RBAC model of the inventory, built on first use and shared by every
// check that asks for it (see Memo).
func RBACOf(inv *Inventory) *RBAC {
	return Memo(inv, rbacKey{}, func() *RBAC { return BuildRBAC(inv) })
}

type rbacKey struct{}

// BuildRBAC indexes the typed Roles, ClusterRoles, RoleBindings and ClusterRoleBindings of the
// inventory, adds the Kubernetes default ClusterRoles it lacks, resolves aggregation and
// bindings. Prefer RBACOf, which builds once per inventory.
func BuildRBAC(inv *Inventory) *RBAC {
	m := &RBAC{byKey: map[roleKey]*RBACRole{}}
	at := map[roleKey]int{}                 // index in m.Roles
	shadowed := map[*RBACRole][]*RBACRole{} // the last role of a name -> the earlier ones
	// add indexes a role. An object repeated in the input shadows the earlier one (see
	// RBACRole.Shadowed); a Kubernetes default is only added when the input lacks the role.
	add := func(r *RBACRole, own []rbacv1.PolicyRule, isDefault bool) {
		k := roleKey{r.Kind, r.Namespace, r.Name}
		i, seen := at[k]
		if seen && isDefault {
			return
		}
		for i := range own {
			r.Rules = append(r.Rules, RBACRule{PolicyRule: &own[i], From: r, Index: i, Selector: -1})
		}
		if seen {
			prev := m.Roles[i]
			prev.Shadowed = true
			shadowed[r] = append(shadowed[prev], prev)
			delete(shadowed, prev)
		}
		m.byKey[k] = r
		at[k] = len(m.Roles)
		m.Roles = append(m.Roles, r)
	}
	for _, o := range inv.OfKind(KindRole) {
		if t, ok := o.Typed.(*rbacv1.Role); ok && o.Group() == rbacv1.GroupName {
			add(&RBACRole{Kind: KindRole, Namespace: o.Namespace, Name: o.Name, Object: o, Labels: t.Labels}, t.Rules, false)
		}
	}
	for _, o := range inv.OfKind(KindClusterRole) {
		if t, ok := o.Typed.(*rbacv1.ClusterRole); ok && o.Group() == rbacv1.GroupName {
			add(&RBACRole{Kind: KindClusterRole, Name: o.Name, Object: o, Labels: t.Labels, Aggregation: t.AggregationRule}, t.Rules, false)
		}
	}
	for _, d := range defaultClusterRoles() {
		add(&RBACRole{Kind: KindClusterRole, Name: d.Name, Labels: d.Labels, Aggregation: d.AggregationRule}, d.Rules, true)
	}
	m.aggregate()
	addBinding := func(o *Object, roleRef rbacv1.RoleRef, subjects []rbacv1.Subject) {
		b := &RBACBinding{Object: o, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, RoleRef: roleRef}
		if o.Kind == KindClusterRoleBinding {
			b.Namespace = ""
		}
		for i, s := range subjects {
			sub := RBACSubject{Kind: s.Kind, Name: s.Name, Namespace: s.Namespace, Index: i}
			if s.Kind == rbacv1.ServiceAccountKind && sub.Namespace == "" {
				sub.Namespace = b.Namespace
			}
			b.Subjects = append(b.Subjects, sub)
		}
		if roleRef.APIGroup == "" || roleRef.APIGroup == rbacv1.GroupName {
			switch {
			case roleRef.Kind == KindClusterRole:
				b.Role = m.Role(KindClusterRole, "", roleRef.Name)
			case roleRef.Kind == KindRole && b.Kind == KindRoleBinding:
				b.Role = m.Role(KindRole, b.Namespace, roleRef.Name)
			}
		}
		if b.Role != nil {
			b.Role.Bindings = append(b.Role.Bindings, b)
			for _, earlier := range shadowed[b.Role] {
				earlier.Bindings = append(earlier.Bindings, b)
			}
		}
		m.Bindings = append(m.Bindings, b)
	}
	for _, o := range inv.OfKind(KindRoleBinding) {
		if t, ok := o.Typed.(*rbacv1.RoleBinding); ok && o.Group() == rbacv1.GroupName {
			addBinding(o, t.RoleRef, t.Subjects)
		}
	}
	for _, o := range inv.OfKind(KindClusterRoleBinding) {
		if t, ok := o.Typed.(*rbacv1.ClusterRoleBinding); ok && o.Group() == rbacv1.GroupName {
			addBinding(o, t.RoleRef, t.Subjects)
		}
	}
	return m
}

// aggregate appends to every aggregated ClusterRole the effective rules of the ClusterRoles its
// clusterRoleSelectors match, as the clusterrole-aggregation controller does (matched roles in
// name order, the role itself skipped, identical rules once), transitively: an aggregated
// source contributes its own aggregated rules. A cycle contributes what was resolved so far.
func (m *RBAC) aggregate() {
	var clusterRoles []*RBACRole
	for _, r := range m.Roles {
		if r.Kind == KindClusterRole && !r.Shadowed {
			clusterRoles = append(clusterRoles, r)
		}
	}
	sort.SliceStable(clusterRoles, func(i, j int) bool { return clusterRoles[i].Name < clusterRoles[j].Name })
	const (
		pending = iota
		visiting
		done
	)
	state := map[*RBACRole]int{}
	var resolve func(r *RBACRole)
	resolve = func(r *RBACRole) {
		if state[r] != pending {
			return
		}
		state[r] = visiting
		if r.Aggregation != nil {
			seen := map[string]bool{}
			for _, rule := range r.Rules {
				seen[ruleKey(rule.PolicyRule)] = true
			}
			for j := range r.Aggregation.ClusterRoleSelectors {
				sel, err := metav1.LabelSelectorAsSelector(&r.Aggregation.ClusterRoleSelectors[j])
				if err != nil {
					continue
				}
				for _, src := range clusterRoles {
					if src == r || !sel.Matches(labels.Set(src.Labels)) {
						continue
					}
					resolve(src)
					for _, rule := range src.Rules {
						if k := ruleKey(rule.PolicyRule); !seen[k] {
							seen[k] = true
							rule.Selector = j
							r.Rules = append(r.Rules, rule)
						}
					}
				}
			}
		}
		state[r] = done
	}
	for _, r := range clusterRoles {
		resolve(r)
	}
}

// ruleKey identifies a rule by content; nil and empty lists are the same.
func ruleKey(r *rbacv1.PolicyRule) string {
	var b strings.Builder
	for _, l := range [][]string{r.Verbs, r.APIGroups, r.Resources, r.ResourceNames, r.NonResourceURLs} {
		for _, v := range l {
			b.WriteString(strconv.Quote(v))
		}
		b.WriteByte('|')
	}
	return b.String()
}
