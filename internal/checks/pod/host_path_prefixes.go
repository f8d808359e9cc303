package pod

import (
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// hostPathPrefixes: EKS-POD-024 (guide recommendation beyond PSS).
//
// Forbidden: a spec.volumes[*].hostPath.path that, normalised with path.Clean (duplicate
// slashes, "." and ".." removed), is not under one of the configured allowed prefixes
// (Config.AllowedHostPathPrefixes, default empty: every hostPath fails at the check
// severity until prefixes are approved). Independently of configuration, sensitive host
// paths fail with severity critical: "/", /etc, /root, /home, /proc, /sys, /dev, /boot, /lib,
// /usr, /var/lib/kubelet, /var/lib/containerd, /var/lib/docker, /etc/kubernetes and anything
// below them, and /var/log (and below) when some container mounts the volume without
// readOnly true. They hold node credentials, kernel interfaces, binaries and runtime state.
// One finding per volume, at its hostPath.path.
//
// Decisions: "/" matches only itself (not everything below it). A path that contains a
// sensitive path (/var, /var/lib) is critical too, because the mount exposes it. An allowed
// prefix is itself cleaned and matches whole path segments (/var/log does not allow
// /var/logs). The catalogue does not skip system namespaces, so neither does this check.
var hostPathPrefixes = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-024",
		Slug:        "host-path-prefixes",
		Title:       "hostPath volumes must stay under approved path prefixes",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Restrict hostPath to the approved prefixes (e.g. /var/log/pods read-only for log shippers) or replace it.",
		References: check.References{
			Guide: "pods#restrict-the-use-of-hostpath-or-if-hostpath-is-necessary-restrict-which-prefixes-can-be-used-and-configure-the-volume-as-read-only",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		var mounts map[string][]volumeMountRef
		for i, v := range p.Spec.Volumes {
			if v.HostPath == nil {
				continue
			}
			if mounts == nil {
				mounts = volumeMountsByName(p)
			}
			clean := cleanHostPath(v.HostPath.Path)
			at := p.SpecPath.Key("volumes").Index(i).Key("hostPath").Key("path")
			what := `volume "` + v.Name + `" mounts host path ` + quoteHostPath(v.HostPath.Path, clean)
			writable := ""
			for _, m := range mounts[v.Name] {
				if !m.Mount.ReadOnly {
					writable = "container " + m.Container.Label() + " mounts it without readOnly"
					break
				}
			}
			if s, how := sensitiveHostPath(clean, writable != ""); s != "" {
				msg := what + ", " + how
				if s == "/var/log" {
					msg += " (sensitive when writable: " + writable + ")"
				}
				r.FailWith(p.Object, at, check.Critical, msg)
				continue
			}
			allowed := r.Config.AllowedHostPathPrefixes
			ok := false
			var names []string
			for _, a := range allowed {
				if a = cleanHostPath(strings.TrimSpace(a)); a != "" {
					names = append(names, a)
					ok = ok || pathUnder(clean, a)
				}
			}
			if !ok {
				list := "none configured"
				if len(names) > 0 {
					list = "allowed: " + strings.Join(names, ", ")
				}
				r.Fail(p.Object, at, what+", which is not under an allowed prefix ("+list+")")
			}
		}
	},
}

// sensitiveHostPaths fail critical whatever the configuration ("/" only by itself).
var sensitiveHostPaths = []string{
	"/etc", "/root", "/home", "/proc", "/sys", "/dev", "/boot", "/lib", "/usr",
	"/var/lib/kubelet", "/var/lib/containerd", "/var/lib/docker", "/etc/kubernetes", "/var/log",
}

// sensitiveHostPath returns the sensitive path p hits, preferring the most specific one, and
// a phrase saying how; /var/log counts only when writable.
func sensitiveHostPath(p string, writable bool) (string, string) {
	if p == "/" {
		return "/", "the whole host filesystem"
	}
	best := ""
	for _, s := range sensitiveHostPaths {
		if (s != "/var/log" || writable) && pathUnder(p, s) && len(s) > len(best) {
			best = s
		}
	}
	switch {
	case best == p:
		return best, "a sensitive host path"
	case best != "":
		return best, "below the sensitive path " + best
	}
	for _, s := range sensitiveHostPaths {
		if (s != "/var/log" || writable) && pathUnder(s, p) {
			return s, "which contains the sensitive path " + s
		}
	}
	return "", ""
}

func init() { check.Register(hostPathPrefixes) }
