package pod

import (
	"strconv"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// seccompProfileRequired: EKS-POD-019, PSS restricted "seccompProfile_restricted".
//
// Required: seccompProfile.type RuntimeDefault or Localhost for every container in
// ALL_CONTAINERS, as EFFECTIVE_SC: the container's securityContext.seccompProfile when
// set, otherwise spec.securityContext.seccompProfile. Forbidden: any explicit other type at
// pod or container level (Unconfined, or a profile without a type); a container that
// leaves it unset while the pod does not set an allowed type. Without a profile the
// container runs Unconfined unless the kubelet's SeccompDefault is on, which eksguard
// cannot see from a manifest. WINDOWS_POD pods are skipped, as in pod-security-admission.
//
// Findings: the pod-level type when it is not allowed; each container's explicit bad
// type; each container that leaves seccompProfile unset while the pod leaves it unset too
// (a container inheriting a bad pod-level type is covered by the pod finding). Explicit
// Unconfined is also an EKS-POD-011 finding: baseline and restricted both forbid it.
var seccompProfileRequired = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-019",
		Slug:        "seccomp-profile-required",
		Title:       "A seccomp profile must be set (RuntimeDefault or Localhost)",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Set spec.securityContext.seccompProfile.type RuntimeDefault.",
		References: check.References{
			Guide: "runtime#seccomp",
			PSS:   "restricted/seccompProfile_restricted",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if p.IsWindows() {
			return
		}
		res := psaVerdict("seccompProfile_restricted", p)
		if res.Allowed {
			return
		}
		found := false
		podSet := false
		if sc := p.Spec.SecurityContext; sc != nil && sc.SeccompProfile != nil {
			podSet = true
			if !allowedSeccompType(sc.SeccompProfile.Type) {
				r.Fail(p.Object, p.SpecPath.Key("securityContext").Key("seccompProfile").Key("type"),
					"pod sets seccomp profile type "+strconv.Quote(string(sc.SeccompProfile.Type)))
				found = true
			}
		}
		for _, c := range p.Containers() {
			switch sc := c.SecurityContext; {
			case sc != nil && sc.SeccompProfile != nil:
				if allowedSeccompType(sc.SeccompProfile.Type) {
					continue
				}
				r.Fail(p.Object, c.Path.Key("securityContext").Key("seccompProfile").Key("type"),
					"container "+c.Label()+" sets seccomp profile type "+strconv.Quote(string(sc.SeccompProfile.Type)))
			case !podSet:
				r.Fail(p.Object, c.Path.Key("securityContext").Key("seccompProfile"),
					"container "+c.Label()+" sets no seccomp profile and neither does the pod")
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

func init() { check.Register(seccompProfileRequired) }
