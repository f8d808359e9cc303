package data

import (
	"strconv"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ebsVolumeEncryption: EKS-DATA-006.
//
// ec2:DescribeVolumes for the volumes attached to CLUSTER_NODES and those of PersistentVolumes
// (spec.csi.driver ebs.csi.aws.com volumeHandle, legacy awsElasticBlockStore.volumeID): fails
// for each volume with Encrypted false, naming the instances it is attached to and the
// PersistentVolumes it backs. LAUNCH_TEMPLATES: fails for each BlockDeviceMappings entry with
// an Ebs block whose Encrypted is false or absent while EBS encryption by default
// (ec2:GetEbsEncryptionByDefault) is off.
//
// Decisions: a launch template without block device mappings is not judged (the AMI's
// mappings apply; the instances' volumes are judged instead); a mapping without an Ebs block
// (instance store, NoDevice) is not judged; a missing encryption-by-default fact counts as
// off. Manifest mode: not applicable.
var ebsVolumeEncryption = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-DATA-006",
		Slug:     "ebs-volume-encryption",
		Title:    "EBS volumes backing PersistentVolumes and node root disks must be encrypted",
		Section:  "data",
		Severity: check.Medium,
		Source:   check.SourceAWSEC2,
		Remediation: "Enable EBS encryption by default, encrypt launch-template block devices, and migrate data off unencrypted " +
			"volumes via snapshot copy with encryption.",
		References: check.References{Guide: "data#encrypt-data-at-rest"},
	},
	Reads: []string{inventory.AWSKind("ec2:DescribeInstances"), inventory.AWSKind("ec2:DescribeVolumes"),
		inventory.AWSKind("ec2:GetEbsEncryptionByDefault"), inventory.AWSKind("ec2:DescribeLaunchTemplateVersions")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		pvs := map[string][]string{} // volume ID -> PersistentVolume names
		for _, o := range inv.OfKind("PersistentVolume") {
			pv, ok := o.Typed.(*corev1.PersistentVolume)
			if !ok {
				continue
			}
			id := ""
			if csi := pv.Spec.CSI; csi != nil && csi.Driver == "ebs.csi.aws.com" {
				id = csi.VolumeHandle
			} else if ebs := pv.Spec.AWSElasticBlockStore; ebs != nil {
				id = ebs.VolumeID[strings.LastIndex(ebs.VolumeID, "/")+1:]
			}
			if id != "" {
				pvs[id] = append(pvs[id], o.Name)
			}
		}
		for _, v := range a.Volumes {
			r.Evaluated(1)
			if sdkaws.ToBool(v.Encrypted) {
				continue
			}
			id := sdkaws.ToString(v.VolumeId)
			var uses []string
			for _, at := range v.Attachments {
				uses = append(uses, "attached to "+sdkaws.ToString(at.InstanceId)+" as "+sdkaws.ToString(at.Device))
			}
			if names := pvs[id]; len(names) > 0 {
				uses = append(uses, "backing PersistentVolume "+strings.Join(names, ", "))
			}
			msg := "EBS volume " + id + " is not encrypted"
			if len(uses) > 0 {
				msg += " (" + strings.Join(uses, "; ") + ")"
			}
			r.FailResource(a.ARN("ec2", "volume/"+id), "Encrypted", msg)
		}
		if sdkaws.ToBool(a.EBSEncryptionByDefault) {
			return
		}
		for _, lt := range a.LaunchTemplates {
			d := lt.Version.LaunchTemplateData
			if d == nil {
				continue
			}
			r.Evaluated(1)
			for i, bd := range d.BlockDeviceMappings {
				if bd.Ebs == nil || sdkaws.ToBool(bd.Ebs.Encrypted) {
					continue
				}
				lv := lt.Version
				name := sdkaws.ToString(lv.LaunchTemplateId) + " version " + strconv.FormatInt(sdkaws.ToInt64(lv.VersionNumber), 10)
				r.FailResource(a.ARN("ec2", "launch-template/"+sdkaws.ToString(lv.LaunchTemplateId)),
					fieldpath.Path("LaunchTemplateData.BlockDeviceMappings["+strconv.Itoa(i)+"].Ebs.Encrypted"),
					"launch template "+name+" creates "+sdkaws.ToString(bd.DeviceName)+" unencrypted, and EBS encryption by default is off")
			}
		}
	},
}

func init() { check.Register(ebsVolumeEncryption) }
