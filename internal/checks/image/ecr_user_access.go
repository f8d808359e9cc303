package image

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/internal/awspolicy"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ecrFullAccessManagedPolicies are the AWS managed policies of ecrWriteManagedPolicies known
// to allow ecr:* (or every action) on "*", used when their documents were not collected.
var ecrFullAccessManagedPolicies = []string{"AdministratorAccess", "PowerUserAccess", "AmazonEC2ContainerRegistryFullAccess"}

// ecrUserAccess: EKS-IMG-012 (CIS EKS 5.1.2; manual, evidence for a reviewer).
//
// The evidence, each an info finding a reviewer confirms is a CI/CD or admin identity:
//   - every IAM user, group and role of the account (iam:GetAccountAuthorizationDetails),
//     except service-linked roles (path /aws-service-role/) and NODE_ROLES (EKS-IMG-011 covers
//     those), whose effective policies allow one of EKS-IMG-011's ECR write or delete actions
//     on a resource that can be an ECR repository (on the principal's ARN, naming the actions
//     and the policies granting them);
//   - every repository policy of ECR_REPOS with an Allow statement granting one of them (on the
//     repository's ARN, naming the principals).
//
// The automatic pre-flag fails (medium): an IAM user whose policies (its own or its groups')
// have an Allow statement covering every ECR action (Action "ecr:*" or "*", or a NotAction
// naming no ECR action) on Resource "*".
//
// Decisions: effective permissions are evaluated locally as in EKS-IAM-039 (awspolicy.Grants:
// an unconditioned Deny on all resources removes an action; Allow conditions, permission
// boundaries and SCPs are not applied) rather than by iam:SimulatePrincipalPolicy. A user's
// effective policies include its groups', so a user in a group with ECR write access is
// reported beside the group. An AWS managed policy whose document was not collected counts by
// name (EKS-IMG-011's list; AdministratorAccess, PowerUserAccess and
// AmazonEC2ContainerRegistryFullAccess as ecr:* on "*"). NODE_ROLES are the collected roles
// with use "node"; the calls that find them are not among Reads, so when they fail the node
// roles appear as evidence (info) instead of voiding the check.
var ecrUserAccess = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-012",
		Slug:        "ecr-user-access",
		Title:       "User access to ECR must be minimised",
		Section:     "image-security",
		Severity:    check.Medium,
		Source:      check.SourceAWSIAM,
		Remediation: "Scope push rights to CI roles per repository ARN; give humans read-only access.",
		References:  check.References{Guide: "image#create-iam-policies-for-ecr-repositories", CISEKS: "5.1.2"},
	},
	Reads: []string{inventory.AWSKind("iam:GetAccountAuthorizationDetails"), readDescribeRepositories, readRepositoryPolicy},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		if z := a.Authorization; z != nil {
			nodeRoles := map[string]bool{}
			for _, role := range a.Roles {
				if slices.Contains(role.Uses, inventory.RoleUseNode) {
					nodeRoles[deref(role.Role.Arn)] = true
				}
			}
			type principal struct {
				kind, name, arn string
				policies        []inventory.PrincipalPolicy
			}
			var ps []principal
			for _, u := range z.Users {
				ps = append(ps, principal{"IAM user", deref(u.UserName), deref(u.Arn), z.UserPolicies(u)})
			}
			for _, g := range z.Groups {
				ps = append(ps, principal{"IAM group", deref(g.GroupName), deref(g.Arn), z.GroupPolicies(g)})
			}
			for _, role := range z.Roles {
				if inventory.IsServiceLinkedRole(role) || nodeRoles[deref(role.Arn)] {
					continue
				}
				ps = append(ps, principal{"IAM role", deref(role.RoleName), deref(role.Arn), z.RolePolicies(role)})
			}
			sort.SliceStable(ps, func(i, j int) bool { return ps[i].arn < ps[j].arn })
			for _, p := range ps {
				r.Evaluated(1)
				docs := ecrDocs(p.policies)
				grants := awspolicy.Grants(docs, ecrNodeWriteActions, func(st *awspolicy.Statement) bool { return st.MayNameService("ecr") })
				if len(grants) == 0 {
					continue
				}
				actions, labels := grantList(grants)
				if p.kind == "IAM user" {
					if full := ecrFullAccess(docs); len(full) > 0 {
						r.FailResource(p.arn, "", fmt.Sprintf("IAM user %s is allowed every ECR action on every repository (by %s): give humans read-only access and push from CI roles",
							p.name, strings.Join(full, ", ")))
						continue
					}
				}
				r.FailResourceWith(p.arn, "", check.Info, fmt.Sprintf("%s %s may write to or delete from ECR: %s (by %s): confirm it is a CI/CD or admin identity",
					p.kind, p.name, strings.Join(actions, ", "), strings.Join(labels, ", ")))
			}
		}
		for _, repo := range ecrRepos(inv) {
			if len(repo.RepositoryPolicy) == 0 {
				continue
			}
			r.Evaluated(1)
			doc, err := awspolicy.Parse(repo.RepositoryPolicy)
			if err != nil {
				continue // EKS-IMG-007 reports a policy that does not parse
			}
			for i := range doc.Statement {
				st := &doc.Statement[i]
				if !st.Allows() || st.Principal == nil {
					continue
				}
				var allowed []string
				for _, w := range ecrNodeWriteActions {
					if st.MatchesAction(w) {
						allowed = append(allowed, w)
					}
				}
				if len(allowed) == 0 {
					continue
				}
				r.FailResourceWith(repoARN(repo), fieldpath.Path("repositoryPolicy").Key("Statement").Index(i), check.Info,
					fmt.Sprintf("repository policy of %s allows %s to %s: confirm each is a CI/CD or admin identity",
						repoName(repo), strings.Join(allowed, ", "), strings.Join(st.Principal.All(), ", ")))
			}
		}
	},
}

// ecrDocs parses a principal's policies; an AWS managed policy whose document was not
// collected stands for what its name is known to allow.
func ecrDocs(policies []inventory.PrincipalPolicy) []awspolicy.Labeled {
	var out []awspolicy.Labeled
	for _, p := range policies {
		doc := p.Document
		if doc == "" && strings.Contains(p.PolicyARN, ":iam::aws:policy/") {
			switch {
			case slices.Contains(ecrFullAccessManagedPolicies, p.Name()):
				doc = `{"Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}`
			case slices.Contains(ecrWriteManagedPolicies, p.Name()):
				doc = `{"Statement":[{"Effect":"Allow","Action":["ecr:PutImage","ecr:InitiateLayerUpload","ecr:UploadLayerPart","ecr:CompleteLayerUpload"],"Resource":"*"}]}`
			}
		}
		if doc == "" {
			continue
		}
		if d, err := awspolicy.Parse([]byte(doc)); err == nil {
			out = append(out, awspolicy.Labeled{Label: p.Label, Doc: d})
		}
	}
	return out
}

// ecrFullAccess are the labels of the documents with an Allow statement covering every ECR
// action on Resource "*".
func ecrFullAccess(docs []awspolicy.Labeled) []string {
	var out []string
	for _, d := range docs {
		for i := range d.Doc.Statement {
			st := &d.Doc.Statement[i]
			if st.Allows() && slices.Contains(st.Resource, "*") && st.CoversService("ecr") && !slices.Contains(out, d.Label) {
				out = append(out, d.Label)
			}
		}
	}
	return out
}

// grantList is the granted actions in EKS-IMG-011's order and the labels granting them.
func grantList(grants map[string][]string) (actions, labels []string) {
	for _, w := range ecrNodeWriteActions {
		for _, l := range grants[w] {
			if !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
		}
		if len(grants[w]) > 0 {
			actions = append(actions, w)
		}
	}
	sort.Strings(labels)
	return actions, labels
}

func init() { check.Register(ecrUserAccess) }
