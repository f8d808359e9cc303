package incident

import (
	"encoding/json"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// guardDutyFindingsRouted: EKS-IR-003.
//
// When GuardDuty is on in the cluster's region (a detector with Status ENABLED, EKS-RUN-001),
// passes when a rule of the default event bus (events:ListRules, kept when its pattern names
// aws.guardduty) is enabled (State ENABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS),
// its EventPattern's source lists aws.guardduty, its detail-type is absent or lists
// "GuardDuty Finding", and events:ListTargetsByRule returns at least one target. Otherwise
// fails once, on the detector, naming the GuardDuty rules that fall short and why. With
// GuardDuty off the check does not apply.
//
// Decisions: the catalogue also counts GuardDuty's Security Hub integration
// (securityhub:ListEnabledProductsForImport); that call is not made, so an account that routes
// findings only through Security Hub fails here. A pattern whose source uses a content filter
// (prefix, wildcard) rather than the literal aws.guardduty does not count.
var guardDutyFindingsRouted = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IR-003",
		Slug:        "guardduty-findings-routed",
		Title:       "GuardDuty findings must be routed to responders",
		Section:     "incident-response",
		Severity:    check.Medium,
		Source:      check.SourceAWSOther,
		Remediation: "Create an EventBridge rule for GuardDuty findings (severity >= 4) targeting the on-call channel, or aggregate in Security Hub.",
		References:  check.References{Guide: "incidents#sample-incident-response-plan"},
	},
	Reads: []string{inventory.AWSKind("guardduty:ListDetectors"), inventory.AWSKind("guardduty:GetDetector"),
		inventory.AWSKind("events:ListRules"), inventory.AWSKind("events:ListTargetsByRule")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		var detector string
		for _, d := range a.Detectors {
			if d.Detector != nil && d.Detector.Status == gdtypes.DetectorStatusEnabled {
				detector = d.ID
				break
			}
		}
		if detector == "" {
			return // GuardDuty is off: EKS-RUN-001
		}
		r.Evaluated(1)
		var short []string
		for _, er := range a.GuardDutyRules {
			why := ruleShortfall(er)
			if why == "" {
				return
			}
			short = append(short, sdkaws.ToString(er.Rule.Name)+" ("+why+")")
		}
		msg := "no enabled EventBridge rule on the default event bus sends GuardDuty findings to a target: findings wait in the console until someone looks"
		if len(short) > 0 {
			msg += "; GuardDuty rules that fall short: " + strings.Join(short, ", ")
		}
		partition := a.Partition
		if partition == "" {
			partition = "aws"
		}
		r.FailResource("arn:"+partition+":guardduty:"+a.Region+":"+a.Account+":detector/"+detector, "", msg)
	},
}

// ruleShortfall says why a rule does not route GuardDuty findings, or returns "".
func ruleShortfall(er inventory.EventRule) string {
	if er.Rule.State != ebtypes.RuleStateEnabled && er.Rule.State != ebtypes.RuleStateEnabledWithAllCloudtrailManagementEvents {
		return "state " + string(er.Rule.State)
	}
	var pattern map[string]json.RawMessage
	if err := json.Unmarshal([]byte(sdkaws.ToString(er.Rule.EventPattern)), &pattern); err != nil {
		return "its event pattern does not parse"
	}
	if !listsString(pattern["source"], "aws.guardduty") {
		return "its source is not aws.guardduty"
	}
	if dt, ok := pattern["detail-type"]; ok && !listsString(dt, "GuardDuty Finding") {
		return `its detail-type leaves out "GuardDuty Finding"`
	}
	if len(er.Targets) == 0 {
		return "no target"
	}
	return ""
}

// listsString reports whether a pattern field is a JSON list that holds the literal s.
func listsString(field json.RawMessage, s string) bool {
	var values []any
	if json.Unmarshal(field, &values) != nil {
		return false
	}
	return slices.Contains(values, any(s))
}

func init() { check.Register(guardDutyFindingsRouted) }
