package data

import (
	"net/netip"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// privateServiceEndpoints: EKS-DATA-015.
//
// In the cluster VPC (eks:DescribeCluster .resourcesVpcConfig.vpcId, ec2:DescribeVpcEndpoints)
// fails (low) for each needed Interface endpoint that is missing or not in state available
// (compared case-insensitively), and for each needed endpoint with PrivateDnsEnabled false:
//   - secretsmanager, when workloads use Secrets Manager: a SecretProviderClass
//     (secrets-store.csi.x-k8s.io) with provider "aws", or an External Secrets SecretStore or
//     ClusterSecretStore with spec.provider.aws and a service other than ParameterStore;
//   - kms, when the cluster envelope-encrypts Secrets with a KMS key (EKS-DATA-001 passes);
//   - sts, when IRSA or Pod Identity is used: a Pod Identity association, a workload role
//     the IAM collector read, or a ServiceAccount with the eks.amazonaws.com/role-arn
//     annotation.
//
// An endpoint whose security group (when the EC2 collector read it) allows 443 (or all
// traffic) from 0.0.0.0/0 or ::/0 fails too.
//
// Decisions: service names are matched by their ".<region>.<service>" suffix. KMS use by CSI
// volumes (StorageClass kmsKeyId) is not a trigger: volume encryption is done by EBS, not by
// the pods. The endpoints' own security groups are collected only when they are also cluster
// or node groups, so the 443 test covers those only. Whether pods use regional STS is not
// checked here. Manifest mode: not applicable.
var privateServiceEndpoints = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DATA-015",
		Slug:        "private-service-endpoints",
		Title:       "Private nodes should reach Secrets Manager, KMS and STS through VPC endpoints",
		Section:     "data",
		Severity:    check.Low,
		Source:      check.SourceAWSEC2,
		Remediation: "Create the interface endpoints with private DNS and security groups that allow 443 only from node and pod CIDRs.",
		References:  check.References{Guide: "data#use-an-external-secrets-provider"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("ec2:DescribeVpcEndpoints")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil || a.Cluster.ResourcesVpcConfig == nil || sdkaws.ToString(a.Cluster.ResourcesVpcConfig.VpcId) == "" {
			return
		}
		vpc := sdkaws.ToString(a.Cluster.ResourcesVpcConfig.VpcId)
		var needed [][2]string // service, why
		if why := secretsManagerUse(inv); why != "" {
			needed = append(needed, [2]string{"secretsmanager", why})
		}
		for _, ec := range a.Cluster.EncryptionConfig {
			if slices.Contains(ec.Resources, "secrets") && ec.Provider != nil && sdkaws.ToString(ec.Provider.KeyArn) != "" {
				needed = append(needed, [2]string{"kms", "Secrets are envelope-encrypted with a KMS key"})
				break
			}
		}
		if why := workloadIdentityUse(inv); why != "" {
			needed = append(needed, [2]string{"sts", why})
		}
		for _, n := range needed {
			r.Evaluated(1)
			service, why := n[0], n[1]
			var avail []ec2types.VpcEndpoint
			var states []string
			for _, ep := range a.VPCEndpoints {
				if sdkaws.ToString(ep.VpcId) != vpc || !strings.EqualFold(string(ep.VpcEndpointType), "Interface") ||
					!strings.HasSuffix(sdkaws.ToString(ep.ServiceName), "."+a.Region+"."+service) {
					continue
				}
				if strings.EqualFold(string(ep.State), "available") {
					avail = append(avail, ep)
				} else {
					states = append(states, sdkaws.ToString(ep.VpcEndpointId)+" is "+string(ep.State))
				}
			}
			if len(avail) == 0 {
				msg := "VPC " + vpc + " has no available " + service + " interface endpoint"
				if len(states) > 0 {
					msg += " (" + strings.Join(states, ", ") + ")"
				}
				r.FailResource(a.ARN("ec2", "vpc/"+vpc), "VpcEndpoints", msg+", though "+why)
				continue
			}
			for _, ep := range avail {
				id := sdkaws.ToString(ep.VpcEndpointId)
				if !sdkaws.ToBool(ep.PrivateDnsEnabled) {
					r.FailResource(a.ARN("ec2", "vpc-endpoint/"+id), "PrivateDnsEnabled",
						"the "+service+" interface endpoint "+id+" has private DNS disabled, so pods resolve the public "+service+" address and do not use it")
				}
				for _, g := range ep.Groups {
					if src := endpointGroupWorld443(a, sdkaws.ToString(g.GroupId)); src != "" {
						r.FailResource(a.ARN("ec2", "vpc-endpoint/"+id), "Groups",
							"the "+service+" interface endpoint "+id+" has security group "+sdkaws.ToString(g.GroupId)+" allowing 443 from "+src)
					}
				}
			}
		}
	},
}

// secretsManagerUse says which object shows that workloads read Secrets Manager, or "".
func secretsManagerUse(inv *inventory.Inventory) string {
	for _, o := range inv.OfKind("SecretProviderClass") {
		if o.Group() == "secrets-store.csi.x-k8s.io" && inventory.RawString(o.Raw, "spec", "provider") == "aws" {
			return "SecretProviderClass " + o.Namespace + "/" + o.Name + " reads AWS secrets"
		}
	}
	for _, kind := range []string{"SecretStore", "ClusterSecretStore"} {
		for _, o := range inv.OfKind(kind) {
			if o.Group() != "external-secrets.io" {
				continue
			}
			aws := inventory.RawMap(o.Raw, "spec", "provider", "aws")
			if aws == nil {
				continue
			}
			if svc, _ := aws["service"].(string); svc != "ParameterStore" {
				name := o.Name
				if o.Namespace != "" {
					name = o.Namespace + "/" + name
				}
				return kind + " " + name + " reads Secrets Manager"
			}
		}
	}
	return ""
}

// workloadIdentityUse says what shows that pods assume IAM roles (IRSA, Pod Identity), or "".
func workloadIdentityUse(inv *inventory.Inventory) string {
	a := inv.AWS
	if len(a.PodIdentityAssociations) > 0 {
		return "Pod Identity associations exist"
	}
	for _, role := range a.Roles {
		for _, u := range role.Uses {
			if strings.HasPrefix(u, inventory.RoleUseIRSA+":") || strings.HasPrefix(u, inventory.RoleUsePodIdentity+":") {
				return "pods assume IAM roles (" + u + ")"
			}
		}
	}
	for _, o := range inv.OfKind("ServiceAccount") {
		if v, ok := o.Annotation("eks.amazonaws.com/role-arn"); ok && v != "" {
			return "pods assume IAM roles (irsa:" + o.Namespace + "/" + o.Name + ")"
		}
	}
	return ""
}

// endpointGroupWorld443 returns the world source a collected security group allows 443 from, or "".
func endpointGroupWorld443(a *inventory.AWS, id string) string {
	for _, sg := range a.SecurityGroups {
		if sdkaws.ToString(sg.GroupId) != id {
			continue
		}
		for _, p := range sg.IpPermissions {
			proto := strings.ToLower(sdkaws.ToString(p.IpProtocol))
			from, to := sdkaws.ToInt32(p.FromPort), sdkaws.ToInt32(p.ToPort)
			if proto != "-1" && !((proto == "tcp" || proto == "6") && (from == -1 || (from <= 443 && to >= 443))) {
				continue
			}
			var cidrs []string
			for _, x := range p.IpRanges {
				cidrs = append(cidrs, sdkaws.ToString(x.CidrIp))
			}
			for _, x := range p.Ipv6Ranges {
				cidrs = append(cidrs, sdkaws.ToString(x.CidrIpv6))
			}
			for _, c := range cidrs {
				if pfx, err := netip.ParsePrefix(c); err == nil && pfx.Bits() == 0 {
					return c
				}
			}
		}
	}
	return ""
}

func init() { check.Register(privateServiceEndpoints) }
