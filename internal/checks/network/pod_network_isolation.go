package network

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// podNetworkIsolation: EKS-NET-003.
//
// Every workload (POD_SPEC_SOURCES) outside SYSTEM_NAMESPACES must be selected by a
// NetworkPolicy for ingress and by one for egress. A policy selects the pod when it is in the
// pod's namespace and its spec.podSelector matches the pod labels (Pod metadata, or the
// template's), with label-selector semantics: matchLabels and matchExpressions (In, NotIn,
// Exists, DoesNotExist) ANDed, and an empty selector matching every pod. It applies to a
// direction per its effective policyTypes (absent: Ingress, plus Egress when spec.egress has
// rules). A pod no policy selects in a direction is not isolated there: it accepts or sends
// any traffic. hostNetwork pods are skipped, as NetworkPolicies do not apply to them. The
// finding names the missing direction(s) and points at the pod labels, the field policies
// select on.
//
// Decisions: a cluster-scoped default deny covering every pod of the namespace (see
// EKS-NET-001) isolates the pod too and counts. Manifest mode uses the NetworkPolicies of the
// input; workloads without metadata.namespace are matched with policies without one.
var podNetworkIsolation = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-003",
		Slug:        "pod-network-isolation",
		Title:       "Every pod must be selected by a NetworkPolicy for ingress and egress",
		Section:     "network",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Add or widen NetworkPolicies so each workload is isolated in both directions.",
		References: check.References{
			Guide: "network#incrementally-add-rules-to-selectively-allow-the-flow-of-traffic-between-namespacespods",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: append([]string{"NetworkPolicy"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		pols := IndexPolicies(inv)
		namespaces := namespaceIndex(inv)
		for _, p := range inv.PodSpecs() {
			if p.Spec.HostNetwork || skipsNamespace(r, p.Namespace()) {
				continue
			}
			r.Evaluated(1)
			var missing []string
			for _, d := range []Direction{Ingress, Egress} {
				if !podIsolated(pols, namespaces[p.Namespace()], p, d) {
					missing = append(missing, d.String())
				}
			}
			switch len(missing) {
			case 1:
				r.Fail(p.Object, labelsPath(p), "no NetworkPolicy "+inNamespace(p.Namespace())+" selects this pod for "+missing[0]+": its "+missing[0]+" is not isolated")
			case 2:
				r.Fail(p.Object, labelsPath(p), "no NetworkPolicy "+inNamespace(p.Namespace())+" selects this pod for ingress or egress: it is not isolated in either direction")
			}
		}
	},
}

// podIsolated reports whether a NetworkPolicy of the pod's namespace selects the pod for d, or
// a cluster-scoped default deny covers its namespace.
func podIsolated(pols *Policies, ns *inventory.Namespace, p inventory.PodSpecRef, d Direction) bool {
	for _, np := range pols.In(p.Namespace()) {
		if np.Applies(d) && np.Selects(p.Meta.Labels) {
			return true
		}
	}
	return ns != nil && pols.ClusterDeny(ns, nil, d) != ""
}

func init() { check.Register(podNetworkIsolation) }
