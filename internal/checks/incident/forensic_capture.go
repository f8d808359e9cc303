package incident

import (
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/eksguard/eksguard/internal/awspolicy"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// terminatingTransition is the lifecycle transition that holds an instance before Auto
// Scaling terminates it.
const terminatingTransition = "autoscaling:EC2_INSTANCE_TERMINATING"

// forensicCapture: EKS-IR-002.
//
// Two parts, each failing low on the resource's ARN:
//   - every CLUSTER_NODE that is not registered with Systems Manager, or whose agent's
//     PingStatus is not Online (EKS-INF-011's logic on the same ssm:DescribeInstanceInformation
//     facts): memory and process capture would need SSH;
//   - every Auto Scaling group of CLUSTER_NODES (the instances' aws:autoscaling:groupName tag
//     and the managed node groups' resources.autoScalingGroups) that has no lifecycle hook on
//     autoscaling:EC2_INSTANCE_TERMINATING and does not protect new instances from scale-in
//     (NewInstancesProtectedFromScaleIn): scaling may terminate a node under investigation
//     before its volumes and memory are captured.
//
// Decisions: only a terminating hook counts (a launching hook gives no time before
// termination); EKS managed node groups carry such a hook (Terminate-LC-Hook) themselves and
// so pass; per-instance scale-in protection is not a mechanism of the group and does not
// count. "A documented detach procedure" cannot be observed: a group that relies on one is
// failed and takes an exception. Groups that no longer exist are absent from the facts and
// not reported. The node groups' DescribeNodegroup is not among Reads: the instance tag names
// the same groups, so a denied DescribeNodegroup does not void the check.
//
// With --responder-role (responder_role), the role's ec2:CreateSnapshot permission is reported
// on its ARN: fail (low) when the role is not in the account's authorization details or its
// inline and attached policies do not allow ec2:CreateSnapshot on a resource that can be an
// EC2 resource. Decision: the permission is evaluated locally from
// iam:GetAccountAuthorizationDetails (as EKS-IAM-039; AdministratorAccess and PowerUserAccess
// count by name when their documents were not collected), not with
// iam:SimulatePrincipalPolicy. That call is not among Reads, so that a scan without a
// responder role is not voided by it; when its facts are missing, or the role is in another
// account whose IAM the scan cannot read, an info finding asks the reviewer to confirm.
var forensicCapture = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IR-002",
		Slug:        "forensic-capture",
		Title:       "Nodes must support volatile-artifact capture and forensic snapshots",
		Section:     "incident-response",
		Severity:    check.Low,
		Source:      check.SourceAWSEC2,
		Remediation: "Keep nodes SSM-managed, define a responder role with snapshot and SSM permissions, and document how to detach/protect a node.",
		References:  check.References{Guide: "incidents#capture-volatile-artifacts-on-the-worker-node"},
	},
	Reads: []string{inventory.AWSKind("ec2:DescribeInstances"), inventory.AWSKind("ssm:DescribeInstanceInformation"),
		inventory.AWSKind("autoscaling:DescribeAutoScalingGroups"), inventory.AWSKind("autoscaling:DescribeLifecycleHooks")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		managed := a.ManagedInstancesByID()
		for _, i := range a.Instances {
			r.Evaluated(1)
			m, ok := managed[sdkaws.ToString(i.InstanceId)]
			switch {
			case !ok:
				r.FailResource(a.InstanceARN(i), "", "node "+inventory.InstanceName(i)+" is not registered with Systems Manager: capturing its memory and processes would need SSH")
			case m.PingStatus != ssmtypes.PingStatusOnline:
				r.FailResource(a.InstanceARN(i), "", "node "+inventory.InstanceName(i)+" has a Systems Manager agent that is "+string(m.PingStatus)+", not Online: volatile artifacts cannot be captured through SSM")
			}
		}
		for _, g := range a.AutoScalingGroups {
			r.Evaluated(1)
			if sdkaws.ToBool(g.Group.NewInstancesProtectedFromScaleIn) {
				continue
			}
			hooked := false
			for _, h := range g.LifecycleHooks {
				hooked = hooked || sdkaws.ToString(h.LifecycleTransition) == terminatingTransition
			}
			if hooked {
				continue
			}
			msg := "Auto Scaling group " + sdkaws.ToString(g.Group.AutoScalingGroupName) + " has no lifecycle hook on instance termination and does not protect its instances from scale-in: a node under investigation may be terminated before it is captured"
			if len(g.LifecycleHooks) > 0 {
				msg = "Auto Scaling group " + sdkaws.ToString(g.Group.AutoScalingGroupName) + " has lifecycle hooks only on launch, none on instance termination, and does not protect its instances from scale-in: a node under investigation may be terminated before it is captured"
			}
			r.FailResource(sdkaws.ToString(g.Group.AutoScalingGroupARN), "", msg)
		}
		if role := r.Config.ResponderRole; role != "" {
			r.Evaluated(1)
			responderSnapshot(a, role, r)
		}
	},
}

// snapshotAction is what a responder needs to preserve a node's disks.
const snapshotAction = "ec2:CreateSnapshot"

// responderSnapshot reports whether the responder role may call ec2:CreateSnapshot.
func responderSnapshot(a *inventory.AWS, arn string, r *check.Reporter) {
	name := arn[strings.LastIndex(arn, "/")+1:]
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 && a.Account != "" && parts[4] != a.Account {
		r.FailResourceWith(arn, "", check.Info, fmt.Sprintf("responder role %s is in account %s, whose IAM policies this scan of account %s cannot read: confirm it may call %s on the nodes' volumes",
			name, parts[4], a.Account, snapshotAction))
		return
	}
	if a.Authorization == nil {
		r.FailResourceWith(arn, "", check.Info, fmt.Sprintf("the account's IAM policies were not read (iam:GetAccountAuthorizationDetails): confirm responder role %s may call %s", name, snapshotAction))
		return
	}
	var role *iamtypes.RoleDetail
	for i := range a.Authorization.Roles {
		if rd := &a.Authorization.Roles[i]; sdkaws.ToString(rd.Arn) == arn || sdkaws.ToString(rd.RoleName) == name {
			role = rd
		}
	}
	if role == nil {
		r.FailResource(arn, "", fmt.Sprintf("responder role %s does not exist in account %s: responders cannot snapshot node volumes with it", name, a.Account))
		return
	}
	var docs []awspolicy.Labeled
	for _, p := range a.Authorization.RolePolicies(*role) {
		doc := p.Document
		if doc == "" && strings.Contains(p.PolicyARN, ":iam::aws:policy/") && (p.Name() == "AdministratorAccess" || p.Name() == "PowerUserAccess") {
			doc = `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
		}
		if d, err := awspolicy.Parse([]byte(doc)); err == nil && doc != "" {
			docs = append(docs, awspolicy.Labeled{Label: p.Label, Doc: d})
		}
	}
	grants := awspolicy.Grants(docs, []string{snapshotAction}, func(st *awspolicy.Statement) bool { return st.MayNameService("ec2") })
	if len(grants) == 0 {
		r.FailResource(sdkaws.ToString(role.Arn), "", fmt.Sprintf("responder role %s may not call %s: its policies do not allow snapshotting the nodes' EBS volumes for forensics", name, snapshotAction))
	}
}

func init() { check.Register(forensicCapture) }
