package image

import (
	"encoding/json"
	"strconv"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ecrEndpointPolicy: EKS-IMG-010.
//
// For the available ecr.api and ecr.dkr interface endpoints of the cluster VPC (as EKS-IMG-009
// finds them): parses PolicyDocument and fails when an Allow statement grants Action "*" or
// "ecr:*" (or uses NotAction, which grants everything else) on Resource "*" (or NotResource)
// without an aws:PrincipalAccount, aws:PrincipalOrgID or aws:ResourceAccount condition key.
// The default full-access policy (Principal "*", Action "*", Resource "*") is named as such.
//
// Decisions: an endpoint without a PolicyDocument has the default full-access policy, and
// one whose document does not parse is reported so it is looked at. Condition keys are
// matched case-insensitively under any operator. Manifest mode: not applicable.
var ecrEndpointPolicy = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-010",
		Slug:        "ecr-endpoint-policy",
		Title:       "ECR VPC endpoints should have restrictive endpoint policies",
		Section:     "image-security",
		Severity:    check.Low,
		Source:      check.SourceAWSEC2,
		Remediation: "Limit the endpoint policy to pull actions on repositories of your accounts (aws:ResourceAccount / repository ARNs).",
		References:  check.References{Guide: "image#implement-endpoint-policies-for-ecr"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("ec2:DescribeVpcEndpoints")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil || a.Cluster.ResourcesVpcConfig == nil {
			return
		}
		vpc := sdkaws.ToString(a.Cluster.ResourcesVpcConfig.VpcId)
		for _, service := range []string{"ecr.api", "ecr.dkr"} {
			for _, ep := range vpcEndpointsFor(a, vpc, service, ec2types.VpcEndpointTypeInterface) {
				if !vpcEndpointAvailable(ep) {
					continue
				}
				r.Evaluated(1)
				id := sdkaws.ToString(ep.VpcEndpointId)
				if why := endpointPolicyTooBroad(sdkaws.ToString(ep.PolicyDocument)); why != "" {
					r.FailResource(a.ARN("ec2", "vpc-endpoint/"+id), "PolicyDocument", "the "+service+" endpoint "+id+" "+why)
				}
			}
		}
	},
}

// endpointScopingKeys are the condition keys that keep a broad endpoint policy to your accounts.
var endpointScopingKeys = []string{"aws:principalaccount", "aws:principalorgid", "aws:resourceaccount"}

// endpointPolicyTooBroad says why an endpoint policy allows too much, or "".
func endpointPolicyTooBroad(doc string) string {
	if strings.TrimSpace(doc) == "" {
		return "has the default full-access policy (any principal, any action, any resource)"
	}
	var p struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return "has a policy that does not parse as JSON; review it"
	}
	var stmts []map[string]any
	if err := json.Unmarshal(p.Statement, &stmts); err != nil {
		var one map[string]any
		if json.Unmarshal(p.Statement, &one) != nil {
			return "has a policy whose statements do not parse; review it"
		}
		stmts = []map[string]any{one}
	}
	for i, st := range stmts {
		if !strings.EqualFold(policyString(st["Effect"]), "Allow") {
			continue
		}
		_, notAction := st["NotAction"]
		_, notResource := st["NotResource"]
		broadAction := notAction || policyHasAny(st["Action"], "*", "ecr:*")
		broadResource := notResource || policyHasAny(st["Resource"], "*")
		if !broadAction || !broadResource || policyScoped(st["Condition"]) {
			continue
		}
		if len(stmts) == 1 && policyHasAny(st["Action"], "*") && policyHasAny(st["Resource"], "*") && policyAnyPrincipal(st["Principal"]) && st["Condition"] == nil {
			return "has the default full-access policy (any principal, any action, any resource)"
		}
		return "allows " + describeStatement(i, st) + " on every resource without an aws:PrincipalAccount, aws:PrincipalOrgID or aws:ResourceAccount condition"
	}
	return ""
}

func describeStatement(i int, st map[string]any) string {
	name := "statement " + strconv.Itoa(i)
	if sid := policyString(st["Sid"]); sid != "" {
		name = "statement " + sid
	}
	if _, ok := st["NotAction"]; ok {
		return "every action but its NotAction list (" + name + ")"
	}
	if policyHasAny(st["Action"], "*") {
		return "every action (" + name + ")"
	}
	return "ecr:* (" + name + ")"
}

func policyString(v any) string {
	s, _ := v.(string)
	return s
}

// policyHasAny reports whether a policy value (a string or a list of strings) holds one of want.
func policyHasAny(v any, want ...string) bool {
	var vals []string
	switch x := v.(type) {
	case string:
		vals = []string{x}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				vals = append(vals, s)
			}
		}
	}
	for _, s := range vals {
		for _, w := range want {
			if strings.EqualFold(s, w) {
				return true
			}
		}
	}
	return false
}

func policyAnyPrincipal(v any) bool {
	if policyHasAny(v, "*") {
		return true
	}
	if m, ok := v.(map[string]any); ok {
		return policyHasAny(m["AWS"], "*")
	}
	return false
}

// policyScoped reports whether a Condition block uses one of endpointScopingKeys.
func policyScoped(v any) bool {
	ops, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, keys := range ops {
		m, ok := keys.(map[string]any)
		if !ok {
			continue
		}
		for k := range m {
			for _, want := range endpointScopingKeys {
				if strings.EqualFold(k, want) {
					return true
				}
			}
		}
	}
	return false
}

func init() { check.Register(ecrEndpointPolicy) }
