package pod

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// procMountUserNamespace: EKS-POD-021, PSS restricted "procMount_restricted".
//
// Forbidden: securityContext.procMount set to anything but "Default" (in practice
// "Unmasked") on any container in ALL_CONTAINERS, also in a USER_NS_POD (spec.hostUsers
// false). Allowed: unset or Default. Since PSS 1.35 baseline relaxes procMount for
// user-namespace pods; restricted does not, because an unmasked /proc still widens the
// kernel surface the pod can reach.
//
// Only USER_NS_POD pods are reported here: elsewhere the same fields are EKS-POD-010
// findings, and reporting them twice would add nothing. As the PSA check is shared with
// EKS-POD-010, there is no pod-level fallback; the locator is exact.
var procMountUserNamespace = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-021",
		Slug:        "proc-mount-user-namespace",
		Title:       "Containers in user-namespace pods must still use the default /proc mount (restricted)",
		Section:     "pod-security",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Remove procMount or set it to Default.",
		References: check.References{
			Guide: "pods#pod-security-standards-pss-and-pod-security-admission-psa",
			PSS:   "restricted/procMount_restricted",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if !p.IsUserNamespace() || psaVerdict("procMount_restricted", p).Allowed {
			return
		}
		reportProcMounts(p, r)
	},
}

func init() { check.Register(procMountUserNamespace) }
