package pod

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// privileged: EKS-POD-001, PSS baseline "privileged".
//
// Forbidden: securityContext.privileged true on any container in ALL_CONTAINERS (init,
// regular and ephemeral). Allowed: false, unset or null. A privileged container has every
// capability and all host devices: it is root on the node.
var privileged = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-POD-001",
		Slug:     "privileged",
		Title:    "Containers must not run privileged",
		Section:  "pod-security",
		Severity: check.Critical,
		Source:   check.SourceK8sObjects,
		Remediation: "Remove privileged: true; grant only the specific capabilities needed (baseline allows the default set). " +
			"Run Docker-in-Docker style builds with rootless builders (kaniko, buildkit rootless) instead.",
		References: check.References{
			Guide:  "pods#restrict-the-containers-that-can-run-as-privileged",
			CISEKS: "4.2.1",
			PSS:    "baseline/privileged",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		res := psaVerdict("privileged", p)
		if res.Allowed {
			return
		}
		found := false
		for _, c := range p.Containers() {
			if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
				r.Fail(p.Object, c.Path.Key("securityContext").Key("privileged"), "container "+c.Label()+" runs privileged")
				found = true
			}
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

func init() { check.Register(privileged) }
