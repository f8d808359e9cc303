package inventory

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNamespacesUnionsDeclaredAndReferenced(t *testing.T) {
	obj := func(apiVersion, kind, ns, name string) *Object {
		return &Object{ObjectRef: ObjectRef{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name}}
	}
	nsObj := obj("v1", "Namespace", "", "shop")
	nsObj.Typed = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"team": "web"}}}
	inv := &Inventory{}
	inv.Add(
		obj("apps/v1", "Deployment", "billing", "invoices"),
		nsObj,
		obj("v1", "ConfigMap", "shop", "settings"),
		obj("apps/v1", "Deployment", "", "checkout"),
		obj("rbac.authorization.k8s.io/v1", "ClusterRole", "", "reader"),
		obj("example.com/v1", "Widget", "", "unknown-scope"),
		obj("example.com/v1", "Widget", "tools", "known-namespace"),
	)
	got := inv.Namespaces()
	want := []struct {
		name    string
		members int
		labels  int
		object  bool
	}{{"billing", 1, 1, false}, {"shop", 1, 2, true}, {"", 1, 0, false}, {"tools", 1, 1, false}}
	if len(got) != len(want) {
		t.Fatalf("got %d namespaces, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || len(g.Members) != w.members || len(g.Labels) != w.labels || (g.Object != nil) != w.object {
			t.Errorf("namespace %d = %q members %d labels %v object %v, want %+v", i, g.Name, len(g.Members), g.Labels, g.Object != nil, w)
		}
	}
	if o, at := got[1].Anchor(); o != nsObj || at != "metadata.name" {
		t.Errorf("anchor of shop = %v %s", o.ObjectRef, at)
	}
	if o, at := got[2].Anchor(); o.Name != "checkout" || at != "metadata.namespace" {
		t.Errorf("anchor of unset = %v %s", o.ObjectRef, at)
	}
}
