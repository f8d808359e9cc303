// Package pod holds the catalogue's pod-security section: the Pod Security Standards
// controls (EKS-POD-001..021) and the guide's recommendations beyond them.
//
// PSS checks take their verdict from k8s.io/pod-security-admission, the library the API
// server's own admission plugin runs, so a pod eksguard passes is a pod PSA admits. Each
// check then names the offending fields itself, because PSA results carry no field paths.
package pod

import (
	"k8s.io/pod-security-admission/policy"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// psaLatest maps each PSA check ID to its newest version, which is what a namespace
// labelled with enforce-version "latest" (or none) runs.
var psaLatest = func() map[policy.CheckID]policy.CheckPodFn {
	m := map[policy.CheckID]policy.CheckPodFn{}
	for _, c := range policy.DefaultChecks() {
		m[c.ID] = c.Versions[len(c.Versions)-1].CheckPod
	}
	return m
}()

// psaVerdict runs one pod-security-admission check on a pod spec.
func psaVerdict(id policy.CheckID, p inventory.PodSpecRef) policy.CheckResult {
	fn, ok := psaLatest[id]
	if !ok {
		// A PSA upgrade renamed a check: fail loudly in tests rather than pass silently.
		return policy.CheckResult{Allowed: false, ForbiddenReason: "unknown pod-security-admission check " + string(id)}
	}
	return fn(p.Meta, p.Spec)
}

// pssFallback reports a pod PSA forbids when the check's own field search found nothing,
// so eksguard never passes a pod the API server would reject. It points at the pod spec.
func pssFallback(p inventory.PodSpecRef, r *check.Reporter, res policy.CheckResult) {
	msg := "pod-security-admission forbids this pod: " + res.ForbiddenReason
	if res.ForbiddenDetail != "" {
		msg += " (" + res.ForbiddenDetail + ")"
	}
	r.Fail(p.Object, p.SpecPath, msg)
}
