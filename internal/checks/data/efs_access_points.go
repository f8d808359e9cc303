package data

import (
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// efsAccessPoints: EKS-DATA-009.
//
// Forbidden: an EFS PersistentVolume (spec.csi.driver efs.csi.aws.com) that mounts the file
// system without an access point. spec.csi.volumeHandle is <fileSystemId>[:<subpath>[:<accessPointId>]];
// split on ":", the third field must start with "fsap-". This also catches the subpath form
// fs-id:/dir without an access point that hardeneks (which looks for "::") misses. Without an
// access point every client mounts the file system (or the subpath) with its own UID/GID and
// can reach the whole tree, instead of a fixed POSIX user and root directory per application. The finding points
// at spec.csi.volumeHandle. PersistentVolumes are cluster-scoped, so the namespace policy is moot.
//
// Decisions: StorageClasses are not reported: dynamic provisioning with provisioningMode
// efs-ap creates PVs that carry access points, and they pass when they are scanned.
var efsAccessPoints = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DATA-009",
		Slug:        "efs-access-points",
		Title:       "EFS PersistentVolumes should use access points",
		Section:     "data",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Create an EFS access point per application with a fixed POSIX user and root directory and reference it as fs-id::fsap-id.",
		References: check.References{
			Guide: "data#use-efs-access-points-to-simplify-access-to-shared-datasets",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Kinds: []string{"PersistentVolume"},
	Object: func(o *inventory.Object, r *check.Reporter) {
		_, csi, ok := efsPersistentVolume(o)
		if !ok {
			return
		}
		parts := strings.Split(csi.VolumeHandle, ":")
		at := efsCSIPath.Key("volumeHandle")
		switch {
		case len(parts) < 3 || parts[2] == "":
			r.Fail(o, at, "EFS PersistentVolume volumeHandle "+strconv.Quote(csi.VolumeHandle)+" names no access point: its third \":\"-separated field must be an access point ID (fsap-...)")
		case !strings.HasPrefix(parts[2], "fsap-"):
			r.Fail(o, at, "EFS PersistentVolume volumeHandle "+strconv.Quote(csi.VolumeHandle)+" has "+strconv.Quote(parts[2])+" in its third \":\"-separated field, which is not an access point ID (fsap-...)")
		}
	},
}

func init() { check.Register(efsAccessPoints) }
