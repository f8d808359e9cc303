package runtime

import (
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// guardDutyEnabled: EKS-RUN-001.
//
// guardduty:ListDetectors in the cluster's region and GetDetector for each: fails once, on
// the cluster, when there is no detector; fails on each detector whose Status is not
// ENABLED (a suspended detector), naming its ID. Decision: the catalogue also asks to report
// whether a delegated administrator manages the detector (GetAdministratorAccount); the
// collector does not make that call, so the findings do not say.
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
				r.FailResource(detectorARN(a, d.ID), "Status", "GuardDuty detector "+d.ID+" is "+string(d.Detector.Status)+", not ENABLED: it produces no findings")
			}
		}
	},
}

func init() { check.Register(guardDutyEnabled) }
