package kube

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/eksguard/eksguard/internal/inventory"
)

// TestClusterRoleGrantsExactlyWhatIsListed compares deploy/clusterrole.yaml with the kinds
// Collect lists: every resource is granted get and list, and nothing else is granted.
func TestClusterRoleGrantsExactlyWhatIsListed(t *testing.T) {
	want := map[string]bool{}
	for _, w := range wantedKinds() {
		for _, g := range w.groups {
			res := w.resource
			if res == "" {
				plural, _ := meta.UnsafeGuessKindToResource(schema.GroupVersionKind{Group: g, Kind: w.kind})
				res = plural.Resource
			}
			want[g+"/"+res] = true
		}
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "deploy", "clusterrole.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	got := map[string]bool{}
	roles := 0
	for {
		var role rbacv1.ClusterRole
		if err := dec.Decode(&role); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if role.Kind != "ClusterRole" || role.Name != "eksguard-reader" { // eksguard-report-writer is --write-reports'
			continue
		}
		roles++
		for _, r := range role.Rules {
			if !slices.Equal(r.Verbs, []string{"get", "list"}) || len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
				t.Errorf("rule %v: want exactly verbs [get list] on resources", r)
			}
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					got[g+"/"+res] = true
				}
			}
		}
	}
	if roles != 1 {
		t.Fatalf("%d ClusterRoles eksguard-reader in deploy/clusterrole.yaml, want 1", roles)
	}
	if missing, extra := diff(want, got), diff(got, want); len(missing)+len(extra) > 0 {
		t.Errorf("deploy/clusterrole.yaml: missing %v, not listed by the collector %v", missing, extra)
	}
}

func diff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func TestWantedKindsSkipLegacyGroups(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range wantedKinds() {
		for _, g := range w.groups {
			if legacyGroups[g] {
				t.Errorf("%s/%s: legacy groups serve the same objects again", g, w.kind)
			}
			key := g + "/" + w.kind
			if w.kind != "" && seen[key] {
				t.Errorf("%s listed twice", key)
			}
			seen[key] = true
		}
	}
	for _, k := range []string{"/Pod", "/Secret", "apps/Deployment", "rbac.authorization.k8s.io/ClusterRole", "kyverno.io/ClusterPolicy"} {
		if !seen[k] {
			t.Errorf("%s is not collected", k)
		}
	}
}

func TestManagedBy(t *testing.T) {
	update := []metav1.ManagedFieldsEntry{{Manager: "", Operation: metav1.ManagedFieldsOperationUpdate}, {Manager: "argocd-controller", Operation: metav1.ManagedFieldsOperationApply}}
	for _, tc := range []struct {
		label   string
		applied bool
		fields  []metav1.ManagedFieldsEntry
		want    string
	}{
		{"Helm", true, update, "Helm"},
		{"", true, update, "kubectl apply"},
		{"", false, update, "argocd-controller"},
		{"", false, nil, ""},
	} {
		if got := managedBy(tc.label, tc.applied, tc.fields); got != tc.want {
			t.Errorf("managedBy(%q, %v, ...) = %q, want %q", tc.label, tc.applied, got, tc.want)
		}
	}
}

func TestObjectDropsLastAppliedAndManagedFields(t *testing.T) {
	c := &collector{cluster: "test"}
	raw := map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{
			"name": "cm", "namespace": "ns", "uid": "u-1", "resourceVersion": "42",
			"annotations":   map[string]any{lastApplied: `{"data":{"password":"hunter2"}}`},
			"managedFields": []any{map[string]any{"manager": "kubectl-client-side-apply", "operation": "Update", "fieldsV1": map[string]any{}}},
		},
		"data": map[string]any{"k": "v"},
	}
	tg := target{gk: schema.GroupKind{Kind: "ConfigMap"}, gvr: schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, builtin: true}
	obj, problems := c.object(tg, raw)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if s := fmt.Sprintf("%#v %#v", obj.Raw, obj.Typed); strings.Contains(s, "hunter2") || strings.Contains(s, "kubectl-client-side-apply") {
		t.Errorf("object keeps last-applied or managedFields: %s", s)
	}
	want := inventory.ObjectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "cm", UID: "u-1"}
	if obj.ObjectRef != want || obj.Origin.Live == nil || *obj.Origin.Live != (inventory.LiveRef{Cluster: "test", ResourceVersion: "42", ManagedBy: "kubectl apply"}) {
		t.Errorf("ref %+v live %+v", obj.ObjectRef, obj.Origin.Live)
	}
	if obj.Typed == nil || obj.Raw != nil {
		t.Errorf("ConfigMap should be decoded (typed %T, raw %v)", obj.Typed, obj.Raw != nil)
	}
}

func TestTransient(t *testing.T) {
	gr := schema.GroupResource{Resource: "pods"}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{apierrors.NewTooManyRequests("slow down", 1), true},
		{apierrors.NewServiceUnavailable("later"), true},
		{apierrors.NewInternalError(errors.New("boom")), true},
		{apierrors.NewTimeoutError("timeout", 1), true},
		{apierrors.NewServerTimeout(gr, "list", 1), true},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{io.ErrUnexpectedEOF, true},
		{apierrors.NewForbidden(gr, "", errors.New("no")), false},
		{apierrors.NewNotFound(gr, ""), false},
		{apierrors.NewUnauthorized("who"), false},
		{errors.New("bad request"), false},
	} {
		if got := transient(tc.err); got != tc.want {
			t.Errorf("transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestSecretKeepsDataWriteTimes: a Secret keeps the managedFields entries that wrote its data
// (manager, operation, time) for EKS-DATA-011, without their field sets, which name the keys.
func TestSecretKeepsDataWriteTimes(t *testing.T) {
	c := &collector{cluster: "test"}
	at := metav1.NewTime(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	m := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop", ManagedFields: []metav1.ManagedFieldsEntry{
		{Manager: "kubectl-create", Operation: metav1.ManagedFieldsOperationUpdate, Time: &at, FieldsType: "FieldsV1",
			FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:data":{".":{},"f:password":{}},"f:type":{}}`)}},
		{Manager: "kubectl-label", Operation: metav1.ManagedFieldsOperationUpdate, Time: &at, FieldsType: "FieldsV1",
			FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:labels":{"f:team":{}}}}`)}},
	}}}
	obj := c.secretObject(target{gk: schema.GroupKind{Kind: "Secret"}}, m, corev1.SecretTypeOpaque)
	s := obj.Typed.(*corev1.Secret)
	if len(s.ManagedFields) != 1 || s.ManagedFields[0].Manager != "kubectl-create" || !s.ManagedFields[0].Time.Equal(&at) ||
		s.ManagedFields[0].FieldsV1 != nil || strings.Contains(fmt.Sprintf("%#v", s), "password") {
		t.Errorf("managedFields = %#v", s.ManagedFields)
	}
}
