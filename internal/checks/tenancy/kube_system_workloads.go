package tenancy

import (
	"path"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// kubeSystemWorkloads: EKS-TEN-008.
//
// kube-system holds cluster components with broad privileges; an application there shares their
// service accounts' reach, escapes tenant policies that skip system namespaces and is hard to
// tell apart from the platform. A workload (POD_SPEC_SOURCES) in kube-system fails at its
// metadata.namespace unless it is an EKS managed add-on (label app.kubernetes.io/managed-by=EKS
// or a label eks.amazonaws.com/component, on the object or its pod template) or a known cluster
// component: aws-node, kube-proxy, coredns, ebs-csi-*, efs-csi-*, eks-pod-identity-agent,
// aws-load-balancer-controller, cluster-autoscaler, karpenter, metrics-server, plus the
// patterns of known_system_components (settings file, default none), matched against the
// object's name or its app.kubernetes.io/name label (object or template).
//
// Decisions: the catalogue's manifest mode fails every workload in kube-system; eksguard applies
// the live mode's exemptions in manifest mode too, because the charts of those components
// (aws-load-balancer-controller, karpenter, ...) install into kube-system by default and
// failing them would be noise. cert-manager is on the catalogue's list only "when configured":
// it is exempt when known_system_components names it (cert-manager*). The setting adds to the
// catalogue's list rather than replacing it, as exempt_namespaces adds to SYSTEM_NAMESPACES.
var kubeSystemWorkloads = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-TEN-008",
		Slug:        "kube-system-workloads",
		Title:       "User workloads must not run in kube-system",
		Section:     "multi-tenancy",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Move application workloads to their own namespaces; kube-system holds cluster components only.",
		References: check.References{
			Guide: "multitenancy#namespaces",
		},
	},
	Reads: check.WorkloadKinds,
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, p := range inv.PodSpecs() {
			if p.Namespace() != "kube-system" {
				continue
			}
			r.Evaluated(1)
			if clusterComponent(p, r.Config.KnownSystemComponents) {
				continue
			}
			r.Fail(p.Object, fieldpath.Root.Key("metadata").Key("namespace"), objectName(p.Object)+
				" runs in kube-system but is neither an EKS managed add-on nor a known cluster component")
		}
	},
}

// knownSystemComponents are the workloads the catalogue expects in kube-system.
var knownSystemComponents = []string{
	"aws-node", "kube-proxy", "coredns", "ebs-csi-*", "efs-csi-*", "eks-pod-identity-agent",
	"aws-load-balancer-controller", "cluster-autoscaler", "karpenter", "metrics-server",
}

// clusterComponent reports whether a kube-system workload is an EKS add-on or a known
// component (of the catalogue's list or the configured patterns).
func clusterComponent(p inventory.PodSpecRef, configured []string) bool {
	var sets []map[string]string
	if typed, ok := p.Object.Typed.(metav1.Object); ok {
		sets = append(sets, typed.GetLabels())
	}
	sets = append(sets, p.Meta.Labels)
	names := []string{p.Object.Name}
	for _, labels := range sets {
		if labels["app.kubernetes.io/managed-by"] == "EKS" {
			return true
		}
		if _, ok := labels["eks.amazonaws.com/component"]; ok {
			return true
		}
		if n := labels["app.kubernetes.io/name"]; n != "" {
			names = append(names, n)
		}
	}
	for _, n := range names {
		for _, pattern := range slices.Concat(knownSystemComponents, configured) {
			if ok, _ := path.Match(pattern, n); ok {
				return true
			}
		}
	}
	return false
}

func init() { check.Register(kubeSystemWorkloads) }
