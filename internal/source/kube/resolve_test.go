package kube

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"github.com/eksguard/eksguard/internal/inventory"
)

// fakeDiscovery serves the legacy discovery documents of a small API server: core v1 with
// pods and namespaces only, apps/v1 with deployments, and an rbac group whose discovery fails.
func fakeDiscovery(t *testing.T) *httptest.Server {
	t.Helper()
	list := func(gv string, resources ...metav1.APIResource) any {
		return metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv, APIResources: resources}
	}
	verbs := metav1.Verbs{"get", "list", "watch"}
	group := func(name, version string) metav1.APIGroup {
		gv := metav1.GroupVersionForDiscovery{GroupVersion: name + "/" + version, Version: version}
		return metav1.APIGroup{Name: name, Versions: []metav1.GroupVersionForDiscovery{gv}, PreferredVersion: gv}
	}
	docs := map[string]any{
		"/api": metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"}},
		"/api/v1": list("v1",
			metav1.APIResource{Name: "pods", Kind: "Pod", Namespaced: true, Verbs: verbs},
			metav1.APIResource{Name: "pods/log", Kind: "Pod", Namespaced: true, Verbs: metav1.Verbs{"get"}},
			metav1.APIResource{Name: "namespaces", Kind: "Namespace", Verbs: verbs}),
		"/apis": metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
			Groups: []metav1.APIGroup{group("apps", "v1"), group("rbac.authorization.k8s.io", "v1")}},
		"/apis/apps/v1": list("apps/v1", metav1.APIResource{Name: "deployments", Kind: "Deployment", Namespaced: true, Verbs: verbs}),
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, ok := docs[r.URL.Path]
		if !ok {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	}))
}

// TestResolve: served kinds become targets; a built-in kind the server does not serve is a
// not-found gap; a group whose discovery failed is an error gap; a custom resource that is not
// installed is only logged.
func TestResolve(t *testing.T) {
	srv := fakeDiscovery(t)
	defer srv.Close()
	var debug []string
	c := &collector{cluster: "fake", opts: Options{Debugf: func(format string, args ...any) { debug = append(debug, fmt.Sprintf(format, args...)) }}}
	c.opts.setDefaults()
	c.opts.Backoff = &wait.Backoff{Duration: time.Millisecond, Steps: 2}
	targets, gaps, err := c.resolve(t.Context(), &rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range targets {
		got = append(got, tg.resource())
	}
	if strings.Join(got, " ") != "apps/v1/deployments v1/namespaces v1/pods" {
		t.Errorf("targets %v", got)
	}
	reasons := map[string]inventory.GapReason{}
	for _, g := range gaps {
		reasons[g.Kind] = g.Reason
	}
	for kind, want := range map[string]inventory.GapReason{
		"Secret": inventory.GapNotFound, "Node": inventory.GapNotFound, "Ingress": inventory.GapNotFound,
		"ClusterRole": inventory.GapError, "RoleBinding": inventory.GapError,
	} {
		if reasons[kind] != want {
			t.Errorf("gap for %s: %q, want %q", kind, reasons[kind], want)
		}
	}
	for _, kind := range []string{"ClusterPolicy", "Application", "K8sRequiredLabels", "Pod", "Deployment"} {
		if _, ok := reasons[kind]; ok {
			t.Errorf("%s must not be a gap", kind)
		}
	}
	if !strings.Contains(strings.Join(debug, "\n"), "ClusterPolicy.kyverno.io is not installed") {
		t.Errorf("debug log lacks the missing Kyverno CRD:\n%s", strings.Join(debug, "\n"))
	}
}
