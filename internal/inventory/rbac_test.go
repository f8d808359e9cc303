package inventory_test

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/inventory"
)

func rule(verbs, groups, resources, names []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, APIGroups: groups, Resources: resources, ResourceNames: names}
}

func l(s ...string) []string { return s }

func TestRuleGrants(t *testing.T) {
	tests := []struct {
		name                  string
		rule                  rbacv1.PolicyRule
		verb, group, resource string
		object                string
		want                  bool
	}{
		{name: "exact", rule: rule(l("get"), l(""), l("secrets"), nil), verb: "get", resource: "secrets", want: true},
		{name: "other verb", rule: rule(l("get"), l(""), l("secrets"), nil), verb: "list", resource: "secrets"},
		{name: "other resource", rule: rule(l("get"), l(""), l("configmaps"), nil), verb: "get", resource: "secrets"},
		{name: "verb wildcard", rule: rule(l("*"), l(""), l("secrets"), nil), verb: "delete", resource: "secrets", want: true},
		{name: "resource wildcard", rule: rule(l("get"), l(""), l("*"), nil), verb: "get", resource: "secrets", want: true},
		{name: "group wildcard", rule: rule(l("create"), l("*"), l("deployments"), nil), verb: "create", group: "apps", resource: "deployments", want: true},
		{name: "core group is empty string", rule: rule(l("get"), l("apps"), l("secrets"), nil), verb: "get", resource: "secrets"},
		{name: "named group", rule: rule(l("create"), l("apps"), l("deployments"), nil), verb: "create", group: "apps", resource: "deployments", want: true},
		{name: "core rule does not grant apps", rule: rule(l("create"), l(""), l("deployments"), nil), verb: "create", group: "apps", resource: "deployments"},
		{name: "no apiGroups grants nothing", rule: rule(l("get"), nil, l("secrets"), nil), verb: "get", resource: "secrets"},
		{name: "verb is case sensitive", rule: rule(l("GET"), l(""), l("secrets"), nil), verb: "get", resource: "secrets"},
		{name: "subresource exact", rule: rule(l("create"), l(""), l("pods/exec"), nil), verb: "create", resource: "pods/exec", want: true},
		{name: "subresource via */S", rule: rule(l("create"), l(""), l("*/exec"), nil), verb: "create", resource: "pods/exec", want: true},
		{name: "subresource via *", rule: rule(l("create"), l(""), l("*"), nil), verb: "create", resource: "pods/exec", want: true},
		{name: "parent resource does not grant subresource", rule: rule(l("create"), l(""), l("pods"), nil), verb: "create", resource: "pods/exec"},
		{name: "R/* is not a wildcard", rule: rule(l("create"), l(""), l("pods/*"), nil), verb: "create", resource: "pods/exec"},
		{name: "*/S does not grant another subresource", rule: rule(l("create"), l(""), l("*/attach"), nil), verb: "create", resource: "pods/exec"},
		{name: "*/S does not grant the parent", rule: rule(l("get"), l(""), l("*/proxy"), nil), verb: "get", resource: "nodes"},
		{name: "subresource does not grant parent", rule: rule(l("get"), l(""), l("nodes/proxy"), nil), verb: "get", resource: "nodes"},
		{name: "resourceNames contain the object", rule: rule(l("update"), l(""), l("configmaps"), l("aws-auth")), verb: "update", resource: "configmaps", object: "aws-auth", want: true},
		{name: "resourceNames without the object", rule: rule(l("update"), l(""), l("configmaps"), l("other")), verb: "update", resource: "configmaps", object: "aws-auth"},
		{name: "resourceNames, no particular object", rule: rule(l("get"), l(""), l("secrets"), l("db")), verb: "get", resource: "secrets"},
		{name: "empty resourceNames grant any object", rule: rule(l("update"), l(""), l("configmaps"), nil), verb: "update", resource: "configmaps", object: "aws-auth", want: true},
		{name: "resourceNames are not patterns", rule: rule(l("get"), l(""), l("secrets"), l("*")), verb: "get", resource: "secrets", object: "db"},
		{name: "second entry matches", rule: rule(l("list", "watch"), l("batch", ""), l("jobs", "secrets"), nil), verb: "watch", resource: "secrets", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inventory.RuleGrants(&tt.rule, tt.verb, tt.group, tt.resource, tt.object); got != tt.want {
				t.Errorf("RuleGrants(%v, %q, %q, %q, %q) = %v, want %v", tt.rule, tt.verb, tt.group, tt.resource, tt.object, got, tt.want)
			}
		})
	}
}

func TestRuleGrantsURL(t *testing.T) {
	tests := []struct {
		urls      []string
		verbs     []string
		verb, url string
		want      bool
	}{
		{l("/healthz"), l("get"), "get", "/healthz", true},
		{l("/healthz"), l("get"), "post", "/healthz", false},
		{l("/healthz"), l("*"), "post", "/healthz", true},
		{l("*"), l("get"), "get", "/metrics", true},
		{l("/api/*"), l("get"), "get", "/api/v1", true},
		{l("/api/*"), l("get"), "get", "/apis/apps", false},
		{l("/api*"), l("get"), "get", "/apis/apps", true},
		{l("/metrics"), l("get"), "get", "/metrics/cadvisor", false},
		{nil, l("get"), "get", "/metrics", false},
	}
	for _, tt := range tests {
		r := rbacv1.PolicyRule{Verbs: tt.verbs, NonResourceURLs: tt.urls}
		if got := inventory.RuleGrantsURL(&r, tt.verb, tt.url); got != tt.want {
			t.Errorf("RuleGrantsURL(%v %v, %q, %q) = %v, want %v", tt.verbs, tt.urls, tt.verb, tt.url, got, tt.want)
		}
	}
}

func TestIsExemptRoleName(t *testing.T) {
	for name, want := range map[string]bool{
		"system:controller:job-controller": true, "eks:addon-manager": true, "cluster-admin": true, "admin": true,
		"edit": true, "view": true, "aws-node": true, "platform-admin": true, "ci-deployer": false, "systemd": false,
		"Admin": false, "eks-admin": false,
	} {
		if got := inventory.IsExemptRoleName(name, []string{"platform-admin"}); got != want {
			t.Errorf("IsExemptRoleName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSubjectExempt(t *testing.T) {
	for _, tt := range []struct {
		s    inventory.RBACSubject
		want bool
	}{
		{inventory.RBACSubject{Kind: "Group", Name: "system:masters"}, true},
		{inventory.RBACSubject{Kind: "Group", Name: "system:nodes"}, true},
		{inventory.RBACSubject{Kind: "User", Name: "system:masters"}, false},
		{inventory.RBACSubject{Kind: "Group", Name: "system:authenticated"}, false},
		{inventory.RBACSubject{Kind: "ServiceAccount", Namespace: "kube-system", Name: "aws-node"}, true},
		{inventory.RBACSubject{Kind: "ServiceAccount", Namespace: "kube-system", Name: "ebs-csi-controller-sa"}, true},
		{inventory.RBACSubject{Kind: "ServiceAccount", Namespace: "kube-system", Name: "efs-csi-node-sa"}, true},
		{inventory.RBACSubject{Kind: "ServiceAccount", Namespace: "kube-system", Name: "aws-load-balancer-controller"}, true},
		{inventory.RBACSubject{Kind: "ServiceAccount", Namespace: "kube-system", Name: "coredns-autoscaler"}, false},
		{inventory.RBACSubject{Kind: "ServiceAccount", Namespace: "kube-system", Name: "cluster-autoscaler"}, false},
		{inventory.RBACSubject{Kind: "ServiceAccount", Namespace: "default", Name: "aws-node"}, false},
	} {
		if got := tt.s.Exempt(); got != tt.want {
			t.Errorf("%s Exempt() = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// newInventory builds a sealed inventory of typed RBAC objects.
func newInventory(objs ...any) *inventory.Inventory {
	inv := &inventory.Inventory{}
	for _, o := range objs {
		var ref inventory.ObjectRef
		switch t := o.(type) {
		case *rbacv1.Role:
			ref = inventory.ObjectRef{Kind: "Role", Namespace: t.Namespace, Name: t.Name}
		case *rbacv1.ClusterRole:
			ref = inventory.ObjectRef{Kind: "ClusterRole", Name: t.Name}
		case *rbacv1.RoleBinding:
			ref = inventory.ObjectRef{Kind: "RoleBinding", Namespace: t.Namespace, Name: t.Name}
		case *rbacv1.ClusterRoleBinding:
			ref = inventory.ObjectRef{Kind: "ClusterRoleBinding", Name: t.Name}
		}
		ref.APIVersion = "rbac.authorization.k8s.io/v1"
		inv.Add(&inventory.Object{ObjectRef: ref, Typed: o})
	}
	inv.Seal()
	return inv
}

func meta(ns, name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}
}

func selector(k, v string) *rbacv1.AggregationRule {
	return &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{k: v}}}}
}

// grants reports whether any effective rule of the role grants the access.
func grants(r *inventory.RBACRole, verb, group, resource string) bool {
	for _, rule := range r.Rules {
		if inventory.RuleGrants(rule.PolicyRule, verb, group, resource, "") {
			return true
		}
	}
	return false
}

func TestAggregation(t *testing.T) {
	inv := newInventory(
		&rbacv1.ClusterRole{ObjectMeta: meta("", "monitoring", nil), AggregationRule: selector("example.com/aggregate-to-monitoring", "true")},
		&rbacv1.ClusterRole{ObjectMeta: meta("", "monitoring-pods", map[string]string{"example.com/aggregate-to-monitoring": "true"}),
			Rules: []rbacv1.PolicyRule{rule(l("get", "list"), l(""), l("pods"), nil)}},
		&rbacv1.ClusterRole{ObjectMeta: meta("", "monitoring-nodes", map[string]string{"example.com/aggregate-to-monitoring": "true"}),
			Rules: []rbacv1.PolicyRule{rule(l("get", "list"), l(""), l("pods"), nil), rule(l("get"), l(""), l("nodes/proxy"), nil)}},
		&rbacv1.ClusterRole{ObjectMeta: meta("", "unrelated", map[string]string{"example.com/aggregate-to-monitoring": "false"}),
			Rules: []rbacv1.PolicyRule{rule(l("*"), l("*"), l("*"), nil)}},
		// Aggregates "monitoring" (itself aggregated) and adds rules to the default "view".
		&rbacv1.ClusterRole{ObjectMeta: meta("", "monitoring-plus", map[string]string{"rbac.authorization.k8s.io/aggregate-to-view": "true"}),
			AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
				{MatchLabels: map[string]string{"team": "none"}},
				{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "example.com/aggregate-to-monitoring", Operator: metav1.LabelSelectorOpDoesNotExist}, {Key: "kubernetes.io/bootstrapping", Operator: metav1.LabelSelectorOpDoesNotExist}}},
			}}},
		// A cycle must terminate.
		&rbacv1.ClusterRole{ObjectMeta: meta("", "loop-a", map[string]string{"loop": "a"}), AggregationRule: selector("loop", "b"),
			Rules: []rbacv1.PolicyRule{rule(l("get"), l(""), l("configmaps"), nil)}},
		&rbacv1.ClusterRole{ObjectMeta: meta("", "loop-b", map[string]string{"loop": "b"}), AggregationRule: selector("loop", "a"),
			Rules: []rbacv1.PolicyRule{rule(l("get"), l(""), l("services"), nil)}},
	)
	m := inventory.BuildRBAC(inv)
	mon := m.Role("ClusterRole", "", "monitoring")
	if mon == nil || len(mon.Rules) != 2 {
		t.Fatalf("monitoring: want 2 aggregated rules (duplicate dropped), got %+v", mon)
	}
	if !grants(mon, "get", "", "nodes/proxy") || grants(mon, "delete", "", "pods") {
		t.Errorf("monitoring effective rules wrong: %v", mon.Rules)
	}
	for _, r := range mon.Rules {
		if !r.Aggregated() || r.Selector != 0 || r.Path() != "aggregationRule.clusterRoleSelectors[0]" {
			t.Errorf("rule %v: want aggregated by selector 0, got %d (%s)", r.PolicyRule, r.Selector, r.Path())
		}
	}
	if got := mon.Rules[1].Label(); got != `rules[1] of ClusterRole "monitoring-nodes" (aggregated)` {
		t.Errorf("Label() = %s", got)
	}
	plus := m.Role("ClusterRole", "", "monitoring-plus")
	if !grants(plus, "get", "", "nodes/proxy") || !grants(plus, "get", "", "configmaps") {
		t.Errorf("monitoring-plus should aggregate transitively, got %v", plus.Rules)
	}
	if grants(plus, "list", "", "secrets") {
		t.Error("monitoring-plus must not aggregate the default roles (they carry kubernetes.io/bootstrapping)")
	}
	// The default ClusterRoles: edit aggregates view, admin aggregates edit; view also gets monitoring-plus.
	view, edit, admin := m.Role("ClusterRole", "", "view"), m.Role("ClusterRole", "", "edit"), m.Role("ClusterRole", "", "admin")
	if view == nil || !view.Default() || !grants(view, "get", "", "nodes/proxy") || grants(view, "get", "", "secrets") {
		t.Errorf("view: default with aggregated monitoring-plus rules expected")
	}
	if !grants(edit, "get", "", "secrets") || !grants(edit, "list", "", "pods") || !grants(edit, "get", "", "nodes/proxy") || grants(edit, "create", "rbac.authorization.k8s.io", "rolebindings") {
		t.Errorf("edit effective rules wrong")
	}
	if !grants(admin, "create", "rbac.authorization.k8s.io", "rolebindings") || !grants(admin, "create", "", "pods/exec") {
		t.Errorf("admin effective rules wrong")
	}
	if a, b := m.Role("ClusterRole", "", "loop-a"), m.Role("ClusterRole", "", "loop-b"); !grants(a, "get", "", "services") || !grants(b, "get", "", "configmaps") {
		t.Errorf("cycle: each role should hold the other's own rule")
	}
	if grants(m.Role("ClusterRole", "", "cluster-admin"), "escalate", "rbac.authorization.k8s.io", "clusterroles") != true {
		t.Error("default cluster-admin grants everything")
	}
}

func TestBindings(t *testing.T) {
	inv := newInventory(
		&rbacv1.Role{ObjectMeta: meta("shop", "pod-reader", nil), Rules: []rbacv1.PolicyRule{rule(l("get"), l(""), l("pods"), nil)}},
		&rbacv1.ClusterRole{ObjectMeta: meta("", "ci-deployer", nil), Rules: []rbacv1.PolicyRule{rule(l("create"), l("apps"), l("deployments"), nil)}},
		&rbacv1.RoleBinding{ObjectMeta: meta("shop", "readers", nil), RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pod-reader"},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "orders"}, {Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "alice"}}},
		&rbacv1.RoleBinding{ObjectMeta: meta("shop", "deployers", nil), RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "ci-deployer"},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "ci", Namespace: "ci"}}},
		&rbacv1.RoleBinding{ObjectMeta: meta("other", "readers", nil), RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pod-reader"}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: meta("", "ops-edit", nil), RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "edit"},
			Subjects: []rbacv1.Subject{{Kind: "Group", Name: "system:masters"}, {Kind: "ServiceAccount", Namespace: "kube-system", Name: "aws-node"}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: meta("", "bad-ref", nil), RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pod-reader"}},
	)
	m := inventory.RBACOf(inv)
	if m != inventory.RBACOf(inv) {
		t.Fatal("RBACOf must build once per inventory")
	}
	reader := m.Role("Role", "shop", "pod-reader")
	if len(reader.Bindings) != 1 || reader.Bindings[0].Name != "readers" || reader.Bindings[0].Namespace != "shop" {
		t.Fatalf("pod-reader bindings: %+v (the RoleBinding in namespace other names a Role that does not exist there)", reader.Bindings)
	}
	b := reader.Bindings[0]
	if got := []string{b.Subjects[0].String(), b.Subjects[1].String()}; !slices.Equal(got, []string{`ServiceAccount "shop/orders"`, `User "alice"`}) {
		t.Errorf("subjects = %v", got)
	}
	if b.Subjects[1].Path() != "subjects[1]" || b.Exempt() {
		t.Errorf("subject path %s, exempt %v", b.Subjects[1].Path(), b.Exempt())
	}
	deployer := m.Role("ClusterRole", "", "ci-deployer")
	if len(deployer.Bindings) != 1 || !deployer.Bindings[0].Covers("shop", false) || deployer.Bindings[0].Covers("other", false) ||
		deployer.Bindings[0].Covers("", true) || !deployer.Bindings[0].Covers("", false) {
		t.Errorf("RoleBinding to a ClusterRole covers namespaced resources of its namespace only")
	}
	edit := m.Role("ClusterRole", "", "edit")
	if len(edit.Bindings) != 1 || !edit.Bindings[0].Exempt() || !edit.Bindings[0].Covers("", true) || edit.Bindings[0].String() != `ClusterRoleBinding "ops-edit"` {
		t.Errorf("ops-edit binds the default edit to exempt subjects only")
	}
	for _, bb := range m.Bindings {
		if bb.Name == "bad-ref" && bb.Role != nil {
			t.Error("a ClusterRoleBinding cannot reference a Role")
		}
	}
	if s := (inventory.RBACSubject{Kind: "Group", Name: "system:serviceaccounts:shop"}); !s.IncludesServiceAccount("shop", "orders") || s.IncludesServiceAccount("ci", "orders") {
		t.Error("namespace service account group")
	}
}

func TestRBACOfConcurrent(t *testing.T) {
	inv := newInventory(&rbacv1.ClusterRole{ObjectMeta: meta("", "x", nil)})
	var wg sync.WaitGroup
	got := make([]*inventory.RBAC, 8)
	for i := range got {
		wg.Go(func() { got[i] = inventory.RBACOf(inv) })
	}
	wg.Wait()
	for _, m := range got {
		if m != got[0] {
			t.Fatal("concurrent RBACOf calls must share one model")
		}
	}
	runtime.KeepAlive(inv)
	if !strings.Contains(got[0].Roles[0].String(), `"x"`) {
		t.Error(got[0].Roles[0].String())
	}
}

func TestControlPlaneDefaultBindingsAreExempt(t *testing.T) {
	sa := func(ns, name string) inventory.RBACSubject {
		return inventory.RBACSubject{Kind: "ServiceAccount", Namespace: ns, Name: name}
	}
	for _, tc := range []struct {
		name, role string
		subjects   []inventory.RBACSubject
		exempt     bool
	}{
		{"system:controller:deployment-controller", "system:controller:deployment-controller", []inventory.RBACSubject{sa("kube-system", "deployment-controller")}, true},
		{"system:kube-scheduler", "system:kube-scheduler", []inventory.RBACSubject{{Kind: "User", Name: "system:kube-scheduler"}}, true},
		{"eks:addon-manager", "eks:addon-manager", []inventory.RBACSubject{{Kind: "User", Name: "eks:addon-manager"}}, true},
		{"system:evil", "system:controller:clusterrole-aggregation-controller", []inventory.RBACSubject{{Kind: "User", Name: "mallory"}}, false},
		{"system:basic-user", "system:basic-user", []inventory.RBACSubject{{Kind: "Group", Name: "system:authenticated"}}, false},
		{"my-binding", "system:controller:deployment-controller", []inventory.RBACSubject{sa("kube-system", "deployment-controller")}, false},
		{"system:controller:x", "system:controller:x", []inventory.RBACSubject{sa("default", "x")}, false},
	} {
		b := &inventory.RBACBinding{Name: tc.name, Subjects: tc.subjects}
		b.RoleRef.Name = tc.role
		if got := b.Exempt(); got != tc.exempt {
			t.Errorf("%s -> %s: exempt %v, want %v", tc.name, tc.role, got, tc.exempt)
		}
	}
}
