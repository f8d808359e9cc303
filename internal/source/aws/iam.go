package aws

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/eksguard/eksguard/internal/inventory"
)

// nodeEntryTypes are the access entry types of node roles (NODE_ROLES).
var nodeEntryTypes = map[string]bool{"EC2_LINUX": true, "EC2_WINDOWS": true, "EC2": true, "HYBRID_LINUX": true}

// roles reads the IAM roles the cluster uses, each once: the cluster role, NODE_ROLES (node
// groups, the instance profiles of CLUSTER_NODES, node access entries) and the workload roles
// of IRSA ServiceAccounts and Pod Identity associations.
func (c *collector) roles(ctx context.Context) {
	uses := map[string]map[string]bool{} // role ARN -> uses
	use := func(arn, u string) {
		if arn == "" {
			return
		}
		if uses[arn] == nil {
			uses[arn] = map[string]bool{}
		}
		uses[arn][u] = true
	}
	profiles := map[string]bool{}
	c.mu.Lock()
	if c.out.Cluster != nil {
		use(str(c.out.Cluster.RoleArn), inventory.RoleUseCluster)
	}
	for _, ng := range c.out.Nodegroups {
		use(str(ng.NodeRole), inventory.RoleUseNode)
	}
	for _, e := range c.out.AccessEntries {
		if nodeEntryTypes[str(e.Entry.Type)] {
			use(str(e.Entry.PrincipalArn), inventory.RoleUseNode)
		}
	}
	for _, pia := range c.out.PodIdentityAssociations {
		sa := inventory.RoleUsePodIdentity + ":" + str(pia.Namespace) + "/" + str(pia.ServiceAccount)
		use(str(pia.RoleArn), sa)
		use(str(pia.TargetRoleArn), sa)
	}
	for _, i := range c.out.Instances {
		if i.IamInstanceProfile != nil {
			profiles[str(i.IamInstanceProfile.Arn)] = true
		}
	}
	account := c.out.Account
	c.mu.Unlock()
	for arn, sas := range c.k8s.irsa {
		for _, sa := range sas {
			use(arn, inventory.RoleUseIRSA+":"+sa)
		}
	}

	// Instance profiles first: their roles are node roles.
	var g group
	for _, arn := range sortedKeys(profiles) {
		g.Go(func() {
			name := arn[strings.LastIndex(arn, "/")+1:]
			out, err := c.clients.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: &name})
			if err != nil {
				if isCode(err, "NoSuchEntity") {
					return
				}
				c.fail(ctx, "iam:GetInstanceProfile", arn, err)
				return
			}
			c.mu.Lock()
			c.out.InstanceProfiles = append(c.out.InstanceProfiles, *out.InstanceProfile)
			for _, r := range out.InstanceProfile.Roles {
				use(str(r.Arn), inventory.RoleUseNode)
			}
			c.mu.Unlock()
		})
	}
	g.Wait()
	if c.failed("eks:DescribeCluster") {
		c.skipped("iam:GetRole", c.opts.ClusterName, "eks:DescribeCluster failed, so the cluster role is unknown")
	}

	for arn, u := range uses {
		if acct := arnAccount(arn); acct != "" && acct != account {
			c.debugf("role %s is in another account: not read", arn)
			continue
		}
		var list []string
		for k := range u {
			list = append(list, k)
		}
		g.Go(func() { c.role(ctx, arn, list) })
	}
	g.Wait()
}

// arnAccount is the account field of an ARN.
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// role reads one role with its trust policy, attached and inline policies.
func (c *collector) role(ctx context.Context, arn string, uses []string) {
	name := arn[strings.LastIndex(arn, "/")+1:]
	out, err := c.clients.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
	if err != nil {
		if isCode(err, "NoSuchEntity") {
			c.add(func(a *inventory.AWS) { a.MissingRoles = append(a.MissingRoles, arn) })
			return
		}
		c.fail(ctx, "iam:GetRole", arn, err)
		return
	}
	r := inventory.IAMRole{Role: *out.Role, TrustPolicy: inventory.PolicyJSON(str(out.Role.AssumeRolePolicyDocument)), Uses: uses}
	var g group
	g.Go(func() {
		p := iam.NewListAttachedRolePoliciesPaginator(c.clients.iam, &iam.ListAttachedRolePoliciesInput{RoleName: &name})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				c.fail(ctx, "iam:ListAttachedRolePolicies", arn, err)
				return
			}
			r.AttachedPolicies = append(r.AttachedPolicies, page.AttachedPolicies...)
		}
		var pg group
		for _, ap := range r.AttachedPolicies {
			if policyArn := str(ap.PolicyArn); !isAWSManaged(policyArn) {
				pg.Go(func() { c.do("policy "+policyArn, func() { c.policy(ctx, policyArn) }) })
			}
		}
		pg.Wait()
	})
	g.Go(func() {
		var names []string
		p := iam.NewListRolePoliciesPaginator(c.clients.iam, &iam.ListRolePoliciesInput{RoleName: &name})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				c.fail(ctx, "iam:ListRolePolicies", arn, err)
				return
			}
			names = append(names, page.PolicyNames...)
		}
		inline := make([]inventory.InlinePolicy, len(names))
		var pg group
		for i, pn := range names {
			pg.Go(func() {
				inline[i].Name = pn
				out, err := c.clients.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: &pn})
				if err != nil {
					c.fail(ctx, "iam:GetRolePolicy", arn+" "+pn, err)
					return
				}
				inline[i].Document = inventory.PolicyJSON(str(out.PolicyDocument))
			})
		}
		pg.Wait()
		r.InlinePolicies = inline
	})
	g.Wait()
	c.add(func(a *inventory.AWS) { a.Roles = append(a.Roles, r) })
}

// isAWSManaged reports whether a policy ARN is an AWS managed policy (arn:<partition>:iam::aws:policy/...).
func isAWSManaged(arn string) bool { return arnAccount(arn) == "aws" }

// policy reads a customer-managed policy and its default version.
func (c *collector) policy(ctx context.Context, arn string) {
	out, err := c.clients.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: &arn})
	if err != nil {
		if !isCode(err, "NoSuchEntity") {
			c.fail(ctx, "iam:GetPolicy", arn, err)
		}
		return
	}
	p := inventory.IAMPolicy{Policy: *out.Policy}
	if v := out.Policy.DefaultVersionId; v != nil {
		ver, err := c.clients.iam.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: &arn, VersionId: v})
		if err != nil {
			c.fail(ctx, "iam:GetPolicyVersion", arn, err)
		} else if ver.PolicyVersion != nil {
			p.Document = inventory.PolicyJSON(str(ver.PolicyVersion.Document))
		}
	}
	c.add(func(a *inventory.AWS) { a.Policies = append(a.Policies, p) })
}
