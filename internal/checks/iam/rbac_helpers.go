package iam

import (
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers shared by the RBAC checks (EKS-IAM-008, 025..036). The RBAC model itself, with
// RBAC_MATCH and RBAC_EXEMPT, is inventory.RBACOf; this file turns "every non-RBAC_EXEMPT bound
// Role/ClusterRole granting X" into findings the same way for every check:
//
//   - A Role/ClusterRole that is not RBAC_EXEMPT and whose effective rules grant X is reported
//     once per offending rule, on the role at rules[i].verbs[j] (the first verb that grants),
//     or at aggregationRule.clusterRoleSelectors[j] for a rule aggregated from another
//     ClusterRole. The message lists every binding that grants the rule and its subjects.
//     It is reported only when a binding with a subject that is not RBAC_EXEMPT grants it.
//   - An RBAC_EXEMPT role (admin, edit, view, system:*, eks:*, rbac_exempt names, ...) is never
//     reported for its rules; instead each binding of it that grants X to a subject that is not
//     RBAC_EXEMPT is reported, on the binding at that subject. Bindings of cluster-admin are
//     left to EKS-IAM-025 and EKS-IAM-008.
//   - A binding grants a rule only where it applies: a RoleBinding in its own namespace and for
//     namespaced resources; a ClusterRoleBinding everywhere. A check about cluster-scoped
//     resources therefore only sees ClusterRoleBindings.
//   - Roles and bindings whose roleRef names a role missing from the input (and not a Kubernetes
//     default, see inventory.RBACOf) cannot be judged and are skipped.

// access is a permission a bound-role check looks for: any of verbs on any of resources in
// any of groups.
type access struct {
	verbs     []string
	groups    []string
	resources []string
	// name is the object the check is about; "" means every object, which rules restricted
	// by resourceNames do not grant (RBAC_MATCH).
	name string
	// anyName also matches rules restricted by resourceNames (the check grades them instead).
	anyName bool
	// namespace is the namespace of the objects the check is about, "" for every namespace.
	namespace string
	// clusterScoped says the resources are cluster-scoped: only ClusterRoleBindings grant them.
	clusterScoped bool
}

// grant is one verb on one resource that a rule grants.
type grant struct {
	verb, resource string
	access         int
}

// ruleHit is an effective rule of a role that grants some of a check's accesses.
type ruleHit struct {
	rule   inventory.RBACRule
	grants []grant
}

// matchRule returns what the rule grants of the accesses.
func matchRule(rule inventory.RBACRule, accesses []access) []grant {
	var out []grant
	for ai, a := range accesses {
		name := a.name
		pr := rule.PolicyRule
		if a.anyName && len(pr.ResourceNames) > 0 {
			stripped := *pr
			stripped.ResourceNames = nil
			pr = &stripped
		}
		for _, res := range a.resources {
			for _, verb := range a.verbs {
				for _, g := range a.groups {
					if grantsResource(pr, verb, g, res, name) {
						out = append(out, grant{verb: verb, resource: res, access: ai})
						break
					}
				}
			}
		}
	}
	return out
}

// grantsResource is RBAC_MATCH, where a resource "R/*" stands for any subresource of R
// (userextras/<key>): it is granted when some "R/S" is.
func grantsResource(rule *rbacv1.PolicyRule, verb, group, resource, name string) bool {
	parent, ok := strings.CutSuffix(resource, "/*")
	if !ok {
		return inventory.RuleGrants(rule, verb, group, resource, name)
	}
	for _, r := range rule.Resources {
		var concrete string
		switch {
		case r == "*":
			concrete = parent + "/any"
		case strings.HasPrefix(r, parent+"/"):
			concrete = r
		case strings.HasPrefix(r, "*/"):
			concrete = parent + r[1:]
		default:
			continue
		}
		if inventory.RuleGrants(rule, verb, group, concrete, name) {
			return true
		}
	}
	return false
}

// covers reports whether binding b grants hit h somewhere: for at least one access the hit
// matched, b applies to that access's namespace and scope.
func covers(b *inventory.RBACBinding, h ruleHit, accesses []access) bool {
	for _, g := range h.grants {
		if a := accesses[g.access]; b.Covers(a.namespace, a.clusterScoped) {
			return true
		}
	}
	return false
}

// boundBinding is a binding with the subjects that count for a check.
type boundBinding struct {
	b        *inventory.RBACBinding
	subjects []inventory.RBACSubject
}

// boundQuery describes a "bound Role/ClusterRole granting X" check.
type boundQuery struct {
	accesses []access
	// clusterAdmin also evaluates bindings of ClusterRole cluster-admin (EKS-IAM-008); there
	// only Group system:masters is an exempt subject.
	clusterAdmin bool
	// counts filters the subjects that are not RBAC_EXEMPT further (nil: all count).
	counts func(s inventory.RBACSubject, r *check.Reporter) bool
	// unboundInfo reports roles with no binding at all as info (EKS-IAM-027).
	unboundInfo bool
	// severity grades a finding from the rules it is about and the bindings that grant them;
	// nil keeps the check's severity.
	severity func(hits []ruleHit, bindings []boundBinding) check.Severity
	// object, when set, follows the granted verbs and resources in messages ("covering ...").
	object string
	// detail, when set, adds a clause to a finding about role's hits (EKS-IAM-029).
	detail func(role *inventory.RBACRole, hits []ruleHit) string
	// note, when set, adds to a subject's name in messages (EKS-IAM-008: aws-auth mappings).
	note func(s inventory.RBACSubject) string
}

// countedSubjects returns the subjects of b that count for q.
func (q *boundQuery) countedSubjects(b *inventory.RBACBinding, r *check.Reporter) []inventory.RBACSubject {
	clusterAdmin := isClusterAdminBinding(b)
	var out []inventory.RBACSubject
	for _, s := range b.Subjects {
		exempt := s.Exempt()
		if clusterAdmin {
			exempt = s.Is(rbacv1.GroupKind, inventory.GroupMasters)
		}
		if !exempt && (q.counts == nil || q.counts(s, r)) {
			out = append(out, s)
		}
	}
	return out
}

// isClusterAdminBinding reports whether b binds ClusterRole cluster-admin.
func isClusterAdminBinding(b *inventory.RBACBinding) bool {
	return b.RoleRefIs(inventory.KindClusterRole, clusterAdmin)
}

const clusterAdmin = "cluster-admin"

// fail reports at the check's severity, or the one q.severity grades.
func (q *boundQuery) fail(r *check.Reporter, o *inventory.Object, at fieldpath.Path, hits []ruleHit, bs []boundBinding, msg string) {
	if q.severity == nil {
		r.Fail(o, at, msg)
		return
	}
	r.FailWith(o, at, q.severity(hits, bs), msg)
}

// details is q.detail's clause, "; "-prefixed, or "".
func (q *boundQuery) details(role *inventory.RBACRole, hits []ruleHit) string {
	if q.detail == nil {
		return ""
	}
	if d := q.detail(role, hits); d != "" {
		return "; " + d
	}
	return ""
}

// evalBound runs a bound-role check and reports its findings.
func evalBound(inv *inventory.Inventory, r *check.Reporter, q boundQuery) {
	m := inventory.RBACOf(inv)
	evaluated := len(m.Bindings)
	// A binding of a repeated exempt role is reported once, for the copy that grants what
	// it reports: the last copy (what RBAC.Role resolves) first, then earlier ones.
	exemptReported := map[*inventory.RBACBinding]bool{}
	roles := make([]*inventory.RBACRole, 0, len(m.Roles))
	for _, shadowed := range []bool{false, true} {
		for _, role := range m.Roles {
			if role.Shadowed == shadowed {
				roles = append(roles, role)
			}
		}
	}
	for _, role := range roles {
		if role.Object != nil {
			evaluated++
		}
		var hits []ruleHit
		for _, rule := range role.Rules {
			if gs := matchRule(rule, q.accesses); len(gs) > 0 {
				hits = append(hits, ruleHit{rule: rule, grants: gs})
			}
		}
		if len(hits) == 0 {
			continue
		}
		if inventory.IsExemptRoleName(role.Name, r.Config.RBACExempt) {
			reportExemptRoleBindings(role, hits, r, &q, exemptReported)
			continue
		}
		if role.Object == nil {
			continue
		}
		for _, h := range hits {
			var bound []boundBinding
			for _, b := range role.Bindings {
				if !covers(b, h, q.accesses) {
					continue
				}
				if subjects := q.countedSubjects(b, r); len(subjects) > 0 {
					bound = append(bound, boundBinding{b, subjects})
				}
			}
			msg := role.String() + " " + h.rule.Label() + " grants " + q.describeGrants([]ruleHit{h})
			switch {
			case len(bound) > 0:
				q.fail(r, role.Object, hitPath(h), []ruleHit{h}, bound, msg+q.details(role, []ruleHit{h})+"; bound by "+q.describeBindings(bound))
			case len(role.Bindings) == 0 && q.unboundInfo:
				r.FailWith(role.Object, hitPath(h), check.Info, msg+"; no binding in the input grants it to anyone")
			}
		}
	}
	r.Evaluated(evaluated)
}

// reportExemptRoleBindings reports each binding of an RBAC_EXEMPT role that grants one of hits
// to a subject that is not exempt, at that subject.
// Bindings in reported (a binding of another copy of the role) are skipped, and those it
// reports are added.
func reportExemptRoleBindings(role *inventory.RBACRole, hits []ruleHit, r *check.Reporter, q *boundQuery, reported map[*inventory.RBACBinding]bool) {
	for _, b := range role.Bindings {
		if (isClusterAdminBinding(b) && !q.clusterAdmin) || reported[b] {
			continue
		}
		var covered []ruleHit
		for _, h := range hits {
			if covers(b, h, q.accesses) {
				covered = append(covered, h)
			}
		}
		subjects := q.countedSubjects(b, r)
		if len(covered) == 0 || len(subjects) == 0 {
			continue
		}
		what := b.RoleRefString()
		if role.Default() {
			what += " (Kubernetes default)"
		}
		reported[b] = true
		q.fail(r, b.Object, subjects[0].Path(), covered, []boundBinding{{b, subjects}}, b.String()+" binds "+what+" to "+q.describeSubjects(subjects)+
			"; "+describeRuleLabels(covered)+" grant "+q.describeGrants(covered)+q.details(role, covered))
	}
}

// hitPath is where a role finding points: the first verb of the rule that grants, or the
// aggregation selector that brought an aggregated rule in.
func hitPath(h ruleHit) fieldpath.Path {
	if h.rule.Aggregated() {
		return h.rule.Path()
	}
	for j, v := range h.rule.Verbs {
		for _, g := range h.grants {
			if v == g.verb || v == rbacv1.VerbAll {
				return h.rule.Path().Key("verbs").Index(j)
			}
		}
	}
	return h.rule.Path()
}

// describeGrants renders what hits grant, resources with the same verbs together:
// "get, list on secrets; create on pods/exec, pods/attach", then q.object.
func (q *boundQuery) describeGrants(hits []ruleHit) string {
	var resources []string
	verbs := map[string][]string{}
	for _, h := range hits {
		for _, g := range h.grants {
			if !slices.Contains(resources, g.resource) {
				resources = append(resources, g.resource)
			}
			if !slices.Contains(verbs[g.resource], g.verb) {
				verbs[g.resource] = append(verbs[g.resource], g.verb)
			}
		}
	}
	var parts []string
	done := map[string]bool{}
	for _, res := range resources {
		if done[res] {
			continue
		}
		vs := verbs[res]
		same := []string{res}
		for _, other := range resources {
			if other != res && !done[other] && slices.Equal(verbs[other], vs) {
				same = append(same, other)
				done[other] = true
			}
		}
		done[res] = true
		parts = append(parts, strings.Join(vs, ", ")+" on "+strings.Join(same, ", "))
	}
	if q.object != "" {
		parts[len(parts)-1] += ", " + q.object
	}
	return strings.Join(parts, "; ")
}

// describeRuleLabels names the rules of hits: "its rules[0], rules[2]" or "its default rules".
func describeRuleLabels(hits []ruleHit) string {
	var labels []string
	defaults := false
	for _, h := range hits {
		if h.rule.From.Default() {
			defaults = true
			continue
		}
		if l := h.rule.Label(); !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	if defaults {
		labels = append(labels, "default rules")
	}
	return "its " + strings.Join(labels, ", ")
}

// describeBindings renders bindings and their subjects: RoleBinding "ns/b" to User "alice", ...
func (q *boundQuery) describeBindings(bs []boundBinding) string {
	parts := make([]string, len(bs))
	for i, bb := range bs {
		parts[i] = bb.b.String() + " to " + q.describeSubjects(bb.subjects)
	}
	return strings.Join(parts, "; ")
}

func (q *boundQuery) describeSubjects(ss []inventory.RBACSubject) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.String()
		if q.note != nil {
			if n := q.note(s); n != "" {
				parts[i] += " (" + n + ")"
			}
		}
	}
	return strings.Join(parts, ", ")
}

// anyClusterWide reports whether one of the bindings is a ClusterRoleBinding.
func anyClusterWide(bs []boundBinding) bool {
	for _, bb := range bs {
		if bb.b.ClusterWide() {
			return true
		}
	}
	return false
}

// highWhenClusterWide grades a finding high when a ClusterRoleBinding grants it, else keeps
// the check's severity (EKS-IAM-033, EKS-IAM-036).
func highWhenClusterWide(def check.Severity) func([]ruleHit, []boundBinding) check.Severity {
	return func(_ []ruleHit, bs []boundBinding) check.Severity {
		if anyClusterWide(bs) {
			return check.High
		}
		return def
	}
}
