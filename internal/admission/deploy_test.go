package admission

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/scan"
)

const deployDir = "../../deploy/webhook"

// TestDeploymentScansClean: the manifests that run the webhook pass every manifest check;
// the two accepted findings carry an eksguard.io/ignore reason.
func TestDeploymentScansClean(t *testing.T) {
	res, err := scan.Files(context.Background(), []string{deployDir}, scan.Options{
		Exceptions: &scan.Exceptions{Inline: true, Now: time.Now()},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Inventory.Problems {
		t.Errorf("input problem: %s:%d: %s", p.Position.File, p.Position.Line, p.Message)
	}
	for _, f := range res.Findings {
		if f.Fails() {
			t.Errorf("%s %s %s: %s", f.CheckID, f.Object, f.Path, f.Message)
		}
	}
	if len(res.Inventory.Objects) < 12 {
		t.Fatalf("only %d objects in %s", len(res.Inventory.Objects), deployDir)
	}
}

// TestWebhookRulesCoverTheChecks: the ValidatingWebhookConfiguration sends every kind an
// object-local check reads, so no check silently never runs at admission.
func TestWebhookRulesCoverTheChecks(t *testing.T) {
	data, err := os.ReadFile(deployDir + "/webhook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	if err := yaml.UnmarshalStrict(stripComments(data), &vwc); err != nil {
		t.Fatal(err)
	}
	if len(vwc.Webhooks) != 1 {
		t.Fatalf("%d webhooks", len(vwc.Webhooks))
	}
	wh := vwc.Webhooks[0]
	var resources []string
	for _, r := range wh.Rules {
		for _, res := range r.Resources {
			resources = append(resources, res)
		}
		if !slices.Contains(r.Operations, admissionregistrationv1.Create) || !slices.Contains(r.Operations, admissionregistrationv1.Update) {
			t.Errorf("rule %v does not cover CREATE and UPDATE", r.Resources)
		}
	}
	resourceOf := map[string]string{
		"Pod": "pods", "PodTemplate": "podtemplates", "ReplicationController": "replicationcontrollers",
		"Deployment": "deployments", "ReplicaSet": "replicasets", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets",
		"Job": "jobs", "CronJob": "cronjobs", "Namespace": "namespaces", "ServiceAccount": "serviceaccounts",
		"PersistentVolume": "persistentvolumes", "StorageClass": "storageclasses",
	}
	all, err := check.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		if !Admissible(c) {
			continue
		}
		kinds := c.Kinds
		if c.PodSpec != nil {
			kinds = check.WorkloadKinds
		}
		for _, k := range kinds {
			res, known := resourceOf[k]
			if !known {
				t.Errorf("%s reads %s: add its resource to webhook.yaml and to this test", c.ID, k)
				continue
			}
			if !slices.Contains(resources, res) {
				t.Errorf("%s reads %s, but webhook.yaml does not send %s", c.ID, k, res)
			}
		}
	}
	for _, ns := range append(DefaultExcludedNamespaces, "eksguard-system") {
		if !strings.Contains(string(data), ns) {
			t.Errorf("webhook.yaml does not exclude namespace %s", ns)
		}
	}
	if wh.TimeoutSeconds == nil || *wh.TimeoutSeconds > 10 || *wh.TimeoutSeconds*1000 <= 2000 {
		t.Errorf("timeoutSeconds %v: want above the server's 2 s evaluation bound and at most 10", wh.TimeoutSeconds)
	}
}

// TestDeploymentIsValidForTheAPIServer creates the manifests (bar cert-manager's, whose CRDs
// the test server lacks) with server-side dry-run: the API server's validation accepts them.
func TestDeploymentIsValidForTheAPIServer(t *testing.T) {
	ctx := context.Background()
	ns, err := os.ReadFile(deployDir + "/namespace.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Apply(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"rbac.yaml", "networkpolicy.yaml", "quota.yaml", "deployment.yaml", "pdb.yaml", "service.yaml", "webhook.yaml"} {
		data, err := os.ReadFile(deployDir + "/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.Apply(ctx, data, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func stripComments(data []byte) []byte {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n"))
}
