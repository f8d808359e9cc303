package detective

import (
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// controlPlaneAuditLogs: EKS-DET-001 (CIS EKS 2.1.1).
//
// eks:DescribeCluster .logging.clusterLogging[]: passes when an entry with enabled true has
// type audit; fails otherwise.
var controlPlaneAuditLogs = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DET-001",
		Slug:        "control-plane-audit-logs",
		Title:       "Control plane audit logging must be enabled",
		Section:     "detective",
		Severity:    check.High,
		Source:      check.SourceAWSEKS,
		Remediation: `aws eks update-cluster-config --name <cluster> --logging '{"clusterLogging":[{"types":["audit"],"enabled":true}]}'`,
		References:  check.References{Guide: "detective#enable-audit-logs", CISEKS: "2.1.1"},
	},
	Reads: []string{readDescribeCluster},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil {
			return
		}
		r.Evaluated(1)
		if !enabledLogTypes(a.Cluster)[ekstypes.LogTypeAudit] {
			r.FailResource(a.ClusterResource(), "Logging.ClusterLogging", "control-plane audit logging is off: API requests to the cluster leave no record in CloudWatch Logs")
		}
	},
}

func init() { check.Register(controlPlaneAuditLogs) }
