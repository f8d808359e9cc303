package iam

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// endpointPublicCIDRs: EKS-IAM-002 (CIS EKS 5.4.1).
//
// eks:DescribeCluster, when endpointPublicAccess is true: fails (high) when publicAccessCidrs
// is empty (the API default 0.0.0.0/0) or contains 0.0.0.0/0 or ::/0, naming them; fails
// (medium) for each CIDR broader than max_public_cidr_prefix (settings file: ipv4, default /16;
// ipv6, default /32). A CIDR that does not parse is reported (medium) too, since EKS would not
// have accepted it.
var endpointPublicCIDRs = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-002",
		Slug:        "endpoint-public-cidrs",
		Title:       "Public endpoint access must be limited to specific CIDR blocks",
		Section:     "iam",
		Severity:    check.High,
		Source:      check.SourceAWSEKS,
		Remediation: "aws eks update-cluster-config --name <cluster> --resources-vpc-config publicAccessCidrs=<office/VPN egress CIDRs>,endpointPrivateAccess=true",
		References:  check.References{Guide: "iam#make-the-eks-cluster-endpoint-private", CISEKS: "5.4.1"},
	},
	Reads: []string{readDescribeCluster},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := awsCluster(inv)
		if a == nil {
			return
		}
		vc := a.Cluster.ResourcesVpcConfig
		if vc == nil || !vc.EndpointPublicAccess {
			return // applies to public endpoints only
		}
		r.Evaluated(1)
		arn := a.ClusterResource()
		path := fieldpath.Path("ResourcesVpcConfig.PublicAccessCidrs")
		if len(vc.PublicAccessCidrs) == 0 {
			r.FailResource(arn, path, "the public endpoint has no publicAccessCidrs, so the API's default 0.0.0.0/0 lets the whole internet reach it")
			return
		}
		var world []string
		for _, c := range vc.PublicAccessCidrs {
			if isWorld(c) {
				world = append(world, c)
			}
		}
		if len(world) > 0 {
			r.FailResource(arn, path, "the public endpoint is open to "+strings.Join(world, " and ")+": the whole internet can reach it")
			return
		}
		v4, v6 := r.Config.PublicCIDRPrefixV4(), r.Config.PublicCIDRPrefixV6()
		for i, c := range vc.PublicAccessCidrs {
			p, err := netip.ParsePrefix(strings.TrimSpace(c))
			switch {
			case err != nil:
				r.FailResourceWith(arn, path.Index(i), check.Medium, fmt.Sprintf("public access CIDR %q does not parse", c))
			case p.Addr().Is4() && p.Bits() < v4:
				r.FailResourceWith(arn, path.Index(i), check.Medium, fmt.Sprintf("public access CIDR %s is broader than /%d", c, v4))
			case !p.Addr().Is4() && p.Bits() < v6:
				r.FailResourceWith(arn, path.Index(i), check.Medium, fmt.Sprintf("public access CIDR %s is broader than /%d", c, v6))
			}
		}
	},
}

func init() { check.Register(endpointPublicCIDRs) }
