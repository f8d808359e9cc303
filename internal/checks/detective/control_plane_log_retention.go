package detective

import (
	"fmt"
	"math"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// controlPlaneLogRetention: EKS-DET-003 (CIS EKS 2.1.2).
//
// logs:DescribeLogGroups for /aws/eks/<cluster>/cluster (the exact name; the API's prefix
// match also returns longer names, which are dropped):
//
//   - fails (on the cluster) when the group is missing while some control-plane log type is
//     enabled (eks:DescribeCluster .logging);
//   - fails (on the group) when retentionInDays is set and below min_log_retention_days
//     (settings file, default 90), and reports info
//     when it is unset (the logs never expire: a cost, not a risk);
//   - fails (low) when the group has no kmsKeyId.
//
// Decisions: a missing group with logging off reports nothing here (EKS-DET-001 fails). The manual part
// (subscription filters or export to a central account, access limited) is not collected;
// a reviewer confirms it.
var controlPlaneLogRetention = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DET-003",
		Slug:        "control-plane-log-retention",
		Title:       "Control plane logs must be retained, protected and collected",
		Section:     "detective",
		Severity:    check.Medium,
		Source:      check.SourceAWSOther,
		Remediation: "Set retention (put-retention-policy), associate a KMS key, and forward logs to the central log account/SIEM.",
		References:  check.References{Guide: "detective#enable-audit-logs", CISEKS: "2.1.2"},
	},
	Reads: []string{readDescribeCluster, inventory.AWSKind("logs:DescribeLogGroups")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil {
			return
		}
		name := inventory.ControlPlaneLogGroup(sdkaws.ToString(a.Cluster.Name))
		if len(a.LogGroups) == 0 {
			if len(enabledLogTypes(a.Cluster)) > 0 {
				r.Evaluated(1)
				r.FailResource(a.ClusterResource(), "Logging.ClusterLogging", "control-plane logging is on but its log group "+name+" does not exist: the control plane's logs are not kept")
			}
			return
		}
		for _, g := range a.LogGroups {
			r.Evaluated(1)
			arn := sdkaws.ToString(g.LogGroupArn)
			if arn == "" {
				arn = strings.TrimSuffix(sdkaws.ToString(g.Arn), ":*")
			}
			switch days := g.RetentionInDays; {
			case days == nil:
				r.FailResourceWith(arn, "RetentionInDays", check.Info, "log group "+name+" has no retention: its logs never expire (cost grows without bound)")
			case *days < int32(min(r.Config.LogRetentionDays(), math.MaxInt32)):
				r.FailResource(arn, "RetentionInDays", fmt.Sprintf("log group %s keeps logs for %d days, less than %d: evidence of an incident may be gone before it is investigated", name, *days, r.Config.LogRetentionDays()))
			}
			if sdkaws.ToString(g.KmsKeyId) == "" {
				r.FailResourceWith(arn, "KmsKeyId", check.Low, "log group "+name+" is not encrypted with a customer-managed KMS key: reading the control-plane logs needs only CloudWatch Logs permissions")
			}
		}
	},
}

func init() { check.Register(controlPlaneLogRetention) }
