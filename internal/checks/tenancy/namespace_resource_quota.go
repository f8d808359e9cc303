package tenancy

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// namespaceResourceQuota: EKS-TEN-001.
//
// Every namespace outside SYSTEM_NAMESPACES must have a ResourceQuota. Without one a tenant can
// consume the cluster's CPU, memory, pods and load balancers and starve the others. A namespace
// without any ResourceQuota fails at the check severity, pointing at the Namespace object's name
// (or the metadata.namespace of the first object in the namespace when the input has no
// Namespace object). A namespace whose quotas exist but cap none of requests.cpu (or cpu),
// requests.memory (or memory), limits.memory and pods gets an info finding at the first quota's
// spec.hard.
//
// Decisions: manifest mode evaluates the namespaces of the input (Namespace objects and the
// namespaces objects name; objects without metadata.namespace form one namespace of their own).
// The catalogue's ignore list of add-on namespaces is the exempt_namespaces configuration
// (--exempt-namespaces), which adds to SYSTEM_NAMESPACES.
var namespaceResourceQuota = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-TEN-001",
		Slug:        "namespace-resource-quota",
		Title:       "Every namespace must have a ResourceQuota",
		Section:     "multi-tenancy",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Create a ResourceQuota per tenant namespace with cpu, memory, pods, services.loadbalancers and persistentvolumeclaims limits.",
		References: check.References{
			Guide: "multitenancy#quotas",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: []string{"Namespace", "ResourceQuota"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, ns := range inv.Namespaces() {
			if skipsNamespace(r, ns.Name) {
				continue
			}
			r.Evaluated(1)
			quotas := membersOfKind(ns, "ResourceQuota")
			if len(quotas) == 0 {
				obj, at := ns.Anchor()
				r.Fail(obj, at, ns.String()+" has no ResourceQuota: its workloads can take all of the cluster's capacity")
				continue
			}
			capped := false
			for _, o := range quotas {
				if q, ok := o.Typed.(*corev1.ResourceQuota); ok {
					for _, k := range quotaKeys {
						if _, set := q.Spec.Hard[k]; set {
							capped = true
						}
					}
				}
			}
			if !capped {
				r.FailWith(quotas[0], fieldpath.Root.Key("spec").Key("hard"), check.Info, "the ResourceQuotas of "+ns.String()+
					" cap none of requests.cpu, requests.memory, limits.memory or pods")
			}
		}
	},
}

// quotaKeys are the compute quotas the catalogue asks for (cpu and memory are the older
// spellings of requests.cpu and requests.memory).
var quotaKeys = []corev1.ResourceName{
	corev1.ResourceRequestsCPU, corev1.ResourceCPU, corev1.ResourceRequestsMemory, corev1.ResourceMemory,
	corev1.ResourceLimitsMemory, corev1.ResourcePods,
}

func init() { check.Register(namespaceResourceQuota) }
