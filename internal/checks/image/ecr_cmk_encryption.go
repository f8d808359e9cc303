package image

import (
	"fmt"
	"path"
	"strings"

	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ecrCMKEncryption: EKS-IMG-008.
//
// For each of ECR_REPOS whose name matches sensitive_repo_patterns (settings file, path.Match
// patterns such as payments/*, where * does not cross a '/'; default: all repositories), on
// the repository's ARN: fails when encryptionConfiguration.encryptionType is
// AES256 or absent, or is KMS / KMS_DSSE with the AWS managed key: no kmsKey, a kmsKey naming
// alias/aws/ecr, or a key the scan read (AWS.Keys) whose KeyManager is AWS. Other KMS keys
// pass. Decision: the catalogue's follow-up, that key's rotation (EKS-DATA-004 logic), is not
// evaluated: the collector reads only the cluster's envelope-encryption key, so a repository
// key is known by ARN alone.
var ecrCMKEncryption = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-008",
		Slug:        "ecr-cmk-encryption",
		Title:       "ECR repositories holding sensitive images should be encrypted with a customer-managed KMS key",
		Section:     "image-security",
		Severity:    check.Low,
		Source:      check.SourceAWSECR,
		Remediation: "Create new repositories with --encryption-configuration encryptionType=KMS,kmsKey=<cmk> (encryption cannot be changed in place).",
		References:  check.References{Guide: "image#create-iam-policies-for-ecr-repositories"},
	},
	Reads: []string{readDescribeRepositories},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, repo := range ecrRepos(inv) {
			name := repoName(repo)
			if !sensitiveRepo(r.Config.SensitiveRepoPatterns, name) {
				continue // not evaluated: the configuration says its images are not sensitive
			}
			r.Evaluated(1)
			ec := repo.Repository.EncryptionConfiguration
			if ec == nil || ec.EncryptionType == "" || ec.EncryptionType == ecrtypes.EncryptionTypeAes256 {
				r.FailResource(repoARN(repo), "EncryptionConfiguration.EncryptionType", fmt.Sprintf("repository %s is encrypted with AES256 (S3-managed keys), not a customer-managed KMS key", name))
				continue
			}
			key := deref(ec.KmsKey)
			if key == "" || strings.Contains(key, "alias/aws/ecr") || awsManagedKey(inv.AWS, key) {
				r.FailResource(repoARN(repo), "EncryptionConfiguration.KmsKey", fmt.Sprintf("repository %s is encrypted with the AWS managed key aws/ecr, not a customer-managed KMS key", name))
			}
		}
	},
}

// sensitiveRepo reports whether repository name matches one of patterns; with none, every
// repository is sensitive.
func sensitiveRepo(patterns []string, name string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// awsManagedKey reports whether the scan read key arn and AWS manages it.
func awsManagedKey(a *inventory.AWS, arn string) bool {
	for _, k := range a.Keys {
		if deref(k.Metadata.Arn) == arn || deref(k.Metadata.KeyId) == arn {
			return k.Metadata.KeyManager == kmstypes.KeyManagerTypeAws
		}
	}
	return false
}

func init() { check.Register(ecrCMKEncryption) }
