package iam

import (
	"slices"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacEscalationVerbs: EKS-IAM-029, CIS EKS 4.1.8.
//
// Forbidden: a bound Role/ClusterRole that is not RBAC_EXEMPT whose effective rules grant bind
// or escalate on roles or clusterroles (rbac.authorization.k8s.io), or impersonate on users,
// groups, serviceaccounts, uids or userextras/<key> (group "" or authentication.k8s.io); and a
// binding of an RBAC_EXEMPT role with such rules to a subject that is not exempt (edit and
// admin may impersonate the service accounts of their namespace). bind and escalate defeat
// the API server's check that nobody grants more than they hold; impersonate acts as another
// identity outright. When the role can also create, update or patch rolebindings or
// clusterrolebindings next to bind, the finding says so: it can then grant itself any role it
// may bind.
//
// Decisions: where a RoleBinding's grant counts follows the API server's checks. bind is
// checked in the namespace of the binding being written, so bind on roles or clusterroles
// through a RoleBinding lets its grantee bind them within that namespace and counts;
// escalate on roles and impersonation of serviceaccounts are namespaced and count too; escalate
// on clusterroles and impersonation of users, groups, uids and extras are cluster-scoped and
// only a ClusterRoleBinding grants them.
// resourceNames limit the grant (the remediation's way to delegate): a rule restricted by them
// does not count. userextras/* matches a rule resource "*", "*/<key>" or "userextras/<key>".
// The catalogue's "roleRef to a role more privileged than the grantee's own" needs the
// grantee's full permission set and is not evaluated beyond the bind clause; the combination
// with create/update/patch on bindings is reported as part of the bind finding, since bind
// alone already fails. Manifest mode evaluates the RBAC objects in the input plus the
// Kubernetes default roles they bind.
var rbacEscalationVerbs = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-029",
		Slug:        "rbac-escalation-verbs",
		Title:       "bind, escalate and impersonate permissions must be limited",
		Section:     "iam",
		Severity:    check.High,
		Source:      check.SourceK8sRBAC,
		Remediation: "Remove these verbs; where delegation is needed, restrict with resourceNames to specific roles.",
		References: check.References{
			Guide:  "iam#employ-least-privileged-access-when-creating-rolebindings-and-clusterrolebindings",
			CISEKS: "4.1.8",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		impersonate := []string{"impersonate"}
		identityGroups := []string{"", "authentication.k8s.io"}
		evalBound(inv, r, boundQuery{
			accesses: []access{
				{verbs: []string{"bind", "escalate"}, groups: rbacGroup, resources: []string{"roles"}},
				{verbs: []string{"bind"}, groups: rbacGroup, resources: []string{"clusterroles"}},
				{verbs: []string{"escalate"}, groups: rbacGroup, resources: []string{"clusterroles"}, clusterScoped: true},
				{verbs: impersonate, groups: identityGroups, resources: []string{"serviceaccounts"}},
				{verbs: impersonate, groups: identityGroups, resources: []string{"users", "groups", "uids", "userextras/*"}, clusterScoped: true},
			},
			detail: bindingWriteDetail,
		})
	},
}

var rbacGroup = []string{"rbac.authorization.k8s.io"}

// bindingWrites are the accesses that, next to bind, let a role grant roles.
var bindingWrites = []access{
	{verbs: []string{"create", "update", "patch"}, groups: rbacGroup, resources: []string{"rolebindings", "clusterrolebindings"}},
}

// bindingWriteDetail says when a role that may bind can also write bindings.
func bindingWriteDetail(role *inventory.RBACRole, hits []ruleHit) string {
	bind := false
	for _, h := range hits {
		bind = bind || slices.ContainsFunc(h.grants, func(g grant) bool { return g.verb == "bind" })
	}
	if !bind {
		return ""
	}
	var writes []ruleHit
	for _, rule := range role.Rules {
		if gs := matchRule(rule, bindingWrites); len(gs) > 0 {
			writes = append(writes, ruleHit{rule: rule, grants: gs})
		}
	}
	if len(writes) == 0 {
		return ""
	}
	return "with " + (&boundQuery{}).describeGrants(writes) + " it can grant any role it may bind"
}

func init() { check.Register(rbacEscalationVerbs) }
