package pod

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// runningPodsPSS: EKS-POD-031.
//
// Forbidden: a running Pod that violates the Pod Security Standard its namespace enforces
// (label pod-security.kubernetes.io/enforce, with enforce-version). Such a pod was admitted
// before the label was added or through an exemption; it keeps running, but the API server
// rejects it as soon as it is re-created (a bare Pod after deletion, a controller's Pod on its
// next rollout or reschedule). The verdict comes from k8s.io/pod-security-admission with the
// namespace's policy resolved exactly as the admission plugin resolves it
// (api.PolicyToEvaluate over an EKS default of privileged:latest, so invalid labels enforce
// restricted:latest), and the message carries PSA's own forbidden detail. PSA results have no
// field paths, so the finding points at the pod's spec. System namespaces are reported with
// exempt=true, as for the PSS checks.
//
// Decisions: the catalogue defines this check for live mode. In manifest mode it evaluates the
// Pod objects of the input (for instance kubectl get pods -o yaml) whose Namespace object is
// also in the input and carries an enforce label; workload templates are not pods and are left
// to EKS-POD-001..021 and EKS-POD-029. Pods in phase Succeeded or Failed are not running and
// are skipped; pods without a phase (plain manifests) are evaluated; pods with no namespace in
// the manifest cannot be tied to a namespace and are skipped. PSA exemptions (usernames,
// runtime classes, namespaces in the API server's AdmissionConfiguration) are not visible on
// EKS and are not applied: a pod exempted there is reported as violating.
var runningPodsPSS = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-031",
		Slug:        "running-pods-pss",
		Title:       "Running pods must comply with their namespace's enforced PSS level",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Fix the workload spec or move it to an exempt namespace with its own justification; restart to confirm admission.",
		References: check.References{
			Guide: "pods#existing-pods",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	Reads: []string{"Namespace", "Pod"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		type nsPolicy struct {
			enforce psaapi.LevelVersion
			note    string
		}
		policies := map[string]nsPolicy{}
		defaults := psaapi.Policy{
			Enforce: psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
			Audit:   psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
			Warn:    psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
		}
		for _, o := range inv.OfKind("Namespace") {
			ns, ok := o.Typed.(*corev1.Namespace)
			if !ok {
				continue
			}
			if _, set := ns.Labels[psaapi.EnforceLevelLabel]; !set {
				continue
			}
			p, errs := psaapi.PolicyToEvaluate(ns.Labels, defaults)
			var note string
			if len(errs) > 0 {
				note = " (its labels do not parse: " + errs.ToAggregate().Error() + ")"
			}
			policies[o.Name] = nsPolicy{enforce: p.Enforce, note: note}
		}
		if len(policies) == 0 {
			return
		}
		for _, o := range inv.OfKind("Pod") {
			pod, ok := o.Typed.(*corev1.Pod)
			if !ok || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
				continue
			}
			p, ok := policies[o.Namespace]
			if !ok {
				continue
			}
			r.Evaluated(1)
			res := policy.AggregateCheckResults(restrictedEvaluator.EvaluatePod(p.enforce, &pod.ObjectMeta, &pod.Spec))
			if res.Allowed {
				continue
			}
			r.Fail(o, fieldpath.Root.Key("spec"), "pod violates PodSecurity "+strconv.Quote(p.enforce.String())+" enforced by namespace "+
				strconv.Quote(o.Namespace)+p.note+": "+res.ForbiddenDetail()+"; the API server will reject it when it is re-created")
		}
	},
}

func init() { check.Register(runningPodsPSS) }
