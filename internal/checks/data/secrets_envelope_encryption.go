package data

import (
	"slices"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// secretsEnvelopeEncryption: EKS-DATA-001 (CIS EKS 5.3.1).
//
// eks:DescribeCluster .encryptionConfig[]: passes when an entry's resources contain "secrets"
// and its provider names a keyArn; fails otherwise. The finding notes that EKS versions with
// default envelope encryption use an AWS-owned key: encryption at rest, but neither CIS 5.3.1's
// customer managed key nor key-usage auditing in CloudTrail.
var secretsEnvelopeEncryption = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-DATA-001",
		Slug:     "secrets-envelope-encryption",
		Title:    "Kubernetes Secrets must be envelope-encrypted with a customer-managed KMS key",
		Section:  "data",
		Severity: check.High,
		Source:   check.SourceAWSEKS,
		Remediation: `aws eks associate-encryption-config --cluster-name <cluster> --encryption-config '[{"resources":["secrets"],"provider":{"keyArn":"<cmk arn>"}}]' ` +
			"(cannot be removed later).",
		References: check.References{Guide: "data#use-aws-kms-for-envelope-encryption-of-kubernetes-secrets", CISEKS: "5.3.1"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil {
			return
		}
		r.Evaluated(1)
		for _, ec := range a.Cluster.EncryptionConfig {
			if slices.Contains(ec.Resources, "secrets") && ec.Provider != nil && sdkaws.ToString(ec.Provider.KeyArn) != "" {
				return
			}
		}
		r.FailResource(a.ClusterResource(), "EncryptionConfig",
			"Secrets are not envelope-encrypted with a customer managed KMS key (EKS versions with default envelope encryption use an AWS-owned key: "+
				"encrypted at rest, but not under a key you control or whose use CloudTrail records)")
	},
}

func init() { check.Register(secretsEnvelopeEncryption) }
