package network

import (
	"fmt"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers of EKS-NET-005 and EKS-NET-016: who enforces NetworkPolicies on an EKS cluster.
// The vpc-cni add-on keys and agent flags are add-on settings, not SDK types (the catalogue
// marks them unverified); they are those of amazon-vpc-cni-k8s 1.14 and later.

// awsNetpolReads are what the two checks read.
var awsNetpolReads = []string{"DaemonSet", "ConfigMap", "NetworkPolicy",
	inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("eks:ListAddons"), inventory.AWSKind("eks:DescribeAddon")}

// enforcer says who enforces NetworkPolicies, and how it was found.
type enforcer struct {
	// VPCCNI is true when the VPC CNI's network policy agent enforces (cases a and b).
	VPCCNI bool
	// How describes the evidence ("vpc-cni add-on enableNetworkPolicy", "DaemonSet calico-node").
	How string
	// EventLogs is true when the VPC CNI agent writes policy event logs (EKS-NET-016).
	EventLogs bool
	// CloudWatch is true when the agent ships them to CloudWatch Logs.
	CloudWatch bool
}

// findEnforcer looks for an active NetworkPolicy enforcer (EKS-NET-005 a-d); nil when none.
func findEnforcer(inv *inventory.Inventory) *enforcer {
	var addon map[string]any
	if inv.AWS != nil {
		for _, a := range inv.AWS.Addons {
			if sdkaws.ToString(a.AddonName) == "vpc-cni" {
				addon = addonConfig(a)
			}
		}
	}
	agent := awsNodeAgent(inv)
	controller := vpcCNIConfig(inv)["enable-network-policy-controller"] == "true"
	e := &enforcer{EventLogs: isTrue(dig(addon, "nodeAgent", "enablePolicyEventLogs")), CloudWatch: isTrue(dig(addon, "nodeAgent", "enableCloudWatchLogs"))}
	if agent != nil {
		e.EventLogs = e.EventLogs || slices.Contains(agent.Args, "--enable-policy-event-logs=true")
		e.CloudWatch = e.CloudWatch || slices.Contains(agent.Args, "--enable-cloudwatch-logs=true")
	}
	switch {
	case isTrue(addon["enableNetworkPolicy"]):
		e.VPCCNI, e.How = true, "the vpc-cni add-on sets enableNetworkPolicy"
		return e
	case agent != nil && slices.Contains(agent.Args, "--enable-network-policy=true") && controller:
		e.VPCCNI, e.How = true, "kube-system/aws-node runs aws-network-policy-agent with --enable-network-policy=true"
		return e
	}
	for _, o := range inv.OfKind("DaemonSet") {
		ds, ok := o.Typed.(*appsv1.DaemonSet)
		if !ok || !slices.Contains([]string{"calico-node", "cilium", "antrea-agent"}, o.Name) {
			continue
		}
		if st := ds.Status; st.DesiredNumberScheduled > 0 && st.NumberAvailable < st.DesiredNumberScheduled {
			continue // not running on all nodes
		}
		return &enforcer{How: fmt.Sprintf("DaemonSet %s/%s runs", o.Namespace, o.Name)}
	}
	if inv.AWS != nil && inv.AWS.Cluster != nil {
		if cc := inv.AWS.Cluster.ComputeConfig; cc != nil && sdkaws.ToBool(cc.Enabled) && controller {
			return &enforcer{VPCCNI: true, How: "EKS Auto Mode with enable-network-policy-controller in kube-system/amazon-vpc-cni",
				EventLogs: e.EventLogs, CloudWatch: e.CloudWatch}
		}
	}
	return nil
}

// addonConfig parses an add-on's configurationValues (JSON or YAML); nil when unset or broken.
func addonConfig(a ekstypes.Addon) map[string]any {
	var out map[string]any
	if v := strings.TrimSpace(sdkaws.ToString(a.ConfigurationValues)); v != "" {
		_ = yaml.Unmarshal([]byte(v), &out)
	}
	return out
}

// awsNodeAgent is the aws-network-policy-agent container of DaemonSet kube-system/aws-node.
func awsNodeAgent(inv *inventory.Inventory) *corev1.Container {
	for _, o := range inv.OfKind("DaemonSet") {
		ds, ok := o.Typed.(*appsv1.DaemonSet)
		if !ok || o.Name != "aws-node" || (o.Namespace != "kube-system" && o.Namespace != "") {
			continue
		}
		for i := range ds.Spec.Template.Spec.Containers {
			if c := &ds.Spec.Template.Spec.Containers[i]; c.Name == "aws-network-policy-agent" {
				return c
			}
		}
	}
	return nil
}

// vpcCNIConfig is the data of ConfigMap kube-system/amazon-vpc-cni.
func vpcCNIConfig(inv *inventory.Inventory) map[string]string {
	for _, o := range inv.OfKind("ConfigMap") {
		if cm, ok := o.Typed.(*corev1.ConfigMap); ok && o.Name == "amazon-vpc-cni" && (o.Namespace == "kube-system" || o.Namespace == "") {
			return cm.Data
		}
	}
	return nil
}

func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// isTrue accepts true and "true" (add-on settings are strings in the schema, booleans in
// hand-written YAML).
func isTrue(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		return strings.EqualFold(strings.TrimSpace(t), "true")
	}
	return false
}
