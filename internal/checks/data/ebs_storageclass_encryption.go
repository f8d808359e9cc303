package data

import (
	"sort"
	"strconv"
	"strings"

	storagev1 "k8s.io/api/storage/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ebsStorageClassEncryption: EKS-DATA-005.
//
// Forbidden: a StorageClass that provisions EBS volumes without encryption. It applies to the
// provisioners ebs.csi.aws.com, ebs.csi.eks.amazonaws.com (EKS Auto Mode; the name is not
// verified against a pinned module) and the legacy in-tree kubernetes.io/aws-ebs (with a note
// to migrate to the CSI driver). parameters.encrypted must be "true": the key is matched
// case-insensitively, as the EBS CSI driver lower-cases parameter keys, and so is the value.
// Absent or any other value fails. Data at rest on an unencrypted volume, its snapshots and
// its copies is readable by whoever gets hold of them. The finding points at the encrypted
// parameter (or parameters.encrypted when absent) and names kmsKeyId when set, since it
// feeds EKS-DATA-004. StorageClasses are cluster-scoped, so the namespace policy is moot.
//
// Decisions: the catalogue passes a missing encrypted parameter when the account has EBS
// encryption by default on (ec2:GetEbsEncryptionByDefault). Manifest mode cannot see that
// setting, so a missing parameter fails with a message saying that it passes if encryption by
// default is on. When the key appears more than once in different case, the driver's result
// depends on map order; every spelling must then say "true".
var ebsStorageClassEncryption = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DATA-005",
		Slug:        "ebs-storageclass-encryption",
		Title:       "EBS StorageClasses must enable encryption",
		Section:     "data",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: `Set parameters.encrypted "true" (and kmsKeyId for a CMK); enable EBS encryption by default in the account.`,
		References: check.References{
			Guide: "data#encrypt-data-at-rest",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Kinds: []string{"StorageClass"},
	Object: func(o *inventory.Object, r *check.Reporter) {
		sc, ok := o.Typed.(*storagev1.StorageClass)
		if !ok {
			return
		}
		var note string
		switch sc.Provisioner {
		case "ebs.csi.aws.com", "ebs.csi.eks.amazonaws.com":
		case "kubernetes.io/aws-ebs":
			note = "; the in-tree kubernetes.io/aws-ebs provisioner is deprecated, migrate to ebs.csi.aws.com"
		default:
			return
		}
		all := make([]string, 0, len(sc.Parameters))
		for k := range sc.Parameters {
			all = append(all, k)
		}
		sort.Strings(all)
		var keys []string
		kms := ""
		for _, k := range all {
			switch v := sc.Parameters[k]; strings.ToLower(k) {
			case "encrypted":
				keys = append(keys, k)
			case "kmskeyid":
				if kms == "" {
					kms = v
				}
			}
		}
		if kms != "" {
			note = "; kmsKeyId " + kms + " is set" + note
		}
		params := fieldpath.Root.Key("parameters")
		what := "StorageClass provisions EBS volumes with " + sc.Provisioner
		if len(keys) == 0 {
			r.Fail(o, params.Key("encrypted"), what+" but does not set parameters.encrypted \"true\": volumes are unencrypted unless EBS encryption by default is on in the account, which manifests do not show"+note)
			return
		}
		for _, k := range keys {
			if v := sc.Parameters[k]; !strings.EqualFold(v, "true") {
				r.Fail(o, params.Key(k), what+" and sets parameters."+k+" to "+strconv.Quote(v)+", not \"true\": volumes are unencrypted unless EBS encryption by default is on in the account"+note)
			}
		}
	},
}

func init() { check.Register(ebsStorageClassEncryption) }
