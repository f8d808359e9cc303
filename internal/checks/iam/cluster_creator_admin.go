package iam

import (
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// clusterCreatorAdmin: EKS-IAM-009.
//
// When accessConfig.bootstrapClusterCreatorAdminPermissions is true and the authentication
// mode is API or API_AND_CONFIG_MAP, the creator's access entry is the earliest-created entry
// with AmazonEKSClusterAdminPolicy at cluster scope; it fails while it still has that policy.
// For CONFIG_MAP clusters the creator's admin is invisible: an info finding says so.
//
// Decision: the CloudTrail cross-check of the CreateCluster event (cloudtrail:LookupEvents)
// is not made, so the creator is named from the access entries alone; the finding gives the
// entry's creation time beside the cluster's so a reviewer can confirm.
var clusterCreatorAdmin = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-IAM-009",
		Slug:     "cluster-creator-admin",
		Title:    "Cluster creator must not keep permanent cluster-admin access",
		Section:  "iam",
		Severity: check.Medium,
		Source:   check.SourceAWSEKS,
		Remediation: "Create the cluster with --access-config bootstrapClusterCreatorAdminPermissions=false, or disassociate " +
			"AmazonEKSClusterAdminPolicy from / delete the creator's access entry once other admin access exists; keep a documented break-glass role instead.",
		References: check.References{Guide: "iam#remove-the-cluster-admin-permissions-from-the-cluster-creator-principal"},
	},
	Reads: append([]string{readDescribeCluster}, accessEntryReads...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := awsCluster(inv)
		if a == nil {
			return
		}
		r.Evaluated(1)
		if authMode(a.Cluster) == ekstypes.AuthenticationModeConfigMap {
			r.FailResourceWith(a.ClusterResource(), "AccessConfig", check.Info,
				"the cluster authenticates through aws-auth only, where the creator's implicit cluster-admin is invisible: confirm who created the cluster (CloudTrail CreateCluster) and that it is a break-glass role")
			return
		}
		ac := a.Cluster.AccessConfig
		if ac == nil || !sdkaws.ToBool(ac.BootstrapClusterCreatorAdminPermissions) {
			return
		}
		var creator *inventory.AccessEntry
		for i := range a.AccessEntries {
			e := &a.AccessEntries[i]
			if clusterAdminPolicy(*e, "AmazonEKSClusterAdminPolicy") == "" || e.Entry.CreatedAt == nil {
				continue
			}
			if creator == nil || e.Entry.CreatedAt.Before(*creator.Entry.CreatedAt) {
				creator = e
			}
		}
		if creator == nil {
			return // the creator's entry is gone or no longer cluster admin
		}
		msg := "the cluster creator " + deref(creator.Entry.PrincipalArn) + " keeps AmazonEKSClusterAdminPolicy from bootstrapClusterCreatorAdminPermissions (entry created " +
			creator.Entry.CreatedAt.UTC().Format(time.RFC3339)
		if a.Cluster.CreatedAt != nil {
			msg += ", cluster created " + a.Cluster.CreatedAt.UTC().Format(time.RFC3339)
		}
		r.FailResource(entryResource(a, *creator), "Policies", msg+")")
	},
}

func init() { check.Register(clusterCreatorAdmin) }
