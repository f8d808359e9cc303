package data

import (
	"strconv"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// kmsKeyRotation: EKS-DATA-004.
//
// For each collected customer managed key (kms:DescribeKey .KeyManager CUSTOMER): fails
// (medium) when kms:GetKeyRotationStatus says KeyRotationEnabled is false; reports info when
// rotation is on with a RotationPeriodInDays above 365. Keys that cannot rotate
// automatically are reported as info: KeySpec other than SYMMETRIC_DEFAULT (asymmetric, HMAC),
// imported key material (Origin EXTERNAL) and custom key stores (AWS_CLOUDHSM,
// EXTERNAL_KEY_STORE). AWS managed keys rotate yearly by themselves and pass.
//
// Decisions: the scope is the keys the KMS collector reads, today the cluster's
// secrets-encryption key (EKS-DATA-001). Keys of EBS StorageClasses, EFS file systems, ECR
// repositories, the control-plane log group and CloudTrail are not collected yet and so not
// judged. A key without a rotation status (the call failed: a gap names it) is not judged.
// Manifest mode: not applicable.
var kmsKeyRotation = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DATA-004",
		Slug:        "kms-key-rotation",
		Title:       "Customer-managed KMS keys must have automatic rotation enabled",
		Section:     "data",
		Severity:    check.Medium,
		Source:      check.SourceAWSKMS,
		Remediation: "aws kms enable-key-rotation --key-id <key> [--rotation-period-in-days 365]",
		References:  check.References{Guide: "data#rotate-your-cmks-periodically"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("kms:DescribeKey"), inventory.AWSKind("kms:GetKeyRotationStatus")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		for _, k := range a.Keys {
			md := k.Metadata
			if md.KeyManager != kmstypes.KeyManagerTypeCustomer {
				continue
			}
			r.Evaluated(1)
			arn := sdkaws.ToString(md.Arn)
			if arn == "" {
				arn = a.ARN("kms", "key/"+sdkaws.ToString(md.KeyId))
			}
			name := "customer managed key " + sdkaws.ToString(md.KeyId)
			switch {
			case md.KeySpec != "" && md.KeySpec != kmstypes.KeySpecSymmetricDefault:
				r.FailResourceWith(arn, "KeySpec", check.Info, name+" has key spec "+string(md.KeySpec)+
					", which KMS cannot rotate automatically: rotate it manually (new key, re-point aliases)")
				continue
			case md.Origin != "" && md.Origin != kmstypes.OriginTypeAwsKms:
				what := "a custom key store"
				if md.Origin == kmstypes.OriginTypeExternal {
					what = "imported key material"
				}
				r.FailResourceWith(arn, "Origin", check.Info, name+" has origin "+string(md.Origin)+
					" ("+what+"), which KMS cannot rotate automatically: rotate it manually")
				continue
			case k.RotationEnabled == nil:
				continue
			case !*k.RotationEnabled:
				r.FailResource(arn, "KeyRotationEnabled", name+" does not rotate its key material automatically")
			case sdkaws.ToInt32(k.RotationPeriodInDays) > 365:
				r.FailResourceWith(arn, "RotationPeriodInDays", check.Info, name+" rotates only every "+
					strconv.Itoa(int(*k.RotationPeriodInDays))+" days (more than a year)")
			}
		}
	},
}

func init() { check.Register(kmsKeyRotation) }
