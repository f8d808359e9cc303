package pod

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// seLinuxOptions: EKS-POD-009, PSS baseline "seLinuxOptions".
//
// Checked: spec.securityContext.seLinuxOptions and securityContext.seLinuxOptions of every
// container in ALL_CONTAINERS. Forbidden: .type other than "", container_t,
// container_init_t, container_kvm_t or container_engine_t (the PSS 1.31+ set); any
// non-empty .user or .role. .level is not restricted. A custom SELinux user, role or type
// can move the process into an unconfined or host domain, undoing the label that keeps
// containers apart. Each offending field is one finding.
var seLinuxOptions = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-009",
		Slug:        "selinux-options",
		Title:       "SELinux options must not set custom user, role or an unexpected type",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Remove seLinuxOptions user/role and use one of the allowed container types.",
		References: check.References{
			Guide: "runtime#apparmor-and-selinux",
			PSS:   "baseline/seLinuxOptions",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		res := psaVerdict("seLinuxOptions", p)
		if res.Allowed {
			return
		}
		found := false
		report := func(opts *corev1.SELinuxOptions, at fieldpath.Path, who string) {
			if opts == nil {
				return
			}
			if !allowedSELinuxTypes[opts.Type] {
				r.Fail(p.Object, at.Key("type"), who+" sets SELinux type "+strconv.Quote(opts.Type))
				found = true
			}
			if opts.User != "" {
				r.Fail(p.Object, at.Key("user"), who+" sets SELinux user "+strconv.Quote(opts.User))
				found = true
			}
			if opts.Role != "" {
				r.Fail(p.Object, at.Key("role"), who+" sets SELinux role "+strconv.Quote(opts.Role))
				found = true
			}
		}
		if sc := p.Spec.SecurityContext; sc != nil {
			report(sc.SELinuxOptions, p.SpecPath.Key("securityContext").Key("seLinuxOptions"), "pod")
		}
		for _, c := range p.Containers() {
			if sc := c.SecurityContext; sc != nil {
				report(sc.SELinuxOptions, c.Path.Key("securityContext").Key("seLinuxOptions"), "container "+c.Label())
			}
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

// allowedSELinuxTypes are the seLinuxOptions.type values PSS baseline accepts (1.31 and later).
var allowedSELinuxTypes = map[string]bool{
	"": true, "container_t": true, "container_init_t": true, "container_kvm_t": true, "container_engine_t": true,
}

func init() { check.Register(seLinuxOptions) }
