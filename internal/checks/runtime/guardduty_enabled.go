package runtime

import (
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// guardDutyEnabled: EKS-RUN-001.
//
// guardduty:ListDetectors in the cluster's region and GetDetector for each: fails once, on
// the cluster, when there is no detector; fails on each detector whose Status is not
// ENABLED (a suspended detector), naming its ID and, when guardduty:GetAdministratorAccount
// names one, the administrator account that manages it (where it must be re-enabled).
// Decision: GetAdministratorAccount is not in Reads: when it is denied the findings only
// leave the administrator out.
var guardDutyEnabled = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-RUN-001",
		Slug:        "guardduty-enabled",
		Title:       "Amazon GuardDuty must be enabled in the cluster's region",
		Section:     "runtime",
		Severity:    check.High,
		Source:      check.SourceAWSGuardDuty,
		Remediation: "aws guardduty create-detector --enable (or enable org-wide from the delegated administrator account).",
		References:  check.References{Guide: "runtime#use-amazon-guardduty-for-runtime-monitoring-and-detecting-threats-to-your-eks-environments"},
	},
	Reads: detectorReads,
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		r.Evaluated(1)
		if len(a.Detectors) == 0 {
			r.FailResource(a.ClusterResource(), "", "GuardDuty has no detector in "+a.Region+": threats to the cluster (compromised credentials, crypto mining, calls from known-malicious addresses) go undetected")
			return
		}
		for _, d := range a.Detectors {
			if d.Detector == nil {
				continue // GetDetector failed: a gap marks the check not evaluated
			}
			if d.Detector.Status != gdtypes.DetectorStatusEnabled {
				msg := "GuardDuty detector " + d.ID + " is " + string(d.Detector.Status) + ", not ENABLED: it produces no findings"
				if adm := d.Administrator; adm != nil && sdkaws.ToString(adm.AccountId) != "" {
					msg += " (it is managed by the GuardDuty administrator account " + *adm.AccountId + ", relationship " + sdkaws.ToString(adm.RelationshipStatus) + ")"
				}
				r.FailResource(detectorARN(a, d.ID), "Status", msg)
			}
		}
	},
}

func init() { check.Register(guardDutyEnabled) }
