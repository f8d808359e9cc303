package image

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers of the checks on the images the cluster runs (EKS-IMG-013, 014, 017): the
// containers of POD_SPEC_SOURCES (ALL_CONTAINERS, each pod spec once: a Pod owned by a scanned
// controller is judged through its owner) joined with inventory.AWS.ECRImages.

var (
	readDescribeImages     = inventory.AWSKind("ecr:DescribeImages")
	readScanFindings       = inventory.AWSKind("ecr:DescribeImageScanFindings")
	readInspectorFindings  = inventory.AWSKind("inspector2:ListFindings")
	readBatchGetImage      = inventory.AWSKind("ecr:BatchGetImage")
	readDownloadURL        = inventory.AWSKind("ecr:GetDownloadUrlForLayer")
	readListImageReferrers = inventory.AWSKind("ecr:ListImageReferrers")
)

// containerUse is one container running an image.
type containerUse struct {
	pod       inventory.PodSpecRef
	container inventory.ContainerRef
}

// label is "shop/Deployment/web containers[0] \"web\"".
func (u containerUse) label() string {
	return u.pod.Object.ObjectRef.String() + " " + u.container.Label()
}

// runningImages sorts the containers of the inventory's pod specs by the image they run:
// images of the scanned ECR registry that were collected (by image), references to that
// registry that do not resolve (missing), and the rest (other registries, other accounts
// or regions). Images are ordered by ARN; containers in source order.
type runningImages struct {
	images  []*inventory.ECRImage
	uses    map[*inventory.ECRImage][]containerUse
	missing []containerUse
	outside []containerUse
}

func collectRunningImages(inv *inventory.Inventory) runningImages {
	out := runningImages{uses: map[*inventory.ECRImage][]containerUse{}}
	a := inv.AWS
	missing := map[string]bool{}
	for _, m := range a.MissingImages {
		missing[m] = true
	}
	running := inventory.RunningImageIDs(inv)
	for _, p := range inv.PodSpecs() {
		for _, c := range p.Containers() {
			image := strings.TrimSpace(c.Image)
			if image == "" {
				continue
			}
			use := containerUse{pod: p, container: c}
			ref, ok := inventory.ParseECRImage(image)
			if !ok || !a.InScannedRegistry(ref) {
				out.outside = append(out.outside, use)
				continue
			}
			// What the pods run, when their statuses say (a live cluster): the tag may have
			// moved since they pulled it. Else the image the spec names, as it resolves now.
			refs := []string{image}
			if ids := runningInRegistry(a, running[p.Object][c.Name]); len(ids) > 0 {
				refs = ids
			}
			missed := false
			for _, image := range refs {
				if missing[image] {
					if !missed {
						missed = true
						out.missing = append(out.missing, use)
					}
					continue
				}
				if img := a.ECRImageFor(image); img != nil {
					if _, seen := out.uses[img]; !seen {
						out.images = append(out.images, img)
					}
					if uses := out.uses[img]; len(uses) == 0 || !sameUse(uses[len(uses)-1], use) {
						out.uses[img] = append(uses, use)
					}
				}
				// A reference the collector did not resolve: its call left a gap.
			}
		}
	}
	sort.SliceStable(out.images, func(i, j int) bool { return a.ImageARN(out.images[i]) < a.ImageARN(out.images[j]) })
	return out
}

// sameUse: one container listed once per image, however many of its pods run it.
func sameUse(a, b containerUse) bool {
	return a.pod.Object == b.pod.Object && a.container.Path == b.container.Path
}

// runningInRegistry keeps the running image IDs that are in the scanned registry.
func runningInRegistry(a *inventory.AWS, ids []string) []string {
	var out []string
	for _, id := range ids {
		if ref, ok := inventory.ParseECRImage(id); ok && a.InScannedRegistry(ref) {
			out = append(out, id)
		}
	}
	return out
}

// usedBy names the workloads running an image, at most three and a count of the rest.
func usedBy(uses []containerUse) string {
	var names []string
	seen := map[string]bool{}
	for _, u := range uses {
		if n := u.pod.Object.ObjectRef.String(); !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return listSome(names, 3)
}

// listSome joins up to n items and says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// imageLabel is how messages name an image: repository:tag@sha256:<12 hex>.
func imageLabel(img *inventory.ECRImage) string { return strconv.Quote(inventory.ImageName(img)) }

// reportOutside reports, at sev, containers whose images are not in the scanned registry
// (why is the end of the message), on the container's image field.
func reportOutside(r *check.Reporter, uses []containerUse, sev check.Severity, why string) {
	for _, u := range uses {
		r.FailWith(u.pod.Object, u.container.Path.Key("image"), sev, "container "+u.container.Label()+" image "+strconv.Quote(u.container.Image)+" "+why)
	}
}
