package iam

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// endpointPrivateAccess: EKS-IAM-003 (CIS EKS 5.4.1).
//
// eks:DescribeCluster: fails when resourcesVpcConfig.endpointPrivateAccess is false: kubelets
// and anything else in the VPC then reach the API server through the public endpoint.
var endpointPrivateAccess = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-003",
		Slug:        "endpoint-private-access",
		Title:       "Private endpoint access must be enabled",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceAWSEKS,
		Remediation: "aws eks update-cluster-config --name <cluster> --resources-vpc-config endpointPrivateAccess=true",
		References:  check.References{Guide: "iam#make-the-eks-cluster-endpoint-private", CISEKS: "5.4.1"},
	},
	Reads: []string{readDescribeCluster},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := awsCluster(inv)
		if a == nil {
			return
		}
		r.Evaluated(1)
		if vc := a.Cluster.ResourcesVpcConfig; vc == nil || !vc.EndpointPrivateAccess {
			r.FailResource(a.ClusterResource(), "ResourcesVpcConfig.EndpointPrivateAccess",
				"private endpoint access is off: nodes and in-VPC clients reach the API server through the public endpoint")
		}
	},
}

func init() { check.Register(endpointPrivateAccess) }
