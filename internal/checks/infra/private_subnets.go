package infra

import (
	"sort"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// privateSubnets: EKS-INF-008 (CIS EKS 5.4.3).
//
// CLUSTER_NODES (ec2:DescribeInstances): fails (high) when PublicIpAddress is set or a
// network interface has an Association.PublicIp (not PublicDnsName, which is empty in VPCs
// without DNS hostnames). Subnets of managed node groups (.subnets) and of CLUSTER_NODES
// (ec2:DescribeSubnets, ec2:DescribeRouteTables): fail (medium) when MapPublicIpOnLaunch is
// true or the subnet's route table has a 0.0.0.0/0 route to an internet gateway (igw-*).
// LAUNCH_TEMPLATES with NetworkInterfaces[].AssociatePublicIpAddress true fail (high).
//
// Decisions: a subnet without an explicit route table association uses its VPC's main
// route table; a ::/0 route to an internet gateway counts like 0.0.0.0/0 (egress-only
// gateways, eigw-*, do not). One finding per subnet, naming both reasons when both hold.
// A subnet the collector could not read (another VPC, deleted) is not judged.
// Manifest mode: not applicable.
var privateSubnets = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-INF-008",
		Slug:        "private-subnets",
		Title:       "Worker nodes must be in private subnets without public IPs",
		Section:     "infrastructure",
		Severity:    check.High,
		Source:      check.SourceAWSEC2,
		Remediation: "Place node groups in private subnets with NAT or VPC endpoints for egress; disable public IP assignment.",
		References:  check.References{Guide: "hosts#deploy-workers-onto-private-subnets", CISEKS: "5.4.3"},
	},
	Reads: []string{inventory.AWSKind("eks:ListNodegroups"), inventory.AWSKind("eks:DescribeNodegroup"), readDescribeInstances,
		readDescribeLaunchTemplate, inventory.AWSKind("ec2:DescribeSubnets"), inventory.AWSKind("ec2:DescribeRouteTables")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		users := map[string][]string{} // subnet -> node groups and instances in it
		for _, ng := range a.Nodegroups {
			for _, s := range ng.Subnets {
				users[s] = appendNew(users[s], "node group "+sdkaws.ToString(ng.NodegroupName))
			}
		}
		for _, i := range a.Instances {
			r.Evaluated(1)
			if s := sdkaws.ToString(i.SubnetId); s != "" {
				if ng := instanceNodegroup(i); ng != "" {
					users[s] = appendNew(users[s], "node group "+ng)
				} else {
					users[s] = appendNew(users[s], "instance "+sdkaws.ToString(i.InstanceId))
				}
			}
			var ips []string
			if ip := sdkaws.ToString(i.PublicIpAddress); ip != "" {
				ips = append(ips, ip)
			}
			for _, ni := range i.NetworkInterfaces {
				if ni.Association != nil {
					ips = appendNew(ips, sdkaws.ToString(ni.Association.PublicIp))
				}
			}
			if len(ips) > 0 {
				r.FailResource(a.InstanceARN(i), "PublicIpAddress",
					"node instance "+inventory.InstanceName(i)+" has public IP "+strings.Join(ips, ", "))
			}
		}
		for _, lt := range a.LaunchTemplates {
			r.Evaluated(1)
			if d := lt.Version.LaunchTemplateData; d != nil {
				for _, ni := range d.NetworkInterfaces {
					if sdkaws.ToBool(ni.AssociatePublicIpAddress) {
						r.FailResource(a.LaunchTemplateARN(lt), "LaunchTemplateData.NetworkInterfaces.AssociatePublicIpAddress",
							"launch template "+lt.Name()+" gives the nodes it launches a public IP (AssociatePublicIpAddress true)")
						break
					}
				}
			}
		}
		for _, s := range a.Subnets {
			id := sdkaws.ToString(s.SubnetId)
			who, ok := users[id]
			if !ok {
				continue // a cluster (control-plane) subnet no node uses
			}
			r.Evaluated(1)
			var why []string
			if sdkaws.ToBool(s.MapPublicIpOnLaunch) {
				why = append(why, "assigns public IPs on launch (MapPublicIpOnLaunch)")
			}
			if rt, igw := internetRoute(a, s); igw != "" {
				why = append(why, "routes "+igw+" through route table "+rt)
			}
			if len(why) == 0 {
				continue
			}
			sort.Strings(who)
			path := fieldpath.Path("MapPublicIpOnLaunch")
			if !sdkaws.ToBool(s.MapPublicIpOnLaunch) {
				path = "RouteTable.Routes" // the route table's, not a Subnet field
			}
			r.FailResourceWith(a.ARN("ec2", "subnet/"+id), path, check.Medium,
				"subnet "+id+" of "+strings.Join(who, ", ")+" is public: it "+strings.Join(why, " and "))
		}
	},
}

// internetRoute returns the subnet's route table and its default route to an internet
// gateway ("0.0.0.0/0 to igw-0abc"), or "" when there is none.
func internetRoute(a *inventory.AWS, s ec2types.Subnet) (string, string) {
	id, vpc := sdkaws.ToString(s.SubnetId), sdkaws.ToString(s.VpcId)
	var table *ec2types.RouteTable
	for i, rt := range a.RouteTables { // the VPC's main table
		for _, as := range rt.Associations {
			if sdkaws.ToBool(as.Main) && sdkaws.ToString(rt.VpcId) == vpc {
				table = &a.RouteTables[i]
			}
		}
	}
	// An explicit association wins over the main table.
	for i, rt := range a.RouteTables {
		for _, as := range rt.Associations {
			if sdkaws.ToString(as.SubnetId) == id {
				table = &a.RouteTables[i]
			}
		}
	}
	if table == nil {
		return "", ""
	}
	for _, rt := range table.Routes {
		gw := sdkaws.ToString(rt.GatewayId)
		dst := sdkaws.ToString(rt.DestinationCidrBlock)
		if dst == "" {
			dst = sdkaws.ToString(rt.DestinationIpv6CidrBlock)
		}
		if strings.HasPrefix(gw, "igw-") && (dst == "0.0.0.0/0" || dst == "::/0") {
			return sdkaws.ToString(table.RouteTableId), dst + " to " + gw
		}
	}
	return sdkaws.ToString(table.RouteTableId), ""
}

func appendNew(s []string, v string) []string {
	if v == "" {
		return s
	}
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func init() { check.Register(privateSubnets) }
