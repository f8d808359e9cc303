package snapshot_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/examples/snapshot/demo"
	"github.com/eksguard/eksguard/internal/cli"
	"github.com/eksguard/eksguard/internal/source/snapshot"
)

const demoFile = "demo-cluster.json.gz"

type finding struct {
	CheckID  string            `json:"checkId"`
	Severity string            `json:"severity"`
	Object   map[string]string `json:"object"`
	Location map[string]any    `json:"location"`
	Resource string            `json:"resource"`
	Exempt   bool              `json:"exempt"`
	Live     *struct {
		Cluster         string `json:"cluster"`
		ResourceVersion string `json:"resourceVersion"`
		ManagedBy       string `json:"managedBy"`
	} `json:"live"`
}

func scanDemo(t *testing.T) []finding {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Execute([]string{"scan", "--snapshot", demoFile, "-o", "json"}, cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	if code != cli.ExitFindings {
		t.Fatalf("exit %d, want %d (findings); stderr:\n%s", code, cli.ExitFindings, errOut.String())
	}
	if errOut.Len() > 0 {
		t.Errorf("stderr: %s", errOut.String())
	}
	var rep struct {
		Findings []finding `json:"findings"`
		Problems []any     `json:"inputProblems"`
		Gaps     []any     `json:"coverageGaps"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) > 0 || len(rep.Gaps) > 0 {
		t.Errorf("input problems %v, coverage gaps %v", rep.Problems, rep.Gaps)
	}
	return rep.Findings
}

// TestDemoFindingsNameLiveObjects: the demo report is a cluster report. Every finding names
// a live object by UID and k8s:// resource, never a file.
func TestDemoFindingsNameLiveObjects(t *testing.T) {
	findings := scanDemo(t)
	if len(findings) < 100 {
		t.Fatalf("only %d findings", len(findings))
	}
	for _, f := range findings {
		ref := f.Object["namespace"] + "/" + f.Object["kind"] + "/" + f.Object["name"]
		want := "k8s://" + strings.TrimPrefix(ref, "/")
		if f.Object["uid"] == "" || f.Resource != want || len(f.Location) > 0 {
			t.Errorf("%s on %s: uid %q, resource %q (want %q), location %v", f.CheckID, ref, f.Object["uid"], f.Resource, want, f.Location)
		}
		if f.Live == nil || f.Live.Cluster != demo.Cluster || f.Live.ResourceVersion == "" {
			t.Errorf("%s on %s: live %+v", f.CheckID, ref, f.Live)
		}
		// Pods and ReplicaSets of the Deployments and DaemonSets are reported on their owner.
		if k := f.Object["kind"]; k == "Pod" || k == "ReplicaSet" {
			t.Errorf("%s reported on %s, not on its controller", f.CheckID, ref)
		}
	}
}

// TestDemoHeadlineFindings keeps the demo telling its story as the checks evolve.
func TestDemoHeadlineFindings(t *testing.T) {
	findings := scanDemo(t)
	type key struct{ check, resource string }
	got := map[key]finding{}
	for _, f := range findings {
		got[key{f.CheckID, f.Resource}] = f
	}
	for _, tc := range []struct {
		check, resource, managedBy string
		exempt                     bool
	}{
		{"EKS-POD-001", "k8s://shop/Deployment/worker", "kubectl apply", false},               // privileged init container
		{"EKS-POD-022", "k8s://shop/Deployment/worker", "kubectl apply", false},               // docker.sock
		{"EKS-IAM-006", "k8s://kube-system/ConfigMap/aws-auth", "eks", false},                 // system:masters mapping
		{"EKS-IAM-025", "k8s://ClusterRoleBinding/ci-deployer-admin", "kubectl apply", false}, // cluster-admin for CI
		{"EKS-IAM-024", "k8s://ci/Secret/deployer-token", "kubectl apply", false},             // long-lived token
		{"EKS-INF-003", "k8s://Node/ip-10-0-2-57.eu-west-1.compute.internal", "kubelet", false},
		{"EKS-POD-002", "k8s://monitoring/DaemonSet/node-exporter", "Helm", false}, // hostPID
		{"EKS-POD-001", "k8s://kube-system/DaemonSet/aws-node", "eks", true},       // EKS add-on: exempt
	} {
		f, ok := got[key{tc.check, tc.resource}]
		if !ok {
			t.Errorf("no %s finding on %s", tc.check, tc.resource)
			continue
		}
		if f.Live.ManagedBy != tc.managedBy || f.Exempt != tc.exempt {
			t.Errorf("%s on %s: managed by %q, exempt %v; want %q, %v", tc.check, tc.resource, f.Live.ManagedBy, f.Exempt, tc.managedBy, tc.exempt)
		}
	}
	// The payments team did everything right.
	for _, f := range findings {
		if f.Object["namespace"] == "payments" && f.Severity != "info" {
			t.Errorf("payments: %s %s on %s", f.Severity, f.CheckID, f.Resource)
		}
	}
}

// TestDemoSnapshotFile: small, schema v1, Secrets as metadata only.
func TestDemoSnapshotFile(t *testing.T) {
	data, err := os.ReadFile(demoFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 200<<10 {
		t.Errorf("%s is %d bytes; keep the demo under 200 KB", demoFile, len(data))
	}
	inv, meta, err := snapshot.Load(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if meta.Cluster.Name != demo.Cluster || meta.Created.IsZero() {
		t.Errorf("meta %+v", meta)
	}
	secrets := 0
	for _, o := range inv.Objects {
		if o.Kind == "Secret" {
			secrets++
		}
	}
	if secrets == 0 {
		t.Error("the demo has no Secrets; ci.yaml creates two")
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{demo.Canary, base64.StdEncoding.EncodeToString([]byte(demo.Canary)), "last-applied-configuration"} {
		if bytes.Contains(plain, []byte(leak)) {
			t.Errorf("%s contains %q", demoFile, leak)
		}
	}
}
