// Package e2e tests the live-cluster source and the cluster command against a real
// kube-apiserver and etcd (envtest; internal/source/kube/kubetest). One control plane serves
// the whole package: tests use namespaces of their own and look only at their own objects,
// since a cluster-wide collection sees everything the other tests created.
package e2e

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/eksguard/eksguard/internal/check"
	_ "github.com/eksguard/eksguard/internal/checks/all" // registers every check
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/kube"
	"github.com/eksguard/eksguard/internal/source/kube/kubetest"
)

var env *kubetest.Env

func TestMain(m *testing.M) {
	os.Exit(kubetest.Run(m, func(e *kubetest.Env) error {
		env = e
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// Custom resources of two policy engines, so collection, RBAC and checks see CRDs.
		_, err := e.Apply(ctx, []byte(crds), metav1.CreateOptions{})
		return err
	}))
}

// crds installs Kyverno's ClusterPolicy and one Gatekeeper constraint kind, with open schemas.
const crds = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: clusterpolicies.kyverno.io}
spec:
  group: kyverno.io
  scope: Cluster
  names: {kind: ClusterPolicy, plural: clusterpolicies, singular: clusterpolicy, listKind: ClusterPolicyList}
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: k8srequiredlabels.constraints.gatekeeper.sh}
spec:
  group: constraints.gatekeeper.sh
  scope: Cluster
  names: {kind: K8sRequiredLabels, plural: k8srequiredlabels, singular: k8srequiredlabels, listKind: K8sRequiredLabelsList}
  versions:
    - name: v1beta1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`

// apply creates the objects of a YAML stream or fails the test.
func apply(t *testing.T, manifest string) []*unstructured.Unstructured {
	t.Helper()
	return applyWith(t, manifest, metav1.CreateOptions{})
}

func applyWith(t *testing.T, manifest string, opts metav1.CreateOptions) []*unstructured.Unstructured {
	t.Helper()
	objs, err := env.Apply(context.Background(), []byte(manifest), opts)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// collect runs Collect as the admin, unless opts names a RESTConfig.
func collect(t *testing.T, opts kube.Options) *inventory.Inventory {
	t.Helper()
	if opts.RESTConfig == nil {
		opts.RESTConfig = env.Config
	}
	if opts.Cluster == "" {
		opts.Cluster = "envtest"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inv, err := kube.Collect(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// runChecks runs the live-cluster pipeline (scan.Plan + Run) on an inventory.
func runChecks(t *testing.T, inv *inventory.Inventory, opts scan.Options) *scan.Result {
	t.Helper()
	opts.Sources = []check.Source{check.SourceK8sObjects, check.SourceK8sRBAC}
	plan, err := scan.Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Run(context.Background(), inv, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// objects returns the inventory's objects of kind in namespace ns.
func objects(inv *inventory.Inventory, kind, ns string) []*inventory.Object {
	var out []*inventory.Object
	for _, o := range inv.Objects {
		if o.Kind == kind && o.Namespace == ns {
			out = append(out, o)
		}
	}
	return out
}

// findingsIn returns the findings on objects of namespace ns.
func findingsIn(fs []check.Finding, ns string) []check.Finding {
	var out []check.Finding
	for _, f := range fs {
		if f.Object.Namespace == ns || (f.Object.Kind == "Namespace" && f.Object.Name == ns) {
			out = append(out, f)
		}
	}
	return out
}

// jsonOf renders v as JSON, which Apply reads like YAML.
func jsonOf(v any) (string, error) {
	data, err := json.Marshal(v)
	return string(data), err
}

func names(objs []*inventory.Object) string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Name)
	}
	return strings.Join(out, ",")
}
