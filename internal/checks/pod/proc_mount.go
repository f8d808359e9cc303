package pod

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// procMount: EKS-POD-010, PSS baseline "procMount".
//
// Forbidden: securityContext.procMount set to anything but "Default" (in practice
// "Unmasked") on any container in ALL_CONTAINERS. Allowed: unset or Default. An unmasked
// /proc exposes kernel interfaces the runtime normally hides or makes read-only
// (/proc/sys, /proc/sysrq-trigger, ...). Since PSS 1.35 baseline allows any value in a
// USER_NS_POD (spec.hostUsers false), where those interfaces are confined to the user
// namespace; the restricted profile still forbids it there, which is EKS-POD-021.
//
// pod-security-admission's procMount check feeds two eksguard checks (this one for pods
// outside user namespaces, EKS-POD-021 inside), so neither falls back to a pod-level
// finding: both locate the offending fields exactly.
var procMount = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-010",
		Slug:        "proc-mount",
		Title:       "Containers must use the default /proc mount",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Remove procMount or set it to Default.",
		References: check.References{
			Guide: "pods#restrict-the-containers-that-can-run-as-privileged",
			PSS:   "baseline/procMount",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if psaVerdict("procMount", p).Allowed {
			return
		}
		reportProcMounts(p, r)
	},
}

// reportProcMounts reports every container whose procMount is set and not Default.
func reportProcMounts(p inventory.PodSpecRef, r *check.Reporter) {
	for _, c := range p.Containers() {
		if sc := c.SecurityContext; sc != nil && sc.ProcMount != nil && *sc.ProcMount != corev1.DefaultProcMount {
			r.Fail(p.Object, c.Path.Key("securityContext").Key("procMount"),
				"container "+c.Label()+" sets procMount "+strconv.Quote(string(*sc.ProcMount)))
		}
	}
}

func init() { check.Register(procMount) }
