package iam

import (
	"net/netip"
	"slices"
	"strings"

	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers of the IAM checks that read the cluster's AWS side (EKS-IAM-001, 002, 003, 004,
// 007, 009, 010, 016, 037).

// AWS calls the checks read (check.Check.Reads).
var (
	readDescribeCluster          = inventory.AWSKind("eks:DescribeCluster")
	readListAccessEntries        = inventory.AWSKind("eks:ListAccessEntries")
	readDescribeAccessEntry      = inventory.AWSKind("eks:DescribeAccessEntry")
	readListAssociatedPolicies   = inventory.AWSKind("eks:ListAssociatedAccessPolicies")
	readListPodIdentity          = inventory.AWSKind("eks:ListPodIdentityAssociations")
	readDescribePodIdentity      = inventory.AWSKind("eks:DescribePodIdentityAssociation")
	accessEntryReads             = []string{readListAccessEntries, readDescribeAccessEntry, readListAssociatedPolicies}
	worldCIDRs                   = []string{"0.0.0.0/0", "::/0"}
	clusterAdminAccessPolicies   = []string{"AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy"}
	accessEntryPolicyClusterWide = ekstypes.AccessScopeTypeCluster
)

// awsCluster returns the AWS facts when the scan read the cluster, else nil.
func awsCluster(inv *inventory.Inventory) *inventory.AWS {
	if inv.AWS == nil || inv.AWS.Cluster == nil {
		return nil
	}
	return inv.AWS
}

// publicCIDRs are the CIDRs allowed to reach a public endpoint: the API's default 0.0.0.0/0
// when the list is empty.
func publicCIDRs(vc *ekstypes.VpcConfigResponse) []string {
	if vc == nil || len(vc.PublicAccessCidrs) == 0 {
		return []string{"0.0.0.0/0"}
	}
	return vc.PublicAccessCidrs
}

// isWorld reports whether a CIDR is the whole IPv4 or IPv6 internet.
func isWorld(cidr string) bool {
	if slices.Contains(worldCIDRs, strings.TrimSpace(cidr)) {
		return true
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	return err == nil && p.Bits() == 0
}

// authMode is the cluster's authentication mode; clusters created before access entries
// existed report no accessConfig and behave as CONFIG_MAP.
func authMode(c *ekstypes.Cluster) ekstypes.AuthenticationMode {
	if c.AccessConfig == nil || c.AccessConfig.AuthenticationMode == "" {
		return ekstypes.AuthenticationModeConfigMap
	}
	return c.AccessConfig.AuthenticationMode
}

// clusterAdminPolicy returns the cluster-wide admin access policy associated with an entry
// (AmazonEKSClusterAdminPolicy or AmazonEKSAdminPolicy with accessScope cluster), or "".
func clusterAdminPolicy(e inventory.AccessEntry, names ...string) string {
	if len(names) == 0 {
		names = clusterAdminAccessPolicies
	}
	for _, p := range e.Policies {
		name := inventory.PolicyName(deref(p.PolicyArn))
		if slices.Contains(names, name) && p.AccessScope != nil && p.AccessScope.Type == accessEntryPolicyClusterWide {
			return name
		}
	}
	return ""
}

// entryResource is the ARN a finding on an access entry names: the entry's, else the cluster's.
func entryResource(a *inventory.AWS, e inventory.AccessEntry) string {
	if arn := deref(e.Entry.AccessEntryArn); arn != "" {
		return arn
	}
	return a.ClusterResource()
}

// describePolicies renders an entry's associated access policies: "AmazonEKSViewPolicy
// (namespaces shop, web), AmazonEKSAdminPolicy (cluster)".
func describePolicies(e inventory.AccessEntry) string {
	var out []string
	for _, p := range e.Policies {
		s := inventory.PolicyName(deref(p.PolicyArn))
		if p.AccessScope != nil {
			switch p.AccessScope.Type {
			case ekstypes.AccessScopeTypeNamespace:
				s += " (namespaces " + strings.Join(p.AccessScope.Namespaces, ", ") + ")"
			default:
				s += " (" + string(p.AccessScope.Type) + ")"
			}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return "no access policies"
	}
	return strings.Join(out, ", ")
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
