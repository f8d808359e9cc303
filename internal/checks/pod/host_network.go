package pod

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// hostNetwork: EKS-POD-004, PSS baseline "hostNamespaces" (the hostNetwork part).
//
// Forbidden: spec.hostNetwork true. Allowed: false or unset. A host-network pod uses the
// node's interfaces: NetworkPolicies and security groups for pods do not apply to it, it
// can bind node ports and sniff node traffic, and it reaches the instance metadata
// service (IMDS) whatever the hop limit, and with it the node role's credentials.
//
// pod-security-admission checks hostNetwork, hostPID and hostIPC as one check; eksguard
// splits it into EKS-POD-002/003/004, so each reports only its own field and none falls
// back to a pod-level finding.
var hostNetwork = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-004",
		Slug:        "host-network",
		Title:       "Pods must not use the host network namespace",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Remove hostNetwork and expose the workload through a Service; keep host networking only for exempted node agents (CNI, kube-proxy).",
		References: check.References{
			Guide:  "pods#restrict-the-containers-that-can-run-as-privileged",
			CISEKS: "4.2.4",
			PSS:    "baseline/hostNamespaces",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if psaVerdict("hostNamespaces", p).Allowed {
			return
		}
		if p.Spec.HostNetwork {
			r.Fail(p.Object, p.SpecPath.Key("hostNetwork"),
				"pod uses the host network namespace (hostNetwork: true): it bypasses NetworkPolicies and security groups for pods and reaches IMDS regardless of the hop limit")
		}
	},
}

func init() { check.Register(hostNetwork) }
