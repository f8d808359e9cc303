package pod

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// hostPathReadOnly: EKS-POD-023 (guide recommendation beyond PSS).
//
// Forbidden: a volumeMounts[*] entry, in any container of ALL_CONTAINERS, that mounts a
// hostPath volume without readOnly true (unset means writable). A writable host mount lets
// the container change node files (binaries, kubelet state, logs that others trust). A
// hostPath volume that no container mounts passes. Findings point at the mount's readOnly.
//
// The catalogue also asks for an info finding when a read-only mount keeps recursiveReadOnly
// "Disabled" while the host path contains other mounts (those stay writable). The API default
// is Disabled, so unset counts as Disabled. Manifest mode cannot see a node's mount table;
// eksguard assumes a host path contains other mounts when it is, or is an ancestor of, a
// directory where every EKS node has mounts (/dev, /proc, /sys, /run/containerd,
// /var/run/containerd, /run/netns, /var/run/netns, /var/lib/kubelet/pods), or lies below
// /var/lib/kubelet/pods (pod volumes). The catalogue does not skip system namespaces.
var hostPathReadOnly = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-023",
		Slug:        "host-path-read-only",
		Title:       "hostPath volumes that are used must be mounted read-only",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Set readOnly true on every mount of the hostPath volume (and recursiveReadOnly Enabled where supported).",
		References: check.References{
			Guide: "pods#restrict-the-use-of-hostpath-or-if-hostpath-is-necessary-restrict-which-prefixes-can-be-used-and-configure-the-volume-as-read-only",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		var mounts map[string][]volumeMountRef
		for _, v := range p.Spec.Volumes {
			if v.HostPath == nil {
				continue
			}
			if mounts == nil {
				mounts = volumeMountsByName(p)
			}
			clean := cleanHostPath(v.HostPath.Path)
			what := "host path " + quoteHostPath(v.HostPath.Path, clean) + ` (volume "` + v.Name + `")`
			for _, m := range mounts[v.Name] {
				who := "container " + m.Container.Label() + " mounts " + what
				switch {
				case !m.Mount.ReadOnly:
					r.Fail(p.Object, m.Path().Key("readOnly"), who+" without readOnly: true")
				case hasSubmounts(clean) && (m.Mount.RecursiveReadOnly == nil || *m.Mount.RecursiveReadOnly == corev1.RecursiveReadOnlyDisabled):
					mode := "recursiveReadOnly unset, default Disabled"
					if m.Mount.RecursiveReadOnly != nil {
						mode = "recursiveReadOnly Disabled"
					}
					r.FailWith(p.Object, m.Path().Key("recursiveReadOnly"), check.Info,
						who+" read-only but not recursively ("+mode+"); host mounts below it stay writable")
				}
			}
		}
	},
}

// submountHolders are host directories where every EKS node has further mounts.
var submountHolders = []string{"/dev", "/proc", "/sys", "/run/containerd", "/var/run/containerd", "/run/netns", "/var/run/netns", "/var/lib/kubelet/pods"}

// hasSubmounts reports whether the (clean) host path is assumed to contain other mounts.
func hasSubmounts(p string) bool {
	if pathUnder(p, "/var/lib/kubelet/pods") {
		return true
	}
	for _, h := range submountHolders {
		if pathUnder(h, p) {
			return true
		}
	}
	return false
}

func init() { check.Register(hostPathReadOnly) }
