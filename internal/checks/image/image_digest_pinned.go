package image

import (
	"strconv"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// imageDigestPinned: EKS-IMG-002.
//
// Required: every container in REGULAR_CONTAINERS references its image with a digest of the
// form @sha256:<64 lower-case hex> (IMAGE_REF, see image_ref.go). A tag, even a versioned one,
// can be moved to other content by anyone who can push to the repository; a digest cannot.
// The finding points at the container's image field; a digest of another form (sha512,
// short or upper-case hex) fails with its own message. Ephemeral debug containers are not
// judged. System namespaces are skipped unless --include-system-namespaces.
//
// Decisions: the catalogue passes tag-only images from ECR repositories whose tags are
// IMMUTABLE (or IMMUTABLE_WITH_EXCLUSION with a non-excluded tag). That needs
// ecr:DescribeRepositories; manifest mode has no AWS data, so there every image without a
// sha256 digest fails. Containers without an image are skipped.
var imageDigestPinned = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-002",
		Slug:        "image-digest-pinned",
		Title:       "Images should be pinned by digest",
		Section:     "image-security",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Resolve tags to digests in CI (crane digest, docker buildx imagetools inspect) and deploy repo@sha256:...",
		References: check.References{
			Guide: "image#use-immutable-tags-with-ecr",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		for _, c := range p.RegularContainers() {
			if c.Image == "" {
				continue
			}
			ref := parseImageRef(c.Image)
			what := "container " + c.Label() + " image " + strconv.Quote(c.Image)
			switch {
			case ref.PinnedSHA256():
			case ref.HasDigest():
				r.Fail(p.Object, c.Path.Key("image"), what+" has a digest that is not sha256 with 64 lower-case hex digits")
			default:
				r.Fail(p.Object, c.Path.Key("image"), what+" is not pinned by a sha256 digest: what its tag names can change between pulls")
			}
		}
	},
}

func init() { check.Register(imageDigestPinned) }
