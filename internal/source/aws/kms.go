package aws

import (
	"context"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// keys reads the KMS keys of the cluster's envelope encryption (Cluster.EncryptionConfig)
// with their rotation status and, for customer managed keys, their key policy. Rotation is
// asked only of keys that can rotate automatically: customer managed, symmetric, with key
// material from KMS.
func (c *collector) keys(ctx context.Context) {
	arns := map[string]bool{}
	c.mu.Lock()
	cluster := c.out.Cluster
	if cluster != nil {
		for _, ec := range cluster.EncryptionConfig {
			if ec.Provider != nil {
				arns[str(ec.Provider.KeyArn)] = true
			}
		}
	}
	c.mu.Unlock()
	if cluster == nil {
		c.skipped("kms:DescribeKey", c.opts.ClusterName, "eks:DescribeCluster failed, so the cluster's encryption key is unknown")
		return
	}
	var g group
	for _, arn := range sortedKeys(arns) {
		g.Go(func() {
			out, err := c.clients.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &arn})
			if err != nil {
				c.fail(ctx, "kms:DescribeKey", arn, err)
				return
			}
			k := inventory.KMSKey{Metadata: *out.KeyMetadata}
			md := out.KeyMetadata
			if md.KeyManager == kmstypes.KeyManagerTypeCustomer && md.KeySpec == kmstypes.KeySpecSymmetricDefault && md.Origin == kmstypes.OriginTypeAwsKms {
				rot, err := c.clients.kms.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: &arn})
				if err != nil {
					c.fail(ctx, "kms:GetKeyRotationStatus", arn, err)
				} else {
					enabled := rot.KeyRotationEnabled
					k.RotationEnabled, k.RotationPeriodInDays = &enabled, rot.RotationPeriodInDays
				}
			}
			if md.KeyManager == kmstypes.KeyManagerTypeCustomer {
				pol, err := c.clients.kms.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: &arn, PolicyName: sdkaws.String("default")})
				if err != nil {
					c.fail(ctx, "kms:GetKeyPolicy", arn, err)
				} else {
					k.Policy = inventory.PolicyJSON(str(pol.Policy))
				}
			}
			c.add(func(a *inventory.AWS) { a.Keys = append(a.Keys, k) })
		})
	}
	g.Wait()
}
