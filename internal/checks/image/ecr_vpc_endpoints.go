package image

import (
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ecrVPCEndpoints: EKS-IMG-009.
//
// eks:DescribeCluster .resourcesVpcConfig.vpcId and ec2:DescribeVpcEndpoints in that VPC: one
// finding on the VPC for each of the Interface endpoint ecr.api, the Interface endpoint
// ecr.dkr and the Gateway (or Interface) endpoint s3 that is missing or not in state
// available (compared case-insensitively), and one on the endpoint for an ecr.api or ecr.dkr
// endpoint with PrivateDnsEnabled false (an s3 interface endpoint needs no private DNS when
// a gateway endpoint exists, and without one is judged like the others).
//
// Severity low, raised to medium when no node subnet (of the managed node groups and of
// CLUSTER_NODES) has a default route (0.0.0.0/0 to anything but a blackhole) in its route
// table: image pulls then fail without the endpoints. Decisions: service names are matched
// by their ".<region>.<service>" suffix, so both com.amazonaws and cn.com.amazonaws
// prefixes count; when the route tables were not read (no Reads entry, so a denied
// ec2:DescribeRouteTables does not hide this check) the severity stays low.
// Manifest mode: not applicable.
var ecrVPCEndpoints = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-009",
		Slug:        "ecr-vpc-endpoints",
		Title:       "The cluster VPC should reach ECR through private endpoints",
		Section:     "image-security",
		Severity:    check.Low,
		Source:      check.SourceAWSEC2,
		Remediation: "Create the ecr.api and ecr.dkr interface endpoints with private DNS and an S3 gateway endpoint in the cluster VPC.",
		References:  check.References{Guide: "image#consider-using-ecr-private-endpoints"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("ec2:DescribeVpcEndpoints")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil || a.Cluster.ResourcesVpcConfig == nil || sdkaws.ToString(a.Cluster.ResourcesVpcConfig.VpcId) == "" {
			return
		}
		r.Evaluated(1)
		vpc := sdkaws.ToString(a.Cluster.ResourcesVpcConfig.VpcId)
		sev, note := check.Low, ""
		if vpcNodesLackEgress(a) {
			sev, note = check.Medium, " (node subnets have no default route, so image pulls fail without it)"
		}
		for _, want := range []struct {
			service string
			types   []ec2types.VpcEndpointType
		}{
			{"ecr.api", []ec2types.VpcEndpointType{ec2types.VpcEndpointTypeInterface}},
			{"ecr.dkr", []ec2types.VpcEndpointType{ec2types.VpcEndpointTypeInterface}},
			{"s3", []ec2types.VpcEndpointType{ec2types.VpcEndpointTypeGateway, ec2types.VpcEndpointTypeInterface}},
		} {
			eps := vpcEndpointsFor(a, vpc, want.service, want.types...)
			var avail []ec2types.VpcEndpoint
			var states []string
			for _, ep := range eps {
				if vpcEndpointAvailable(ep) {
					avail = append(avail, ep)
				} else {
					states = append(states, sdkaws.ToString(ep.VpcEndpointId)+" is "+string(ep.State))
				}
			}
			if len(avail) == 0 {
				msg := "VPC " + vpc + " has no available " + want.service + " endpoint"
				if len(states) > 0 {
					msg += " (" + strings.Join(states, ", ") + ")"
				}
				r.FailResourceWith(a.ARN("ec2", "vpc/"+vpc), "VpcEndpoints", sev, msg+note)
				continue
			}
			if want.service == "s3" && slicesHasType(avail, ec2types.VpcEndpointTypeGateway) {
				continue
			}
			for _, ep := range avail {
				if ep.VpcEndpointType == ec2types.VpcEndpointTypeInterface && !sdkaws.ToBool(ep.PrivateDnsEnabled) {
					id := sdkaws.ToString(ep.VpcEndpointId)
					r.FailResourceWith(a.ARN("ec2", "vpc-endpoint/"+id), "PrivateDnsEnabled", sev,
						"the "+want.service+" interface endpoint "+id+" has private DNS disabled, so nodes resolve the public "+
							want.service+" address and do not use it"+note)
				}
			}
		}
	},
}

// vpcEndpointsFor are the endpoints of the VPC for an AWS service ("ecr.api", "s3") of the
// scanned region, of the given types.
func vpcEndpointsFor(a *inventory.AWS, vpc, service string, types ...ec2types.VpcEndpointType) []ec2types.VpcEndpoint {
	var out []ec2types.VpcEndpoint
	for _, ep := range a.VPCEndpoints {
		if sdkaws.ToString(ep.VpcId) != vpc || !strings.HasSuffix(sdkaws.ToString(ep.ServiceName), "."+a.Region+"."+service) {
			continue
		}
		for _, t := range types {
			if strings.EqualFold(string(ep.VpcEndpointType), string(t)) {
				out = append(out, ep)
				break
			}
		}
	}
	return out
}

// vpcEndpointAvailable compares the state case-insensitively: the SDK spells it "Available",
// the API "available".
func vpcEndpointAvailable(ep ec2types.VpcEndpoint) bool {
	return strings.EqualFold(string(ep.State), "available")
}

func slicesHasType(eps []ec2types.VpcEndpoint, t ec2types.VpcEndpointType) bool {
	for _, ep := range eps {
		if strings.EqualFold(string(ep.VpcEndpointType), string(t)) {
			return true
		}
	}
	return false
}

// vpcNodesLackEgress reports whether route tables were read and no node subnet's table
// has a default route that is not a blackhole.
func vpcNodesLackEgress(a *inventory.AWS) bool {
	if len(a.RouteTables) == 0 {
		return false
	}
	subnets := map[string]bool{}
	for _, ng := range a.Nodegroups {
		for _, s := range ng.Subnets {
			subnets[s] = true
		}
	}
	for _, i := range a.Instances {
		subnets[sdkaws.ToString(i.SubnetId)] = true
	}
	delete(subnets, "")
	if len(subnets) == 0 {
		return false
	}
	for s := range subnets {
		if rt := vpcSubnetRouteTable(a, s); rt == nil || vpcHasDefaultRoute(*rt) {
			return false
		}
	}
	return true
}

// vpcSubnetRouteTable is the subnet's route table: its explicit association, else the main
// table of its VPC (the subnet's VPC when the subnet was read, else the cluster's).
func vpcSubnetRouteTable(a *inventory.AWS, subnet string) *ec2types.RouteTable {
	vpc := sdkaws.ToString(a.Cluster.ResourcesVpcConfig.VpcId)
	for _, s := range a.Subnets {
		if sdkaws.ToString(s.SubnetId) == subnet {
			vpc = sdkaws.ToString(s.VpcId)
		}
	}
	var main *ec2types.RouteTable
	for i, rt := range a.RouteTables {
		for _, as := range rt.Associations {
			if sdkaws.ToString(as.SubnetId) == subnet {
				return &a.RouteTables[i]
			}
			if sdkaws.ToBool(as.Main) && sdkaws.ToString(rt.VpcId) == vpc {
				main = &a.RouteTables[i]
			}
		}
	}
	return main
}

func vpcHasDefaultRoute(rt ec2types.RouteTable) bool {
	for _, r := range rt.Routes {
		if sdkaws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" && r.State != ec2types.RouteStateBlackhole {
			return true
		}
	}
	return false
}

func init() { check.Register(ecrVPCEndpoints) }
