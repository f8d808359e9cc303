package pod

import (
	"slices"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// runtimeSocketMount: EKS-POD-022 (guide recommendation beyond PSS).
//
// Forbidden: a spec.volumes[*].hostPath.path that is a container runtime socket (Docker,
// containerd, CRI-O, cri-dockerd, dockershim), a directory holding one (/var/run, /run,
// /var/run/containerd, /run/containerd, /var/run/crio, /run/crio) or the host root "/".
// Every other path is left to EKS-POD-024. Whoever reaches the runtime socket can start a
// privileged container on the node, so readOnly does not help (the socket still accepts API
// calls) and the finding is reported whatever the mounts say. One finding per volume, at its
// hostPath.path, naming the containers in ALL_CONTAINERS that mount it.
//
// Decisions: the path is normalised with path.Clean, which removes a trailing "/" as the
// catalogue asks and also duplicate slashes and "..", so /var//run/ and /run/../run/crio
// match too. Ancestors outside the catalogue's list (/var) are not reported: on the
// EKS-optimized Amazon Linux AMIs /var/run is a relative symlink to ../run, which does not
// resolve to the host's /run inside a /var mount. The catalogue does not skip system namespaces, so neither does this.
var runtimeSocketMount = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-022",
		Slug:        "runtime-socket-mount",
		Title:       "Container runtime sockets must never be mounted",
		Section:     "pod-security",
		Severity:    check.Critical,
		Source:      check.SourceK8sObjects,
		Remediation: "Do not mount the runtime socket; build images with kaniko/buildkit rootless and use the Kubernetes API for container information.",
		References: check.References{
			Guide: "pods#never-run-docker-in-docker-or-mount-the-socket-in-the-container",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		var mounts map[string][]volumeMountRef
		for i, v := range p.Spec.Volumes {
			if v.HostPath == nil {
				continue
			}
			clean := cleanHostPath(v.HostPath.Path)
			var what string
			switch {
			case slices.Contains(runtimeSockets, clean):
				what = "a container runtime socket"
			case clean == "/":
				what = "the host root, which holds the container runtime sockets"
			case slices.Contains(runtimeSocketDirs, clean):
				what = "a directory holding container runtime sockets"
			default:
				continue
			}
			if mounts == nil {
				mounts = volumeMountsByName(p)
			}
			r.Fail(p.Object, p.SpecPath.Key("volumes").Index(i).Key("hostPath").Key("path"),
				`volume "`+v.Name+`" mounts host path `+quoteHostPath(v.HostPath.Path, clean)+", "+what+"; "+mountedBy(mounts[v.Name]))
		}
	},
}

// runtimeSockets are the runtime API sockets of Docker, containerd, CRI-O, cri-dockerd and dockershim.
var runtimeSockets = []string{
	"/var/run/docker.sock", "/run/docker.sock",
	"/var/run/containerd/containerd.sock", "/run/containerd/containerd.sock", "/var/run/containerd.sock",
	"/var/run/crio/crio.sock", "/run/crio/crio.sock", "/var/run/crio.sock",
	"/var/run/cri-dockerd.sock", "/run/dockershim.sock",
}

// runtimeSocketDirs are the host directories that hold those sockets.
var runtimeSocketDirs = []string{"/var/run", "/run", "/var/run/containerd", "/run/containerd", "/var/run/crio", "/run/crio"}

func init() { check.Register(runtimeSocketMount) }
