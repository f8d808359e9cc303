package pod

import (
	"strconv"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// serviceLinks: EKS-POD-028 (guide recommendation beyond PSS).
//
// Forbidden: spec.enableServiceLinks true or unset (the default is true). Allowed: false.
// With service links on, the kubelet injects <SVC>_SERVICE_HOST/_PORT variables for every
// Service in the namespace into every container, handing a compromised container a map of
// the namespace and, with many Services, slowing container start. The finding points at
// spec.enableServiceLinks. System namespaces are skipped unless included.
//
// Decision: "info only for namespaces with fewer than 5 Services" counts the Service objects
// of the workload's namespace found in the input (both namespaces empty counts as the same
// namespace, left to kubectl -n). In manifest mode Services outside the input are unknown,
// so a namespace whose Services are not in the input is reported as info.
var serviceLinks = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-028",
		Slug:        "service-links",
		Title:       "Service environment variable injection should be disabled",
		Section:     "pod-security",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Set spec.enableServiceLinks false; discover services through DNS.",
		References: check.References{
			Guide: "pods#disable-service-discovery",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: append([]string{"Service"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		services := map[string]int{}
		for _, o := range inv.OfKind("Service") {
			if o.Group() == "" {
				services[o.Namespace]++
			}
		}
		for _, p := range inv.PodSpecs() {
			links := p.Spec.EnableServiceLinks
			if links != nil && !*links {
				continue
			}
			msg := "enableServiceLinks is unset (default true)"
			if links != nil {
				msg = "enableServiceLinks is true"
			}
			n := services[p.Namespace()]
			count := strconv.Itoa(n) + " Service"
			if n != 1 {
				count += "s"
			}
			msg += ": the namespace's Services are injected into every container as environment variables (" + count + " in the input)"
			if n < 5 {
				r.FailWith(p.Object, p.SpecPath.Key("enableServiceLinks"), check.Info, msg)
			} else {
				r.Fail(p.Object, p.SpecPath.Key("enableServiceLinks"), msg)
			}
		}
	},
}

func init() { check.Register(serviceLinks) }
