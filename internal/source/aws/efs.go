package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// fileSystems reads the EFS file systems the cluster's PersistentVolumes and StorageClasses
// name, in ID order. A file system that does not exist (deleted, or of another account) is
// left out.
func (c *collector) fileSystems(ctx context.Context) {
	ids := c.k8s.efsFileSystems
	found := make([][]efstypes.FileSystemDescription, len(ids))
	var g group
	for i, id := range ids {
		g.Go(func() {
			out, err := c.clients.efs.DescribeFileSystems(ctx, &efs.DescribeFileSystemsInput{FileSystemId: &id})
			switch {
			case isCode(err, "FileSystemNotFound"):
				c.debugf("file system %s: %v", id, err)
			case err != nil:
				c.fail(ctx, "elasticfilesystem:DescribeFileSystems", id, err)
			default:
				found[i] = out.FileSystems
			}
		})
	}
	g.Wait()
	var all []efstypes.FileSystemDescription
	for _, fs := range found {
		all = append(all, fs...)
	}
	c.add(func(a *inventory.AWS) { a.FileSystems = all })
}
