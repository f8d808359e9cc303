package image

import (
	"fmt"
	"strings"

	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ecrImmutableTags: EKS-IMG-005.
//
// For each of ECR_REPOS, on the repository's ARN: imageTagMutability MUTABLE fails (medium);
// MUTABLE_WITH_EXCLUSION fails (low) naming the exclusion filters, whose matching tags are the
// only immutable ones; IMMUTABLE passes. Decision: IMMUTABLE_WITH_EXCLUSION passes, and since
// a finding is a failure, the catalogue's info note listing its (still mutable) exclusion
// filters is not reported. An empty value is the API default, MUTABLE.
var ecrImmutableTags = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-005",
		Slug:        "ecr-immutable-tags",
		Title:       "ECR repositories must use immutable tags",
		Section:     "image-security",
		Severity:    check.Medium,
		Source:      check.SourceAWSECR,
		Remediation: "aws ecr put-image-tag-mutability --repository-name <repo> --image-tag-mutability IMMUTABLE",
		References:  check.References{Guide: "image#use-immutable-tags-with-ecr"},
	},
	Reads: []string{readDescribeRepositories},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, repo := range ecrRepos(inv) {
			r.Evaluated(1)
			name := repoName(repo)
			switch m := repo.Repository.ImageTagMutability; m {
			case ecrtypes.ImageTagMutabilityMutable, "":
				r.FailResource(repoARN(repo), "ImageTagMutability", fmt.Sprintf("repository %s has mutable tags: a pushed tag can be moved to another image", name))
			case ecrtypes.ImageTagMutabilityMutableWithExclusion:
				var filters []string
				for _, f := range repo.Repository.ImageTagMutabilityExclusionFilters {
					filters = append(filters, deref(f.Filter))
				}
				r.FailResourceWith(repoARN(repo), "ImageTagMutability", check.Low, fmt.Sprintf("repository %s has mutable tags except those matching %s", name, strings.Join(filters, ", ")))
			}
		}
	},
}

func init() { check.Register(ecrImmutableTags) }
