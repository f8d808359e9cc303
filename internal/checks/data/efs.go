package data

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers shared by the EFS checks EKS-DATA-007 and EKS-DATA-009.

// efsCSIDriver is the CSI driver name of the Amazon EFS CSI driver.
const efsCSIDriver = "efs.csi.aws.com"

// efsCSIPath is the path of spec.csi in a PersistentVolume.
var efsCSIPath = fieldpath.Root.Key("spec").Key("csi")

// efsPersistentVolume returns a PersistentVolume served by the EFS CSI driver and its CSI
// source, or false for any other object.
func efsPersistentVolume(o *inventory.Object) (*corev1.PersistentVolume, *corev1.CSIPersistentVolumeSource, bool) {
	pv, ok := o.Typed.(*corev1.PersistentVolume)
	if !ok || pv.Spec.CSI == nil || pv.Spec.CSI.Driver != efsCSIDriver {
		return nil, nil, false
	}
	return pv, pv.Spec.CSI, true
}
