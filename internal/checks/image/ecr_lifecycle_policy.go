package image

import (
	"fmt"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ecrLifecyclePolicy: EKS-IMG-006.
//
// For each of ECR_REPOS: fails on the repository's ARN when ecr:GetLifecyclePolicy found none
// (LifecyclePolicyNotFoundException); a policy passes. Decision: the catalogue's info note on
// rules that never expire untagged images is not reported, since a finding is a failure. A
// denied GetLifecyclePolicy leaves a gap, which marks the check not evaluated.
var ecrLifecyclePolicy = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-006",
		Slug:        "ecr-lifecycle-policy",
		Title:       "ECR repositories must have a lifecycle policy",
		Section:     "image-security",
		Severity:    check.Low,
		Source:      check.SourceAWSECR,
		Remediation: "Add a lifecycle policy expiring untagged images after N days and keeping the last M release tags.",
		References:  check.References{Guide: "image#implement-lifecycle-policies-for-ecr"},
	},
	Reads: []string{readDescribeRepositories, readLifecyclePolicy},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, repo := range ecrRepos(inv) {
			r.Evaluated(1)
			if len(repo.LifecyclePolicy) == 0 {
				r.FailResource(repoARN(repo), "lifecyclePolicy", fmt.Sprintf("repository %s has no lifecycle policy: untagged and old images accumulate", repoName(repo)))
			}
		}
	},
}

func init() { check.Register(ecrLifecyclePolicy) }
