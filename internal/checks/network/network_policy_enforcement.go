package network

import (
	"strconv"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// networkPolicyEnforcement: EKS-NET-005 (CIS EKS 4.3.1, 5.4.4).
//
// Passes when NetworkPolicies are enforced: (a) the vpc-cni add-on's configurationValues set
// enableNetworkPolicy "true"; (b) DaemonSet kube-system/aws-node runs aws-network-policy-agent
// with --enable-network-policy=true and ConfigMap kube-system/amazon-vpc-cni sets
// enable-network-policy-controller "true"; (c) DaemonSet calico-node, cilium or antrea-agent
// runs on all nodes (numberAvailable reaches desiredNumberScheduled, when the status is
// known); (d) EKS Auto Mode (computeConfig.enabled) with that ConfigMap setting. Otherwise it
// fails on the cluster: high when NetworkPolicy objects exist (they are silently ignored),
// medium when there are none either. Needs the AWS side: not applicable to manifests.
var networkPolicyEnforcement = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-005",
		Slug:        "network-policy-enforcement",
		Title:       "NetworkPolicy enforcement must be active",
		Section:     "network",
		Severity:    check.High,
		Source:      check.SourceAWSEKS,
		Remediation: "Enable network policy in the VPC CNI add-on (enableNetworkPolicy true, VPC CNI 1.14+) or install Calico/Cilium.",
		References:  check.References{Guide: "network#network-policy", CISEKS: "4.3.1, 5.4.4"},
	},
	Reads: awsNetpolReads,
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil || inv.AWS.Cluster == nil {
			return
		}
		r.Evaluated(1)
		if findEnforcer(inv) != nil {
			return
		}
		arn := inv.AWS.ClusterResource()
		if n := len(inv.OfKind("NetworkPolicy")); n > 0 {
			r.FailResource(arn, "", "no NetworkPolicy enforcer runs (VPC CNI network policy, Calico, Cilium, Antrea), so the cluster's "+
				strconv.Itoa(n)+" NetworkPolicies are silently ignored")
			return
		}
		r.FailResourceWith(arn, "", check.Medium, "no NetworkPolicy enforcer runs (VPC CNI network policy, Calico, Cilium, Antrea): pod traffic cannot be restricted")
	},
}

func init() { check.Register(networkPolicyEnforcement) }
