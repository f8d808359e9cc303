package admission

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/checks/checktest"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/source/files"
)

// parityNamespace holds the fixtures' objects that name no namespace.
const parityNamespace = "parity"

// TestWebhookParityWithScan applies every fixture of every object-local check to the real
// API server, object by object with server-side dry run, through the webhook in enforce mode
// running only that check; the webhook must deny exactly the objects on which `eksguard scan`
// reports a failing finding of that check. Objects the API server itself rejects (fixtures of
// invalid objects) and objects in the namespaces the webhook never evaluates are not
// compared; every other object is, and any difference fails the test.
func TestWebhookParityWithScan(t *testing.T) {
	ctx := context.Background()
	all, err := check.All()
	if err != nil {
		t.Fatal(err)
	}
	var current atomic.Pointer[Reviewer]
	current.Store(reviewer(t, Options{Mode: ModeWarn}))
	url, ca := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Handler(current.Load(), nil, nil).ServeHTTP(w, r)
	}))
	admin := clientWithWarnings(t, rest.NoWarnings{})
	namespace(t, admin, parityNamespace, map[string]string{"eksguard-e2e": "parity"})
	register(t, admin, "parity", url, ca, shippedRules(t))

	created := map[string]bool{parityNamespace: true}
	var compared, rejected, excluded int
	for _, c := range all {
		if !Admissible(c) {
			continue
		}
		fixtures, _ := filepath.Glob(filepath.Join("../checks/*/testdata", c.Slug, "*.yaml"))
		if len(fixtures) == 0 {
			t.Errorf("%s: no fixtures", c.ID)
		}
		for _, fixture := range fixtures {
			cfg := checktest.ConfigFor(t, fixture)
			current.Store(NewReviewer(Options{Mode: ModeEnforce, FailOn: check.Info, Checks: []*check.Check{c}, Config: cfg}))
			inv, err := files.Load(ctx, []string{fixture}, files.Options{})
			if err != nil {
				t.Fatal(err)
			}
			findings, err := check.Run(ctx, inv, []*check.Check{c}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			fails := map[string]bool{}
			for _, f := range findings {
				if f.Fails() {
					fails[refKey(f.Object)] = true
				}
			}
			for _, o := range inv.Objects {
				ns := o.Namespace
				namespaced, _ := inventory.NamespacedKind(o.Group(), o.Kind)
				if namespaced && ns == "" {
					ns = parityNamespace
				}
				if ns == "kube-system" || ns == "kube-node-lease" {
					excluded++
					continue
				}
				if namespaced && !created[ns] {
					labelNamespace(t, admin, ns)
					created[ns] = true
				}
				u := objectOf(t, fixture, o)
				if namespaced {
					u.SetNamespace(ns)
				}
				if o.Kind == "Namespace" {
					// The webhook's namespaceSelector matches a Namespace by its own labels.
					labels := u.GetLabels()
					if labels == nil {
						labels = map[string]string{}
					}
					labels["eksguard-e2e"] = "parity"
					u.SetLabels(labels)
				}
				_, err := env.Create(ctx, u, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
				denied := err != nil && strings.Contains(err.Error(), "denied the request")
				if err != nil && !denied && !apierrors.IsAlreadyExists(err) {
					rejected++
					t.Logf("%s %s: %s not compared: the API server rejects it: %v", c.ID, filepath.Base(fixture), o.ObjectRef, err)
					continue
				}
				compared++
				if want := fails[refKey(o.ObjectRef)]; denied != want {
					t.Errorf("%s %s: %s: webhook denied=%v, scan fails=%v (%v)", c.ID, fixture, o.ObjectRef, denied, want, err)
				}
			}
		}
	}
	t.Logf("compared %d objects; %d rejected by the API server's own validation, %d in excluded namespaces", compared, rejected, excluded)
	if compared < 100 {
		t.Fatalf("only %d objects compared", compared)
	}
}

// labelNamespace creates ns, or labels it when it exists (default, kube-public), so the
// webhook's namespaceSelector matches it.
func labelNamespace(t *testing.T, client kubernetes.Interface, ns string) {
	t.Helper()
	ctx := context.Background()
	_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"eksguard-e2e": "parity"}}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		patch := []byte(`{"metadata":{"labels":{"eksguard-e2e":"parity"}}}`)
		_, err = client.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, patch, metav1.PatchOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

func refKey(r inventory.ObjectRef) string { return r.Kind + "/" + r.Namespace + "/" + r.Name }

// objectOf re-reads an object of a fixture as the API sees it: JSON from its YAML document.
func objectOf(t *testing.T, fixture string, o *inventory.Object) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split("\n"+string(data), "\n---")
	if docs[0] == "" { // the file starts with "---": no document before it
		docs = docs[1:]
	}
	doc := docs[min(o.Origin.Document, len(docs)-1)]
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("%s document %d: %v", fixture, o.Origin.Document+1, err)
	}
	if o.Origin.Item >= 0 {
		items, _ := m["items"].([]any)
		m, _ = items[o.Origin.Item].(map[string]any)
	}
	return &unstructured.Unstructured{Object: m}
}

// shippedRules are the rules of deploy/webhook/webhook.yaml: parity is tested with what
// users install.
func shippedRules(t *testing.T) []admissionregistrationv1.RuleWithOperations {
	t.Helper()
	data, err := os.ReadFile(deployDir + "/webhook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	if err := yaml.Unmarshal(stripComments(data), &vwc); err != nil {
		t.Fatal(err)
	}
	return vwc.Webhooks[0].Rules
}
