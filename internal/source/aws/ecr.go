package aws

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// usedRepositories are the repositories of the scanned account's registry in the region
// that the cluster's containers run images from (--ecr-scope=used), with those of
// Options.ECRRepositories; never nil, so that none means none.
func (c *collector) usedRepositories() []string {
	seen := map[string]bool{}
	out := []string{}
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, name := range c.opts.ECRRepositories {
		add(name)
	}
	for _, img := range c.k8s.images {
		if ref, ok := inventory.ParseECRImage(img); ok && ref.Account == c.out.Account && ref.Region == c.out.Region {
			add(ref.Repository)
		}
	}
	sort.Strings(out)
	return out
}

// repositories reads ECR_REPOS (all repositories of the registry in the region, or those of
// Options.ECRRepositories) with their lifecycle and repository policies, and the registry's
// scanning configuration.
func (c *collector) repositories(ctx context.Context) {
	var g group
	g.Go(func() {
		out, err := c.clients.ecr.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
		if err != nil {
			c.fail(ctx, "ecr:GetRegistryScanningConfiguration", c.out.Account, err)
			return
		}
		c.add(func(a *inventory.AWS) { a.RegistryScanning = out.ScanningConfiguration })
	})
	var inputs []*ecr.DescribeRepositoriesInput
	if c.opts.ECRRepositories == nil {
		inputs = append(inputs, &ecr.DescribeRepositoriesInput{})
	}
	for names := c.opts.ECRRepositories; len(names) > 0; {
		n := min(len(names), 100)
		inputs = append(inputs, &ecr.DescribeRepositoriesInput{RepositoryNames: names[:n]})
		names = names[n:]
	}
	var repos []ecrtypes.Repository
	for _, in := range inputs {
		p := ecr.NewDescribeRepositoriesPaginator(c.clients.ecr, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				if !isCode(err, "RepositoryNotFoundException") {
					c.fail(ctx, "ecr:DescribeRepositories", c.out.Account, err)
				}
				break
			}
			repos = append(repos, page.Repositories...)
		}
	}
	out := make([]inventory.ECRRepository, len(repos))
	for i, repo := range repos {
		out[i].Repository = repo
		name := repo.RepositoryName
		g.Go(func() {
			lp, err := c.clients.ecr.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: name, RegistryId: repo.RegistryId})
			switch {
			case err == nil:
				out[i].LifecyclePolicy = inventory.PolicyJSON(str(lp.LifecyclePolicyText))
			case !isCode(err, "LifecyclePolicyNotFoundException"):
				c.fail(ctx, "ecr:GetLifecyclePolicy", str(repo.RepositoryArn), err)
			}
		})
		g.Go(func() {
			rp, err := c.clients.ecr.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: name, RegistryId: repo.RegistryId})
			switch {
			case err == nil:
				out[i].RepositoryPolicy = inventory.PolicyJSON(str(rp.PolicyText))
			case !isCode(err, "RepositoryPolicyNotFoundException"):
				c.fail(ctx, "ecr:GetRepositoryPolicy", str(repo.RepositoryArn), err)
			}
		})
	}
	g.Wait()
	c.add(func(a *inventory.AWS) { a.Repositories = append(a.Repositories, out...) })
}
