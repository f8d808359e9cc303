package data

import (
	"sort"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// efsEncryptionInTransit: EKS-DATA-007.
//
// Forbidden: an EFS PersistentVolume (spec.csi.driver efs.csi.aws.com) that mounts without
// TLS. The driver mounts with TLS unless spec.csi.volumeAttributes.encryptInTransit (key
// matched case-insensitively, as the driver does) parses as false with Go strconv.ParseBool
// ("false", "False", "FALSE", "f", "F", "0"), or spec.mountOptions contains "notls" (compared
// case-insensitively: the driver lower-cases mount options). Absent encryptInTransit defaults
// to true and passes. NFS traffic without TLS crosses the VPC in clear text. Findings point at
// the attribute or the mount option. PersistentVolumes are cluster-scoped, so the namespace
// policy is moot.
//
// Decisions: a value that does not parse as a boolean passes: the driver then refuses the
// mount, so nothing is sent in clear text. StorageClasses with provisioner efs.csi.aws.com
// have no in-transit parameter and are not checked, as the catalogue says. When the
// volumeHandle names an access point the driver adds tls anyway; an encryptInTransit false is
// still reported (the catalogue makes no exception) and the message says so, since removing
// the access point would then disable TLS.
var efsEncryptionInTransit = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DATA-007",
		Slug:        "efs-encryption-in-transit",
		Title:       "EFS PersistentVolumes must encrypt data in transit",
		Section:     "data",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: `Remove encryptInTransit "false" / notls from the PV.`,
		References: check.References{
			Guide: "data#encrypt-data-at-rest",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Kinds: []string{"PersistentVolume"},
	Object: func(o *inventory.Object, r *check.Reporter) {
		pv, csi, ok := efsPersistentVolume(o)
		if !ok {
			return
		}
		note := ""
		if parts := strings.Split(csi.VolumeHandle, ":"); len(parts) >= 3 && parts[2] != "" {
			note = "; the access point in volumeHandle makes the driver add tls anyway, but only while it stays"
		}
		keys := make([]string, 0, len(csi.VolumeAttributes))
		for k := range csi.VolumeAttributes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		attrs := efsCSIPath.Key("volumeAttributes")
		for _, k := range keys {
			if !strings.EqualFold(k, "encryptInTransit") {
				continue
			}
			v := csi.VolumeAttributes[k]
			if on, err := strconv.ParseBool(v); err == nil && !on {
				r.Fail(o, attrs.Key(k), "EFS PersistentVolume sets volumeAttributes."+k+" "+strconv.Quote(v)+": NFS traffic is not encrypted in transit"+note)
			}
		}
		for i, opt := range pv.Spec.MountOptions {
			if strings.EqualFold(strings.TrimSpace(opt), "notls") {
				r.Fail(o, fieldpath.Root.Key("spec").Key("mountOptions").Index(i), "EFS PersistentVolume mounts with option "+strconv.Quote(opt)+": NFS traffic is not encrypted in transit")
			}
		}
	},
}

func init() { check.Register(efsEncryptionInTransit) }
