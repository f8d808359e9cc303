package network

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// securityGroupsOpen: EKS-NET-008.
//
// Security groups in scope, as the EC2 collector reads them (ec2:DescribeSecurityGroups
// .IpPermissions, the same rules ec2:DescribeSecurityGroupRules lists): the cluster security
// group (resourcesVpcConfig.clusterSecurityGroupId), the additional control-plane groups
// (.securityGroupIds) and every group attached to CLUSTER_NODES or their network interfaces.
// An ingress rule is world-open when one of its IPv4 or IPv6 ranges is 0.0.0.0/0, ::/0 or a
// prefix shorter than /8. A world-open rule fails (high) when it allows all protocols, or TCP
// to a port range covering 22, 10250, 10255 or 2379-2380 on any group in scope, or 443 on a
// control-plane group (cluster or additional group); it fails (medium) when it allows TCP or
// UDP to any port of the NodePort range 30000-32767. Rules naming only security groups,
// prefix lists or narrower CIDRs (VPC CIDRs) pass.
//
// Decisions: other world-open ports (80 or 443 on node groups, for load balancers that
// target instances) pass, as the catalogue lists no others. UDP counts only for the NodePort
// range: kubelet, SSH and etcd listen on TCP. One finding per rule and source range.
// Manifest mode: not applicable.
var securityGroupsOpen = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-008",
		Slug:        "security-groups-open",
		Title:       "Cluster and node security groups must not allow unrestricted inbound access",
		Section:     "network",
		Severity:    check.High,
		Source:      check.SourceAWSEC2,
		Remediation: "Remove world-open rules; allow only the load balancer security groups and VPC CIDRs required.",
		References:  check.References{Guide: "network#security-groups"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("ec2:DescribeInstances"), inventory.AWSKind("ec2:DescribeSecurityGroups")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		controlPlane := map[string]string{}
		if a.Cluster != nil && a.Cluster.ResourcesVpcConfig != nil {
			vc := a.Cluster.ResourcesVpcConfig
			for _, g := range vc.SecurityGroupIds {
				controlPlane[g] = "additional control-plane security group"
			}
			if g := sdkaws.ToString(vc.ClusterSecurityGroupId); g != "" {
				controlPlane[g] = "cluster security group"
			}
		}
		for _, sg := range a.SecurityGroups {
			r.Evaluated(1)
			id := sdkaws.ToString(sg.GroupId)
			role, cp := controlPlane[id]
			if !cp {
				role = "node security group"
			}
			name := id
			if n := sdkaws.ToString(sg.GroupName); n != "" {
				name += " (" + n + ")"
			}
			for ri, p := range sg.IpPermissions {
				for _, src := range worldSources(p) {
					sev, what := openRule(p, cp)
					if what == "" {
						continue
					}
					r.FailResourceWith(a.ARN("ec2", "security-group/"+id), fieldpath.Path(fmt.Sprintf("IpPermissions[%d]", ri)), sev,
						role+" "+name+" allows "+what+" from "+src)
				}
			}
		}
	},
}

// Ports a world-open rule must not reach (TCP), and those only of control-plane groups.
var (
	sensitivePorts    = []portRange{{22, 22, "SSH (22)"}, {10250, 10250, "the kubelet API (10250)"}, {10255, 10255, "the kubelet read-only port (10255)"}, {2379, 2380, "etcd (2379-2380)"}}
	controlPlanePorts = []portRange{{443, 443, "the Kubernetes API (443)"}}
	nodePorts         = portRange{30000, 32767, "the NodePort range (30000-32767)"}
)

type portRange struct {
	from, to int32
	name     string
}

// worldSources are the rule's IPv4 and IPv6 sources that are the internet: /0 or shorter than /8.
func worldSources(p ec2types.IpPermission) []string {
	var out []string
	var cidrs []string
	for _, r := range p.IpRanges {
		cidrs = append(cidrs, sdkaws.ToString(r.CidrIp))
	}
	for _, r := range p.Ipv6Ranges {
		cidrs = append(cidrs, sdkaws.ToString(r.CidrIpv6))
	}
	for _, c := range cidrs {
		if pfx, err := netip.ParsePrefix(strings.TrimSpace(c)); err == nil && pfx.Bits() < 8 {
			out = append(out, c)
		}
	}
	return out
}

// openRule says how bad a world-open rule is, and what it opens ("" when it is allowed).
func openRule(p ec2types.IpPermission, controlPlane bool) (check.Severity, string) {
	proto := strings.ToLower(sdkaws.ToString(p.IpProtocol))
	if proto == "-1" || proto == "all" {
		return check.High, "all traffic"
	}
	from, to := sdkaws.ToInt32(p.FromPort), sdkaws.ToInt32(p.ToPort)
	if from == -1 || to == -1 { // all ports of the protocol
		from, to = 0, 65535
	}
	ports := fmt.Sprintf("%s %d-%d", proto, from, to)
	if from == to {
		ports = fmt.Sprintf("%s %d", proto, from)
	}
	covers := func(pr portRange) bool { return from <= pr.to && to >= pr.from }
	if proto == "tcp" || proto == "6" {
		var hit []string
		for _, pr := range sensitivePorts {
			if covers(pr) {
				hit = append(hit, pr.name)
			}
		}
		if controlPlane {
			for _, pr := range controlPlanePorts {
				if covers(pr) {
					hit = append(hit, pr.name)
				}
			}
		}
		if len(hit) > 0 {
			return check.High, ports + ", reaching " + strings.Join(hit, ", ") + ","
		}
	}
	if slices.Contains([]string{"tcp", "6", "udp", "17"}, proto) && covers(nodePorts) {
		return check.Medium, ports + ", reaching " + nodePorts.name + ","
	}
	return check.Info, ""
}

func init() { check.Register(securityGroupsOpen) }
