package runtime

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// linuxHardening: EKS-RUN-005.
//
// Required: every container in REGULAR_CONTAINERS applies at least one Linux hardening
// mechanism, read with EFFECTIVE_SC (the container's securityContext field when set, else
// the pod's): seccompProfile.type RuntimeDefault or Localhost; appArmorProfile.type
// RuntimeDefault or Localhost, or the legacy pod annotation
// container.apparmor.security.beta.kubernetes.io/<container> set to runtime/default or
// localhost/<profile>; seLinuxOptions.type set; or the container's
// securityContext.capabilities.drop containing "ALL" (exact, as pod-security-admission
// reads it). A container with none of them runs with the full default attack surface of the
// kernel. One finding per container, at its securityContext (or where it would go). Windows
// pods (WINDOWS_POD) and system namespaces are skipped, the latter unless
// --include-system-namespaces.
//
// Decisions: the AppArmor sources are read in the kubelet's order: the container field,
// then the container's legacy annotation, then the pod field. Each field is taken as a
// whole: a container seLinuxOptions without a type hides a pod-level type, as it does at
// runtime. The removed seccomp annotations have no effect on current clusters and do not
// count.
var linuxHardening = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-RUN-005",
		Slug:        "linux-hardening",
		Title:       "Containers should apply at least one Linux hardening mechanism",
		Section:     "runtime",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Add seccompProfile RuntimeDefault at pod level and drop ALL capabilities.",
		References: check.References{
			Guide: "runtime#security-contexts-and-built-in-kubernetes-controls",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if p.IsWindows() {
			return
		}
		pod := p.Spec.SecurityContext
		if pod == nil {
			pod = &corev1.PodSecurityContext{}
		}
		for _, c := range p.RegularContainers() {
			sc := c.SecurityContext
			if sc == nil {
				sc = &corev1.SecurityContext{}
			}
			seccomp := sc.SeccompProfile
			if seccomp == nil {
				seccomp = pod.SeccompProfile
			}
			if seccomp != nil && (seccomp.Type == corev1.SeccompProfileTypeRuntimeDefault || seccomp.Type == corev1.SeccompProfileTypeLocalhost) {
				continue
			}
			apparmor, confined := appArmorOf(sc.AppArmorProfile, p.Meta.Annotations, c.Name, pod.AppArmorProfile)
			if confined {
				continue
			}
			selinux := sc.SELinuxOptions
			if selinux == nil {
				selinux = pod.SELinuxOptions
			}
			if selinux != nil && selinux.Type != "" {
				continue
			}
			if sc.Capabilities != nil && slices.Contains(sc.Capabilities.Drop, "ALL") {
				continue
			}
			seccompType := "unset"
			if seccomp != nil {
				seccompType = string(seccomp.Type)
			}
			r.Fail(p.Object, c.Path.Key("securityContext"), "container "+c.Label()+
				" applies no Linux hardening (seccomp: "+seccompType+", AppArmor: "+apparmor+", SELinux type: unset, drops ALL capabilities: no)")
		}
	},
}

// appArmorOf returns the effective AppArmor profile of a container, described for messages,
// and whether it confines the container.
func appArmorOf(container *corev1.AppArmorProfile, annotations map[string]string, name string, pod *corev1.AppArmorProfile) (string, bool) {
	if container != nil {
		return string(container.Type), confining(container.Type)
	}
	if v, ok := annotations[corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix+name]; ok {
		return strconv.Quote(v) + " (annotation)", v == corev1.DeprecatedAppArmorBetaProfileRuntimeDefault ||
			strings.HasPrefix(v, corev1.DeprecatedAppArmorBetaProfileNamePrefix)
	}
	if pod != nil {
		return string(pod.Type), confining(pod.Type)
	}
	return "unset", false
}

func confining(t corev1.AppArmorProfileType) bool {
	return t == corev1.AppArmorProfileTypeRuntimeDefault || t == corev1.AppArmorProfileTypeLocalhost
}

func init() { check.Register(linuxHardening) }
