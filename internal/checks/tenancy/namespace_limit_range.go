package tenancy

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// namespaceLimitRange: EKS-TEN-002.
//
// Every namespace outside SYSTEM_NAMESPACES should have a LimitRange with a spec.limits entry
// of type Container that sets both default (limits) and defaultRequest. Containers that declare
// no resources then still get requests and limits, so a ResourceQuota can admit them and one
// container cannot take a whole node. A namespace without any LimitRange fails at the Namespace
// object's name (or the metadata.namespace of the first object in the namespace); a namespace
// whose LimitRanges lack such an entry fails at the first LimitRange's spec.limits, saying what
// is missing.
//
// Decisions: manifest mode evaluates the namespaces of the input, as EKS-TEN-001 does. The
// LimitRanger admission plugin applies the defaults of every LimitRange of the namespace, so
// default and defaultRequest may come from different Container entries.
var namespaceLimitRange = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-TEN-002",
		Slug:        "namespace-limit-range",
		Title:       "Every namespace should have a LimitRange",
		Section:     "multi-tenancy",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Create a LimitRange with default and defaultRequest for containers.",
		References: check.References{
			Guide: "multitenancy#quotas",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: []string{"Namespace", "LimitRange"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, ns := range inv.Namespaces() {
			if skipsNamespace(r, ns.Name) {
				continue
			}
			r.Evaluated(1)
			ranges := membersOfKind(ns, "LimitRange")
			if len(ranges) == 0 {
				obj, at := ns.Anchor()
				r.Fail(obj, at, ns.String()+" has no LimitRange: containers without resources get no default requests or limits")
				continue
			}
			var hasDefault, hasRequest bool
			for _, o := range ranges {
				lr, ok := o.Typed.(*corev1.LimitRange)
				if !ok {
					continue
				}
				for _, item := range lr.Spec.Limits {
					if item.Type != corev1.LimitTypeContainer {
						continue
					}
					hasDefault = hasDefault || len(item.Default) > 0
					hasRequest = hasRequest || len(item.DefaultRequest) > 0
				}
			}
			var missing string
			switch {
			case hasDefault && hasRequest:
				continue
			case !hasDefault && !hasRequest:
				missing = "no limits entry of type Container with default and defaultRequest"
			case !hasDefault:
				missing = "no Container entry with default (limits)"
			default:
				missing = "no Container entry with defaultRequest"
			}
			r.Fail(ranges[0], fieldpath.Root.Key("spec").Key("limits"), "the LimitRanges of "+ns.String()+" have "+missing)
		}
	},
}

func init() { check.Register(namespaceLimitRange) }
