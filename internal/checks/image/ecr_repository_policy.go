package image

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksguard/eksguard/internal/awspolicy"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// publicScopingKeys are the condition keys that keep an "anyone" principal inside known
// accounts or networks (EKS-IMG-007).
var publicScopingKeys = []string{"aws:PrincipalOrgID", "aws:PrincipalAccount", "aws:SourceVpce", "aws:SourceVpc", "aws:PrincipalArn"}

// ecrWriteActions make an open repository policy critical (EKS-IMG-007).
var ecrWriteActions = []string{"ecr:PutImage", "ecr:*", "ecr:BatchDeleteImage", "ecr:SetRepositoryPolicy"}

// ecrRepositoryPolicy: EKS-IMG-007.
//
// For each of ECR_REPOS with a repository policy (none passes), on the repository's ARN: fails
// for each Allow statement whose Principal is "*" or {"AWS": "*"} and whose Condition uses none
// of aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceVpce, aws:SourceVpc or
// aws:PrincipalArn (under any operator); critical when its actions cover ecr:PutImage,
// ecr:BatchDeleteImage or ecr:SetRepositoryPolicy (Action "*", "ecr:*" and other wildcards
// count), high otherwise. A policy that does not parse is reported (high): what it grants is
// unknown.
//
// Not evaluated: principals of accounts outside the organisation (medium in the catalogue)
// need organizations:DescribeOrganization / ListAccounts, which the collector does not call.
var ecrRepositoryPolicy = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-007",
		Slug:        "ecr-repository-policy",
		Title:       "ECR repository policies must not grant public or cross-organisation access",
		Section:     "image-security",
		Severity:    check.High,
		Source:      check.SourceAWSECR,
		Remediation: `Restrict the policy to named accounts/roles or add aws:PrincipalOrgID; never allow write actions to "*".`,
		References:  check.References{Guide: "image#create-iam-policies-for-ecr-repositories"},
	},
	Reads: []string{readDescribeRepositories, readRepositoryPolicy},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, repo := range ecrRepos(inv) {
			r.Evaluated(1)
			if len(repo.RepositoryPolicy) == 0 {
				continue
			}
			arn := repoARN(repo)
			doc, err := awspolicy.Parse(repo.RepositoryPolicy)
			if err != nil {
				r.FailResource(arn, "repositoryPolicy", fmt.Sprintf("repository policy of %s does not parse: %v", repoName(repo), err))
				continue
			}
			for i := range doc.Statement {
				st := &doc.Statement[i]
				if !st.Allows() || !st.Principal.IsAnyone() || slices.ContainsFunc(publicScopingKeys, st.HasConditionKey) {
					continue
				}
				var writes []string
				for _, w := range ecrWriteActions {
					if st.MatchesAction(w) {
						writes = append(writes, w)
					}
				}
				path := fieldpath.Path("repositoryPolicy.Statement").Index(i)
				acts := strings.Join(st.Action, ", ")
				if len(st.NotAction) > 0 {
					acts = "every action except " + strings.Join(st.NotAction, ", ")
				}
				if len(writes) > 0 {
					r.FailResourceWith(arn, path, check.Critical, fmt.Sprintf("statement %d lets any AWS principal write to %s (%s) with no organisation, account or network condition", i, repoName(repo), acts))
				} else {
					r.FailResource(arn, path, fmt.Sprintf("statement %d lets any AWS principal call %s on %s with no organisation, account or network condition", i, acts, repoName(repo)))
				}
			}
		}
	},
}

func init() { check.Register(ecrRepositoryPolicy) }
