package network

import (
	"fmt"
	"net/netip"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// securityGroupsForPods: EKS-NET-007.
//
// For each SecurityGroupPolicy (vpcresources.k8s.aws): fails (high) when ENABLE_POD_ENI is not
// "true" on the VPC CNI (the aws-node container env of DaemonSet kube-system/aws-node, or the
// vpc-cni add-on's configurationValues env), since the policy then has no effect; fails
// (medium) for each spec.securityGroups.groupIds entry that ec2:DescribeSecurityGroups did
// not return (it does not exist), that belongs to another VPC than the cluster's, or that
// allows ingress from 0.0.0.0/0 or ::/0; fails (low) when POD_SECURITY_GROUP_ENFORCING_MODE is
// "standard" and a NetworkPolicy exists in the policy's namespace (in standard mode both the
// pods' security groups and NetworkPolicies filter their traffic, so both must allow it). Once
// per cluster it fails (medium) when the cluster role (iam:GetRole, attached policies) lacks
// AmazonEKSVPCResourceController.
//
// Decisions: "NetworkPolicies also select the pods" is approximated by a NetworkPolicy in the
// same namespace. ENABLE_POD_ENI read from the add-on's configuration wins over the
// DaemonSet's env only when the DaemonSet was not read. Without AWS facts only the
// Kubernetes-side tests run. Manifest mode: the ENABLE_POD_ENI test runs when aws-node is in
// the input.
var securityGroupsForPods = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-NET-007",
		Slug:     "security-groups-for-pods",
		Title:    "Security groups for pods must be enabled where SecurityGroupPolicies are used, and reference valid groups",
		Section:  "network",
		Severity: check.Medium,
		Source:   check.SourceAWSEC2,
		Remediation: "Set ENABLE_POD_ENI=true on aws-node (VPC CNI add-on config), attach AmazonEKSVPCResourceController, " +
			"and fix the groups.",
		References: check.References{Guide: "network#when-to-use-aws-security-groups-for-pods-sgp"},
	},
	Reads: []string{"DaemonSet", "NetworkPolicy", inventory.AWSKind("ec2:DescribeSecurityGroups")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		var sgps []*inventory.Object
		for _, o := range inv.OfKind("SecurityGroupPolicy") {
			if o.Group() == "vpcresources.k8s.aws" {
				sgps = append(sgps, o)
			}
		}
		if len(sgps) == 0 {
			return
		}
		podENI, podENIKnown := awsNodeEnv(inv, "ENABLE_POD_ENI")
		mode, _ := awsNodeEnv(inv, "POD_SECURITY_GROUP_ENFORCING_MODE")
		netpolNS := map[string]bool{}
		for _, o := range inv.OfKind("NetworkPolicy") {
			netpolNS[o.Namespace] = true
		}
		a := inv.AWS
		for _, o := range sgps {
			r.Evaluated(1)
			name := o.Namespace + "/" + o.Name
			if podENIKnown && !strings.EqualFold(podENI, "true") {
				r.FailWith(o, fieldpath.Root.Key("spec"), check.High, "SecurityGroupPolicy "+name+
					" has no effect: the VPC CNI does not set ENABLE_POD_ENI=true")
			}
			if strings.EqualFold(mode, "standard") && netpolNS[o.Namespace] {
				r.FailWith(o, fieldpath.Root.Key("spec"), check.Low, "SecurityGroupPolicy "+name+
					" applies in POD_SECURITY_GROUP_ENFORCING_MODE standard while NetworkPolicies exist in namespace "+o.Namespace+
					": use strict mode, or check that both layers allow the same traffic")
			}
			if a == nil {
				continue
			}
			ids, _ := dig(o.Raw, "spec", "securityGroups", "groupIds").([]any)
			for i, v := range ids {
				id, _ := v.(string)
				path := fieldpath.Root.Key("spec").Key("securityGroups").Key("groupIds").Index(i)
				sg := findSecurityGroup(a, id)
				switch {
				case sg == nil:
					r.Fail(o, path, "SecurityGroupPolicy "+name+" names security group "+id+", which does not exist")
				case a.Cluster != nil && a.Cluster.ResourcesVpcConfig != nil && sdkaws.ToString(sg.VpcId) != sdkaws.ToString(a.Cluster.ResourcesVpcConfig.VpcId):
					r.Fail(o, path, fmt.Sprintf("SecurityGroupPolicy %s names security group %s of %s, not of the cluster's VPC %s",
						name, id, sdkaws.ToString(sg.VpcId), sdkaws.ToString(a.Cluster.ResourcesVpcConfig.VpcId)))
				default:
					if src := worldIngress(sg.IpPermissions); src != "" {
						r.Fail(o, path, "SecurityGroupPolicy "+name+" gives pods security group "+id+", which allows ingress from "+src)
					}
				}
			}
		}
		if a != nil && a.Cluster != nil {
			if role := a.Role(sdkaws.ToString(a.Cluster.RoleArn)); role != nil {
				found := false
				for _, p := range role.AttachedPolicies {
					if inventory.PolicyName(sdkaws.ToString(p.PolicyArn)) == "AmazonEKSVPCResourceController" {
						found = true
					}
				}
				if !found {
					r.FailResourceWith(sdkaws.ToString(role.Role.Arn), "AttachedPolicies", check.Medium,
						"the cluster role "+sdkaws.ToString(role.Role.RoleName)+" lacks AmazonEKSVPCResourceController, which security groups for pods need")
				}
			}
		}
	},
}

// awsNodeEnv reads a VPC CNI setting: the aws-node container's env of DaemonSet
// kube-system/aws-node, else the vpc-cni add-on's configurationValues env.
func awsNodeEnv(inv *inventory.Inventory, name string) (string, bool) {
	for _, o := range inv.OfKind("DaemonSet") {
		ds, ok := o.Typed.(*appsv1.DaemonSet)
		if !ok || o.Name != "aws-node" || (o.Namespace != "kube-system" && o.Namespace != "") {
			continue
		}
		for _, c := range ds.Spec.Template.Spec.Containers {
			if c.Name != "aws-node" {
				continue
			}
			for _, e := range c.Env {
				if e.Name == name {
					return e.Value, true
				}
			}
			return "", true
		}
	}
	if inv.AWS != nil {
		for _, ad := range inv.AWS.Addons {
			if sdkaws.ToString(ad.AddonName) != "vpc-cni" {
				continue
			}
			if v, ok := dig(addonConfig(ad), "env", name).(string); ok {
				return v, true
			}
			return "", true
		}
	}
	return "", false
}

func findSecurityGroup(a *inventory.AWS, id string) *ec2SecurityGroup {
	for i := range a.SecurityGroups {
		if sdkaws.ToString(a.SecurityGroups[i].GroupId) == id {
			return &a.SecurityGroups[i]
		}
	}
	return nil
}

// worldIngress is the first 0.0.0.0/0 or ::/0 source of the rules, or "".
func worldIngress(perms []ec2IpPermission) string {
	for _, p := range perms {
		for _, x := range p.IpRanges {
			if pf, err := netip.ParsePrefix(sdkaws.ToString(x.CidrIp)); err == nil && pf.Bits() == 0 {
				return sdkaws.ToString(x.CidrIp)
			}
		}
		for _, x := range p.Ipv6Ranges {
			if pf, err := netip.ParsePrefix(sdkaws.ToString(x.CidrIpv6)); err == nil && pf.Bits() == 0 {
				return sdkaws.ToString(x.CidrIpv6)
			}
		}
	}
	return ""
}

type (
	ec2SecurityGroup = ec2types.SecurityGroup
	ec2IpPermission  = ec2types.IpPermission
)

func init() { check.Register(securityGroupsForPods) }
