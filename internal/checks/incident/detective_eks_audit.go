package incident

import (
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	dettypes "github.com/aws/aws-sdk-go-v2/service/detective/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// detectiveEKSAudit: EKS-IR-006.
//
// detective:ListGraphs in the cluster's region, then detective:ListDatasourcePackages for
// each graph: fails (on the cluster) when there is no behavior graph; fails (on the graph)
// when its EKS_AUDIT package is missing or its DatasourcePackageIngestState is not STARTED
// (the states are STARTED, STOPPED and DISABLED). Decision: with several graphs (a graph
// the account administers and one it is a member of) each is judged.
var detectiveEKSAudit = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IR-006",
		Slug:        "detective-eks-audit",
		Title:       "Amazon Detective should ingest EKS audit logs",
		Section:     "incident-response",
		Severity:    check.Low,
		Source:      check.SourceAWSOther,
		Remediation: "Enable Amazon Detective and its EKS audit log data source to speed up investigations.",
		References:  check.References{Guide: "incidents#tools-and-resources"},
	},
	Reads: []string{inventory.AWSKind("detective:ListGraphs"), inventory.AWSKind("detective:ListDatasourcePackages")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		r.Evaluated(1)
		if len(a.DetectiveGraphs) == 0 {
			r.FailResource(a.ClusterResource(), "", "Amazon Detective has no behavior graph in "+a.Region+": investigating a finding means correlating the cluster's audit logs, VPC flow logs and CloudTrail by hand")
			return
		}
		for _, g := range a.DetectiveGraphs {
			arn := sdkaws.ToString(g.Graph.Arn)
			p, ok := g.Packages[string(dettypes.DatasourcePackageEksAudit)]
			switch {
			case !ok:
				r.FailResource(arn, "Packages", "Detective behavior graph does not have the EKS_AUDIT data source package: EKS audit logs are not part of its investigations")
			case p.DatasourcePackageIngestState != dettypes.DatasourcePackageIngestStateStarted:
				r.FailResource(arn, "Packages.EKS_AUDIT", "Detective's EKS_AUDIT data source package is "+string(p.DatasourcePackageIngestState)+", not STARTED: EKS audit logs are not being ingested")
			}
		}
	},
}

func init() { check.Register(detectiveEKSAudit) }
