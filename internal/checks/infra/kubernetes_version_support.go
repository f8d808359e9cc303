package infra

import (
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Warning windows of EKS-INF-004.
const (
	standardSupportWarning = 90 * 24 * time.Hour
	extendedSupportWarning = 60 * 24 * time.Hour
)

// now is the time support dates are judged at (tests may move it).
var now = time.Now

// kubernetesVersionSupport: EKS-INF-004.
//
// eks:DescribeCluster .version and .upgradePolicy.supportType, and eks:DescribeClusterVersions
// for that version: fails medium in extended support, high when the end of extended support
// is within 60 days or has passed, or the version is unsupported; an info finding when the end
// of standard support is within 90 days. A version DescribeClusterVersions does not list is an
// info finding (its support status is unknown).
var kubernetesVersionSupport = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-INF-004",
		Slug:        "kubernetes-version-support",
		Title:       "The cluster must run a Kubernetes version in EKS standard support",
		Section:     "infrastructure",
		Severity:    check.Medium,
		Source:      check.SourceAWSEKS,
		Remediation: "Plan and perform the control-plane and node upgrade to a version in standard support.",
		References:  check.References{Guide: "hosts#keep-your-worker-node-os-updated"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("eks:DescribeClusterVersions")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil || a.Cluster.Version == nil {
			return
		}
		r.Evaluated(1)
		version := *a.Cluster.Version
		arn := a.ClusterResource()
		var info *ekstypes.ClusterVersionInformation
		for i := range a.ClusterVersions {
			if sdkaws.ToString(a.ClusterVersions[i].ClusterVersion) == version {
				info = &a.ClusterVersions[i]
			}
		}
		if info == nil {
			r.FailResourceWith(arn, "Version", check.Info, "Kubernetes "+version+" is not listed by eks:DescribeClusterVersions: its support status is unknown")
			return
		}
		t := now()
		date := func(p *time.Time) string { return p.UTC().Format("2006-01-02") }
		switch status := supportStatus(info); status {
		case ekstypes.VersionStatusStandardSupport:
			if end := info.EndOfStandardSupportDate; end != nil && end.Sub(t) < standardSupportWarning {
				r.FailResourceWith(arn, "Version", check.Info, "Kubernetes "+version+" leaves standard support on "+date(end)+": plan the upgrade")
			}
		case ekstypes.VersionStatusExtendedSupport:
			msg := "Kubernetes " + version + " is in extended support (extra cost, fewer fixes)"
			if end := info.EndOfExtendedSupportDate; end != nil {
				if end.Sub(t) < extendedSupportWarning {
					r.FailResourceWith(arn, "Version", check.High, msg+" and it ends on "+date(end)+": after that EKS upgrades the cluster itself")
					return
				}
				msg += " until " + date(end)
			}
			r.FailResource(arn, "Version", msg)
		default:
			r.FailResourceWith(arn, "Version", check.High, "Kubernetes "+version+" is no longer supported by EKS ("+string(status)+")")
		}
	},
}

// supportStatus is the version's support status (versionStatus, else the older status field).
func supportStatus(v *ekstypes.ClusterVersionInformation) ekstypes.VersionStatus {
	if v.VersionStatus != "" {
		return v.VersionStatus
	}
	switch v.Status {
	case ekstypes.ClusterVersionStatusStandardSupport:
		return ekstypes.VersionStatusStandardSupport
	case ekstypes.ClusterVersionStatusExtendedSupport:
		return ekstypes.VersionStatusExtendedSupport
	}
	return ekstypes.VersionStatusUnsupported
}

func init() { check.Register(kubernetesVersionSupport) }
