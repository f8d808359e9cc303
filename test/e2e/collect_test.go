package e2e

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/kube"
)

// TestPaging lists more objects than one page holds and gets every one, page by page.
func TestPaging(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Namespace\nmetadata: {name: paging}\n")
	for i := range 25 {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%02d, namespace: paging}\ndata: {i: \"%d\"}\n", i, i)
	}
	apply(t, b.String())

	var mu sync.Mutex
	var calls []string
	inv := collect(t, kube.Options{Namespace: "paging", PageSize: 10, Progress: func(kind string, listed int, done bool) {
		mu.Lock()
		defer mu.Unlock()
		if kind == "ConfigMap" {
			calls = append(calls, fmt.Sprintf("%d/%v", listed, done))
		}
	}})
	if got := objects(inv, "ConfigMap", "paging"); len(got) != 25 {
		t.Errorf("%d ConfigMaps, want 25: %s", len(got), names(got))
	}
	if want := "10/false 20/false 25/false 25/true"; strings.Join(calls, " ") != want {
		t.Errorf("ConfigMap progress %v, want %s (three pages of at most 10)", calls, want)
	}
	if len(inv.Gaps) > 0 {
		t.Errorf("gaps: %+v", inv.Gaps)
	}
}

// TestNamespaceScope: -n lists namespaced kinds in that namespace only and still reads the
// cluster-scoped kinds checks need; a namespace the cluster lacks is an error.
func TestNamespaceScope(t *testing.T) {
	apply(t, `
apiVersion: v1
kind: Namespace
metadata: {name: scope-a}
---
apiVersion: v1
kind: Namespace
metadata: {name: scope-b}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: scope-a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b, namespace: scope-b}
`)
	inv := collect(t, kube.Options{Namespace: "scope-a"})
	for _, o := range inv.Objects {
		if o.Namespace != "" && o.Namespace != "scope-a" {
			t.Errorf("%s is outside namespace scope-a", o.ObjectRef)
		}
		if o.Kind == "Namespace" && o.Name != "scope-a" {
			t.Errorf("Namespace %s listed in a scope-a collection", o.Name)
		}
	}
	if got := objects(inv, "ConfigMap", "scope-a"); len(got) != 1 {
		t.Errorf("ConfigMaps in scope-a: %s", names(got))
	}
	for _, kind := range []string{"Namespace", "ClusterRole", "ClusterRoleBinding"} {
		if len(objects(inv, kind, "")) == 0 {
			t.Errorf("no %s in a namespaced collection: cluster-scoped kinds must still be read", kind)
		}
	}
	if inv.Inputs[0] != "cluster envtest, namespace scope-a" {
		t.Errorf("inputs %v", inv.Inputs)
	}

	_, err := kube.Collect(t.Context(), kube.Options{RESTConfig: env.Config, Namespace: "no-such-namespace"})
	if !errors.Is(err, kube.ErrNamespaceNotFound) {
		t.Errorf("missing namespace: err %v, want ErrNamespaceNotFound", err)
	}
}

// TestLiveOrigin: every object has its UID and resource version, and ManagedBy says where it
// came from: the managed-by label, kubectl apply, or the field manager.
func TestLiveOrigin(t *testing.T) {
	apply(t, `
apiVersion: v1
kind: Namespace
metadata: {name: managed}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: helm
  namespace: managed
  labels: {app.kubernetes.io/managed-by: Helm}
  annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: applied
  namespace: managed
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"v1","kind":"ConfigMap"}'
    keep: me
`)
	applyWith(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tool, namespace: managed}\ndata: {k: v}\n", metav1.CreateOptions{FieldManager: "my-tool"})
	inv := collect(t, kube.Options{Namespace: "managed"})
	want := map[string]string{"helm": "Helm", "applied": "kubectl apply", "tool": "my-tool"}
	for _, o := range objects(inv, "ConfigMap", "managed") {
		if o.UID == "" || o.Origin.Live == nil || o.Origin.Live.ResourceVersion == "" || o.Origin.Live.Cluster != "envtest" {
			t.Errorf("%s: uid %q live %+v", o.ObjectRef, o.UID, o.Origin.Live)
			continue
		}
		if got := o.Origin.Live.ManagedBy; got != want[o.Name] {
			t.Errorf("%s managed by %q, want %q", o.Name, got, want[o.Name])
		}
		cm := o.Typed.(*corev1.ConfigMap)
		if _, ok := cm.Annotations["kubectl.kubernetes.io/last-applied-configuration"]; ok || cm.ManagedFields != nil {
			t.Errorf("%s keeps last-applied or managedFields", o.Name)
		}
		if o.Name == "applied" && cm.Annotations["keep"] != "me" {
			t.Errorf("other annotations must stay: %v", cm.Annotations)
		}
	}
}

// TestOwnerAttribution: a Deployment, its ReplicaSet and its Pod, linked by ownerReferences,
// yield one finding set, on the Deployment.
func TestOwnerAttribution(t *testing.T) {
	const spec = `{containers: [{name: app, image: app:1, securityContext: {privileged: true}}]}`
	objs := apply(t, `
apiVersion: v1
kind: Namespace
metadata: {name: owners}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: owners}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: `+spec+"\n")
	deploy := objs[1]
	rs := apply(t, fmt.Sprintf(`
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d4f
  namespace: owners
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: %s, controller: true}]
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: %s
`, deploy.GetUID(), spec))[0]
	apply(t, fmt.Sprintf(`
apiVersion: v1
kind: Pod
metadata:
  name: web-5d4f-x1
  namespace: owners
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d4f, uid: %s, controller: true}]
spec: %s
`, rs.GetUID(), spec))

	inv := collect(t, kube.Options{Namespace: "owners"})
	if n := len(objects(inv, "Pod", "owners")) + len(objects(inv, "ReplicaSet", "owners")); n != 2 {
		t.Fatalf("collected %d of the Pod and ReplicaSet", n)
	}
	res := runChecks(t, inv, scan.Options{Checks: []string{"EKS-POD-001"}})
	fs := findingsIn(res.Findings, "owners")
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1 (on the Deployment): %+v", len(fs), fs)
	}
	f := fs[0]
	if f.Object.Kind != "Deployment" || f.Object.UID != string(deploy.GetUID()) || f.Resource != "k8s://owners/Deployment/web" {
		t.Errorf("finding on %+v (%s), want the Deployment with its UID", f.Object, f.Resource)
	}
	if f.Live == nil || f.Live.Cluster != "envtest" {
		t.Errorf("finding live %+v", f.Live)
	}
}

// TestSystemNamespaces: an aws-node-like DaemonSet in kube-system is exempt from the PSS
// checks and skipped by checks that skip system namespaces, as for manifests.
func TestSystemNamespaces(t *testing.T) {
	apply(t, `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: aws-node, namespace: kube-system, labels: {k8s-app: aws-node}}
spec:
  selector: {matchLabels: {k8s-app: aws-node}}
  template:
    metadata: {labels: {k8s-app: aws-node}}
    spec:
      hostNetwork: true
      containers:
        - name: aws-node
          image: 602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.0
          securityContext: {privileged: true}
`)
	inv := collect(t, kube.Options{})
	checks := []string{"EKS-POD-001", "EKS-POD-025"}
	find := func(res *scan.Result) map[string]check.Finding {
		out := map[string]check.Finding{}
		for _, f := range res.Findings {
			if f.Object.Namespace == "kube-system" && f.Object.Name == "aws-node" {
				out[f.CheckID] = f
			}
		}
		return out
	}
	got := find(runChecks(t, inv, scan.Options{Checks: checks}))
	if f, ok := got["EKS-POD-001"]; !ok || !f.Exempt {
		t.Errorf("EKS-POD-001 on aws-node: %+v, want an exempt finding", f)
	}
	if _, ok := got["EKS-POD-025"]; ok {
		t.Errorf("EKS-POD-025 skips system namespaces, but reported aws-node")
	}
	got = find(runChecks(t, inv, scan.Options{Checks: checks, Config: check.Config{IncludeSystemNamespaces: true}}))
	if _, ok := got["EKS-POD-025"]; !ok {
		t.Errorf("with IncludeSystemNamespaces, EKS-POD-025 must report aws-node")
	}
}

// TestCustomResources: custom resources are read when their CRD is installed, every kind of
// the Gatekeeper constraints group is found, and CRDs that are not installed are no gap.
func TestCustomResources(t *testing.T) {
	apply(t, `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-labels}
spec:
  validationFailureAction: Audit
  rules: [{name: r, match: {any: [{resources: {kinds: [Pod]}}]}, validate: {message: m, pattern: {metadata: {labels: {app: "?*"}}}}}]
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata: {name: must-have-owner}
spec: {enforcementAction: dryrun}
`)
	var debug []string
	var mu sync.Mutex
	inv := collect(t, kube.Options{Debugf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		debug = append(debug, fmt.Sprintf(format, args...))
	}})
	for _, kind := range []string{"ClusterPolicy", "K8sRequiredLabels"} {
		got := objects(inv, kind, "")
		if len(got) != 1 || got[0].Raw == nil || got[0].Raw["spec"] == nil {
			t.Errorf("%s: %d objects, want 1 with its raw spec", kind, len(got))
		}
	}
	if len(inv.Gaps) > 0 {
		t.Errorf("CRDs that are not installed must not be gaps: %+v", inv.Gaps)
	}
	if !strings.Contains(strings.Join(debug, "\n"), "Application.argoproj.io is not installed") {
		t.Errorf("debug log lacks the missing Argo CD CRD:\n%s", strings.Join(debug, "\n"))
	}
}

// TestRejectedCredentials: credentials the API server rejects end the collection with an
// error (the CLI's exit code 2), not with a report full of gaps.
func TestRejectedCredentials(t *testing.T) {
	cfg := &rest.Config{Host: env.Config.Host, BearerToken: "not-a-token", TLSClientConfig: rest.TLSClientConfig{CAData: env.Config.CAData}}
	_, err := kube.Collect(t.Context(), kube.Options{RESTConfig: cfg, Backoff: &wait.Backoff{Steps: 1}})
	if !apierrors.IsUnauthorized(err) {
		t.Errorf("err %v, want Unauthorized", err)
	}
}
