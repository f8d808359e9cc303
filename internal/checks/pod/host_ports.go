package pod

import (
	"strconv"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// hostPorts: EKS-POD-007, PSS baseline "hostPorts".
//
// Forbidden: ports[*].hostPort set to a non-zero value on any container in ALL_CONTAINERS.
// Allowed: unset or 0. A host port binds the node's own address: it bypasses Services and
// NetworkPolicies, exposes the pod on the node's network and pins it to nodes where the
// port is free. Each offending port is one finding.
var hostPorts = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-007",
		Slug:        "host-ports",
		Title:       "Containers must not use host ports",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Expose the port through a Service (ClusterIP/LoadBalancer) instead of hostPort.",
		References: check.References{
			Guide: "pods#restrict-the-containers-that-can-run-as-privileged",
			PSS:   "baseline/hostPorts",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		res := psaVerdict("hostPorts", p)
		if res.Allowed {
			return
		}
		found := false
		for _, c := range p.Containers() {
			for i, port := range c.Ports {
				if port.HostPort == 0 {
					continue
				}
				r.Fail(p.Object, c.Path.Key("ports").Index(i).Key("hostPort"),
					"container "+c.Label()+" binds host port "+strconv.Itoa(int(port.HostPort)))
				found = true
			}
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

func init() { check.Register(hostPorts) }
