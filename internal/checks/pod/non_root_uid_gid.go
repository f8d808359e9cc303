package pod

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// nonRootUIDGID: EKS-POD-027 (guide recommendation beyond PSS).
//
// Every container in REGULAR_CONTAINERS must have an effective runAsUser and runAsGroup
// (EFFECTIVE_SC: the container's securityContext value when set, else the pod's) that is set
// and not 0. The pod must not set spec.securityContext.fsGroup 0 nor list 0 in
// spec.securityContext.supplementalGroups. Stricter than PSS, which accepts runAsNonRoot
// with an image USER: here the identity does not depend on the image. Findings point at the
// field that supplies the 0 (container or pod level), or at the container's missing field.
// System namespaces are skipped unless included.
//
// Decisions: "unless USER_NS_POD" exempts both runAsUser and runAsGroup (in a user namespace
// UID and GID 0 map to unprivileged host IDs); fsGroup and supplementalGroups are checked in
// every pod. Windows pods are skipped: the API rejects these fields when spec.os.name is
// windows (identity is set with windowsOptions.runAsUserName there).
var nonRootUIDGID = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-027",
		Slug:        "non-root-uid-gid",
		Title:       "Containers must run with an explicit non-root UID and GID",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Set spec.securityContext runAsUser, runAsGroup and fsGroup to non-zero IDs (e.g. 10001).",
		References: check.References{
			Guide: "iam#run-the-application-as-a-non-root-user",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		if p.IsWindows() {
			return
		}
		podSC, podPath := p.Spec.SecurityContext, p.SpecPath.Key("securityContext")
		if !p.IsUserNamespace() {
			for _, c := range p.RegularContainers() {
				var podUser, podGroup, user, group *int64
				if podSC != nil {
					podUser, podGroup = podSC.RunAsUser, podSC.RunAsGroup
				}
				if c.SecurityContext != nil {
					user, group = c.SecurityContext.RunAsUser, c.SecurityContext.RunAsGroup
				}
				cPath := c.Path.Key("securityContext")
				for _, id := range []struct {
					field, kind     string
					value, podValue *int64
				}{{"runAsUser", "UID", user, podUser}, {"runAsGroup", "GID", group, podGroup}} {
					at, level, v := cPath.Key(id.field), "container", id.value
					if v == nil && id.podValue != nil {
						at, level, v = podPath.Key(id.field), "pod", id.podValue
					}
					switch {
					case v == nil:
						r.Fail(p.Object, at, "container "+c.Label()+" sets no "+id.field+" at container or pod level (the "+id.kind+" comes from the image)")
					case *v == 0:
						r.Fail(p.Object, at, "container "+c.Label()+" runs with "+id.kind+" 0 ("+id.field+" 0 at "+level+" level)")
					}
				}
			}
		}
		if podSC == nil {
			return
		}
		if podSC.FSGroup != nil && *podSC.FSGroup == 0 {
			r.Fail(p.Object, podPath.Key("fsGroup"), "pod sets fsGroup 0: volumes are owned by group root")
		}
		for i, g := range podSC.SupplementalGroups {
			if g == 0 {
				r.Fail(p.Object, podPath.Key("supplementalGroups").Index(i), "pod adds supplemental group 0 (root) to every container")
			}
		}
	},
}

func init() { check.Register(nonRootUIDGID) }
