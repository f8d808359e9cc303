package pod

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// allowPrivilegeEscalation: EKS-POD-016, PSS restricted "allowPrivilegeEscalation".
//
// Required: securityContext.allowPrivilegeEscalation explicitly false on every container in
// ALL_CONTAINERS. Unset fails (the runtime default is true) and true fails. Without it a
// process can gain privileges through setuid binaries or file capabilities (no_new_privs
// is not set). WINDOWS_POD pods are skipped, as in pod-security-admission: Windows has no
// such control and the API rejects the field there.
var allowPrivilegeEscalation = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-016",
		Slug:        "allow-privilege-escalation",
		Title:       "Containers must set allowPrivilegeEscalation to false",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Set securityContext.allowPrivilegeEscalation false on every container.",
		References: check.References{
			Guide:  "pods#do-not-allow-privileged-escalation",
			CISEKS: "4.2.5",
			PSS:    "restricted/allowPrivilegeEscalation",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if p.IsWindows() {
			return
		}
		res := psaVerdict("allowPrivilegeEscalation", p)
		if res.Allowed {
			return
		}
		found := false
		for _, c := range p.Containers() {
			path := c.Path.Key("securityContext").Key("allowPrivilegeEscalation")
			switch sc := c.SecurityContext; {
			case sc == nil || sc.AllowPrivilegeEscalation == nil:
				r.Fail(p.Object, path, "container "+c.Label()+" does not set allowPrivilegeEscalation false (default true)")
			case *sc.AllowPrivilegeEscalation:
				r.Fail(p.Object, path, "container "+c.Label()+" sets allowPrivilegeEscalation true")
			default:
				continue
			}
			found = true
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

func init() { check.Register(allowPrivilegeEscalation) }
