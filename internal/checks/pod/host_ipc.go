package pod

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// hostIPC: EKS-POD-003, PSS baseline "hostNamespaces" (the hostIPC part).
//
// Forbidden: spec.hostIPC true. Allowed: false or unset. A pod in the host IPC namespace
// can read and write the System V shared memory and message queues of every process on
// the node.
//
// pod-security-admission checks hostNetwork, hostPID and hostIPC as one check; eksguard
// splits it into EKS-POD-002/003/004, so each reports only its own field and none falls
// back to a pod-level finding.
var hostIPC = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-003",
		Slug:        "host-ipc",
		Title:       "Pods must not share the host IPC namespace",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Remove hostIPC; use shared emptyDir (medium Memory) between containers of one pod instead.",
		References: check.References{
			Guide:  "pods#restrict-the-containers-that-can-run-as-privileged",
			CISEKS: "4.2.3",
			PSS:    "baseline/hostNamespaces",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if psaVerdict("hostNamespaces", p).Allowed {
			return
		}
		if p.Spec.HostIPC {
			r.Fail(p.Object, p.SpecPath.Key("hostIPC"), "pod shares the host IPC namespace (hostIPC: true)")
		}
	},
}

func init() { check.Register(hostIPC) }
