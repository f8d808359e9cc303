package iam

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksguard/eksguard/internal/awspolicy"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// clusterRoleAllowedPolicies are the AWS managed policies a cluster role may carry
// (EKS-IAM-011): the cluster policies and the EKS Auto Mode set.
var clusterRoleAllowedPolicies = []string{"AmazonEKSClusterPolicy", "AmazonEKSVPCResourceController", "AmazonEKSComputePolicy",
	"AmazonEKSBlockStoragePolicy", "AmazonEKSLoadBalancingPolicy", "AmazonEKSNetworkingPolicy"}

const eksService = "eks.amazonaws.com"

// clusterRoleDedicated: EKS-IAM-011.
//
// The cluster role is eks:DescribeCluster .roleArn. On its ARN, fails (medium) for
//   - (a) each principal of an Allow trust statement other than Service eks.amazonaws.com
//     (AWS accounts, roles, users, "*", other services, federated providers), and for trust
//     actions other than sts:AssumeRole and sts:TagSession (which Auto Mode uses);
//   - (b) each attached managed policy beyond AmazonEKSClusterPolicy,
//     AmazonEKSVPCResourceController and the Auto Mode set (AmazonEKSComputePolicy,
//     AmazonEKSBlockStoragePolicy, AmazonEKSLoadBalancingPolicy, AmazonEKSNetworkingPolicy),
//     and each inline policy;
//   - (c) the role also being a node role (an instance-profile role of CLUSTER_NODES, a node
//     group's nodeRole or a node access entry).
//
// Decisions: only AWS managed policies of that list pass (a customer-managed copy does not).
// Not evaluated: the other half of (c), the same role used by another cluster of the
// account, needs eks:ListClusters and DescribeCluster of every cluster, which the collector
// does not call. A cluster role that does not exist is left to the cluster's own status.
var clusterRoleDedicated = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-011",
		Slug:        "cluster-role-dedicated",
		Title:       "Cluster IAM role must be dedicated and minimally privileged",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceAWSIAM,
		Remediation: "Create a role per cluster, trusted only by eks.amazonaws.com, with only the AWS managed EKS cluster policies.",
		References:  check.References{Guide: "iam#create-the-cluster-with-a-dedicated-iam-role"},
	},
	Reads: append(append([]string{}, nodeRoleReads...), readGetRole, readListAttachedPolicies, readListRolePolicies),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := awsCluster(inv)
		if a == nil {
			return
		}
		role := a.Role(deref(a.Cluster.RoleArn))
		if role == nil {
			return
		}
		r.Evaluated(1)
		arn := roleARN(role)
		if doc, err := awspolicy.Parse(role.TrustPolicy); err != nil {
			r.FailResource(arn, "TrustPolicy", fmt.Sprintf("cluster role's trust policy does not parse: %v", err))
		} else {
			for i := range doc.Statement {
				st := &doc.Statement[i]
				if !st.Allows() {
					continue
				}
				var others []string
				for _, p := range st.Principal.All() {
					switch p {
					case "Service:" + eksService:
					case "*":
						others = append(others, "any principal (*)")
					default:
						others = append(others, p)
					}
				}
				if len(others) > 0 {
					r.FailResource(arn, trustPath(i).Key("Principal"), fmt.Sprintf("cluster role's trust statement %d also trusts %s: only Service %s should assume it", i, strings.Join(others, ", "), eksService))
				}
				var acts []string
				for _, act := range st.Action {
					if !strings.EqualFold(act, "sts:AssumeRole") && !strings.EqualFold(act, "sts:TagSession") {
						acts = append(acts, act)
					}
				}
				if len(st.NotAction) > 0 {
					acts = append(acts, "every action except "+strings.Join(st.NotAction, ", "))
				}
				if len(acts) > 0 {
					r.FailResource(arn, trustPath(i).Key("Action"), fmt.Sprintf("cluster role's trust statement %d allows %s besides sts:AssumeRole and sts:TagSession", i, strings.Join(acts, ", ")))
				}
			}
		}
		for _, p := range rolePolicies(a, role) {
			if p.AWSManaged && slices.Contains(clusterRoleAllowedPolicies, p.Name) {
				continue
			}
			r.FailResource(arn, p.Path, fmt.Sprintf("cluster role carries %s, which is not an EKS cluster policy", p.Label()))
		}
		if hasUse(role, inventory.RoleUseNode) {
			r.FailResource(arn, "Uses", "cluster role is also a node role: nodes, and every pod that reaches their credentials, act as the cluster")
		}
	},
}

func init() { check.Register(clusterRoleDedicated) }
