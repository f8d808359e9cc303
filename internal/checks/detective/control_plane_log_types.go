package detective

import (
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// controlPlaneLogTypes: EKS-DET-002 (CIS EKS 2.1.1).
//
// eks:DescribeCluster .logging.clusterLogging[]: one finding per log type among api,
// authenticator, controllerManager and scheduler that no enabled entry has (audit is
// EKS-DET-001). authenticator maps audit usernames to IAM principals, so its absence is
// medium; the others are low.
var controlPlaneLogTypes = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DET-002",
		Slug:        "control-plane-log-types",
		Title:       "All control plane log types should be enabled",
		Section:     "detective",
		Severity:    check.Medium,
		Source:      check.SourceAWSEKS,
		Remediation: "Enable api, audit, authenticator, controllerManager and scheduler log types.",
		References:  check.References{Guide: "detective#enable-audit-logs", CISEKS: "2.1.1"},
	},
	Reads: []string{readDescribeCluster},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil {
			return
		}
		r.Evaluated(1)
		enabled := enabledLogTypes(a.Cluster)
		for _, t := range []struct {
			typ ekstypes.LogType
			sev check.Severity
			why string
		}{
			{ekstypes.LogTypeApi, check.Low, "API server logs"},
			{ekstypes.LogTypeAuthenticator, check.Medium, "authenticator logs, which map audit usernames to IAM principals"},
			{ekstypes.LogTypeControllerManager, check.Low, "controller manager logs"},
			{ekstypes.LogTypeScheduler, check.Low, "scheduler logs"},
		} {
			if !enabled[t.typ] {
				r.FailResourceWith(a.ClusterResource(), "Logging.ClusterLogging", t.sev, "control-plane log type "+string(t.typ)+" is off: no "+t.why)
			}
		}
	},
}

func init() { check.Register(controlPlaneLogTypes) }
