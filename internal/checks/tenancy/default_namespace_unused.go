package tenancy

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// defaultNamespaceUnused: EKS-TEN-003, CIS EKS 4.5.2.
//
// Nothing of a workload belongs in namespace default: it has no owner, its policies and quotas
// are rarely set, and everything in it shares one boundary. Manifest mode fails every
// namespaced object whose metadata.namespace is "default", pointing at that field, except what
// the API server puts there itself: Service and Endpoints "kubernetes", EndpointSlices of
// Service kubernetes (label kubernetes.io/service-name), ServiceAccount "default", ConfigMap
// "kube-root-ca.crt", Events and Leases. An object of a namespaced kind without
// metadata.namespace is reported as info at its metadata: the namespace it lands in is chosen
// at deploy time (kubectl -n, Helm, Argo CD) and is default when nobody chooses.
//
// Decisions: objects of kinds eksguard does not know (custom resources) count as namespaced
// when they name namespace default, and are not reported when they name no namespace (their
// scope is unknown).
var defaultNamespaceUnused = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-TEN-003",
		Slug:        "default-namespace-unused",
		Title:       "The default namespace must not be used for workloads",
		Section:     "multi-tenancy",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Move workloads into dedicated namespaces.",
		References: check.References{
			Guide:  "multitenancy#namespaces",
			CISEKS: "4.5.2",
		},
	},
	Reads: check.WorkloadKinds,
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		at := fieldpath.Root.Key("metadata").Key("namespace")
		for _, o := range inv.Objects {
			namespaced, known := inventory.NamespacedKind(o.Group(), o.Kind)
			switch {
			case o.Namespace == "default" && (namespaced || !known):
				r.Evaluated(1)
				if !managedByAPIServer(o) {
					r.Fail(o, at, objectName(o)+" is in namespace default")
				}
			case o.Namespace == "" && namespaced:
				r.Evaluated(1)
				if !managedByAPIServer(o) {
					r.FailWith(o, at, check.Info, objectName(o)+" sets no metadata.namespace: it lands in the namespace chosen at deploy time, default unless one is chosen")
				}
			}
		}
	},
}

// managedByAPIServer reports whether the object is one the API server or controllers keep in
// every namespace (or in default) by themselves.
func managedByAPIServer(o *inventory.Object) bool {
	switch o.Group() + "/" + o.Kind {
	case "/Service", "/Endpoints":
		return o.Name == "kubernetes"
	case "discovery.k8s.io/EndpointSlice":
		md, _ := o.Raw["metadata"].(map[string]any)
		labels, _ := md["labels"].(map[string]any)
		return labels["kubernetes.io/service-name"] == "kubernetes"
	case "/ServiceAccount":
		return o.Name == "default"
	case "/ConfigMap":
		return o.Name == "kube-root-ca.crt"
	case "/Event", "events.k8s.io/Event", "coordination.k8s.io/Lease":
		return true
	}
	return false
}

func init() { check.Register(defaultNamespaceUnused) }
