package image

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// imageNonRootUser: EKS-IMG-014.
//
// For each image of the scanned account's ECR registry that the containers of
// POD_SPEC_SOURCES run (ALL_CONTAINERS): its manifest (ecr:BatchGetImage; for an image index,
// the linux manifest of the architecture most of the cluster's Nodes run, else linux/amd64)
// and its configuration blob (ecr:GetDownloadUrlForLayer on the config digest, then a GET of
// at most 1 MiB). The image fails, on its ARN at Config.User, when config.User is empty, "0",
// "root", or starts with "0:" or "root:", and some container runs it without an EFFECTIVE_SC
// runAsUser other than 0; the message names those containers.
//
// Decisions:
//   - images outside the scanned registry (other registries, other accounts' or regions'
//     ECR) are skipped: eksguard holds no registry credentials for them;
//   - an image whose configuration could not be read (ImageConfig.Error: an unknown manifest
//     type, a blob over 1 MiB or not matching its digest) is skipped; a denied call is a
//     coverage gap instead;
//   - Windows images (config os windows) are skipped: their users are not uids;
//   - runAsNonRoot true without a runAsUser does not count as an override: the kubelet then
//     refuses to start the container, which is no fix of the image;
//   - a user name other than root ("nginx", "app:app") passes: the image's /etc/passwd is
//     not read to resolve it.
var imageNonRootUser = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-014",
		Slug:        "image-non-root-user",
		Title:       "Images should define a non-root USER",
		Section:     "image-security",
		Severity:    check.Low,
		Source:      check.SourceAWSECR,
		Remediation: "Add USER <uid> (numeric) to the Dockerfile.",
		References:  check.References{Guide: "image#add-the-user-directive-to-your-dockerfiles-to-run-as-a-non-root-user"},
	},
	Reads: append([]string{readDescribeImages, readBatchGetImage, readDownloadURL}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil {
			return
		}
		run := collectRunningImages(inv)
		for _, img := range run.images {
			cfg := img.Config
			if cfg == nil || cfg.Error != "" || strings.EqualFold(cfg.OS, "windows") {
				continue
			}
			r.Evaluated(1)
			if !rootUser(cfg.User) {
				continue
			}
			var asRoot []string
			for _, u := range run.uses[img] {
				if uid := effectiveRunAsUser(u); uid == nil || *uid == 0 {
					asRoot = append(asRoot, u.label())
				}
			}
			if len(asRoot) == 0 {
				continue
			}
			user := "no USER (root)"
			if cfg.User != "" {
				user = "USER " + strconv.Quote(cfg.User)
			}
			name := imageLabel(img)
			if cfg.Platform != "" {
				name += " (its " + cfg.Platform + " manifest)"
			}
			r.FailResource(inv.AWS.ImageARN(img), "Config.User", fmt.Sprintf("image %s has %s, and %s run it without a non-zero runAsUser", name, user, listSome(asRoot, 3)))
		}
	},
}

// rootUser reports whether an image config User runs as root: empty, 0 or root, with or
// without a group.
func rootUser(user string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(user), ":")
	return name == "" || name == "0" || name == "root"
}

// effectiveRunAsUser is EFFECTIVE_SC runAsUser of a container: its own, else the pod's.
func effectiveRunAsUser(u containerUse) *int64 {
	if sc := u.container.SecurityContext; sc != nil && sc.RunAsUser != nil {
		return sc.RunAsUser
	}
	if sc := u.pod.Spec.SecurityContext; sc != nil {
		return sc.RunAsUser
	}
	return nil
}

func init() { check.Register(imageNonRootUser) }
