package iam

import (
	"slices"
	"strconv"

	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// accessEntriesAuthMode: EKS-IAM-004 (CIS EKS 4.1.7).
//
// eks:DescribeCluster .accessConfig.authenticationMode: fails for CONFIG_MAP or when absent
// (clusters created before access entries existed behave as CONFIG_MAP); passes for API and
// API_AND_CONFIG_MAP. For API_AND_CONFIG_MAP an info note points at EKS-IAM-005 when
// kube-system/aws-auth still maps roles or users other than node roles (groups
// system:bootstrappers and system:nodes).
//
// Decision: aws-auth is read when the scan has it (eksguard cluster) but is not in Reads: the
// note is advice, and an AWS-only scan (which has no ConfigMaps) still decides the mode.
var accessEntriesAuthMode = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-IAM-004",
		Slug:     "access-entries-auth-mode",
		Title:    "Cluster authentication mode must use EKS access entries",
		Section:  "iam",
		Severity: check.Medium,
		Source:   check.SourceAWSEKS,
		Remediation: "aws eks update-cluster-config --name <cluster> --access-config authenticationMode=API_AND_CONFIG_MAP; " +
			"migrate each aws-auth mapping to an access entry (aws eks create-access-entry / associate-access-policy); then switch to API. " +
			"The mode can only move towards API, never back.",
		References: check.References{Guide: "iam#cluster-access-manager", CISEKS: "4.1.7"},
	},
	Reads: []string{readDescribeCluster},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := awsCluster(inv)
		if a == nil {
			return
		}
		r.Evaluated(1)
		arn := a.ClusterResource()
		switch mode := authMode(a.Cluster); mode {
		case ekstypes.AuthenticationModeConfigMap:
			msg := "the cluster authenticates through the aws-auth ConfigMap only (authenticationMode CONFIG_MAP)"
			if a.Cluster.AccessConfig == nil || a.Cluster.AccessConfig.AuthenticationMode == "" {
				msg = "the cluster reports no authenticationMode: it predates access entries and authenticates through the aws-auth ConfigMap only"
			}
			r.FailResource(arn, "AccessConfig.AuthenticationMode", msg)
		case ekstypes.AuthenticationModeApiAndConfigMap:
			for _, c := range findAWSAuth(inv) {
				n := 0
				for _, e := range slices.Concat(c.Roles, c.Users) {
					if !awsAuthNodeGroups(e.Groups) {
						n++
					}
				}
				if n > 0 {
					r.FailResourceWith(arn, "AccessConfig.AuthenticationMode", check.Info,
						"authenticationMode is API_AND_CONFIG_MAP and aws-auth still maps "+strconv.Itoa(n)+" role(s) or user(s) other than nodes: migrate them to access entries (EKS-IAM-005), then switch to API")
				}
			}
		}
	},
}

func init() { check.Register(accessEntriesAuthMode) }
