package iam

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksguard/eksguard/internal/awspolicy"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// escalationActions are the actions EKS-IAM-017 treats as high on Resource "*".
var escalationActions = []string{"iam:PassRole", "iam:Create*", "iam:Put*", "iam:Attach*", "sts:AssumeRole"}

// noResourceARNActions are write actions that support no resource ARN, so Resource "*" is the
// only way to grant them (EKS-IAM-017 does not report them).
var noResourceARNActions = []string{"cloudwatch:PutMetricData", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}

// workloadLeastPrivilege: EKS-IAM-017.
//
// For each workload role (collected roles with an "irsa:" or "pod-identity:" use, the roles
// EKS-IAM-016 maps), each attached and inline policy, on the role's ARN, one finding per
// statement at its worst:
//   - critical for AdministratorAccess, PowerUserAccess or IAMFullAccess attached, and for an
//     Allow statement with Action "*" (or any NotAction);
//   - high for an Allow statement on Resource "*" (or a NotResource) whose Action has a
//     "<service>:*", or covers iam:PassRole, iam:Create*, iam:Put*, iam:Attach* or
//     sts:AssumeRole;
//   - medium for an Allow statement on Resource "*" with a write action: one whose name does
//     not start with Get, List, Describe or BatchGet.
//
// Decisions: "with Resource '*'" applies to the high case too, so "s3:*" on one bucket's ARN
// passes (the role is scoped to that bucket). AWS managed policies are known by name only
// (their documents are not read): the three above are critical, any other whose name ends in
// "FullAccess" is high (they grant "<service>:*" on "*"); the rest pass. "Where the service
// supports resource ARNs" is approximated by a short list of write actions that support none
// (cloudwatch:PutMetricData, xray:PutTraceSegments, xray:PutTelemetryRecords), which are not
// reported. A customer-managed policy whose document was not read (a gap names it) is not
// evaluated.
var workloadLeastPrivilege = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-017",
		Slug:        "workload-least-privilege",
		Title:       "Workload IAM roles must follow least privilege",
		Section:     "iam",
		Severity:    check.High,
		Source:      check.SourceAWSIAM,
		Remediation: "Replace wildcards with the specific actions and resource ARNs the application uses (IAM Access Analyzer policy generation helps).",
		References:  check.References{Guide: "iam#grant-least-privileged-access-to-applications"},
	},
	Reads: append([]string{"ServiceAccount", readListPodIdentity, readDescribePodIdentity}, rolePolicyReads...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil {
			return
		}
		a := inv.AWS
		for _, role := range sortedRoles(a) {
			if !hasUse(role, inventory.RoleUseIRSA) && !hasUse(role, inventory.RoleUsePodIdentity) {
				continue
			}
			r.Evaluated(1)
			arn := roleARN(role)
			for _, p := range rolePolicies(a, role) {
				switch {
				case p.AWSManaged && slices.Contains(adminPolicies, p.Name):
					r.FailResourceWith(arn, p.Path, check.Critical, fmt.Sprintf("workload role carries %s", p.Name))
				case p.AWSManaged && strings.HasSuffix(p.Name, "FullAccess"):
					r.FailResourceWith(arn, p.Path, check.High, fmt.Sprintf("workload role carries %s, which grants a whole service on every resource", p.Name))
				case p.Doc != nil:
					for i := range p.Doc.Statement {
						if sev, why := statementPrivilege(&p.Doc.Statement[i]); why != "" {
							r.FailResourceWith(arn, p.StatementPath(i), sev, fmt.Sprintf("%s statement %d %s", p.Label(), i, why))
						}
					}
				}
			}
		}
	},
}

// statementPrivilege is the worst EKS-IAM-017 finding of one statement, or "".
func statementPrivilege(st *awspolicy.Statement) (check.Severity, string) {
	if !st.Allows() {
		return 0, ""
	}
	if len(st.NotAction) > 0 {
		return check.Critical, "allows every action except " + strings.Join(st.NotAction, ", ")
	}
	if slices.Contains(st.Action, "*") {
		return check.Critical, `allows Action "*"`
	}
	if !st.AllResources() {
		return 0, ""
	}
	var high []string
	high = append(high, wildcardActions(st, nil)...)
	for _, act := range st.Action {
		for _, e := range escalationActions {
			// Either side may be the pattern: "iam:*Role" covers iam:PassRole, "iam:CreateRole" is an iam:Create*.
			if (awspolicy.Match(act, e) || awspolicy.Match(e, act)) && !slices.Contains(high, act) {
				high = append(high, act)
			}
		}
	}
	if len(high) > 0 {
		return check.High, "allows " + strings.Join(high, ", ") + " on every resource"
	}
	var writes []string
	for _, act := range st.Action {
		if isWriteAction(act) && !slices.ContainsFunc(noResourceARNActions, func(n string) bool { return strings.EqualFold(n, act) }) {
			writes = append(writes, act)
		}
	}
	if len(writes) > 0 {
		return check.Medium, "allows write actions " + strings.Join(writes, ", ") + " on every resource"
	}
	return 0, ""
}

// isWriteAction reports whether an action (pattern) is not a read: its name does not start
// with Get, List, Describe or BatchGet.
func isWriteAction(action string) bool {
	_, name, ok := strings.Cut(action, ":")
	if !ok {
		return true
	}
	for _, read := range []string{"Get", "List", "Describe", "BatchGet"} {
		if strings.HasPrefix(strings.ToLower(name), strings.ToLower(read)) {
			return false
		}
	}
	return true
}

func init() { check.Register(workloadLeastPrivilege) }
