package inventory

import (
	"regexp"
	"slices"
	"strings"

	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
)

// ECRImage is one image (by manifest digest) in the scanned account's ECR registry that the
// cluster's containers run.
type ECRImage struct {
	// Detail is ecr:DescribeImages' answer for the image: digest, tags, size, manifest media
	// type, scan status and findings summary.
	Detail ecrtypes.ImageDetail `json:"detail"`
	// References are the container image strings that resolved to this image, sorted.
	References []string `json:"references"`
	// Findings are Amazon Inspector's active findings on the image (inspector2:ListFindings,
	// enhanced scanning), trimmed to what the checks read: ARN, severity, status, type, fix and
	// exploit availability, title, the vulnerability ID and source with the vulnerable
	// packages (name, version, fixed-in version, package manager), and the image resource
	// (ID, platform, architecture). Descriptions, CVSS details and remediation texts are
	// dropped: they are long and the same for every image.
	Findings []inspectortypes.Finding `json:"findings,omitempty"`
	// ScanFindings are ecr:DescribeImageScanFindings' findings (basic scanning), without
	// their descriptions; nil when the image was not scanned with basic scanning.
	ScanFindings *ecrtypes.ImageScanFindings `json:"scanFindings,omitempty"`
	// Config is what the checks read from the image configuration (ecr:BatchGetImage, then
	// ecr:GetDownloadUrlForLayer on the config digest); nil when it was not read.
	Config *ImageConfig `json:"config,omitempty"`
	// Referrers are the artifacts attached to the image (ecr:ListImageReferrers: signatures,
	// SBOMs, attestations); nil when there are none or they were not read.
	Referrers []ecrtypes.ImageReferrer `json:"referrers,omitempty"`
}

// ImageConfig is the part of an image's manifest and configuration blob the checks need.
// Nothing else is kept: the configuration's Env, Labels and history can hold secrets.
type ImageConfig struct {
	// ManifestMediaType is the media type of the image manifest the config was read from.
	ManifestMediaType string `json:"manifestMediaType,omitempty"`
	// Platform is "os/architecture[/variant]" of the manifest chosen from an image index
	// (the architecture the cluster's nodes run, else linux/amd64); empty for a single
	// image manifest.
	Platform string `json:"platform,omitempty"`
	// ManifestDigest is the digest of the chosen manifest of an index; empty otherwise.
	ManifestDigest string `json:"manifestDigest,omitempty"`
	// ConfigDigest and ConfigSize identify the configuration blob.
	ConfigDigest string `json:"configDigest,omitempty"`
	ConfigSize   int64  `json:"configSize,omitempty"`
	// Layers and LayersSize count the manifest's layers and their compressed size in bytes.
	Layers     int   `json:"layers"`
	LayersSize int64 `json:"layersSize"`
	// OS and Architecture are the configuration's.
	OS           string `json:"os,omitempty"`
	Architecture string `json:"architecture,omitempty"`
	// User is config.User, the user the image runs as when the pod does not say ("" is
	// root).
	User string `json:"user"`
	// Error says why the configuration could not be read (a manifest type the scanner does
	// not know, a blob over the size limit, a digest mismatch); the other fields hold what was
	// read before.
	Error string `json:"error,omitempty"`
}

// ECRImageRef is a container image string that names a private ECR registry
// (<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]), split per IMAGE_REF.
type ECRImageRef struct {
	Account    string
	Region     string
	Repository string
	Tag        string
	Digest     string
}

var ecrHost = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$`)

// ParseECRImage parses an image string whose registry is a private ECR registry; ok is false
// for any other registry. As IMAGE_REF says: the digest follows '@', the tag is the part
// after the last ':' that follows the last '/'. A reference with neither tag nor digest
// names the tag "latest", as the container runtime pulls it.
func ParseECRImage(image string) (ECRImageRef, bool) {
	var r ECRImageRef
	name := strings.TrimSpace(image)
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name, r.Digest = name[:i], name[i+1:]
	}
	host, rest, ok := strings.Cut(name, "/")
	if !ok {
		return r, false
	}
	m := ecrHost.FindStringSubmatch(strings.ToLower(host))
	if m == nil {
		return r, false
	}
	r.Account, r.Region = m[1], m[2]
	if c := strings.LastIndexByte(rest, ':'); c >= 0 && !strings.Contains(rest[c:], "/") {
		rest, r.Tag = rest[:c], rest[c+1:]
	}
	r.Repository = rest
	if r.Tag == "" && r.Digest == "" {
		r.Tag = "latest"
	}
	return r, r.Repository != ""
}

// ECRImageFor returns the collected image a container image string runs, or nil: the image
// is not in the scanned registry, does not exist, or was not read.
func (a *AWS) ECRImageFor(image string) *ECRImage {
	for i := range a.ECRImages {
		if slices.Contains(a.ECRImages[i].References, image) {
			return &a.ECRImages[i]
		}
	}
	return nil
}

// InScannedRegistry reports whether an ECR reference names the registry of the scanned
// account and region.
func (a *AWS) InScannedRegistry(r ECRImageRef) bool {
	return r.Account == a.Account && r.Region == a.Region
}

// ImageARN is the ARN Amazon Inspector and Security Hub name an ECR image by:
// arn:<partition>:ecr:<region>:<account>:repository/<name>/<digest>.
func (a *AWS) ImageARN(img *ECRImage) string {
	return a.ARN("ecr", "repository/"+deref(img.Detail.RepositoryName)+"/"+deref(img.Detail.ImageDigest))
}

// ImageName is "repository:tag@digest" of an image, with its first tag (if any) and a
// shortened digest, for messages.
func ImageName(img *ECRImage) string {
	name := deref(img.Detail.RepositoryName)
	if len(img.Detail.ImageTags) > 0 {
		name += ":" + img.Detail.ImageTags[0]
	}
	d := deref(img.Detail.ImageDigest)
	if len(d) > len("sha256:")+12 {
		d = d[:len("sha256:")+12]
	}
	return name + "@" + d
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
