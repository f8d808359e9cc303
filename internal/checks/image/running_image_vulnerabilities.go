package image

import (
	"fmt"
	"strings"

	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// runningImageVulnerabilities: EKS-IMG-013 (CIS EKS 5.1.1).
//
// For each distinct image (by digest) that the containers of POD_SPEC_SOURCES run
// (ALL_CONTAINERS) and that is stored in the scanned account's ECR registry in the cluster's
// region (tags resolved with ecr:DescribeImages): with enhanced scanning (registry scanType
// ENHANCED) its Amazon Inspector findings (inspector2:ListFindings on ecrImageRepositoryName
// and ecrImageHash, status ACTIVE), else its basic-scanning findings
// (ecr:DescribeImageScanFindings). The image fails, on its ARN
// (arn:aws:ecr:<region>:<account>:repository/<name>/<digest>, the name Inspector gives it),
// when a finding is CRITICAL or HIGH with fixAvailable YES or PARTIAL; the message names the
// workloads running it and the CVEs with the installed and fixed package versions.
//
// "Not scanned" findings are medium: an ECR image with enhanced scanning whose scan status is
// neither ACTIVE nor COMPLETE and that has no findings, or with basic scanning that has no
// scan (ScanNotFoundException), on the image's ARN; a container whose image is outside the
// scanned registry (another registry, or ECR of another account or region), or whose ECR
// tag or digest does not exist, on the container's image field.
//
// Decisions:
//   - the catalogue's "high: HIGH with fix available" is read as: HIGH findings with a fix
//     fail too, at the check's severity (high), like CRITICAL ones;
//   - basic scanning reports no fix availability: its CRITICAL and HIGH findings fail, and the
//     message says the fix is not known;
//   - images outside the scanned registry are not reported in SYSTEM_NAMESPACES unless
//     --include-system-namespaces: there they are the EKS add-ons' images, from AWS's own
//     registries, which the cluster owner cannot scan; ECR images of the account are reported
//     wherever they run;
//   - a tag is resolved to the image it names now; one that moved since the pod pulled it is
//     judged on the new image (the pod's status.containerStatuses[].imageID is not read).
var runningImageVulnerabilities = &check.Check{
	Meta: check.Meta{
		ID:               "EKS-IMG-013",
		Slug:             "running-image-vulnerabilities",
		Title:            "Running images must have no unremediated critical vulnerabilities",
		Section:          "image-security",
		Severity:         check.High,
		Source:           check.SourceAWSECR,
		Remediation:      "Rebuild on a patched base image and redeploy; keep continuous scanning on (EKS-IMG-004).",
		References:       check.References{Guide: "image#scan-images-for-vulnerabilities-regularly", CISEKS: "5.1.1"},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: append([]string{readDescribeImages, readRegistryScanning, readInspectorFindings, readScanFindings}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil {
			return
		}
		a := inv.AWS
		run := collectRunningImages(inv)
		enhanced := a.RegistryScanning != nil && a.RegistryScanning.ScanType == ecrtypes.ScanTypeEnhanced
		for _, img := range run.images {
			r.Evaluated(1)
			arn, name, users := a.ImageARN(img), imageLabel(img), usedBy(run.uses[img])
			var fixable []string
			var path fieldpath.Path = "Findings"
			what := "fixable critical or high vulnerabilities"
			if enhanced {
				if !inspectorScanned(img) {
					r.FailResourceWith(arn, "Detail.ImageScanStatus", check.Medium, fmt.Sprintf("image %s, run by %s, is not scanned: enhanced scan status %s and no Inspector findings", name, users, scanStatus(img)))
					continue
				}
				fixable = fixableInspector(img.Findings)
			} else {
				path, what = "ScanFindings.Findings", "critical or high vulnerabilities"
				if img.ScanFindings == nil {
					r.FailResourceWith(arn, "ScanFindings", check.Medium, fmt.Sprintf("image %s, run by %s, has never been scanned (basic scanning has no scan of it)", name, users))
					continue
				}
				fixable = basicFindings(img.ScanFindings)
			}
			if len(fixable) > 0 {
				r.FailResource(arn, path, fmt.Sprintf("image %s, run by %s, has %s (%d): %s",
					name, users, what, len(fixable), listSome(fixable, 5)))
			}
		}
		for _, u := range run.missing {
			r.Evaluated(1)
			r.FailWith(u.pod.Object, u.container.Path.Key("image"), check.Medium, "container "+u.container.Label()+" image "+fmt.Sprintf("%q", u.container.Image)+
				" is not scanned: the repository, tag or digest does not exist in ECR")
		}
		reportOutside(r, run.outside, check.Medium, fmt.Sprintf("is not scanned: it is not stored in this account's ECR registry (%s, %s), so its vulnerabilities are not read", a.Account, a.Region))
	},
}

// inspectorScanned reports whether enhanced scanning covers the image: scan status ACTIVE or
// COMPLETE, or findings to show for it.
func inspectorScanned(img *inventory.ECRImage) bool {
	if len(img.Findings) > 0 {
		return true
	}
	st := img.Detail.ImageScanStatus
	return st != nil && (st.Status == ecrtypes.ScanStatusActive || st.Status == ecrtypes.ScanStatusComplete)
}

func scanStatus(img *inventory.ECRImage) string {
	if st := img.Detail.ImageScanStatus; st != nil && st.Status != "" {
		return string(st.Status)
	}
	return "unknown"
}

// fixableInspector describes the CRITICAL and HIGH findings with fixAvailable YES or PARTIAL,
// critical first: "CVE-2024-0001 (critical; openssl 3.0.1, fixed in 3.0.2)".
func fixableInspector(findings []inspectortypes.Finding) []string {
	var crit, high []string
	for _, f := range findings {
		if f.FixAvailable != inspectortypes.FixAvailableYes && f.FixAvailable != inspectortypes.FixAvailablePartial {
			continue
		}
		var sev string
		switch f.Severity {
		case inspectortypes.SeverityCritical:
			sev = "critical"
		case inspectortypes.SeverityHigh:
			sev = "high"
		default:
			continue
		}
		id := deref(f.Title)
		var pkgs []string
		if d := f.PackageVulnerabilityDetails; d != nil {
			if d.VulnerabilityId != nil {
				id = *d.VulnerabilityId
			}
			for _, p := range d.VulnerablePackages {
				s := deref(p.Name) + " " + deref(p.Version)
				if fix := deref(p.FixedInVersion); fix != "" && fix != "NotAvailable" {
					s += ", fixed in " + fix
				}
				pkgs = append(pkgs, s)
			}
		}
		desc := id + " (" + sev
		if len(pkgs) > 0 {
			desc += "; " + strings.Join(pkgs, "; ")
		}
		desc += ")"
		if sev == "critical" {
			crit = append(crit, desc)
		} else {
			high = append(high, desc)
		}
	}
	return append(crit, high...)
}

// basicFindings describes the CRITICAL and HIGH basic-scanning findings, critical first.
func basicFindings(sf *ecrtypes.ImageScanFindings) []string {
	var crit, high []string
	for _, f := range sf.Findings {
		var pkg, version string
		for _, at := range f.Attributes {
			switch deref(at.Key) {
			case "package_name":
				pkg = deref(at.Value)
			case "package_version":
				version = deref(at.Value)
			}
		}
		desc := deref(f.Name) + " (%s"
		if pkg != "" {
			desc += "; " + strings.TrimSpace(pkg+" "+version)
		}
		desc += "; basic scanning does not report fixes)"
		switch f.Severity {
		case ecrtypes.FindingSeverityCritical:
			crit = append(crit, fmt.Sprintf(desc, "critical"))
		case ecrtypes.FindingSeverityHigh:
			high = append(high, fmt.Sprintf(desc, "high"))
		}
	}
	return append(crit, high...)
}

func init() { check.Register(runningImageVulnerabilities) }
