package compliance

import (
	"fmt"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// fsbpStandard is the path segment of the AWS Foundational Security Best Practices standard's
// ARN (arn:aws:securityhub:<region>::standards/aws-foundational-security-best-practices/v/1.0.0).
const fsbpStandard = "/aws-foundational-security-best-practices/"

// securityHubConfig: EKS-CMP-004.
//
// In the cluster's region:
//   - Security Hub (securityhub:DescribeHub): fails on the cluster when the account is not
//     subscribed; otherwise (securityhub:GetEnabledStandards) fails on the hub when the AWS
//     Foundational Security Best Practices standard, which holds the EKS.x controls, is not
//     enabled, listing the standards that are;
//   - AWS Config (config:DescribeConfigurationRecorderStatus): fails on the cluster when no
//     recorder is recording; when recorders record but none records AWS::EKS::Cluster
//     (config:DescribeConfigurationRecorders .recordingGroup: allSupported false and
//     resourceTypes without it, or recordingStrategy.useOnly EXCLUSION_BY_RESOURCE_TYPES with
//     it in exclusionByResourceTypes), fails on each recording recorder.
//
// Decisions: a standard counts as enabled in status READY, PENDING or INCOMPLETE (INCOMPLETE:
// some controls failed to enable, the standard still runs); FAILED and DELETING do not. A
// recorder without a recording group records all supported types (the API's default). A
// recorder whose status is missing counts as not recording. A recorder without an ARN in the
// answer is named arn:<partition>:config:<region>:<account>:configuration-recorder/<name>.
var securityHubConfig = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-CMP-004",
		Slug:        "security-hub-config-recording",
		Title:       "AWS Security Hub and AWS Config should record the cluster's resources",
		Section:     "compliance",
		Severity:    check.Low,
		Source:      check.SourceAWSOther,
		Remediation: "Enable AWS Config recording and Security Hub with the Foundational Security Best Practices standard.",
		References:  check.References{Guide: "compliance#tools-and-resources"},
	},
	Reads: []string{inventory.AWSKind("securityhub:DescribeHub"), inventory.AWSKind("securityhub:GetEnabledStandards"),
		inventory.AWSKind("config:DescribeConfigurationRecorders"), inventory.AWSKind("config:DescribeConfigurationRecorderStatus")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		r.Evaluated(1)
		cluster := a.ClusterResource()
		if hub := a.SecurityHub; hub == nil {
			r.FailResource(cluster, "", "AWS Security Hub is not enabled in "+a.Region+": the EKS.x controls and findings from GuardDuty and Inspector are not gathered in one place")
		} else if !slices.ContainsFunc(hub.Standards, fsbpEnabled) {
			var names []string
			for _, s := range hub.Standards {
				arn := sdkaws.ToString(s.StandardsArn)
				names = append(names, arn[strings.LastIndex(arn, ":")+1:]+" ("+string(s.StandardsStatus)+")")
			}
			enabled := "none"
			if len(names) > 0 {
				enabled = strings.Join(names, ", ")
			}
			r.FailResource(hub.HubArn, "Standards", "Security Hub in "+a.Region+" does not run the AWS Foundational Security Best Practices standard, which holds the EKS.x controls; its standards: "+enabled)
		}

		var recording []inventory.ConfigRecorder
		var stopped []string
		for _, rec := range a.ConfigRecorders {
			if rec.Status != nil && rec.Status.Recording {
				recording = append(recording, rec)
			} else {
				stopped = append(stopped, sdkaws.ToString(rec.Recorder.Name))
			}
		}
		if len(recording) == 0 {
			msg := "no AWS Config recorder is recording in " + a.Region + ": changes to the cluster's configuration leave no history"
			if len(stopped) > 0 {
				msg += " (stopped: " + strings.Join(stopped, ", ") + ")"
			}
			r.FailResource(cluster, "", msg)
			return
		}
		if slices.ContainsFunc(recording, recordsEKSCluster) {
			return
		}
		for _, rec := range recording {
			arn := sdkaws.ToString(rec.Recorder.Arn)
			if arn == "" {
				arn = a.ARN("config", "configuration-recorder/"+sdkaws.ToString(rec.Recorder.Name))
			}
			r.FailResource(arn, "RecordingGroup", fmt.Sprintf("AWS Config recorder %s does not record AWS::EKS::Cluster (%s)", sdkaws.ToString(rec.Recorder.Name), recordingScope(rec.Recorder.RecordingGroup)))
		}
	},
}

// fsbpEnabled reports whether a subscription is an enabled AWS Foundational Security Best
// Practices standard.
func fsbpEnabled(s shtypes.StandardsSubscription) bool {
	if !strings.Contains(sdkaws.ToString(s.StandardsArn), fsbpStandard) {
		return false
	}
	switch s.StandardsStatus {
	case shtypes.StandardsStatusReady, shtypes.StandardsStatusPending, shtypes.StandardsStatusIncomplete:
		return true
	}
	return false
}

// recordsEKSCluster reports whether a recorder's recording group covers AWS::EKS::Cluster.
func recordsEKSCluster(rec inventory.ConfigRecorder) bool {
	g := rec.Recorder.RecordingGroup
	if g == nil {
		return true
	}
	if g.RecordingStrategy != nil && g.RecordingStrategy.UseOnly == cfgtypes.RecordingStrategyTypeExclusionByResourceTypes {
		return g.ExclusionByResourceTypes == nil || !slices.Contains(g.ExclusionByResourceTypes.ResourceTypes, cfgtypes.ResourceTypeEKSCluster)
	}
	return g.AllSupported || slices.Contains(g.ResourceTypes, cfgtypes.ResourceTypeEKSCluster)
}

// recordingScope says what a recording group records instead.
func recordingScope(g *cfgtypes.RecordingGroup) string {
	if g.RecordingStrategy != nil && g.RecordingStrategy.UseOnly == cfgtypes.RecordingStrategyTypeExclusionByResourceTypes {
		return "it is excluded by the recording group"
	}
	if len(g.ResourceTypes) == 0 {
		return "it records no resource types"
	}
	types := make([]string, len(g.ResourceTypes))
	for i, t := range g.ResourceTypes {
		types[i] = string(t)
	}
	return "it records only " + strings.Join(types, ", ")
}

func init() { check.Register(securityHubConfig) }
