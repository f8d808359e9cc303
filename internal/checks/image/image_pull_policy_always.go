package image

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// imagePullPolicyAlways: EKS-IMG-016.
//
// Forbidden: a container in REGULAR_CONTAINERS whose image has no digest (IMAGE_REF, see
// image_ref.go) and whose effective imagePullPolicy is IfNotPresent or Never. The kubelet
// then starts whatever image it has cached under that tag: on a shared node a pod can use an
// image its own pull secret would not have been allowed to fetch, and a moved tag is not
// picked up. The finding points at imagePullPolicy (or where it would go). Images with a
// digest pass whatever the policy, because the content is fixed. System namespaces are
// evaluated too (the catalogue does not skip them).
//
// Decisions: an unset imagePullPolicy is defaulted as the API server does: Always when the
// reference has no tag or its tag is exactly "latest" (the defaulting is case-sensitive, so
// "LATEST" defaults to IfNotPresent and fails), IfNotPresent otherwise. Values the API
// rejects (anything but Always, IfNotPresent, Never) are not reported. Containers without an
// image are skipped.
var imagePullPolicyAlways = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-016",
		Slug:        "image-pull-policy-always",
		Title:       "Mutable image tags should be pulled with imagePullPolicy Always",
		Section:     "image-security",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Pin by digest (preferred) or set imagePullPolicy Always.",
		References: check.References{
			Guide: "image#use-immutable-tags-with-ecr",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		for _, c := range p.RegularContainers() {
			if c.Image == "" {
				continue
			}
			ref := parseImageRef(c.Image)
			if ref.HasDigest() {
				continue
			}
			at := c.Path.Key("imagePullPolicy")
			what := "container " + c.Label() + " image " + strconv.Quote(c.Image)
			switch c.ImagePullPolicy {
			case corev1.PullIfNotPresent:
				r.Fail(p.Object, at, what+" has no digest and imagePullPolicy IfNotPresent: a cached image is used without checking the registry")
			case corev1.PullNever:
				r.Fail(p.Object, at, what+" has no digest and imagePullPolicy Never: only the image cached on the node is used")
			case "":
				if ref.Tag != "" && ref.Tag != "latest" {
					r.Fail(p.Object, at, what+" has no digest and no imagePullPolicy: it defaults to IfNotPresent for tag "+strconv.Quote(ref.Tag))
				}
			}
		}
	},
}

func init() { check.Register(imagePullPolicyAlways) }
