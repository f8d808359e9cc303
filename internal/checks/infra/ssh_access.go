package infra

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// sshAccess: EKS-INF-006.
//
// Fails (medium) for each managed node group with remoteAccess.ec2SshKey set, raised to high
// when remoteAccess.sourceSecurityGroups is empty (EKS then opens port 22 to 0.0.0.0/0); for
// each LAUNCH_TEMPLATES version with KeyName set; for each CLUSTER_NODES instance with KeyName
// set; and for each ingress rule of a node security group (attached to CLUSTER_NODES) that
// allows TCP to a port range covering 22, from any source. A launch template whose user data
// enables the Bottlerocket admin container (settings.host-containers.admin.enabled = true)
// fails low.
//
// Decisions: an instance of a managed node group already reported (remote access or its
// launch template's KeyName) is not reported again. Rules allowing all protocols or all TCP
// ports (0-65535) do not count as SSH rules: those are the node-to-node and cluster security
// group rules every cluster has, and world-open ones are EKS-NET-008's. User data is read as
// base64 text (Bottlerocket user data is TOML, neither MIME nor gzip).
// Manifest mode: not applicable.
var sshAccess = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-INF-006",
		Slug:     "ssh-access",
		Title:    "Worker nodes must not allow SSH access",
		Section:  "infrastructure",
		Severity: check.Medium,
		Source:   check.SourceAWSEC2,
		Remediation: "Remove SSH keys and port 22 rules; use SSM Session Manager (AmazonSSMManagedInstanceCore on the node role) " +
			"for break-glass access.",
		References: check.References{Guide: "hosts#minimize-access-to-worker-nodes"},
	},
	Reads: []string{inventory.AWSKind("eks:ListNodegroups"), inventory.AWSKind("eks:DescribeNodegroup"), readDescribeInstances, readDescribeLaunchTemplate,
		inventory.AWSKind("ec2:DescribeSecurityGroups")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		reported := map[string]bool{} // node groups
		for _, ng := range a.Nodegroups {
			r.Evaluated(1)
			ra := ng.RemoteAccess
			if ra == nil || sdkaws.ToString(ra.Ec2SshKey) == "" {
				continue
			}
			name := sdkaws.ToString(ng.NodegroupName)
			reported[name] = true
			if len(ra.SourceSecurityGroups) == 0 {
				r.FailResourceWith(nodegroupARN(a, ng), "RemoteAccess.Ec2SshKey", check.High,
					"node group "+name+" allows SSH with key pair "+sdkaws.ToString(ra.Ec2SshKey)+
						" and no source security groups, so EKS opens port 22 to 0.0.0.0/0")
				continue
			}
			r.FailResource(nodegroupARN(a, ng), "RemoteAccess.Ec2SshKey",
				"node group "+name+" allows SSH with key pair "+sdkaws.ToString(ra.Ec2SshKey)+
					" from security groups "+strings.Join(ra.SourceSecurityGroups, ", "))
		}
		for _, lt := range a.LaunchTemplates {
			r.Evaluated(1)
			d := lt.Version.LaunchTemplateData
			if d == nil {
				continue
			}
			if key := sdkaws.ToString(d.KeyName); key != "" {
				for _, ng := range lt.Nodegroups {
					reported[ng] = true
				}
				r.FailResource(a.LaunchTemplateARN(lt), "LaunchTemplateData.KeyName",
					"launch template "+lt.Name()+" sets SSH key pair "+key)
			}
			if bottlerocketAdmin(sdkaws.ToString(d.UserData)) {
				r.FailResourceWith(a.LaunchTemplateARN(lt), "LaunchTemplateData.UserData", check.Low,
					"launch template "+lt.Name()+" enables the Bottlerocket admin container "+
						"(settings.host-containers.admin.enabled = true), a root shell on the host")
			}
		}
		for _, i := range a.Instances {
			r.Evaluated(1)
			key := sdkaws.ToString(i.KeyName)
			if ng := instanceNodegroup(i); key == "" || (ng != "" && reported[ng]) {
				continue
			}
			r.FailResource(a.InstanceARN(i), "KeyName", "node instance "+inventory.InstanceName(i)+" was launched with SSH key pair "+key)
		}
		nodeGroups := nodeSecurityGroups(a)
		for _, sg := range a.SecurityGroups {
			id := sdkaws.ToString(sg.GroupId)
			if !nodeGroups[id] {
				continue
			}
			r.Evaluated(1)
			for ri, p := range sg.IpPermissions {
				proto := strings.ToLower(sdkaws.ToString(p.IpProtocol))
				from, to := sdkaws.ToInt32(p.FromPort), sdkaws.ToInt32(p.ToPort)
				if (proto != "tcp" && proto != "6") || from > 22 || to < 22 || (from <= 0 && to >= 65535) || from == -1 {
					continue
				}
				r.FailResource(a.ARN("ec2", "security-group/"+id), fieldpath.Path(fmt.Sprintf("IpPermissions[%d]", ri)),
					"node security group "+id+" allows SSH (tcp "+portText(from, to)+") from "+ruleSources(p))
			}
		}
	},
}

func portText(from, to int32) string {
	if from == to {
		return fmt.Sprint(from)
	}
	return fmt.Sprintf("%d-%d", from, to)
}

// ruleSources lists a rule's sources: CIDRs, security groups and prefix lists.
func ruleSources(p ec2types.IpPermission) string {
	var out []string
	for _, x := range p.IpRanges {
		out = append(out, sdkaws.ToString(x.CidrIp))
	}
	for _, x := range p.Ipv6Ranges {
		out = append(out, sdkaws.ToString(x.CidrIpv6))
	}
	for _, x := range p.UserIdGroupPairs {
		out = append(out, sdkaws.ToString(x.GroupId))
	}
	for _, x := range p.PrefixListIds {
		out = append(out, sdkaws.ToString(x.PrefixListId))
	}
	if len(out) == 0 {
		return "no source"
	}
	return strings.Join(out, ", ")
}

var (
	tomlTable      = regexp.MustCompile(`^\s*\[\s*([^\]]+?)\s*\]\s*$`)
	tomlEnabledKey = regexp.MustCompile(`^\s*"?([A-Za-z0-9_.\-"]*?)"?\s*=\s*true\s*(#.*)?$`)
)

// bottlerocketAdmin reports whether base64 user data (Bottlerocket TOML settings) enables the
// admin host container, as [settings.host-containers.admin] enabled = true or the dotted key.
func bottlerocketAdmin(userData string) bool {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(userData))
	if err != nil || len(raw) == 0 {
		return false
	}
	table := ""
	for _, line := range strings.Split(string(raw), "\n") {
		if m := tomlTable.FindStringSubmatch(line); m != nil {
			table = strings.ReplaceAll(m[1], `"`, "")
			continue
		}
		m := tomlEnabledKey.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key := strings.ReplaceAll(m[1], `"`, "")
		if table != "" {
			key = table + "." + key
		}
		if key == "settings.host-containers.admin.enabled" {
			return true
		}
	}
	return false
}

func init() { check.Register(sshAccess) }
