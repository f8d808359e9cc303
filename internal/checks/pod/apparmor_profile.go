package pod

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// appArmorProfile: EKS-POD-008, PSS baseline "appArmorProfile".
//
// Forbidden: spec.securityContext.appArmorProfile.type, or securityContext.appArmorProfile.type
// of any container in ALL_CONTAINERS, set to anything but RuntimeDefault or Localhost (in
// practice Unconfined; pod-security-admission also rejects an appArmorProfile without a
// type). Forbidden too: a pod-metadata annotation container.apparmor.security.beta.kubernetes.io/<name>
// whose value is not empty, "runtime/default" or "localhost/<profile>" (in practice
// "unconfined"); like PSA, every annotation with that prefix counts, whether or not a
// container of that name exists. Unset passes: the runtime default profile applies.
// Without AppArmor a compromised process loses the mandatory access control that blocks
// mounts, raw /proc and /sys writes and other escape primitives.
var appArmorProfile = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-008",
		Slug:        "apparmor-profile",
		Title:       "AppArmor must not be disabled or overridden with an unsupported profile",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Remove Unconfined; use RuntimeDefault or a Localhost profile.",
		References: check.References{
			Guide: "runtime#apparmor-and-selinux",
			PSS:   "baseline/appArmorProfile",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		res := psaVerdict("appArmorProfile", p)
		if res.Allowed {
			return
		}
		found := false
		if sc := p.Spec.SecurityContext; sc != nil && sc.AppArmorProfile != nil && !allowedAppArmorType(sc.AppArmorProfile.Type) {
			r.Fail(p.Object, p.SpecPath.Key("securityContext").Key("appArmorProfile").Key("type"),
				"pod sets AppArmor profile type "+strconv.Quote(string(sc.AppArmorProfile.Type)))
			found = true
		}
		for _, c := range p.Containers() {
			if sc := c.SecurityContext; sc != nil && sc.AppArmorProfile != nil && !allowedAppArmorType(sc.AppArmorProfile.Type) {
				r.Fail(p.Object, c.Path.Key("securityContext").Key("appArmorProfile").Key("type"),
					"container "+c.Label()+" sets AppArmor profile type "+strconv.Quote(string(sc.AppArmorProfile.Type)))
				found = true
			}
		}
		keys := make([]string, 0, len(p.Meta.Annotations))
		for k := range p.Meta.Annotations {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := p.Meta.Annotations[k]
			if !strings.HasPrefix(k, corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix) || allowedAppArmorAnnotation(v) {
				continue
			}
			r.Fail(p.Object, p.MetaPath.Key("annotations").Key(k), "annotation "+k+" sets AppArmor profile "+strconv.Quote(v))
			found = true
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

func allowedAppArmorType(t corev1.AppArmorProfileType) bool {
	return t == corev1.AppArmorProfileTypeRuntimeDefault || t == corev1.AppArmorProfileTypeLocalhost
}

func allowedAppArmorAnnotation(v string) bool {
	return v == "" || v == corev1.DeprecatedAppArmorBetaProfileRuntimeDefault ||
		strings.HasPrefix(v, corev1.DeprecatedAppArmorBetaProfileNamePrefix)
}

func init() { check.Register(appArmorProfile) }
