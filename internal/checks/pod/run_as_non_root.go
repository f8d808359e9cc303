package pod

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// runAsNonRoot: EKS-POD-017, PSS restricted "runAsNonRoot".
//
// Required: runAsNonRoot true for every container in ALL_CONTAINERS, as EFFECTIVE_SC: the
// container's securityContext.runAsNonRoot when set, otherwise spec.securityContext.runAsNonRoot.
// Forbidden: an explicit false at pod or container level; a container that leaves it unset
// while the pod does not set it true. With runAsNonRoot true the kubelet refuses to start
// a container whose image would run as UID 0. USER_NS_POD pods are skipped, as in PSS 1.35+:
// root inside a user namespace maps to an unprivileged UID on the node.
//
// Findings: the pod-level field when it is false; each container that sets false; each
// container that leaves it unset while the pod leaves it unset too (a container inheriting
// an explicit pod-level false is covered by the pod finding).
var runAsNonRoot = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-017",
		Slug:        "run-as-non-root",
		Title:       "Containers must run with runAsNonRoot true",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Set spec.securityContext.runAsNonRoot true and build images with a numeric non-root USER.",
		References: check.References{
			Guide:        "pods#do-not-run-processes-in-containers-as-root",
			CISEKSLegacy: "1.4: 4.2.6",
			PSS:          "restricted/runAsNonRoot",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if p.IsUserNamespace() {
			return
		}
		res := psaVerdict("runAsNonRoot", p)
		if res.Allowed {
			return
		}
		found := false
		var podValue *bool
		if sc := p.Spec.SecurityContext; sc != nil {
			podValue = sc.RunAsNonRoot
		}
		if podValue != nil && !*podValue {
			r.Fail(p.Object, p.SpecPath.Key("securityContext").Key("runAsNonRoot"), "pod sets runAsNonRoot false")
			found = true
		}
		for _, c := range p.Containers() {
			path := c.Path.Key("securityContext").Key("runAsNonRoot")
			switch sc := c.SecurityContext; {
			case sc != nil && sc.RunAsNonRoot != nil:
				if *sc.RunAsNonRoot {
					continue
				}
				r.Fail(p.Object, path, "container "+c.Label()+" sets runAsNonRoot false")
			case podValue == nil:
				r.Fail(p.Object, path, "container "+c.Label()+" does not set runAsNonRoot true and neither does the pod")
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

func init() { check.Register(runAsNonRoot) }
