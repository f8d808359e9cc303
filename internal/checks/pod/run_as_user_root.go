package pod

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// runAsUserRoot: EKS-POD-018, PSS restricted "runAsUser".
//
// Forbidden: spec.securityContext.runAsUser 0, or securityContext.runAsUser 0 on any
// container in ALL_CONTAINERS. The pod-level value fails even when every container
// overrides it, as in pod-security-admission. Allowed: unset or non-zero (runAsNonRoot,
// EKS-POD-017, covers the image's default user). UID 0 in a container is root on the node
// once anything else goes wrong (a writable hostPath, a kernel bug, a runtime escape).
// USER_NS_POD pods are skipped, as in PSS 1.35+: UID 0 there maps to an unprivileged UID
// on the node.
var runAsUserRoot = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-018",
		Slug:        "run-as-user-root",
		Title:       "Containers must not set runAsUser 0",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Set runAsUser to a non-zero UID (e.g. 10001) or remove it and rely on the image's non-root USER.",
		References: check.References{
			Guide: "pods#do-not-run-processes-in-containers-as-root",
			PSS:   "restricted/runAsUser",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if p.IsUserNamespace() {
			return
		}
		res := psaVerdict("runAsUser", p)
		if res.Allowed {
			return
		}
		found := false
		if sc := p.Spec.SecurityContext; sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			r.Fail(p.Object, p.SpecPath.Key("securityContext").Key("runAsUser"), "pod sets runAsUser 0 (root)")
			found = true
		}
		for _, c := range p.Containers() {
			if sc := c.SecurityContext; sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
				r.Fail(p.Object, c.Path.Key("securityContext").Key("runAsUser"), "container "+c.Label()+" sets runAsUser 0 (root)")
				found = true
			}
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

func init() { check.Register(runAsUserRoot) }
