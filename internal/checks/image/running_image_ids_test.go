package image

import (
	"context"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// TestRunningImageIsWhatPodsReport: on a live cluster the Deployment names shop/web:1.0, but
// its pods (through their ReplicaSet) report running another digest, pulled before the tag
// moved. EKS-IMG-013 judges the digest the pods run, not what the tag resolves to now; with
// no pod statuses (manifests) it judges the tag's image.
func TestRunningImageIsWhatPodsReport(t *testing.T) {
	const (
		repo    = "111122223333.dkr.ecr.us-east-1.amazonaws.com/shop/web"
		tagged  = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
		running = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
	)
	isController := true
	owner := func(kind, name, uid string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: types.UID(uid), Controller: &isController}}
	}
	template := corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: repo + ":1.0"}}}}
	deploy := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", UID: "d1"}, Spec: appsv1.DeploymentSpec{Template: template}}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-5d8", Namespace: "shop", UID: "r1", OwnerReferences: owner("Deployment", "web", "d1")},
		Spec: appsv1.ReplicaSetSpec{Template: template}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-5d8-x", Namespace: "shop", UID: "p1", OwnerReferences: owner("ReplicaSet", "web-5d8", "r1")},
		Spec: template.Spec, Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "web", ImageID: "docker-pullable://" + repo + "@" + running}}}}
	image := func(digest string, refs []string, sev ecrtypes.FindingSeverity) inventory.ECRImage {
		return inventory.ECRImage{Detail: ecrtypes.ImageDetail{RepositoryName: sdkaws.String("shop/web"), ImageDigest: sdkaws.String(digest)}, References: refs,
			ScanFindings: &ecrtypes.ImageScanFindings{Findings: []ecrtypes.ImageScanFinding{{Name: sdkaws.String("CVE-" + digest[7:11]), Severity: sev}}}}
	}
	aws := func() *inventory.AWS {
		return &inventory.AWS{AWSTarget: inventory.AWSTarget{Account: "111122223333", Region: "us-east-1", Partition: "aws"},
			RegistryScanning: &ecrtypes.RegistryScanningConfiguration{ScanType: ecrtypes.ScanTypeBasic},
			ECRImages: []inventory.ECRImage{
				image(tagged, []string{repo + ":1.0"}, ecrtypes.FindingSeverityLow),
				image(running, []string{repo + "@" + running}, ecrtypes.FindingSeverityCritical),
			}}
	}
	obj := func(apiVersion, kind string, m metav1.ObjectMeta, typed any) *inventory.Object {
		return &inventory.Object{ObjectRef: inventory.ObjectRef{APIVersion: apiVersion, Kind: kind, Namespace: m.Namespace, Name: m.Name, UID: string(m.UID)},
			Typed: typed, Origin: inventory.Origin{Live: &inventory.LiveRef{}}}
	}
	run := func(objs ...*inventory.Object) []check.Finding {
		inv := &inventory.Inventory{AWS: aws()}
		inv.Add(objs...)
		findings, err := check.Run(context.Background(), inv, []*check.Check{runningImageVulnerabilities}, check.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return findings
	}

	live := run(obj("apps/v1", "Deployment", deploy.ObjectMeta, deploy), obj("apps/v1", "ReplicaSet", rs.ObjectMeta, rs), obj("v1", "Pod", pod.ObjectMeta, pod))
	if len(live) != 1 || !strings.Contains(live[0].Message, running[:19]) || !strings.Contains(live[0].Message, "shop/Deployment/web") {
		t.Fatalf("live: want one finding on the running digest, run by the Deployment; got %+v", live)
	}

	// An owner reference without controller: true still ties the Pod to its ReplicaSet (as
	// PodSpecs reads it), so the running digest still reaches the Deployment.
	loose := pod.DeepCopy()
	loose.OwnerReferences[0].Controller = nil
	if got := run(obj("apps/v1", "Deployment", deploy.ObjectMeta, deploy), obj("apps/v1", "ReplicaSet", rs.ObjectMeta, rs), obj("v1", "Pod", loose.ObjectMeta, loose)); len(got) != 1 ||
		!strings.Contains(got[0].Message, running[:19]) {
		t.Fatalf("owner reference without controller: want the running digest's finding; got %+v", got)
	}

	manifests := run(obj("apps/v1", "Deployment", deploy.ObjectMeta, deploy))
	if len(manifests) != 0 {
		t.Fatalf("manifests: the tag's image has only a low finding, want none; got %+v", manifests)
	}
}
