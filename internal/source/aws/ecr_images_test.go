package aws_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/inventory"
	awssource "github.com/eksguard/eksguard/internal/source/aws"
	"github.com/eksguard/eksguard/internal/source/aws/awstest"
)

// pushed holds the images fullAccount pushed, by account ID.
var pushed sync.Map

// jsonString is v as JSON.
func jsonString(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// images is what pushImages pushed.
type images struct {
	web, index, amd64, arm64 string
}

// pushImages turns on enhanced scanning, pushes shop/web:1.0 (one manifest, user 1000, with
// an Inspector finding and an SBOM referrer) and shop/worker:2.0 (an index of linux/amd64 and
// linux/arm64 manifests), and adds a Deployment running them, a missing tag, an image of
// another account and one of Docker Hub.
func pushImages(t *testing.T, ctx context.Context, acct *awstest.Account, inv *inventory.Inventory, enhanced bool) images {
	t.Helper()
	var out images
	var err error
	if enhanced {
		if _, err := acct.Clients().ECR.PutRegistryScanningConfiguration(ctx, &ecr.PutRegistryScanningConfigurationInput{ScanType: ecrtypes.ScanTypeEnhanced,
			Rules: []ecrtypes.RegistryScanningRule{{ScanFrequency: ecrtypes.ScanFrequencyContinuousScan,
				RepositoryFilters: []ecrtypes.ScanningRepositoryFilter{{Filter: sdkaws.String("*"), FilterType: ecrtypes.ScanningRepositoryFilterTypeWildcard}}}}}); err != nil {
			t.Fatal(err)
		}
	}
	if out.web, err = acct.PushImage(ctx, "shop/web", "1.0", []byte(`{"architecture":"amd64","os":"linux","config":{"User":"1000","Env":["DB_PASSWORD=hunter2"]}}`), 1000, 2000); err != nil {
		t.Fatal(err)
	}
	if out.amd64, err = acct.PushImage(ctx, "shop/worker", "", []byte(`{"architecture":"amd64","os":"linux","config":{}}`), 10); err != nil {
		t.Fatal(err)
	}
	if out.arm64, err = acct.PushImage(ctx, "shop/worker", "", []byte(`{"architecture":"arm64","os":"linux","config":{"User":"root"}}`), 20, 30); err != nil {
		t.Fatal(err)
	}
	if out.index, err = acct.PushIndex(ctx, "shop/worker", "2.0", map[string]string{"linux/amd64": out.amd64, "linux/arm64": out.arm64}); err != nil {
		t.Fatal(err)
	}
	if !enhanced {
		if _, err := acct.Clients().ECR.StartImageScan(ctx, &ecr.StartImageScanInput{RepositoryName: sdkaws.String("shop/web"), ImageId: &ecrtypes.ImageIdentifier{ImageTag: sdkaws.String("1.0")}}); err != nil {
			t.Fatal(err)
		}
	}
	acct.AddInspectorFinding(inspectortypes.Finding{FindingArn: sdkaws.String("arn:aws:inspector2:us-east-1:" + acct.ID + ":finding/1"),
		Severity: inspectortypes.SeverityCritical, Status: inspectortypes.FindingStatusActive, FixAvailable: inspectortypes.FixAvailableYes,
		Title: sdkaws.String("CVE-2024-0001 - openssl"), Description: sdkaws.String("a long description"),
		PackageVulnerabilityDetails: &inspectortypes.PackageVulnerabilityDetails{VulnerabilityId: sdkaws.String("CVE-2024-0001"), Source: sdkaws.String("NVD"),
			ReferenceUrls:      []string{"https://example.com"},
			VulnerablePackages: []inspectortypes.VulnerablePackage{{Name: sdkaws.String("openssl"), Version: sdkaws.String("3.0.1"), FixedInVersion: sdkaws.String("3.0.2"), PackageManager: inspectortypes.PackageManagerOs}}},
		Resources: []inspectortypes.Resource{{Id: sdkaws.String("arn:aws:ecr:us-east-1:" + acct.ID + ":repository/shop/web/" + out.web), Type: inspectortypes.ResourceTypeAwsEcrContainerImage,
			Details: &inspectortypes.ResourceDetails{AwsEcrContainerImage: &inspectortypes.AwsEcrContainerImageDetails{ImageHash: sdkaws.String(out.web),
				RepositoryName: sdkaws.String("shop/web"), Registry: sdkaws.String(acct.ID), Platform: sdkaws.String("DEBIAN_12"), Author: sdkaws.String("someone")}}}}})
	acct.AddReferrer("shop/web", out.web, ecrtypes.ImageReferrer{Digest: sdkaws.String("sha256:" + strings.Repeat("5", 64)),
		MediaType: sdkaws.String("application/vnd.oci.image.manifest.v1+json"), ArtifactType: sdkaws.String("application/spdx+json"), Size: sdkaws.Int64(700)})

	host := acct.ID + ".dkr.ecr." + awstest.Region + ".amazonaws.com/"
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}, Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "init", Image: host + "shop/worker:2.0"}},
		Containers: []corev1.Container{{Name: "web", Image: host + "shop/web:1.0"}, {Name: "pinned", Image: host + "shop/web@" + out.web},
			{Name: "gone", Image: host + "shop/web:0.9"}, {Name: "other", Image: "999999999999.dkr.ecr.us-east-1.amazonaws.com/x:1"}, {Name: "hub", Image: "nginx:1.27"}},
	}}}}
	inv.Add(&inventory.Object{ObjectRef: inventory.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}, Typed: dep})
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{Architecture: "arm64"}}}
	inv.Add(&inventory.Object{ObjectRef: inventory.ObjectRef{APIVersion: "v1", Kind: "Node", Name: "n1"}, Typed: node})
	return out
}

// checkImages checks what the collector read of the images pushImages pushed.
func checkImages(t *testing.T, acct *awstest.Account, a *inventory.AWS, imgs images, enhanced bool) {
	t.Helper()
	host := acct.ID + ".dkr.ecr." + awstest.Region + ".amazonaws.com/"
	if len(a.ECRImages) != 2 {
		t.Fatalf("ECR images = %+v", a.ECRImages)
	}
	web, worker := a.ECRImages[0], a.ECRImages[1]
	if sdkaws.ToString(web.Detail.ImageDigest) != imgs.web || !slices.Equal(web.References, []string{host + "shop/web:1.0", host + "shop/web@" + imgs.web}) {
		t.Errorf("web = %+v", web)
	}
	if a.ECRImageFor(host+"shop/web:1.0") == nil || a.ECRImageFor("nginx:1.27") != nil {
		t.Errorf("ECRImageFor does not find the references")
	}
	if !slices.Equal(a.MissingImages, []string{host + "shop/web:0.9"}) {
		t.Errorf("missing images = %v", a.MissingImages)
	}
	if c := web.Config; c == nil || c.User != "1000" || c.Layers != 2 || c.LayersSize != 3000 || c.OS != "linux" || c.Platform != "" || c.Error != "" {
		t.Errorf("web config = %+v", web.Config)
	}
	// The index resolves to the nodes' architecture.
	if c := worker.Config; c == nil || c.Platform != "linux/arm64" || c.ManifestDigest != imgs.arm64 || c.User != "root" || c.Layers != 2 || c.Error != "" {
		t.Errorf("worker config = %+v", worker.Config)
	}
	if len(web.Referrers) != 1 || sdkaws.ToString(web.Referrers[0].ArtifactType) != "application/spdx+json" {
		t.Errorf("referrers = %+v", web.Referrers)
	}
	if enhanced {
		if len(web.Findings) != 1 || len(worker.Findings) != 0 {
			t.Fatalf("findings: web %+v, worker %+v", web.Findings, worker.Findings)
		}
		f := web.Findings[0]
		if f.Severity != inspectortypes.SeverityCritical || f.FixAvailable != inspectortypes.FixAvailableYes || f.Description != nil ||
			f.PackageVulnerabilityDetails.ReferenceUrls != nil || sdkaws.ToString(f.PackageVulnerabilityDetails.VulnerablePackages[0].FixedInVersion) != "3.0.2" ||
			sdkaws.ToString(f.Resources[0].Details.AwsEcrContainerImage.Platform) != "DEBIAN_12" || f.Resources[0].Details.AwsEcrContainerImage.Author != nil {
			t.Errorf("finding not trimmed as documented: %+v", f)
		}
	} else {
		if web.ScanFindings == nil || len(web.ScanFindings.Findings) == 0 || web.ScanFindings.Findings[0].Description != nil || worker.ScanFindings != nil {
			t.Errorf("scan findings: web %+v, worker %+v", web.ScanFindings, worker.ScanFindings)
		}
	}
}

// TestECRImagesBasicScanning: under basic scanning the findings come from
// ecr:DescribeImageScanFindings, and an image never scanned has none.
func TestECRImagesBasicScanning(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct := srv.NewAccount(t)
	if _, err := acct.CreateCluster(ctx, awstest.ClusterSpec{Name: "prod", Version: "1.31"}); err != nil {
		t.Fatal(err)
	}
	for _, repo := range []string{"shop/web", "shop/worker", "unused"} {
		if err := acct.CreateRepository(ctx, repo, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	inv := &inventory.Inventory{}
	imgs := pushImages(t, ctx, acct, inv, false)
	rec := &calls{}
	opts := options(acct, "prod", rec)
	opts.ECRUsedOnly = true
	if err := awssource.Collect(ctx, inv, opts); err != nil {
		t.Fatal(err)
	}
	for _, g := range inv.Gaps {
		t.Errorf("unexpected gap: %+v", g)
	}
	checkImages(t, acct, inv.AWS, imgs, false)
	// --ecr-scope=used: only the repositories the cluster runs images from.
	var names []string
	for _, r := range inv.AWS.Repositories {
		names = append(names, sdkaws.ToString(r.Repository.RepositoryName))
	}
	if !slices.Equal(names, []string{"shop/web", "shop/worker"}) {
		t.Errorf("repositories with --ecr-scope=used: %v", names)
	}
	if rec.n["inspector2:ListFindings"] != 0 || rec.n["ecr:DescribeImageScanFindings"] != 2 {
		t.Errorf("calls = %v", rec.n)
	}
}

// TestECRImagesNoSecrets: the image configuration's Env never reaches the model.
func TestECRImagesNoSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct := srv.NewAccount(t)
	if _, err := acct.CreateCluster(ctx, awstest.ClusterSpec{Name: "prod", Version: "1.31"}); err != nil {
		t.Fatal(err)
	}
	for _, repo := range []string{"shop/web", "shop/worker"} {
		if err := acct.CreateRepository(ctx, repo, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	inv := &inventory.Inventory{}
	pushImages(t, ctx, acct, inv, true)
	var debug strings.Builder
	opts := options(acct, "prod", nil)
	var mu sync.Mutex
	opts.Debugf = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(&debug, format+"\n", args...)
	}
	if err := awssource.Collect(ctx, inv, opts); err != nil {
		t.Fatal(err)
	}
	data := jsonString(t, inv.AWS)
	for _, secret := range []string{"hunter2", "DB_PASSWORD", "X-Amz-Signature"} {
		if strings.Contains(data, secret) || strings.Contains(debug.String(), secret) {
			t.Errorf("%q reached the model or the debug log", secret)
		}
	}
}

// TestECRImagesDenied: a denied image call is a gap naming the action.
func TestECRImagesDenied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct := srv.NewAccount(t)
	if _, err := acct.CreateCluster(ctx, awstest.ClusterSpec{Name: "prod", Version: "1.31"}); err != nil {
		t.Fatal(err)
	}
	for _, repo := range []string{"shop/web", "shop/worker"} {
		if err := acct.CreateRepository(ctx, repo, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	inv := &inventory.Inventory{}
	pushImages(t, ctx, acct, inv, true)
	acct.Deny("ecr:GetDownloadUrlForLayer", "inspector2:ListFindings")
	if err := awssource.Collect(ctx, inv, options(acct, "prod", nil)); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, g := range inv.Gaps {
		kinds[g.Kind] = true
	}
	if !kinds["aws:ecr:GetDownloadUrlForLayer"] || !kinds["aws:inspector2:ListFindings"] || len(inv.Gaps) != 2 {
		t.Errorf("gaps = %+v", inv.Gaps)
	}
	if len(inv.AWS.ECRImages) != 2 || inv.AWS.ECRImages[0].Config == nil || inv.AWS.ECRImages[0].Config.Error == "" {
		t.Errorf("images = %+v", inv.AWS.ECRImages)
	}
}

// TestECRImageConfigLimits: a configuration blob over the size limit is not downloaded, one
// that does not match its digest is not used; both say why in ImageConfig.Error.
func TestECRImageConfigLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct := srv.NewAccount(t)
	if _, err := acct.CreateCluster(ctx, awstest.ClusterSpec{Name: "prod", Version: "1.31"}); err != nil {
		t.Fatal(err)
	}
	if err := acct.CreateRepository(ctx, "big", "", ""); err != nil {
		t.Fatal(err)
	}
	big := []byte(`{"os":"linux","config":{"User":"0"},"history":"` + strings.Repeat("x", awssource.MaxImageConfigBytes) + `"}`)
	if _, err := acct.PushImage(ctx, "big", "huge", big); err != nil {
		t.Fatal(err)
	}
	cfg := []byte(`{"os":"linux","config":{"User":"0"}}`)
	if _, err := acct.PushImage(ctx, "big", "corrupt", cfg); err != nil {
		t.Fatal(err)
	}
	acct.CorruptBlob(acct.AddBlob(cfg))
	host := acct.ID + ".dkr.ecr." + awstest.Region + ".amazonaws.com/big:"
	inv := &inventory.Inventory{}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "shop"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: host + "huge"}, {Name: "b", Image: host + "corrupt"}}}}
	inv.Add(&inventory.Object{ObjectRef: inventory.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: "shop", Name: "p"}, Typed: pod})
	if err := awssource.Collect(ctx, inv, options(acct, "prod", nil)); err != nil {
		t.Fatal(err)
	}
	errs := map[string]string{}
	for _, img := range inv.AWS.ECRImages {
		if img.Config == nil || img.Config.User != "" {
			t.Errorf("%v: config %+v", img.Detail.ImageTags, img.Config)
			continue
		}
		errs[img.Detail.ImageTags[0]] = img.Config.Error
	}
	if !strings.Contains(errs["huge"], "over the 1048576-byte limit") || !strings.Contains(errs["corrupt"], "does not match its digest") {
		t.Errorf("errors = %v", errs)
	}
}
