package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/source/aws/awstest"
	"github.com/eksguard/eksguard/internal/source/kube/kubetest"
	"github.com/eksguard/eksguard/internal/source/snapshot"
)

// TestSnapshotCarriesAWSFacts: snapshot save on EKS saves the AWS side with the objects, and
// scan --snapshot reports exactly what eksguard cluster reported on the cluster and its
// account, the AWS checks and the image checks that join both included.
func TestSnapshotCarriesAWSFacts(t *testing.T) {
	ctx := context.Background()
	acct := withAccount(t)
	if _, err := acct.CreateCluster(ctx, awstest.ClusterSpec{Name: "prod", Public: true, Version: "1.31"}); err != nil {
		t.Fatal(err)
	}
	for _, repo := range []string{"shop/web", "unused"} {
		if err := acct.CreateRepository(ctx, repo, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := acct.PushImage(ctx, "shop/web", "1.0", []byte(`{"architecture":"amd64","os":"linux","config":{"Env":["TOKEN=canary-9f2c"]}}`), 100); err != nil {
		t.Fatal(err)
	}
	if _, err := acct.Clients().ECR.StartImageScan(ctx, &ecr.StartImageScanInput{RepositoryName: sdkaws.String("shop/web"), ImageId: &ecrtypes.ImageIdentifier{ImageTag: sdkaws.String("1.0")}}); err != nil {
		t.Fatal(err)
	}

	env, err := kubetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	image := acct.ID + ".dkr.ecr." + awstest.Region + ".amazonaws.com/shop/web:1.0"
	manifest := `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "` + image + `"}]
`
	if _, err := env.Apply(ctx, []byte(manifest), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := env.WriteKubeconfig(t.TempDir(), "prod", "")
	if err != nil {
		t.Fatal(err)
	}
	conn := []string{"--kubeconfig", kubeconfig, "--quiet", "--cluster-name", "prod", "--region", awstest.Region, "--ecr-scope", "used"}

	live := run(t, "", append([]string{"cluster", "-o", "json"}, conn...)...)
	if live.code != ExitFindings {
		t.Fatalf("cluster: exit %d\n%s", live.code, live.stderr)
	}
	file := filepath.Join(t.TempDir(), "prod.json.gz")
	if r := run(t, "", append(append([]string{"snapshot", "save"}, conn...), file)...); r.code != ExitOK {
		t.Fatalf("snapshot save: exit %d\n%s", r.code, r.stderr)
	}
	offline := run(t, "", "scan", "--snapshot", file, "-o", "json")
	if offline.code != live.code {
		t.Errorf("exit %d from the snapshot, %d live; stderr %s", offline.code, live.code, offline.stderr)
	}
	var a, b map[string]json.RawMessage
	if err := json.Unmarshal([]byte(live.stdout), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(offline.stdout), &b); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"summary", "scores", "controls", "findings", "inputProblems", "coverageGaps", "target"} {
		if a[part] == nil {
			t.Errorf("live report has no %s", part)
		}
		if !bytes.Equal(a[part], b[part]) {
			t.Errorf("%s differ:\nlive:     %.1500s\nsnapshot: %.1500s", part, a[part], b[part])
		}
	}
	// The AWS checks and the running-image checks ran, on the cluster and on the image.
	var findings []struct {
		CheckID  string `json:"checkId"`
		Resource string `json:"resource"`
	}
	if err := json.Unmarshal(a["findings"], &findings); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range findings {
		got[f.CheckID] = f.Resource
	}
	for id, resource := range map[string]string{"EKS-IAM-001": ":cluster/prod", "EKS-IMG-013": ":repository/shop/web/sha256:", "EKS-IMG-014": ":repository/shop/web/sha256:"} {
		if !strings.Contains(got[id], resource) {
			t.Errorf("%s: resource %q, want one containing %q", id, got[id], resource)
		}
	}
	// --ecr-scope used: the unused repository was not read.
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inv, _, err := snapshot.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if inv.AWS == nil || len(inv.AWS.Repositories) != 1 || len(inv.AWS.ECRImages) != 1 || inv.AWS.ECRImages[0].Config == nil {
		t.Fatalf("snapshot AWS facts: %+v", inv.AWS)
	}
	data, _ := json.Marshal(inv.AWS)
	if bytes.Contains(data, []byte("canary-9f2c")) {
		t.Error("the image's environment reached the snapshot")
	}
}
