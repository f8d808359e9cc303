package image

import (
	"sort"

	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers of the ECR checks (EKS-IMG-004 to 008): ECR_REPOS as the AWS collectors read them.

var (
	readDescribeRepositories = inventory.AWSKind("ecr:DescribeRepositories")
	readRegistryScanning     = inventory.AWSKind("ecr:GetRegistryScanningConfiguration")
	readLifecyclePolicy      = inventory.AWSKind("ecr:GetLifecyclePolicy")
	readRepositoryPolicy     = inventory.AWSKind("ecr:GetRepositoryPolicy")
)

// ecrRepos returns ECR_REPOS ordered by ARN, or nil when the scan read no AWS facts.
func ecrRepos(inv *inventory.Inventory) []*inventory.ECRRepository {
	if inv.AWS == nil {
		return nil
	}
	out := make([]*inventory.ECRRepository, 0, len(inv.AWS.Repositories))
	for i := range inv.AWS.Repositories {
		out = append(out, &inv.AWS.Repositories[i])
	}
	sort.SliceStable(out, func(i, j int) bool { return repoARN(out[i]) < repoARN(out[j]) })
	return out
}

// repoARN is the ARN a finding on a repository names.
func repoARN(r *inventory.ECRRepository) string { return deref(r.Repository.RepositoryArn) }

// repoName is the repository's name.
func repoName(r *inventory.ECRRepository) string { return deref(r.Repository.RepositoryName) }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
