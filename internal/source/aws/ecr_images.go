package aws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// MaxImageConfigBytes bounds the image configuration blob read for an image: real ones are a
// few KiB; a larger one is not read (ImageConfig.Error says so).
const MaxImageConfigBytes = 1 << 20

// Manifest media types ecr:BatchGetImage is asked for: Docker v2 and OCI image manifests and
// their multi-platform indexes. Docker schema 1 manifests are not accepted (ECR converts
// them when it can).
const (
	mediaDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	mediaOCIIndex       = "application/vnd.oci.image.index.v1+json"
)

var acceptedManifests = []string{mediaDockerManifest, mediaOCIManifest, mediaDockerList, mediaOCIIndex}

// repoImages is the work on one repository: the references to it and the images they
// resolve to.
type repoImages struct {
	name   string
	refs   []string
	images map[string]*inventory.ECRImage // by digest
}

// ecrImages reads the images the cluster runs from the account's ECR registry in the region
// (second wave: the registry's scanning configuration says where the findings are).
// References to another account's or region's registry, or to another registry, are not
// read. Tags are resolved to digests as they are now (ecr:DescribeImages), one batch per
// repository; the digests Pods report running (container status imageID) are read as well,
// since a tag may have moved after a pod pulled it (the checks prefer those).
func (c *collector) ecrImages(ctx context.Context) {
	byRepo := map[string]*repoImages{}
	for _, img := range c.k8s.images {
		ref, ok := inventory.ParseECRImage(img)
		if !ok || ref.Account != c.out.Account || ref.Region != c.out.Region {
			continue
		}
		r := byRepo[ref.Repository]
		if r == nil {
			r = &repoImages{name: ref.Repository, images: map[string]*inventory.ECRImage{}}
			byRepo[ref.Repository] = r
		}
		r.refs = append(r.refs, img)
	}
	if len(byRepo) == 0 {
		return
	}
	downloads := make(chan struct{}, c.opts.Concurrency)
	c.onceMu.Lock()
	c.downloads = downloads
	c.onceMu.Unlock()
	c.mu.Lock()
	enhanced := c.out.RegistryScanning != nil && c.out.RegistryScanning.ScanType == ecrtypes.ScanTypeEnhanced
	c.mu.Unlock()
	var g group
	for _, r := range byRepo {
		g.Go(func() { c.repoImages(ctx, r, enhanced) })
	}
	g.Wait()
}

func (c *collector) repoARN(name string) string { return c.out.ARN("ecr", "repository/"+name) }

// repoImages resolves the references to one repository and reads what the checks need about
// each image.
func (c *collector) repoImages(ctx context.Context, r *repoImages, enhanced bool) {
	var missing []string
	details, missingIDs, ok := c.describeImages(ctx, r)
	if !ok {
		return
	}
	for _, ref := range r.refs {
		parsed, _ := inventory.ParseECRImage(ref)
		var found *ecrtypes.ImageDetail
		for i := range details {
			d := &details[i]
			if parsed.Digest != "" {
				if str(d.ImageDigest) == parsed.Digest {
					found = d
				}
			} else {
				for _, t := range d.ImageTags {
					if t == parsed.Tag {
						found = d
					}
				}
			}
			if found != nil {
				break
			}
		}
		if found == nil {
			if missingIDs[imageKey(parsed)] {
				missing = append(missing, ref)
			}
			continue
		}
		img := r.images[str(found.ImageDigest)]
		if img == nil {
			img = &inventory.ECRImage{Detail: *found}
			r.images[str(found.ImageDigest)] = img
		}
		img.References = append(img.References, ref)
	}
	images := make([]*inventory.ECRImage, 0, len(r.images))
	for _, img := range r.images {
		sort.Strings(img.References)
		images = append(images, img)
	}
	sort.Slice(images, func(i, j int) bool { return str(images[i].Detail.ImageDigest) < str(images[j].Detail.ImageDigest) })

	var g group
	if enhanced {
		g.Go(func() { c.inspectorFindings(ctx, r.name, images) })
	}
	for _, img := range images {
		// Under basic scanning each image is asked: DescribeImages does not always carry the
		// scan status, and ScanNotFoundException says "never scanned" as well.
		if !enhanced {
			g.Go(func() { c.scanFindings(ctx, r.name, img) })
		}
		g.Go(func() { c.referrers(ctx, r.name, img) })
	}
	g.Go(func() { c.imageConfigs(ctx, r.name, images) })
	g.Wait()

	c.add(func(a *inventory.AWS) {
		for _, img := range images {
			a.ECRImages = append(a.ECRImages, *img)
		}
		a.MissingImages = append(a.MissingImages, missing...)
	})
}

// imageKey names a reference's image ID: its digest, else its tag.
func imageKey(r inventory.ECRImageRef) string {
	if r.Digest != "" {
		return "@" + r.Digest
	}
	return ":" + r.Tag
}

// describeImages calls ecr:DescribeImages for the repository's references, 100 image IDs a
// call. ECR fails the whole call when one ID does not exist (ImageNotFoundException); that
// batch is then asked again one ID at a time to tell which. ok is false when the call failed
// otherwise (a gap).
func (c *collector) describeImages(ctx context.Context, r *repoImages) (details []ecrtypes.ImageDetail, missing map[string]bool, ok bool) {
	missing = map[string]bool{}
	seen := map[string]bool{}
	var ids []ecrtypes.ImageIdentifier
	for _, ref := range r.refs {
		p, _ := inventory.ParseECRImage(ref)
		key := imageKey(p)
		if seen[key] {
			continue
		}
		seen[key] = true
		if p.Digest != "" {
			ids = append(ids, ecrtypes.ImageIdentifier{ImageDigest: sdkaws.String(p.Digest)})
		} else {
			ids = append(ids, ecrtypes.ImageIdentifier{ImageTag: sdkaws.String(p.Tag)})
		}
	}
	key := func(id ecrtypes.ImageIdentifier) string {
		if id.ImageDigest != nil {
			return "@" + *id.ImageDigest
		}
		return ":" + str(id.ImageTag)
	}
	call := func(batch []ecrtypes.ImageIdentifier) ([]ecrtypes.ImageDetail, error) {
		var out []ecrtypes.ImageDetail
		p := ecr.NewDescribeImagesPaginator(c.clients.ecr, &ecr.DescribeImagesInput{RepositoryName: sdkaws.String(r.name), ImageIds: batch})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			out = append(out, page.ImageDetails...)
		}
		return out, nil
	}
	for start := 0; start < len(ids); start += 100 {
		batch := ids[start:min(start+100, len(ids))]
		out, err := call(batch)
		switch {
		case err == nil:
			details = append(details, out...)
		case isCode(err, "RepositoryNotFoundException"):
			for _, id := range ids {
				missing[key(id)] = true
			}
			c.debugf("ecr: repository %s does not exist", r.name)
			return nil, missing, true
		case isCode(err, "ImageNotFoundException"):
			for _, id := range batch {
				one, err := call([]ecrtypes.ImageIdentifier{id})
				switch {
				case err == nil:
					details = append(details, one...)
				case isCode(err, "ImageNotFoundException"):
					missing[key(id)] = true
				default:
					c.fail(ctx, "ecr:DescribeImages", c.repoARN(r.name), err)
					return nil, nil, false
				}
			}
		default:
			c.fail(ctx, "ecr:DescribeImages", c.repoARN(r.name), err)
			return nil, nil, false
		}
	}
	return details, missing, true
}

// scanFindings reads the basic-scanning findings of an image (ecr:DescribeImageScanFindings),
// without their descriptions.
func (c *collector) scanFindings(ctx context.Context, repo string, img *inventory.ECRImage) {
	p := ecr.NewDescribeImageScanFindingsPaginator(c.clients.ecr, &ecr.DescribeImageScanFindingsInput{
		RepositoryName: sdkaws.String(repo), ImageId: &ecrtypes.ImageIdentifier{ImageDigest: img.Detail.ImageDigest}})
	var out *ecrtypes.ImageScanFindings
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if !isCode(err, "ScanNotFoundException") {
				c.fail(ctx, "ecr:DescribeImageScanFindings", c.repoARN(repo), err)
			}
			return
		}
		if page.ImageScanFindings == nil {
			continue
		}
		if out == nil {
			sf := *page.ImageScanFindings
			sf.Findings, sf.EnhancedFindings = nil, nil
			out = &sf
		}
		for _, f := range page.ImageScanFindings.Findings {
			f.Description, f.Uri = nil, nil
			out.Findings = append(out.Findings, f)
		}
	}
	img.ScanFindings = out
}

// referrers reads the artifacts attached to an image (ecr:ListImageReferrers).
func (c *collector) referrers(ctx context.Context, repo string, img *inventory.ECRImage) {
	var token *string
	for {
		out, err := c.clients.ecr.ListImageReferrers(ctx, &ecr.ListImageReferrersInput{RepositoryName: sdkaws.String(repo),
			SubjectId: &ecrtypes.SubjectIdentifier{ImageDigest: img.Detail.ImageDigest}, NextToken: token})
		if err != nil {
			if !isCode(err, "ImageNotFoundException") {
				c.fail(ctx, "ecr:ListImageReferrers", c.repoARN(repo), err)
			}
			return
		}
		img.Referrers = append(img.Referrers, out.Referrers...)
		if token = out.NextToken; token == nil || *token == "" {
			sort.Slice(img.Referrers, func(i, j int) bool { return str(img.Referrers[i].Digest) < str(img.Referrers[j].Digest) })
			return
		}
	}
}

// manifest is the part of an image manifest or index the collector reads.
type manifest struct {
	MediaType string `json:"mediaType"`
	Config    struct {
		Digest string `json:"digest"`
		Size   int64  `json:"size"`
	} `json:"config"`
	Layers []struct {
		Size int64 `json:"size"`
	} `json:"layers"`
	Manifests []struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Platform  *struct {
			OS           string `json:"os"`
			Architecture string `json:"architecture"`
			Variant      string `json:"variant"`
		} `json:"platform"`
	} `json:"manifests"`
}

// imageConfigs reads the manifests of the repository's images (ecr:BatchGetImage; for an
// index, the manifest of the nodes' architecture, else linux/amd64, else the first) and
// their configuration blobs.
func (c *collector) imageConfigs(ctx context.Context, repo string, images []*inventory.ECRImage) {
	digests := make([]string, len(images))
	for i, img := range images {
		digests[i] = str(img.Detail.ImageDigest)
		img.Config = &inventory.ImageConfig{}
	}
	manifests, ok := c.batchGetImage(ctx, repo, digests)
	if !ok {
		for _, img := range images {
			img.Config = nil
		}
		return
	}
	// Indexes: choose a platform's manifest and fetch those in a second call.
	chosen := map[*inventory.ECRImage]string{}
	var second []string
	for _, img := range images {
		m, ok := manifests[str(img.Detail.ImageDigest)]
		if !ok {
			img.Config.Error = "ecr:BatchGetImage returned no manifest of a known media type"
			continue
		}
		img.Config.ManifestMediaType = m.MediaType
		if m.MediaType == mediaDockerList || m.MediaType == mediaOCIIndex {
			d, platform := c.choosePlatform(m)
			if d == "" {
				img.Config.Error = "the image index lists no image manifest"
				continue
			}
			img.Config.Platform, img.Config.ManifestDigest = platform, d
			chosen[img] = d
			second = append(second, d)
		}
	}
	if len(second) > 0 {
		more, ok := c.batchGetImage(ctx, repo, second)
		if !ok {
			for img := range chosen {
				img.Config.Error = "the platform manifest could not be read"
			}
			return
		}
		for d, m := range more {
			manifests[d] = m
		}
	}
	var g group
	for _, img := range images {
		if img.Config.Error != "" {
			continue
		}
		d := str(img.Detail.ImageDigest)
		if cd, ok := chosen[img]; ok {
			d = cd
		}
		m, ok := manifests[d]
		if !ok || (m.MediaType != mediaDockerManifest && m.MediaType != mediaOCIManifest) {
			img.Config.Error = "no image manifest for " + d
			continue
		}
		if chosen[img] != "" {
			img.Config.ManifestMediaType = m.MediaType
		}
		img.Config.ConfigDigest, img.Config.ConfigSize = m.Config.Digest, m.Config.Size
		img.Config.Layers = len(m.Layers)
		for _, l := range m.Layers {
			img.Config.LayersSize += l.Size
		}
		if m.Config.Size > MaxImageConfigBytes {
			img.Config.Error = fmt.Sprintf("the configuration blob is %d bytes, over the %d-byte limit", m.Config.Size, MaxImageConfigBytes)
			continue
		}
		g.Go(func() { c.configBlob(ctx, repo, img) })
	}
	g.Wait()
}

// choosePlatform picks the manifest of an index the cluster would run: the nodes'
// architecture on linux, else linux/amd64, else the first manifest.
func (c *collector) choosePlatform(m manifest) (digest, platform string) {
	arch := c.k8s.nodeArch
	if arch == "" {
		arch = "amd64"
	}
	pick := -1
	for _, want := range []string{arch, "amd64"} {
		for i, e := range m.Manifests {
			if e.Platform != nil && e.Platform.OS == "linux" && e.Platform.Architecture == want {
				pick = i
				break
			}
		}
		if pick >= 0 {
			break
		}
	}
	if pick < 0 {
		for i, e := range m.Manifests {
			// Skip attestation manifests (platform unknown/unknown) that buildkit adds.
			if e.Platform == nil || e.Platform.OS != "unknown" {
				pick = i
				break
			}
		}
	}
	if pick < 0 {
		return "", ""
	}
	e := m.Manifests[pick]
	if e.Platform != nil {
		platform = e.Platform.OS + "/" + e.Platform.Architecture
		if e.Platform.Variant != "" {
			platform += "/" + e.Platform.Variant
		}
	}
	return e.Digest, platform
}

// batchGetImage returns the manifests of these digests by digest (ecr:BatchGetImage, 100 a
// call). Digests ECR reports as failures are absent.
func (c *collector) batchGetImage(ctx context.Context, repo string, digests []string) (map[string]manifest, bool) {
	out := map[string]manifest{}
	for start := 0; start < len(digests); start += 100 {
		var ids []ecrtypes.ImageIdentifier
		for _, d := range digests[start:min(start+100, len(digests))] {
			ids = append(ids, ecrtypes.ImageIdentifier{ImageDigest: sdkaws.String(d)})
		}
		res, err := c.clients.ecr.BatchGetImage(ctx, &ecr.BatchGetImageInput{RepositoryName: sdkaws.String(repo), ImageIds: ids, AcceptedMediaTypes: acceptedManifests})
		if err != nil {
			c.fail(ctx, "ecr:BatchGetImage", c.repoARN(repo), err)
			return nil, false
		}
		for _, img := range res.Images {
			var m manifest
			if err := json.Unmarshal([]byte(str(img.ImageManifest)), &m); err != nil {
				c.debugf("ecr: manifest of %s@%s: %v", repo, str(img.ImageId.ImageDigest), err)
				continue
			}
			if m.MediaType == "" {
				m.MediaType = str(img.ImageManifestMediaType)
			}
			if img.ImageId != nil {
				out[str(img.ImageId.ImageDigest)] = m
			}
		}
	}
	return out, true
}

// imageConfigFields are the configuration fields kept: the rest (Env, Labels, history) is
// never decoded.
type imageConfigFields struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Config       struct {
		User string `json:"User"`
	} `json:"config"`
}

// configBlob downloads an image's configuration blob (ecr:GetDownloadUrlForLayer, then an
// HTTP GET of the pre-signed URL, at most MaxImageConfigBytes), checks its digest and keeps
// ImageConfig's fields of it.
func (c *collector) configBlob(ctx context.Context, repo string, img *inventory.ECRImage) {
	cfg := img.Config
	out, err := c.clients.ecr.GetDownloadUrlForLayer(ctx, &ecr.GetDownloadUrlForLayerInput{RepositoryName: sdkaws.String(repo), LayerDigest: sdkaws.String(cfg.ConfigDigest)})
	if err != nil {
		c.fail(ctx, "ecr:GetDownloadUrlForLayer", c.repoARN(repo), err)
		cfg.Error = "the configuration blob could not be located"
		return
	}
	blob, err := c.download(ctx, str(out.DownloadUrl))
	if err != nil {
		cfg.Error = "download the configuration blob: " + err.Error()
		c.debugf("ecr: %s@%s: %s", repo, cfg.ConfigDigest, cfg.Error)
		return
	}
	if sum := sha256.Sum256(blob); cfg.ConfigDigest != "sha256:"+hex.EncodeToString(sum[:]) {
		cfg.Error = "the configuration blob does not match its digest " + cfg.ConfigDigest
		return
	}
	var f imageConfigFields
	if err := json.Unmarshal(blob, &f); err != nil {
		cfg.Error = "the configuration blob is not JSON: " + err.Error()
		return
	}
	cfg.OS, cfg.Architecture, cfg.User = f.OS, f.Architecture, f.Config.User
}

// download GETs a pre-signed layer URL, reading at most MaxImageConfigBytes. At most
// Options.Concurrency downloads run at once, as for API requests.
func (c *collector) download(ctx context.Context, url string) ([]byte, error) {
	c.onceMu.Lock()
	sem := c.downloads
	c.onceMu.Unlock()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-sem }()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	client := c.opts.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The URL is pre-signed: keep its query (the signature) out of errors and logs.
		return nil, fmt.Errorf("GET %s: %w", strings.SplitN(url, "?", 2)[0], unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", strings.SplitN(url, "?", 2)[0], resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxImageConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImageConfigBytes {
		return nil, fmt.Errorf("over the %d-byte limit", MaxImageConfigBytes)
	}
	return data, nil
}

// unwrapURLError drops *url.Error's "Get <url>:" prefix, which repeats the signed URL.
func unwrapURLError(err error) error {
	type unwrapper interface{ Unwrap() error }
	if u, ok := err.(unwrapper); ok && strings.Contains(err.Error(), "?") {
		if inner := u.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}
