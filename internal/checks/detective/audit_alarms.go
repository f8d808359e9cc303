package detective

import (
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// auditAlarm is one kind of suspicious API activity EKS-DET-007 wants an alarm on: a metric
// filter pattern matches it when it contains every string of one of the alternatives
// (case-insensitively).
type auditAlarm struct {
	what      string
	patterns  [][]string
	guardDuty bool // GuardDuty EKS audit log monitoring covers it
}

var auditAlarms = []auditAlarm{
	{"authorization failures (401/403)", [][]string{{"responseStatus.code", "401"}, {"responseStatus.code", "403"}}, true},
	{"pods/exec or pods/attach", [][]string{{"exec"}, {"attach"}}, false},
	{"changes to aws-auth or cluster-admin bindings", [][]string{{"aws-auth"}, {"cluster-admin"}}, true},
	{"requests by system:anonymous", [][]string{{"system:anonymous"}}, true},
}

// auditAlarmsCheck: EKS-DET-007.
//
// logs:DescribeMetricFilters on /aws/eks/<cluster>/cluster and
// cloudwatch:DescribeAlarmsForMetric on each filter's metrics: a filter counts when an alarm
// with ActionsEnabled true watches one of its metrics. Passes when counted filters cover
// (1) authorization failures (responseStatus.code with 401 or 403), (2) pods/exec or
// pods/attach, (3) changes to aws-auth or cluster-admin bindings and (4) requests by
// system:anonymous; GuardDuty EKS audit log monitoring (an ENABLED detector with
// EKS_AUDIT_LOGS, or the legacy Kubernetes audit-log data source, enabled: EKS-RUN-002)
// covers 1, 3 and 4. Fails once, listing what is missing, on the log group (on the cluster
// when there is none).
//
// Decisions: a filter pattern is matched by the strings it contains (case-insensitive), not
// parsed: "responseStatus.code" with "401" or "403"; "exec" or "attach"; "aws-auth" or
// "cluster-admin"; "system:anonymous". An alarm whose actions are disabled notifies no one
// and does not count.
var auditAlarmsCheck = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DET-007",
		Slug:        "audit-alarms",
		Title:       "Alarms must exist for suspicious Kubernetes API activity",
		Section:     "detective",
		Severity:    check.Medium,
		Source:      check.SourceAWSOther,
		Remediation: "Create metric filters and alarms on the audit log group (or rely on GuardDuty findings routed to on-call, EKS-IR-003).",
		References:  check.References{Guide: "detective#create-alarms-for-suspicious-events"},
	},
	Reads: []string{readDescribeCluster, inventory.AWSKind("logs:DescribeLogGroups"), inventory.AWSKind("logs:DescribeMetricFilters"),
		inventory.AWSKind("cloudwatch:DescribeAlarmsForMetric"), inventory.AWSKind("guardduty:ListDetectors"), inventory.AWSKind("guardduty:GetDetector")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil {
			return
		}
		r.Evaluated(1)
		var alarmed []string
		for _, f := range a.MetricFilters {
			for _, al := range f.Alarms {
				if sdkaws.ToBool(al.ActionsEnabled) {
					alarmed = append(alarmed, strings.ToLower(sdkaws.ToString(f.Filter.FilterPattern)))
					break
				}
			}
		}
		gd := guardDutyAuditLogs(a)
		var missing []string
		for _, want := range auditAlarms {
			if (gd && want.guardDuty) || matchesAny(alarmed, want.patterns) {
				continue
			}
			missing = append(missing, want.what)
		}
		if len(missing) == 0 {
			return
		}
		resource := a.ClusterResource()
		if len(a.LogGroups) > 0 {
			resource = sdkaws.ToString(a.LogGroups[0].LogGroupArn)
			if resource == "" {
				resource = strings.TrimSuffix(sdkaws.ToString(a.LogGroups[0].Arn), ":*")
			}
		}
		msg := "no alarmed metric filter on the control-plane logs catches " + joinReasons(missing)
		if gd {
			msg += " (GuardDuty EKS audit log monitoring covers the rest)"
		}
		r.FailResource(resource, "", msg)
	},
}

// matchesAny reports whether a pattern contains every string of one alternative.
func matchesAny(patterns []string, alternatives [][]string) bool {
	for _, p := range patterns {
	alt:
		for _, all := range alternatives {
			for _, s := range all {
				if !strings.Contains(p, strings.ToLower(s)) {
					continue alt
				}
			}
			return true
		}
	}
	return false
}

// guardDutyAuditLogs reports whether an ENABLED detector monitors EKS audit logs
// (EKS-RUN-002's rule).
func guardDutyAuditLogs(a *inventory.AWS) bool {
	for _, d := range a.Detectors {
		if d.Detector == nil || d.Detector.Status != gdtypes.DetectorStatusEnabled {
			continue
		}
		listed := false
		for _, f := range d.Detector.Features {
			if f.Name == gdtypes.DetectorFeatureResultEksAuditLogs {
				listed = true
				if f.Status == gdtypes.FeatureStatusEnabled {
					return true
				}
			}
		}
		if ds := d.Detector.DataSources; !listed && ds != nil && ds.Kubernetes != nil && ds.Kubernetes.AuditLogs != nil &&
			ds.Kubernetes.AuditLogs.Status == gdtypes.DataSourceStatusEnabled {
			return true
		}
	}
	return false
}

func init() { check.Register(auditAlarmsCheck) }
