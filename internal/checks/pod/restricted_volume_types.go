package pod

import (
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// restrictedVolumeTypes: EKS-POD-015, PSS restricted "restrictedVolumes".
//
// Allowed: spec.volumes[*] whose source is configMap, csi, downwardAPI, emptyDir,
// ephemeral, image, persistentVolumeClaim, projected or secret. Forbidden: every other
// source (hostPath, awsElasticBlockStore, nfs, iscsi, rbd, cephfs, glusterfs, flexVolume,
// gitRepo, azureFile, azureDisk, cinder, fc, flocker, gcePersistentDisk, portworxVolume,
// quobyte, scaleIO, storageos, vsphereVolume, photonPersistentDisk). Inline sources bypass
// the PersistentVolume and StorageClass controls cluster administrators rely on; several
// reach host or network storage directly. The finding points at the offending source field.
//
// A volume that names no source at all is an emptyDir: the API server defaults it so before
// admission, and PSA's own fixtures list such a volume as allowed. pod-security-admission
// called on the manifest as written would reject it, so the verdict is taken on a copy of
// the spec with that defaulting applied.
var restrictedVolumeTypes = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-015",
		Slug:        "restricted-volume-types",
		Title:       "Pods must use only restricted-profile volume types",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Mount storage through a PersistentVolumeClaim or CSI instead of an inline volume source.",
		References: check.References{
			Guide: "pods#pod-security-standards-pss-and-pod-security-admission-psa",
			PSS:   "restricted/restrictedVolumes",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		defaulted := p
		defaulted.Spec = withDefaultVolumeSources(p.Spec)
		res := psaVerdict("restrictedVolumes", defaulted)
		if res.Allowed {
			return
		}
		found := false
		for i, v := range defaulted.Spec.Volumes {
			source, allowed := volumeSource(&v.VolumeSource)
			if allowed {
				continue
			}
			at := p.SpecPath.Key("volumes").Index(i)
			if source == "" {
				r.Fail(p.Object, at, `volume "`+v.Name+`" uses a volume type eksguard does not recognise`)
			} else {
				r.Fail(p.Object, at.Key(source), `volume "`+v.Name+`" uses restricted volume type `+source)
			}
			found = true
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

// volumeSource names the field a volume takes its source from (its JSON name, "" for a
// source this switch does not know) and whether PSS restricted allows it. Allowed sources
// win, as in PSA.
func volumeSource(v *corev1.VolumeSource) (string, bool) {
	switch {
	case v.ConfigMap != nil, v.CSI != nil, v.DownwardAPI != nil, v.EmptyDir != nil, v.Ephemeral != nil,
		v.Image != nil, v.PersistentVolumeClaim != nil, v.Projected != nil, v.Secret != nil:
		return "", true
	case v.HostPath != nil:
		return "hostPath", false
	case v.GCEPersistentDisk != nil:
		return "gcePersistentDisk", false
	case v.AWSElasticBlockStore != nil:
		return "awsElasticBlockStore", false
	case v.GitRepo != nil:
		return "gitRepo", false
	case v.NFS != nil:
		return "nfs", false
	case v.ISCSI != nil:
		return "iscsi", false
	case v.Glusterfs != nil:
		return "glusterfs", false
	case v.RBD != nil:
		return "rbd", false
	case v.FlexVolume != nil:
		return "flexVolume", false
	case v.Cinder != nil:
		return "cinder", false
	case v.CephFS != nil:
		return "cephfs", false
	case v.Flocker != nil:
		return "flocker", false
	case v.FC != nil:
		return "fc", false
	case v.AzureFile != nil:
		return "azureFile", false
	case v.VsphereVolume != nil:
		return "vsphereVolume", false
	case v.Quobyte != nil:
		return "quobyte", false
	case v.AzureDisk != nil:
		return "azureDisk", false
	case v.PhotonPersistentDisk != nil:
		return "photonPersistentDisk", false
	case v.PortworxVolume != nil:
		return "portworxVolume", false
	case v.ScaleIO != nil:
		return "scaleIO", false
	case v.StorageOS != nil:
		return "storageos", false
	default:
		return "", false
	}
}

// withDefaultVolumeSources returns spec, or a copy of it in which every volume that sets no
// source is an emptyDir, as the API server's defaulting (SetDefaults_Volume) makes it.
func withDefaultVolumeSources(spec *corev1.PodSpec) *corev1.PodSpec {
	var vols []corev1.Volume
	for i := range spec.Volumes {
		if !noVolumeSource(&spec.Volumes[i].VolumeSource) {
			continue
		}
		if vols == nil {
			vols = slices.Clone(spec.Volumes)
		}
		vols[i].VolumeSource = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
	}
	if vols == nil {
		return spec
	}
	out := *spec
	out.Volumes = vols
	return &out
}

// noVolumeSource reports whether every source field (all pointers) of v is nil. It uses
// reflection so that source types added to the API later count as set.
func noVolumeSource(v *corev1.VolumeSource) bool {
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		if f := rv.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			return false
		}
	}
	return true
}

func init() { check.Register(restrictedVolumeTypes) }
