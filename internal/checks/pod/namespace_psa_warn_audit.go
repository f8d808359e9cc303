package pod

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// namespacePSAWarnAudit: EKS-POD-030.
//
// Every Namespace must carry pod-security.kubernetes.io/warn and pod-security.kubernetes.io/audit
// labels, each at least as strict as pod-security.kubernetes.io/enforce (privileged < baseline
// < restricted). Warn shows users what a stricter level would reject and audit records it, so
// a namespace can tighten enforce without surprises (recommended: enforce=baseline,
// warn=restricted, audit=restricted). A missing label and a less strict one are findings at
// that label. System namespaces are skipped unless included. Manifest mode evaluates the
// Namespace objects found in the input.
//
// Decisions: levels are compared as Pod Security Admission resolves them: a missing enforce
// is privileged (the EKS default), an invalid enforce is restricted, an invalid warn or audit
// value is reported as invalid (PSA ignores it and falls back to privileged). The -version
// labels are not compared; the catalogue orders levels only.
var namespacePSAWarnAudit = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-030",
		Slug:        "namespace-psa-warn-audit",
		Title:       "Namespaces should set PSA warn and audit modes at least as strict as enforce",
		Section:     "pod-security",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "kubectl label ns <ns> pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted",
		References: check.References{
			Guide: "pods#use-multiple-pod-security-admission-psa-modes-for-a-better-user-experience",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Kinds: []string{"Namespace"},
	Object: func(o *inventory.Object, r *check.Reporter) {
		ns, ok := o.Typed.(*corev1.Namespace)
		if !ok {
			return
		}
		enforce, enforceText := psaapi.LevelPrivileged, "enforce privileged (unset)"
		if v, ok := ns.Labels[psaapi.EnforceLevelLabel]; ok {
			var err error
			enforce, err = psaapi.ParseLevel(v)
			enforceText = "enforce " + string(enforce)
			if err != nil {
				enforceText += " (how Pod Security Admission reads the invalid " + strconv.Quote(v) + ")"
			}
		}
		labels := fieldpath.Root.Key("metadata").Key("labels")
		for _, key := range []string{psaapi.WarnLevelLabel, psaapi.AuditLevelLabel} {
			v, set := ns.Labels[key]
			level, err := psaapi.ParseLevel(v)
			switch {
			case !set:
				r.Fail(o, labels.Key(key), "namespace has no "+key+" label")
			case err != nil:
				r.Fail(o, labels.Key(key), "namespace sets "+key+" to "+strconv.Quote(v)+", not a valid level (privileged, baseline, restricted); Pod Security Admission ignores it")
			case psaapi.CompareLevels(level, enforce) < 0:
				r.Fail(o, labels.Key(key), "namespace sets "+key+" to "+v+", less strict than "+enforceText)
			}
		}
	},
}

func init() { check.Register(namespacePSAWarnAudit) }
