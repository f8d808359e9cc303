package tenancy

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// dedicatedTenantNodes: EKS-TEN-006 (evidence for a reviewer; not automatable).
//
// Tenants that need node isolation run on dedicated nodes, kept apart by taints and tolerations
// plus node affinity. Whether a tenant needs that is a reviewer's call; eksguard pre-flags what
// breaks it, as info findings, outside SYSTEM_NAMESPACES: a toleration with operator Exists and
// no key (it tolerates every taint, or every taint of its effect, so the pod can land on any
// tenant's dedicated nodes), at spec.tolerations[i]; in namespaces labelled
// eksguard.io/isolation=node, a workload with neither spec.nodeSelector nor a required node
// affinity (it can schedule onto shared nodes), at spec.nodeSelector; and a Pod there whose
// spec.nodeName is also the node of a Pod of another namespace, at spec.nodeName.
//
// Decisions: manifest mode has no node list, taints or scheduling results, so "shares nodes with
// other namespaces" is judged from what the input shows: placement constraints of the workloads,
// and spec.nodeName of Pods (as exported from a live cluster).
var dedicatedTenantNodes = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-TEN-006",
		Slug:        "dedicated-tenant-nodes",
		Title:       "Tenants requiring isolation should run on dedicated nodes",
		Section:     "multi-tenancy",
		Severity:    check.Info,
		Source:      check.SourceK8sObjects,
		Remediation: "Use taints/tolerations plus node affinity (and a policy engine to enforce them) for tenants needing node isolation.",
		References: check.References{
			Guide: "multitenancy#isolating-tenant-workloads-to-specific-nodes",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: append([]string{"Namespace"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		isolated := map[string]bool{}
		for _, ns := range inv.Namespaces() {
			if ns.Labels[isolationLabel] == "node" {
				isolated[ns.Name] = true
			}
		}
		// Placement is read from every Pod, including those owned by a scanned controller,
		// which PodSpecs leaves out.
		var pods []*inventory.Object
		nodeNamespaces := map[string]map[string]bool{}
		for _, o := range inv.OfKind("Pod") {
			if pod, ok := o.Typed.(*corev1.Pod); ok && pod.Spec.NodeName != "" {
				pods = append(pods, o)
				if nodeNamespaces[pod.Spec.NodeName] == nil {
					nodeNamespaces[pod.Spec.NodeName] = map[string]bool{}
				}
				nodeNamespaces[pod.Spec.NodeName][o.Namespace] = true
			}
		}
		for _, o := range pods {
			n := o.Typed.(*corev1.Pod).Spec.NodeName
			if isolated[o.Namespace] && !skipsNamespace(r, o.Namespace) && len(nodeNamespaces[n]) > 1 {
				r.Fail(o, fieldpath.Root.Key("spec").Key("nodeName"), "node "+strconv.Quote(n)+" also runs pods of other namespaces, although namespace "+
					strconv.Quote(o.Namespace)+" is labelled "+isolationLabel+"=node")
			}
		}
		for _, p := range inv.PodSpecs() {
			if skipsNamespace(r, p.Namespace()) {
				continue
			}
			r.Evaluated(1)
			for i, t := range p.Spec.Tolerations {
				if t.Operator != corev1.TolerationOpExists || t.Key != "" {
					continue
				}
				what := "every taint"
				if t.Effect != "" {
					what = "every " + string(t.Effect) + " taint"
				}
				r.Fail(p.Object, p.SpecPath.Key("tolerations").Index(i), "toleration with operator Exists and no key tolerates "+what+
					": the pod can land on nodes dedicated to other tenants")
			}
			if !isolated[p.Namespace()] {
				continue
			}
			if len(p.Spec.NodeSelector) == 0 && !requiredNodeAffinity(p.Spec) {
				r.Fail(p.Object, p.SpecPath.Key("nodeSelector"), "namespace "+strconv.Quote(p.Namespace())+" is labelled "+isolationLabel+
					"=node, but this workload has no nodeSelector or required node affinity: it can schedule onto shared nodes")
			}
		}
	},
}

// isolationLabel marks a namespace whose pods need nodes of their own.
const isolationLabel = "eksguard.io/isolation"

// requiredNodeAffinity reports whether the pod spec has required node affinity terms.
func requiredNodeAffinity(s *corev1.PodSpec) bool {
	a := s.Affinity
	return a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil &&
		len(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms) > 0
}

func init() { check.Register(dedicatedTenantNodes) }
