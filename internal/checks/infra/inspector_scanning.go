package infra

import (
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// inspectorScanning: EKS-INF-007.
//
// inspector2:BatchGetAccountStatus for the account: fails (on the cluster) when Amazon
// Inspector has no status for it (never enabled) or resourceState.ec2.status or
// resourceState.ecr.status is not ENABLED, one finding per resource type. Then, for each
// CLUSTER_NODES instance, inspector2:ListCoverage (resource type AWS_EC2_INSTANCE): fails (low)
// when its scanStatus.statusCode is not ACTIVE, with scanStatus.reason (typically no SSM
// agent, or agentless scanning off). Decision: when EC2 scanning is ENABLED, a node Inspector
// does not list at all fails (low) too, since it is not being scanned.
var inspectorScanning = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-INF-007",
		Slug:        "inspector-scanning",
		Title:       "Amazon Inspector must scan EC2 nodes and ECR images",
		Section:     "infrastructure",
		Severity:    check.Medium,
		Source:      check.SourceAWSOther,
		Remediation: "Enable Amazon Inspector EC2 and ECR scanning (organisation-wide via the delegated administrator).",
		References:  check.References{Guide: "hosts#run-amazon-inspector-to-assess-hosts-for-exposure-vulnerabilities-and-deviations-from-best-practices"},
	},
	Reads: []string{readDescribeInstances, inventory.AWSKind("inspector2:BatchGetAccountStatus"), inventory.AWSKind("inspector2:ListCoverage")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		r.Evaluated(1)
		cluster := a.ClusterResource()
		if a.Inspector == nil {
			r.FailResource(cluster, "", "Amazon Inspector is not enabled in account "+a.Account+": neither the nodes nor the ECR images are scanned for vulnerabilities")
			return
		}
		var ec2, ecr *inspectortypes.State
		if rs := a.Inspector.ResourceState; rs != nil {
			ec2, ecr = rs.Ec2, rs.Ecr
		}
		for _, s := range []struct {
			state *inspectortypes.State
			path  fieldpath.Path
			what  string
		}{{ec2, "ResourceState.Ec2.Status", "EC2 scanning (the cluster's nodes)"}, {ecr, "ResourceState.Ecr.Status", "ECR scanning (the cluster's images)"}} {
			if status := stateStatus(s.state); status != inspectortypes.StatusEnabled {
				r.FailResource(cluster, s.path, "Amazon Inspector "+s.what+" is "+string(status)+", not ENABLED")
			}
		}
		if stateStatus(ec2) != inspectortypes.StatusEnabled {
			return
		}
		coverage := map[string]inspectortypes.CoveredResource{}
		for _, c := range a.InspectorCoverage {
			coverage[sdkaws.ToString(c.ResourceId)] = c
		}
		for _, i := range a.Instances {
			r.Evaluated(1)
			c, ok := coverage[sdkaws.ToString(i.InstanceId)]
			switch {
			case !ok:
				r.FailResourceWith(a.InstanceARN(i), "", check.Low, "Amazon Inspector does not cover node "+inventory.InstanceName(i)+": it is not scanned for vulnerabilities")
			case c.ScanStatus == nil || c.ScanStatus.StatusCode != inspectortypes.ScanStatusCodeActive:
				msg := "Amazon Inspector does not scan node " + inventory.InstanceName(i)
				if c.ScanStatus != nil {
					msg += ": scan status " + string(c.ScanStatus.StatusCode) + ", reason " + string(c.ScanStatus.Reason)
				}
				r.FailResourceWith(a.InstanceARN(i), "", check.Low, msg)
			}
		}
	},
}

// stateStatus is a State's status, or "DISABLED" for none.
func stateStatus(s *inspectortypes.State) inspectortypes.Status {
	if s == nil || s.Status == "" {
		return inspectortypes.StatusDisabled
	}
	return s.Status
}

func init() { check.Register(inspectorScanning) }
