package pod

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// hostPID: EKS-POD-002, PSS baseline "hostNamespaces" (the hostPID part).
//
// Forbidden: spec.hostPID true. Allowed: false or unset. A pod in the host PID namespace
// sees every process on the node, can read their environment and /proc/<pid>/root, and
// can signal or ptrace them.
//
// pod-security-admission checks hostNetwork, hostPID and hostIPC as one check; eksguard
// splits it into EKS-POD-002/003/004, so each reports only its own field and none falls
// back to a pod-level finding.
var hostPID = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-002",
		Slug:        "host-pid",
		Title:       "Pods must not share the host PID namespace",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Remove hostPID; use a dedicated, exempted node-agent namespace for the rare agents that need it.",
		References: check.References{
			Guide:  "pods#restrict-the-containers-that-can-run-as-privileged",
			CISEKS: "4.2.2",
			PSS:    "baseline/hostNamespaces",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if psaVerdict("hostNamespaces", p).Allowed {
			return
		}
		if p.Spec.HostPID {
			r.Fail(p.Object, p.SpecPath.Key("hostPID"), "pod shares the host PID namespace (hostPID: true)")
		}
	},
}

func init() { check.Register(hostPID) }
