package pod

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// seccompUnconfined: EKS-POD-011, PSS baseline "seccompProfile_baseline".
//
// Forbidden: spec.securityContext.seccompProfile.type, or securityContext.seccompProfile.type
// of any container in ALL_CONTAINERS, set to anything but RuntimeDefault or Localhost (in
// practice Unconfined; pod-security-admission also rejects a seccompProfile without a
// type). Allowed: RuntimeDefault, Localhost, unset. Unconfined removes the syscall filter,
// leaving every kernel syscall, including those behind most container escapes, reachable.
//
// PSS latest ignores the legacy annotations seccomp.security.alpha.kubernetes.io/pod and
// container.seccomp.security.alpha.kubernetes.io/<name>, and current Kubernetes versions
// no longer apply them, but a value "unconfined" there shows the intent to run unconfined,
// so each one is reported at severity info, outside the PSA verdict (a pod PSA admits may
// carry them).
var seccompUnconfined = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-011",
		Slug:        "seccomp-unconfined",
		Title:       "Seccomp must not be set to Unconfined",
		Section:     "pod-security",
		Severity:    check.High,
		Source:      check.SourceK8sObjects,
		Remediation: "Use seccompProfile type RuntimeDefault (or a Localhost profile).",
		References: check.References{
			Guide: "runtime#seccomp",
			PSS:   "baseline/seccompProfile_baseline",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		reportLegacySeccompAnnotations(p, r)
		res := psaVerdict("seccompProfile_baseline", p)
		if res.Allowed {
			return
		}
		found := false
		if sc := p.Spec.SecurityContext; sc != nil && sc.SeccompProfile != nil && !allowedSeccompType(sc.SeccompProfile.Type) {
			r.Fail(p.Object, p.SpecPath.Key("securityContext").Key("seccompProfile").Key("type"),
				"pod sets seccomp profile type "+strconv.Quote(string(sc.SeccompProfile.Type)))
			found = true
		}
		for _, c := range p.Containers() {
			if sc := c.SecurityContext; sc != nil && sc.SeccompProfile != nil && !allowedSeccompType(sc.SeccompProfile.Type) {
				r.Fail(p.Object, c.Path.Key("securityContext").Key("seccompProfile").Key("type"),
					"container "+c.Label()+" sets seccomp profile type "+strconv.Quote(string(sc.SeccompProfile.Type)))
				found = true
			}
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

// allowedSeccompType is the seccompProfile.type set both PSS levels accept.
func allowedSeccompType(t corev1.SeccompProfileType) bool {
	return t == corev1.SeccompProfileTypeRuntimeDefault || t == corev1.SeccompProfileTypeLocalhost
}

// reportLegacySeccompAnnotations reports legacy seccomp annotations set to "unconfined" as info.
func reportLegacySeccompAnnotations(p inventory.PodSpecRef, r *check.Reporter) {
	keys := make([]string, 0, len(p.Meta.Annotations))
	for k, v := range p.Meta.Annotations {
		if v == corev1.SeccompProfileNameUnconfined &&
			(k == corev1.SeccompPodAnnotationKey || strings.HasPrefix(k, corev1.SeccompContainerAnnotationKeyPrefix)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		r.FailWith(p.Object, p.MetaPath.Key("annotations").Key(k), check.Info,
			"legacy annotation "+k+` is "unconfined" (no longer applied; set seccompProfile instead)`)
	}
}

func init() { check.Register(seccompUnconfined) }
