package pod

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// resourceRequestsLimits: EKS-POD-025 (guide recommendation beyond PSS).
//
// Required on every container in REGULAR_CONTAINERS: resources.requests.cpu,
// resources.requests.memory and resources.limits.memory; resources.limits.cpu only when
// Config.RequireCPULimit is set (CPU limits throttle without protecting the node). A value
// set only in limits counts as the request too, because the API server copies limits to
// missing requests. Without requests the scheduler packs nodes blindly; without a memory
// limit one container can exhaust node memory. Each missing value is its own finding, at
// the missing field's path. System namespaces are skipped unless included.
//
// Decisions: the catalogue leaves LimitRange defaulting to live mode; in manifest mode a
// LimitRange in the input counts when its namespace equals the workload's (both empty means
// both are left to kubectl -n). Its type Container items are read as the API server defaults
// them: default falls back to max, defaultRequest to default and then min; default supplies
// limits and defaultRequest supplies requests. Pod-level spec.resources (requests or limits
// of cpu/memory for the whole pod) also satisfy every container, since they bound the pod.
var resourceRequestsLimits = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-025",
		Slug:        "resource-requests-limits",
		Title:       "Containers must declare CPU and memory requests and a memory limit",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Set resources.requests (cpu, memory) and resources.limits.memory on every container; add a LimitRange per namespace.",
		References: check.References{
			Guide: "pods#set-requests-and-limits-for-each-container-to-avoid-resource-contention-and-dos-attacks",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: append([]string{"LimitRange"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		defaults := limitRangeDefaults(inv)
		for _, p := range inv.PodSpecs() {
			lr := defaults[p.Namespace()]
			for _, c := range p.RegularContainers() {
				for _, q := range requiredResources {
					if q.kind == "limits" && q.name == corev1.ResourceCPU && !r.Config.RequireCPULimit {
						continue
					}
					if !resourceSupplied(p, c, lr, q.kind, q.name) {
						r.Fail(p.Object, c.Path.Key("resources").Key(q.kind).Key(string(q.name)), "container "+c.Label()+" sets no "+q.what)
					}
				}
			}
		}
	},
}

// requiredResources are the values every container needs (limits.cpu only when configured).
var requiredResources = []struct {
	kind string
	name corev1.ResourceName
	what string
}{
	{"requests", corev1.ResourceCPU, "CPU request"},
	{"requests", corev1.ResourceMemory, "memory request"},
	{"limits", corev1.ResourceCPU, "CPU limit"},
	{"limits", corev1.ResourceMemory, "memory limit"},
}

// resourceSupplied reports whether a container gets the request or limit (kind "requests" or
// "limits") of a resource: from its own resources (a limit also sets the request), from the
// pod-level resources, or from a LimitRange default of its namespace.
func resourceSupplied(p inventory.PodSpecRef, c inventory.ContainerRef, lr containerDefaults, kind string, name corev1.ResourceName) bool {
	lists := []corev1.ResourceList{c.Resources.Limits}
	if pod := p.Spec.Resources; pod != nil {
		lists = append(lists, pod.Limits)
		if kind == "requests" {
			lists = append(lists, pod.Requests)
		}
	}
	if kind == "requests" {
		lists = append(lists, c.Resources.Requests)
	}
	for _, l := range lists {
		if _, ok := l[name]; ok {
			return true
		}
	}
	if kind == "requests" {
		return lr.requests[name]
	}
	return lr.limits[name]
}

// containerDefaults are the resources a namespace's LimitRanges fill into containers.
type containerDefaults struct {
	requests, limits map[corev1.ResourceName]bool
}

// limitRangeDefaults indexes the LimitRange objects of the inventory by namespace.
func limitRangeDefaults(inv *inventory.Inventory) map[string]containerDefaults {
	out := map[string]containerDefaults{}
	for _, o := range inv.OfKind("LimitRange") {
		lr, ok := o.Typed.(*corev1.LimitRange)
		if !ok {
			continue
		}
		d, ok := out[o.Namespace]
		if !ok {
			d = containerDefaults{requests: map[corev1.ResourceName]bool{}, limits: map[corev1.ResourceName]bool{}}
			out[o.Namespace] = d
		}
		for _, item := range lr.Spec.Limits {
			if item.Type != corev1.LimitTypeContainer {
				continue
			}
			// default <- max; defaultRequest <- default, min (the API server's LimitRange defaulting).
			for _, list := range []corev1.ResourceList{item.Default, item.Max} {
				for name := range list {
					d.limits[name], d.requests[name] = true, true
				}
			}
			for _, list := range []corev1.ResourceList{item.DefaultRequest, item.Min} {
				for name := range list {
					d.requests[name] = true
				}
			}
		}
	}
	return out
}

func init() { check.Register(resourceRequestsLimits) }
