package iam

import (
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// endpointPublicAccess: EKS-IAM-001 (CIS EKS 5.4.2).
//
// eks:DescribeCluster: fails when resourcesVpcConfig.endpointPublicAccess is true; the finding
// is raised to high when the public endpoint is open to 0.0.0.0/0 or ::/0 (EKS-IAM-002 then
// fires too). Decision: an empty publicAccessCidrs counts as 0.0.0.0/0, the API's default.
// Manifest mode: not applicable (the check reads only the AWS side).
var endpointPublicAccess = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-IAM-001",
		Slug:     "endpoint-public-access",
		Title:    "Cluster API endpoint must not be publicly accessible",
		Section:  "iam",
		Severity: check.Medium,
		Source:   check.SourceAWSEKS,
		Remediation: "aws eks update-cluster-config --name <cluster> --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true " +
			"and reach the API through the VPC (VPN, Direct Connect, bastion or SSM). If public access must stay, apply EKS-IAM-002.",
		References: check.References{Guide: "iam#make-the-eks-cluster-endpoint-private", CISEKS: "5.4.2"},
	},
	Reads: []string{readDescribeCluster},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := awsCluster(inv)
		if a == nil {
			return
		}
		r.Evaluated(1)
		vc := a.Cluster.ResourcesVpcConfig
		if vc == nil || !vc.EndpointPublicAccess {
			return
		}
		cidrs := publicCIDRs(vc)
		sev, msg := check.Medium, "the cluster's API endpoint is public, reachable from "+strings.Join(cidrs, ", ")
		for _, c := range cidrs {
			if isWorld(c) {
				sev, msg = check.High, msg+" (the whole internet)"
				break
			}
		}
		r.FailResourceWith(a.ClusterResource(), "ResourcesVpcConfig.EndpointPublicAccess", sev, msg)
	},
}

func init() { check.Register(endpointPublicAccess) }
