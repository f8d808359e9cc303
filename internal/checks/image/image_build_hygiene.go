package image

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// imageBuildHygiene: EKS-IMG-017 (evidence for a reviewer; not automatable).
//
// Minimal images, multi-stage builds, SBOMs and Dockerfile linting are decided where images
// are built, not in the cluster. For each image of the scanned account's ECR registry that
// the containers of POD_SPEC_SOURCES run (ALL_CONTAINERS), an info finding on the image's ARN
// shows the evidence a reviewer judges them by, and asks to confirm: the artifacts attached to
// it (ecr:ListImageReferrers: SBOMs, attestations, signatures, by artifact type), its size
// (ImageSizeInBytes) and layer count (from the manifest, when it was read), its base OS
// (Amazon Inspector's platform of the image, else the config's os/architecture), and the
// shells and package managers among its scanned packages.
//
// Decisions: the package list is the one the findings show (Inspector's vulnerable packages,
// basic scanning's package_name attributes): a package without a vulnerability is not listed
// there, so "none found" is no proof of absence and the message says so; the full SBOM
// (inspector2:CreateSbomExport, written to S3) is not read. Images outside the scanned
// registry are not reported: nothing about them is collected.
var imageBuildHygiene = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-017",
		Slug:        "image-build-hygiene",
		Title:       "Image build hygiene (minimal images, multi-stage builds, SBOMs, Dockerfile lint) must be in place",
		Section:     "image-security",
		Severity:    check.Info,
		Source:      check.SourceAWSOther,
		Remediation: "Build from scratch/distroless with multi-stage builds, generate SBOMs (syft/Inspector SBOM export), lint with hadolint.",
		References:  check.References{Guide: "image#create-minimal-images"},
	},
	Reads: append([]string{readDescribeImages, readListImageReferrers}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil {
			return
		}
		run := collectRunningImages(inv)
		for _, img := range run.images {
			r.Evaluated(1)
			var parts []string
			parts = append(parts, referrerEvidence(img))
			size := "size unknown"
			if s := img.Detail.ImageSizeInBytes; s != nil {
				size = fmt.Sprintf("%.1f MiB", float64(*s)/(1<<20))
			}
			if c := img.Config; c != nil && c.Error == "" && c.ConfigDigest != "" {
				layers := "layers"
				if c.Layers == 1 {
					layers = "layer"
				}
				size += fmt.Sprintf(", %d %s", c.Layers, layers)
			}
			parts = append(parts, size)
			parts = append(parts, "base OS "+baseOS(img))
			if tools := shellsAndPackageManagers(img); len(tools) > 0 {
				parts = append(parts, "shells or package managers among its scanned packages: "+strings.Join(tools, ", "))
			} else {
				parts = append(parts, "no shell or package manager among its scanned packages (only vulnerable packages are listed)")
			}
			r.FailResource(inv.AWS.ImageARN(img), "Referrers", fmt.Sprintf("image %s, run by %s: %s; confirm it is built from a minimal, curated base with a multi-stage build, an SBOM and a linted Dockerfile",
				imageLabel(img), usedBy(run.uses[img]), strings.Join(parts, "; ")))
		}
	},
}

// referrerEvidence lists the artifact types attached to the image.
func referrerEvidence(img *inventory.ECRImage) string {
	var types []string
	for _, ref := range img.Referrers {
		t := deref(ref.ArtifactType)
		if t == "" {
			t = deref(ref.MediaType)
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	if len(types) == 0 {
		return "no SBOM, attestation or signature attached"
	}
	sort.Strings(types)
	return "attached artifacts: " + strings.Join(types, ", ")
}

// baseOS is Inspector's platform of the image (DEBIAN_12), else the config's os/architecture.
func baseOS(img *inventory.ECRImage) string {
	for _, f := range img.Findings {
		for _, res := range f.Resources {
			if res.Details != nil && res.Details.AwsEcrContainerImage != nil && deref(res.Details.AwsEcrContainerImage.Platform) != "" {
				return deref(res.Details.AwsEcrContainerImage.Platform) + " (Inspector)"
			}
		}
	}
	if c := img.Config; c != nil && c.OS != "" {
		return c.OS + "/" + c.Architecture + " (image config; distribution unknown)"
	}
	return "unknown"
}

// toolPackages are package names that put a shell or a package manager in an image.
var toolPackages = []string{"apk-tools", "apt", "bash", "busybox", "dash", "dnf", "dpkg", "microdnf", "rpm", "tdnf", "yum", "zsh"}

// shellsAndPackageManagers lists the toolPackages among the image's scanned packages.
func shellsAndPackageManagers(img *inventory.ECRImage) []string {
	var out []string
	add := func(name string) {
		if slices.Contains(toolPackages, name) && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, f := range img.Findings {
		if d := f.PackageVulnerabilityDetails; d != nil {
			for _, p := range d.VulnerablePackages {
				add(deref(p.Name))
			}
		}
	}
	if sf := img.ScanFindings; sf != nil {
		for _, f := range sf.Findings {
			for _, at := range f.Attributes {
				if deref(at.Key) == "package_name" {
					add(deref(at.Value))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func init() { check.Register(imageBuildHygiene) }
