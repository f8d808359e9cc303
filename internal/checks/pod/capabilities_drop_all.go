package pod

import (
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// capabilitiesDropAll: EKS-POD-020, PSS restricted "capabilities_restricted".
//
// Required, for every container in ALL_CONTAINERS: securityContext.capabilities.drop
// contains "ALL" (exact, case-sensitive). Forbidden: any capabilities.add entry other
// than NET_BIND_SERVICE. Dropping everything and adding back only the ability to bind low
// ports leaves a compromised process no capability to build an escape on. WINDOWS_POD pods
// are skipped, as in pod-security-admission (the API rejects capabilities there).
//
// A missing drop ALL and each bad add entry are separate findings: the first points at
// capabilities.drop (or the nearest existing parent), the others at add[i].
var capabilitiesDropAll = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-020",
		Slug:        "capabilities-drop-all",
		Title:       "Containers must drop ALL capabilities and add only NET_BIND_SERVICE",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Set capabilities {drop [ALL], add [NET_BIND_SERVICE] only if binding to ports below 1024}.",
		References: check.References{
			Guide:        "runtime#consider-adddropping-linux-capabilities-before-writing-seccomp-policies",
			CISEKSLegacy: "1.4: 4.2.8",
			PSS:          "restricted/capabilities_restricted",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if p.IsWindows() {
			return
		}
		res := psaVerdict("capabilities_restricted", p)
		if res.Allowed {
			return
		}
		found := false
		for _, c := range p.Containers() {
			capsPath := c.Path.Key("securityContext").Key("capabilities")
			var caps *corev1.Capabilities
			if c.SecurityContext != nil {
				caps = c.SecurityContext.Capabilities
			}
			if caps == nil || !slices.Contains(caps.Drop, "ALL") {
				r.Fail(p.Object, capsPath.Key("drop"), "container "+c.Label()+" does not drop ALL capabilities")
				found = true
			}
			if caps == nil {
				continue
			}
			for i, capability := range caps.Add {
				if capability == "NET_BIND_SERVICE" {
					continue
				}
				r.Fail(p.Object, capsPath.Key("add").Index(i),
					"container "+c.Label()+" adds capability "+string(capability)+" (only NET_BIND_SERVICE is allowed)")
				found = true
			}
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

func init() { check.Register(capabilitiesDropAll) }
