package aws

import (
	"context"
	"fmt"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// describeCluster reads the cluster. A cluster that does not exist, or credentials that
// are rejected, end the collection; a denied call is a gap.
func (c *collector) describeCluster(ctx context.Context) error {
	const action = "eks:DescribeCluster"
	out, err := c.clients.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: &c.opts.ClusterName})
	switch {
	case err == nil:
		c.add(func(a *inventory.AWS) {
			a.Cluster = out.Cluster
			a.ClusterARN = str(out.Cluster.Arn)
		})
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case isCode(err, "ResourceNotFoundException"):
		return fmt.Errorf("EKS cluster %q not found in account %s, region %s: %w", c.opts.ClusterName, c.out.Account, c.out.Region, err)
	case fatalCode(err):
		return fmt.Errorf("AWS credentials: %w", err)
	}
	c.fail(ctx, action, c.clusterARN(), err)
	c.add(func(a *inventory.AWS) { a.ClusterARN = "" })
	return nil
}

// nodegroups reads the managed node groups.
func (c *collector) nodegroups(ctx context.Context) {
	p := eks.NewListNodegroupsPaginator(c.clients.eks, &eks.ListNodegroupsInput{ClusterName: &c.opts.ClusterName})
	var names []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "eks:ListNodegroups", c.clusterARN(), err)
			return
		}
		names = append(names, page.Nodegroups...)
	}
	var g group
	for _, name := range names {
		g.Go(func() {
			out, err := c.clients.eks.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: &c.opts.ClusterName, NodegroupName: &name})
			if err != nil {
				c.fail(ctx, "eks:DescribeNodegroup", name, err)
				return
			}
			c.add(func(a *inventory.AWS) { a.Nodegroups = append(a.Nodegroups, *out.Nodegroup) })
		})
	}
	g.Wait()
}

// fargateProfiles reads the Fargate profiles.
func (c *collector) fargateProfiles(ctx context.Context) {
	p := eks.NewListFargateProfilesPaginator(c.clients.eks, &eks.ListFargateProfilesInput{ClusterName: &c.opts.ClusterName})
	var names []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "eks:ListFargateProfiles", c.clusterARN(), err)
			return
		}
		names = append(names, page.FargateProfileNames...)
	}
	var g group
	for _, name := range names {
		g.Go(func() {
			out, err := c.clients.eks.DescribeFargateProfile(ctx, &eks.DescribeFargateProfileInput{ClusterName: &c.opts.ClusterName, FargateProfileName: &name})
			if err != nil {
				c.fail(ctx, "eks:DescribeFargateProfile", name, err)
				return
			}
			c.add(func(a *inventory.AWS) { a.FargateProfiles = append(a.FargateProfiles, *out.FargateProfile) })
		})
	}
	g.Wait()
}

// addons reads the EKS add-ons.
func (c *collector) addons(ctx context.Context) {
	p := eks.NewListAddonsPaginator(c.clients.eks, &eks.ListAddonsInput{ClusterName: &c.opts.ClusterName})
	var names []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "eks:ListAddons", c.clusterARN(), err)
			return
		}
		names = append(names, page.Addons...)
	}
	var g group
	for _, name := range names {
		g.Go(func() {
			out, err := c.clients.eks.DescribeAddon(ctx, &eks.DescribeAddonInput{ClusterName: &c.opts.ClusterName, AddonName: &name})
			if err != nil {
				c.fail(ctx, "eks:DescribeAddon", name, err)
				return
			}
			c.add(func(a *inventory.AWS) { a.Addons = append(a.Addons, *out.Addon) })
		})
	}
	g.Wait()
}

// accessEntries reads the access entries and the access policies associated with each.
func (c *collector) accessEntries(ctx context.Context) {
	p := eks.NewListAccessEntriesPaginator(c.clients.eks, &eks.ListAccessEntriesInput{ClusterName: &c.opts.ClusterName})
	var principals []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "eks:ListAccessEntries", c.clusterARN(), err)
			return
		}
		principals = append(principals, page.AccessEntries...)
	}
	var g group
	for _, principal := range principals {
		g.Go(func() {
			var entry inventory.AccessEntry
			var inner group
			ok := true
			inner.Go(func() {
				out, err := c.clients.eks.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: &c.opts.ClusterName, PrincipalArn: &principal})
				if err != nil {
					c.fail(ctx, "eks:DescribeAccessEntry", principal, err)
					ok = false
					return
				}
				entry.Entry = *out.AccessEntry
			})
			inner.Go(func() {
				pp := eks.NewListAssociatedAccessPoliciesPaginator(c.clients.eks, &eks.ListAssociatedAccessPoliciesInput{ClusterName: &c.opts.ClusterName, PrincipalArn: &principal})
				for pp.HasMorePages() {
					page, err := pp.NextPage(ctx)
					if err != nil {
						c.fail(ctx, "eks:ListAssociatedAccessPolicies", principal, err)
						return
					}
					entry.Policies = append(entry.Policies, page.AssociatedAccessPolicies...)
				}
			})
			inner.Wait()
			if !ok {
				// The principal is known from the list even when the entry cannot be described.
				entry.Entry = ekstypes.AccessEntry{PrincipalArn: sdkaws.String(principal), ClusterName: &c.opts.ClusterName}
			}
			c.add(func(a *inventory.AWS) { a.AccessEntries = append(a.AccessEntries, entry) })
		})
	}
	g.Wait()
}

// podIdentityAssociations reads the EKS Pod Identity associations (the list returns a summary;
// DescribePodIdentityAssociation adds the role, target role, session tags and policy).
func (c *collector) podIdentityAssociations(ctx context.Context) {
	p := eks.NewListPodIdentityAssociationsPaginator(c.clients.eks, &eks.ListPodIdentityAssociationsInput{ClusterName: &c.opts.ClusterName})
	var ids []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "eks:ListPodIdentityAssociations", c.clusterARN(), err)
			return
		}
		for _, s := range page.Associations {
			ids = append(ids, str(s.AssociationId))
		}
	}
	var g group
	for _, id := range ids {
		g.Go(func() {
			out, err := c.clients.eks.DescribePodIdentityAssociation(ctx, &eks.DescribePodIdentityAssociationInput{ClusterName: &c.opts.ClusterName, AssociationId: &id})
			if err != nil {
				c.fail(ctx, "eks:DescribePodIdentityAssociation", id, err)
				return
			}
			c.add(func(a *inventory.AWS) {
				a.PodIdentityAssociations = append(a.PodIdentityAssociations, *out.Association)
			})
		})
	}
	g.Wait()
}

// versions reads the support status of the cluster's Kubernetes version and the versions
// of each installed add-on available for it.
func (c *collector) versions(ctx context.Context) {
	c.mu.Lock()
	cluster := c.out.Cluster
	var addons []string
	for _, a := range c.out.Addons {
		addons = append(addons, str(a.AddonName))
	}
	c.mu.Unlock()
	if cluster == nil || cluster.Version == nil {
		c.skipped("eks:DescribeClusterVersions", c.opts.ClusterName, "eks:DescribeCluster failed, so the cluster's version is unknown")
		if len(addons) > 0 {
			c.skipped("eks:DescribeAddonVersions", c.opts.ClusterName, "eks:DescribeCluster failed, so the cluster's version is unknown")
		}
		return
	}
	var g group
	g.Go(func() {
		p := eks.NewDescribeClusterVersionsPaginator(c.clients.eks, &eks.DescribeClusterVersionsInput{ClusterVersions: []string{*cluster.Version}, IncludeAll: sdkaws.Bool(true)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				c.fail(ctx, "eks:DescribeClusterVersions", *cluster.Version, err)
				return
			}
			c.add(func(a *inventory.AWS) { a.ClusterVersions = append(a.ClusterVersions, page.ClusterVersions...) })
		}
	})
	for _, name := range addons {
		g.Go(func() {
			p := eks.NewDescribeAddonVersionsPaginator(c.clients.eks, &eks.DescribeAddonVersionsInput{AddonName: &name, KubernetesVersion: cluster.Version})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					c.fail(ctx, "eks:DescribeAddonVersions", name, err)
					return
				}
				c.add(func(a *inventory.AWS) { a.AddonVersions = append(a.AddonVersions, page.Addons...) })
			}
		})
	}
	g.Wait()
}

// lastVersionUpdate records when the control plane reached its current version (EKS-INF-003's
// upgrade window). ListUpdates gives no order and no type, so every update of the cluster is
// described and the newest Successful VersionUpdate wins; a cluster without one has run its
// version since it was created. Any failure leaves the date unknown rather than guessing.
func (c *collector) lastVersionUpdate(ctx context.Context) {
	p := eks.NewListUpdatesPaginator(c.clients.eks, &eks.ListUpdatesInput{Name: &c.opts.ClusterName})
	var ids []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "eks:ListUpdates", c.clusterARN(), err)
			return
		}
		ids = append(ids, page.UpdateIds...)
	}
	var (
		g      group
		mu     sync.Mutex
		newest *time.Time
		failed bool
	)
	for _, id := range ids {
		g.Go(func() {
			out, err := c.clients.eks.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: &c.opts.ClusterName, UpdateId: &id})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = true
				c.fail(ctx, "eks:DescribeUpdate", id, err)
				return
			}
			u := out.Update
			if u == nil || u.Type != ekstypes.UpdateTypeVersionUpdate || u.Status != ekstypes.UpdateStatusSuccessful || u.CreatedAt == nil {
				return
			}
			if newest == nil || u.CreatedAt.After(*newest) {
				newest = u.CreatedAt
			}
		})
	}
	g.Wait()
	if failed {
		return // the failed update may be the newest version update
	}
	c.add(func(a *inventory.AWS) {
		if newest == nil && a.Cluster != nil {
			newest = a.Cluster.CreatedAt
		}
		a.ControlPlaneUpgradedAt = newest
	})
}
