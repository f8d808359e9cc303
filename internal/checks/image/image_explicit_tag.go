package image

import (
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// imageExplicitTag: EKS-IMG-001.
//
// Forbidden: a container in ALL_CONTAINERS whose image (parsed as IMAGE_REF, see
// image_ref.go) has no digest and either no tag, which Kubernetes pulls as :latest, or the
// tag "latest" in any letter case. Such a reference names whatever was pushed last, so the
// same manifest runs different code on different nodes and days, and a compromised or
// broken push rolls out silently. Any digest passes (EKS-IMG-002 judges its form). The
// finding points at the container's image field. System namespaces are skipped unless
// --include-system-namespaces.
//
// Decisions: a container without an image (allowed in workload templates that tooling fills
// in later; the API server rejects it on Pods) names nothing to judge and is skipped by all
// image checks.
var imageExplicitTag = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-001",
		Slug:        "image-explicit-tag",
		Title:       "Images must use an explicit, non-latest tag or a digest",
		Section:     "image-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Reference a versioned tag, preferably with the digest (repo:1.2.3@sha256:...).",
		References: check.References{
			Guide: "image#use-immutable-tags-with-ecr",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		for _, c := range p.Containers() {
			if c.Image == "" {
				continue
			}
			ref := parseImageRef(c.Image)
			if ref.HasDigest() {
				continue
			}
			what := "container " + c.Label() + " image " + strconv.Quote(c.Image)
			switch {
			case ref.Tag == "":
				r.Fail(p.Object, c.Path.Key("image"), what+" has no tag or digest: it is pulled as :latest")
			case strings.EqualFold(ref.Tag, "latest"):
				r.Fail(p.Object, c.Path.Key("image"), what+" uses the "+strconv.Quote(ref.Tag)+" tag without a digest")
			}
		}
	},
}

func init() { check.Register(imageExplicitTag) }
