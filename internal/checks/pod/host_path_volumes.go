package pod

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// hostPathVolumes: EKS-POD-006, PSS baseline "hostPathVolumes".
//
// Forbidden: any spec.volumes[*].hostPath, whatever its path or type. Allowed: every
// other volume source. A hostPath volume exposes the node's filesystem to the pod: the
// container runtime socket, kubelet credentials or /etc are one mount away from node root.
// This is the strict baseline rule; the narrower guide rules on read-only mounts, allowed
// prefixes and runtime sockets are separate checks (EKS-POD-022..024).
var hostPathVolumes = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-006",
		Slug:        "host-path-volumes",
		Title:       "Pods must not use hostPath volumes",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Use emptyDir, a PVC, ConfigMap/Secret/projected volumes, or a CSI driver instead of hostPath.",
		References: check.References{
			Guide: "pods#restrict-the-use-of-hostpath-or-if-hostpath-is-necessary-restrict-which-prefixes-can-be-used-and-configure-the-volume-as-read-only",
			PSS:   "baseline/hostPathVolumes",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		res := psaVerdict("hostPathVolumes", p)
		if res.Allowed {
			return
		}
		found := false
		for i, v := range p.Spec.Volumes {
			if v.HostPath == nil {
				continue
			}
			r.Fail(p.Object, p.SpecPath.Key("volumes").Index(i).Key("hostPath"),
				`volume "`+v.Name+`" mounts host path "`+v.HostPath.Path+`"`)
			found = true
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

func init() { check.Register(hostPathVolumes) }
