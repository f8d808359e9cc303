package pod

import (
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// nonDefaultCapabilities: EKS-POD-005, PSS baseline "capabilities_baseline".
//
// Forbidden: any value in securityContext.capabilities.add, on any container in
// ALL_CONTAINERS, outside the runtime's default set AUDIT_WRITE, CHOWN, DAC_OVERRIDE,
// FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and
// SYS_CHROOT. Comparison is exact and case-sensitive as in pod-security-admission, so
// "CAP_CHOWN", "chown" and NET_RAW fail. Extra capabilities widen the kernel attack surface
// a compromised container can reach; several amount to root on the node.
//
// Each offending add entry is one finding. SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE,
// BPF and ALL are reported as critical; for that severity decision only, case and a CAP_
// prefix are ignored, so "cap_sys_admin" is not reported lower than SYS_ADMIN.
var nonDefaultCapabilities = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-005",
		Slug:        "non-default-capabilities",
		Title:       "Containers must not add capabilities beyond the default set",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Remove the capability, or drop ALL and add back only what the process needs.",
		References: check.References{
			Guide:        "runtime#consider-adddropping-linux-capabilities-before-writing-seccomp-policies",
			CISEKSLegacy: "1.4: 4.2.7",
			PSS:          "baseline/capabilities_baseline",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		res := psaVerdict("capabilities_baseline", p)
		if res.Allowed {
			return
		}
		found := false
		for _, c := range p.Containers() {
			if c.SecurityContext == nil || c.SecurityContext.Capabilities == nil {
				continue
			}
			for i, capability := range c.SecurityContext.Capabilities.Add {
				name := string(capability)
				if baselineCapabilities[name] {
					continue
				}
				path := c.Path.Key("securityContext").Key("capabilities").Key("add").Index(i)
				msg := "container " + c.Label() + " adds capability " + name + " (not in the default set)"
				if criticalCapabilities[strings.TrimPrefix(strings.ToUpper(name), "CAP_")] {
					r.FailWith(p.Object, path, check.Critical, msg)
				} else {
					r.Fail(p.Object, path, msg)
				}
				found = true
			}
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

// baselineCapabilities is the container runtime default set PSS baseline lets containers add.
var baselineCapabilities = map[string]bool{
	"AUDIT_WRITE": true, "CHOWN": true, "DAC_OVERRIDE": true, "FOWNER": true, "FSETID": true,
	"KILL": true, "MKNOD": true, "NET_BIND_SERVICE": true, "SETFCAP": true, "SETGID": true,
	"SETPCAP": true, "SETUID": true, "SYS_CHROOT": true,
}

// criticalCapabilities raise EKS-POD-005 to critical: each is a known container escape
// or host takeover route.
var criticalCapabilities = map[string]bool{
	"SYS_ADMIN": true, "NET_ADMIN": true, "SYS_PTRACE": true, "SYS_MODULE": true, "BPF": true, "ALL": true,
}

func init() { check.Register(nonDefaultCapabilities) }
