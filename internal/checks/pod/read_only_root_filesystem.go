package pod

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// readOnlyRootFilesystem: EKS-POD-026 (guide recommendation beyond PSS).
//
// Every container in REGULAR_CONTAINERS (ephemeral debug containers excluded) must set
// securityContext.readOnlyRootFilesystem true; unset fails. A writable root filesystem
// lets an attacker drop tools and modify binaries. Windows pods are skipped (unsupported
// there) and system namespaces are skipped unless --include-system-namespaces.
var readOnlyRootFilesystem = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-026",
		Slug:        "read-only-root-filesystem",
		Title:       "Containers must use a read-only root filesystem",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Set readOnlyRootFilesystem true and mount emptyDir volumes at the paths the process writes (e.g. /tmp).",
		References: check.References{
			Guide: "pods#configure-your-images-with-read-only-root-file-system",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if p.IsWindows() {
			return
		}
		for _, c := range p.RegularContainers() {
			sc := c.SecurityContext
			switch {
			case sc == nil || sc.ReadOnlyRootFilesystem == nil:
				r.Fail(p.Object, c.Path.Key("securityContext").Key("readOnlyRootFilesystem"), "container "+c.Label()+" does not set readOnlyRootFilesystem (default false)")
			case !*sc.ReadOnlyRootFilesystem:
				r.Fail(p.Object, c.Path.Key("securityContext").Key("readOnlyRootFilesystem"), "container "+c.Label()+" sets readOnlyRootFilesystem false")
			}
		}
	},
}

func init() { check.Register(readOnlyRootFilesystem) }
