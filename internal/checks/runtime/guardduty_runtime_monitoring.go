package runtime

import (
	"fmt"
	"slices"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// GuardDuty security agent: its EKS add-on, and the DaemonSet the add-on (or automated agent
// management) installs. Unverified in the SDK; taken from the catalogue.
const (
	guardDutyAgentAddon     = "aws-guardduty-agent"
	guardDutyAgentNamespace = "amazon-guardduty"
	guardDutyAgentDaemonSet = "aws-guardduty-agent"
)

// guardDutyRuntimeMonitoring: EKS-RUN-003.
//
// For each detector that passes EKS-RUN-001 (guardduty:GetDetector .Status ENABLED):
//
//   - fails (on the detector) unless the feature RUNTIME_MONITORING or the legacy
//     EKS_RUNTIME_MONITORING has Status ENABLED;
//   - when the cluster has EC2 nodes (a managed node group or a CLUSTER_NODES instance), fails
//     (on the cluster) unless the agent is deployed: that feature's additional configuration
//     EKS_ADDON_MANAGEMENT is ENABLED, or the EKS add-on aws-guardduty-agent
//     (eks:DescribeAddon) is ACTIVE;
//   - reads guardduty:ListCoverage filtered on EKS_CLUSTER_NAME (one resource per cluster)
//     and fails (on the cluster) when its CoverageStatus is UNHEALTHY (with its Issue), when
//     EksClusterDetails.CoveredNodes is below CompatibleNodes, or when ManagementType is
//     DISABLED.
//
// And, once: fails on the DaemonSet amazon-guardduty/aws-guardduty-agent when its
// status.numberAvailable is below status.desiredNumberScheduled.
//
// Decisions: a cluster without EC2 nodes that uses Fargate profiles or EKS Auto Mode
// (ComputeConfig.Enabled) needs only the feature, as the catalogue says coverage then comes
// from the feature itself. No coverage resource for the cluster is not a failure (GuardDuty lists it only after the
// agent first reports). Without an enabled detector the check reports nothing; EKS-RUN-001
// fails.
var guardDutyRuntimeMonitoring = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-RUN-003",
		Slug:        "guardduty-runtime-monitoring",
		Title:       "GuardDuty Runtime Monitoring must cover the cluster's nodes",
		Section:     "runtime",
		Severity:    check.Medium,
		Source:      check.SourceAWSGuardDuty,
		Remediation: "Enable Runtime Monitoring with automated agent management for EKS, or install the aws-guardduty-agent add-on.",
		References:  check.References{Guide: "runtime#use-amazon-guardduty-for-runtime-monitoring-and-detecting-threats-to-your-eks-environments"},
	},
	Reads: append(slices.Clone(detectorReads), inventory.AWSKind("guardduty:ListCoverage"),
		inventory.AWSKind("eks:ListAddons"), inventory.AWSKind("eks:DescribeAddon"), "DaemonSet"),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil {
			return
		}
		detectors := enabledDetectors(a)
		if len(detectors) == 0 {
			return
		}
		cluster := a.ClusterResource()
		ec2Nodes := len(a.Nodegroups) > 0 || len(a.Instances) > 0
		autoMode := a.Cluster.ComputeConfig != nil && sdkaws.ToBool(a.Cluster.ComputeConfig.Enabled)
		featureOnly := !ec2Nodes && (autoMode || len(a.FargateProfiles) > 0)
		for _, d := range detectors {
			r.Evaluated(1)
			rm := runtimeMonitoring(d)
			if rm == nil {
				r.FailResource(detectorARN(a, d.ID), "Features", "GuardDuty detector "+d.ID+" has Runtime Monitoring off: process, file and network activity on the cluster's nodes is not monitored")
				continue
			}
			if !featureOnly {
				if msg := agentMissing(a, rm); msg != "" {
					r.FailResource(cluster, "Addons", msg+" (detector "+d.ID+")")
				}
			}
			for _, c := range d.Coverage {
				eks := eksCoverage(c)
				if eks == nil || sdkaws.ToString(eks.ClusterName) != sdkaws.ToString(a.Cluster.Name) {
					continue // another cluster's (ListCoverage filters on the name already)
				}
				if c.CoverageStatus == gdtypes.CoverageStatusUnhealthy {
					r.FailResource(cluster, "", "GuardDuty Runtime Monitoring coverage of the cluster is UNHEALTHY: "+sdkaws.ToString(c.Issue))
				}
				if covered, compatible := sdkaws.ToInt64(eks.CoveredNodes), sdkaws.ToInt64(eks.CompatibleNodes); covered < compatible {
					r.FailResource(cluster, "", fmt.Sprintf("GuardDuty Runtime Monitoring covers %d of the cluster's %d compatible nodes", covered, compatible))
				}
				if eks.ManagementType == gdtypes.ManagementTypeDisabled {
					r.FailResource(cluster, "", "GuardDuty reports the cluster's Runtime Monitoring agent management as DISABLED: the agent is neither managed by GuardDuty nor installed by hand")
				}
			}
		}
		for _, o := range inv.OfKind("DaemonSet") {
			if o.Namespace != guardDutyAgentNamespace || o.Name != guardDutyAgentDaemonSet {
				continue
			}
			ds, ok := o.Typed.(*appsv1.DaemonSet)
			if !ok {
				continue
			}
			if st := ds.Status; st.NumberAvailable < st.DesiredNumberScheduled {
				r.Fail(o, "status.numberAvailable", fmt.Sprintf("the GuardDuty agent is available on %d of the %d nodes it is scheduled on: the others are not monitored", st.NumberAvailable, st.DesiredNumberScheduled))
			}
		}
	},
}

// runtimeMonitoring returns the detector's enabled Runtime Monitoring feature
// (RUNTIME_MONITORING, else the legacy EKS_RUNTIME_MONITORING), or nil.
func runtimeMonitoring(d inventory.Detector) *gdtypes.DetectorFeatureConfigurationResult {
	for _, name := range []gdtypes.DetectorFeatureResult{gdtypes.DetectorFeatureResultRuntimeMonitoring, gdtypes.DetectorFeatureResultEksRuntimeMonitoring} {
		if f := feature(d, name); f != nil && f.Status == gdtypes.FeatureStatusEnabled {
			return f
		}
	}
	return nil
}

// agentMissing says why the GuardDuty agent is not deployed to the cluster's EC2 nodes, or
// returns "" when automated agent management for EKS is on or the add-on is ACTIVE.
func agentMissing(a *inventory.AWS, rm *gdtypes.DetectorFeatureConfigurationResult) string {
	for _, ac := range rm.AdditionalConfiguration {
		if ac.Name == gdtypes.FeatureAdditionalConfigurationEksAddonManagement && ac.Status == gdtypes.FeatureStatusEnabled {
			return ""
		}
	}
	for _, ad := range a.Addons {
		if sdkaws.ToString(ad.AddonName) == guardDutyAgentAddon {
			if ad.Status == ekstypes.AddonStatusActive {
				return ""
			}
			return "Runtime Monitoring is on but its automated agent management for EKS is off and the " + guardDutyAgentAddon + " add-on is " + string(ad.Status) + ", not ACTIVE: the nodes may run no agent"
		}
	}
	return "Runtime Monitoring is on but its automated agent management for EKS is off and the " + guardDutyAgentAddon + " add-on is not installed: the cluster's EC2 nodes run no GuardDuty agent"
}

// eksCoverage is the EKS cluster part of a coverage resource, or nil.
func eksCoverage(c gdtypes.CoverageResource) *gdtypes.CoverageEksClusterDetails {
	if c.ResourceDetails == nil {
		return nil
	}
	return c.ResourceDetails.EksClusterDetails
}

func init() { check.Register(guardDutyRuntimeMonitoring) }
