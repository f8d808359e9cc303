package data

import (
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// efsEncryptionAtRest: EKS-DATA-008.
//
// The EFS file systems the cluster uses, from PersistentVolumes of the efs.csi.aws.com driver
// (the first ":"-separated field of volumeHandle) and StorageClasses of that provisioner
// (parameters.fileSystemId), as elasticfilesystem:DescribeFileSystems returns them: fails for
// each whose Encrypted is not true. Decision: a file system that DescribeFileSystems does not
// find (deleted, or of another account) is not evaluated.
var efsEncryptionAtRest = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DATA-008",
		Slug:        "efs-encryption-at-rest",
		Title:       "EFS file systems used by the cluster must be encrypted at rest",
		Section:     "data",
		Severity:    check.Medium,
		Source:      check.SourceAWSOther,
		Remediation: "Create an encrypted EFS file system (encryption at rest cannot be enabled in place) and migrate.",
		References:  check.References{Guide: "data#encrypt-data-at-rest"},
	},
	Reads: []string{"PersistentVolume", "StorageClass", inventory.AWSKind("elasticfilesystem:DescribeFileSystems")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil {
			return
		}
		for _, fs := range inv.AWS.FileSystems {
			r.Evaluated(1)
			if !sdkaws.ToBool(fs.Encrypted) {
				r.FailResource(sdkaws.ToString(fs.FileSystemArn), "Encrypted", "EFS file system "+sdkaws.ToString(fs.FileSystemId)+" is not encrypted at rest: its data and metadata are stored in the clear")
			}
		}
	},
}

func init() { check.Register(efsEncryptionAtRest) }
