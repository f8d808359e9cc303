package pod

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// unsafeSysctls: EKS-POD-012, PSS baseline "sysctls".
//
// Forbidden: any spec.securityContext.sysctls[*].name outside the safe set, which is
// namespaced and isolated from the node: kernel.shm_rmid_forced,
// net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range,
// net.ipv4.ip_unprivileged_port_start, net.ipv4.ip_local_reserved_ports (PSS 1.27+),
// net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl,
// net.ipv4.tcp_keepalive_probes (1.29+), net.ipv4.tcp_rmem and net.ipv4.tcp_wmem (1.32+).
// Other sysctls can change node-wide kernel behaviour or starve other pods.
//
// The set is PSA latest as built into eksguard (k8s.io/pod-security-admission v0.36, so
// the PSS 1.37 additions net.ipv4.tcp_slow_start_after_idle and net.ipv4.tcp_notsent_lowat
// still fail). Whether each name is safe is asked of PSA itself, one sysctl at a time, so
// the findings follow the library when it grows the set. Honouring a namespace's
// pod-security.kubernetes.io/enforce-version pin, as the catalogue describes, is left for
// a later issue: pinned versions older than 1.32 accept fewer names than reported here.
var unsafeSysctls = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-012",
		Slug:        "unsafe-sysctls",
		Title:       "Only safe sysctls may be set",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Remove the sysctl or apply it at node level through the node group configuration.",
		References: check.References{
			Guide: "pods#restrict-the-containers-that-can-run-as-privileged",
			PSS:   "baseline/sysctls",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		res := psaVerdict("sysctls", p)
		if res.Allowed {
			return
		}
		found := false
		var sysctls []corev1.Sysctl
		if p.Spec.SecurityContext != nil {
			sysctls = p.Spec.SecurityContext.Sysctls
		}
		for i, s := range sysctls {
			if safeSysctl(s) {
				continue
			}
			r.Fail(p.Object, p.SpecPath.Key("securityContext").Key("sysctls").Index(i).Key("name"),
				"pod sets unsafe sysctl "+s.Name)
			found = true
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

// safeSysctl asks pod-security-admission whether a pod setting only s is allowed.
func safeSysctl(s corev1.Sysctl) bool {
	spec := &corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{Sysctls: []corev1.Sysctl{s}}}
	return psaVerdict("sysctls", inventory.PodSpecRef{Meta: &metav1.ObjectMeta{}, Spec: spec}).Allowed
}

func init() { check.Register(unsafeSysctls) }
