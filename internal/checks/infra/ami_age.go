package infra

import (
	"sort"
	"strconv"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// highAMIAgeDays is the AMI age above which EKS-INF-002 is high (the catalogue's 90 days).
const highAMIAgeDays = 90

// amiAge: EKS-INF-002.
//
// For each distinct ImageId of CLUSTER_NODES, ec2:DescribeImages .CreationDate: fails (medium)
// when the AMI is older than max_ami_age_days (settings file, default 30), high when it is
// also older than 90 days; an AMI that DescribeImages does not return (deregistered, no
// longer shared) is reported as "unknown age" (medium).
// One finding per AMI, on the AMI, naming the node groups or instances that run it.
//
// Decisions: the high bucket stays at the catalogue's 90 days; a longer max_ami_age_days makes
// every AMI it fails high. The comparison of managed node groups' releaseVersion with the
// recommended release in SSM Parameter Store is not done: the collectors have no SSM client
// yet (ssm:GetParameter).
// A CreationDate that does not parse is reported as unknown age. Manifest mode: not
// applicable.
var amiAge = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-INF-002",
		Slug:     "ami-age",
		Title:    "Node AMIs must be recent",
		Section:  "infrastructure",
		Severity: check.Medium,
		Source:   check.SourceAWSEC2,
		Remediation: "Update node groups to the latest AMI release (aws eks update-nodegroup-version) on a regular schedule; " +
			"automate with Karpenter drift.",
		References: check.References{Guide: "hosts#keep-your-worker-node-os-updated"},
	},
	Reads: []string{readDescribeInstances, inventory.AWSKind("ec2:DescribeImages")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		users := map[string][]string{}
		for _, i := range a.Instances {
			id := sdkaws.ToString(i.ImageId)
			if id == "" {
				continue
			}
			who := "instance " + sdkaws.ToString(i.InstanceId)
			if ng := instanceNodegroup(i); ng != "" {
				who = "node group " + ng
			}
			users[id] = appendNew(users[id], who)
		}
		ids := make([]string, 0, len(users))
		for id := range users {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		t := now()
		for _, id := range ids {
			r.Evaluated(1)
			who := users[id]
			sort.Strings(who)
			runBy := " (run by " + strings.Join(who, ", ") + ")"
			arn := strings.Replace(a.ARN("ec2", "image/"+id), ":"+a.Account+":image/", "::image/", 1) // AMI ARNs name no account
			var created string
			var name string
			found := false
			for _, img := range a.Images {
				if sdkaws.ToString(img.ImageId) == id {
					found, created, name = true, sdkaws.ToString(img.CreationDate), sdkaws.ToString(img.Name)
				}
			}
			if !found {
				r.FailResource(arn, "ImageId", "AMI "+id+runBy+" is not visible to ec2:DescribeImages (deregistered or no longer shared): its age is unknown")
				continue
			}
			c, err := time.Parse(time.RFC3339, created)
			if err != nil {
				r.FailResource(arn, "CreationDate", "AMI "+id+runBy+" has no readable creation date ("+strconv.Quote(created)+"): its age is unknown")
				continue
			}
			days := int(t.Sub(c).Hours() / 24)
			limit := r.Config.AMIAgeDays()
			if days <= limit {
				continue
			}
			sev, over := check.Medium, limit
			if days > highAMIAgeDays {
				sev, over = check.High, max(highAMIAgeDays, limit)
			}
			label := id
			if name != "" {
				label += " (" + name + ")"
			}
			// The message names the bucket, not the age in days, so it does not change daily.
			r.FailResourceWith(arn, "CreationDate", sev, "AMI "+label+runBy+" was created "+c.UTC().Format("2006-01-02")+
				", more than "+strconv.Itoa(over)+" days ago (the limit is "+strconv.Itoa(limit)+" days)")
		}
	},
}

func init() { check.Register(amiAge) }
