package runtime

import (
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// guardDutyEKSAuditLogs: EKS-RUN-002.
//
// guardduty:GetDetector, for each detector that passes EKS-RUN-001 (Status ENABLED): fails
// unless its feature EKS_AUDIT_LOGS has Status ENABLED, or, for a detector that reports no
// such feature (older API shape), DataSources.Kubernetes.AuditLogs.Status is ENABLED.
// Decision: a listed EKS_AUDIT_LOGS feature is authoritative over the legacy data source.
// Without an enabled detector the check reports nothing; EKS-RUN-001 fails.
var guardDutyEKSAuditLogs = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-RUN-002",
		Slug:        "guardduty-eks-audit-logs",
		Title:       "GuardDuty EKS audit log monitoring (EKS Protection) must be enabled",
		Section:     "runtime",
		Severity:    check.High,
		Source:      check.SourceAWSGuardDuty,
		Remediation: "aws guardduty update-detector --detector-id <id> --features Name=EKS_AUDIT_LOGS,Status=ENABLED",
		References:  check.References{Guide: "runtime#use-amazon-guardduty-for-runtime-monitoring-and-detecting-threats-to-your-eks-environments"},
	},
	Reads: detectorReads,
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		for _, d := range enabledDetectors(a) {
			r.Evaluated(1)
			if f := feature(d, gdtypes.DetectorFeatureResultEksAuditLogs); f != nil {
				if f.Status != gdtypes.FeatureStatusEnabled {
					r.FailResource(detectorARN(a, d.ID), "Features", "GuardDuty detector "+d.ID+" has EKS_AUDIT_LOGS "+string(f.Status)+": the cluster's audit logs are not analysed for suspicious Kubernetes API activity")
				}
				continue
			}
			ds := d.Detector.DataSources
			if ds != nil && ds.Kubernetes != nil && ds.Kubernetes.AuditLogs != nil && ds.Kubernetes.AuditLogs.Status == gdtypes.DataSourceStatusEnabled {
				continue
			}
			path := fieldpath.Path("DataSources.Kubernetes.AuditLogs.Status")
			if len(d.Detector.Features) > 0 {
				path = "Features"
			}
			r.FailResource(detectorARN(a, d.ID), path, "GuardDuty detector "+d.ID+" does not monitor EKS audit logs: the cluster's audit logs are not analysed for suspicious Kubernetes API activity")
		}
	},
}

func init() { check.Register(guardDutyEKSAuditLogs) }
