package pod

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// windowsHostProcess: EKS-POD-013, PSS baseline "windowsHostProcess".
//
// Forbidden: spec.securityContext.windowsOptions.hostProcess true, or
// securityContext.windowsOptions.hostProcess true on any container in ALL_CONTAINERS.
// Allowed: false or unset. A HostProcess container runs directly on the Windows node as a
// host process with the node's network and filesystem: the Windows counterpart of a
// privileged container.
var windowsHostProcess = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-013",
		Slug:        "windows-host-process",
		Title:       "Windows HostProcess containers must not be used",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Remove hostProcess; run node-level Windows agents from an exempted namespace only.",
		References: check.References{
			Guide: "pods#restrict-the-containers-that-can-run-as-privileged",
			PSS:   "baseline/windowsHostProcess",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		res := psaVerdict("windowsHostProcess", p)
		if res.Allowed {
			return
		}
		found := false
		if sc := p.Spec.SecurityContext; sc != nil && sc.WindowsOptions != nil && sc.WindowsOptions.HostProcess != nil && *sc.WindowsOptions.HostProcess {
			r.Fail(p.Object, p.SpecPath.Key("securityContext").Key("windowsOptions").Key("hostProcess"), "pod runs as a Windows HostProcess pod")
			found = true
		}
		for _, c := range p.Containers() {
			if sc := c.SecurityContext; sc != nil && sc.WindowsOptions != nil && sc.WindowsOptions.HostProcess != nil && *sc.WindowsOptions.HostProcess {
				r.Fail(p.Object, c.Path.Key("securityContext").Key("windowsOptions").Key("hostProcess"),
					"container "+c.Label()+" runs as a Windows HostProcess container")
				found = true
			}
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

func init() { check.Register(windowsHostProcess) }
