package tenancy

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// systemPriorityClasses: EKS-TEN-005.
//
// Tenant workloads must not claim system priority: with it they preempt other tenants' pods and
// cluster components. A workload (POD_SPEC_SOURCES) outside SYSTEM_NAMESPACES fails at
// spec.priorityClassName when it names system-cluster-critical or system-node-critical, or a
// PriorityClass of the input whose value is 1000000000 or more (the range reserved for system
// classes). A non-system PriorityClass (name not starting with "system-") with globalDefault
// true and a value above 0 raises every pod that names no class; it fails at globalDefault
// unless a ResourceQuota with a scopeSelector on scopeName PriorityClass (operator In listing it,
// NotIn not listing it, or Exists) limits it in every tenant namespace of the input; the message
// names the namespaces without one.
//
// Decisions: a PriorityClass named by a workload but missing from the input is judged by its
// name only. Tenant namespaces are the input's namespaces outside SYSTEM_NAMESPACES; with none,
// a single limiting quota anywhere suffices.
var systemPriorityClasses = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-TEN-005",
		Slug:        "system-priority-classes",
		Title:       "Tenant workloads must not use system-critical priority classes",
		Section:     "multi-tenancy",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Use tenant priority classes and restrict high ones with ResourceQuota scopeSelector PriorityClass.",
		References: check.References{
			Guide: "multitenancy#pod-priority-and-preemption",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: append([]string{"PriorityClass", "ResourceQuota"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		classes := map[string]*schedulingv1.PriorityClass{}
		var classObjects []*inventory.Object
		for _, o := range inv.OfKind("PriorityClass") {
			if pc, ok := o.Typed.(*schedulingv1.PriorityClass); ok {
				classes[o.Name] = pc
				classObjects = append(classObjects, o)
			}
		}
		for _, p := range inv.PodSpecs() {
			if skipsNamespace(r, p.Namespace()) {
				continue
			}
			r.Evaluated(1)
			name := p.Spec.PriorityClassName
			at := p.SpecPath.Key("priorityClassName")
			switch pc := classes[name]; {
			case name == "system-cluster-critical" || name == "system-node-critical":
				r.Fail(p.Object, at, "workload uses the system PriorityClass "+strconv.Quote(name)+" and can preempt cluster components")
			case pc != nil && pc.Value >= systemPriorityFloor:
				r.Fail(p.Object, at, "workload uses PriorityClass "+strconv.Quote(name)+" with value "+strconv.Itoa(int(pc.Value))+
					", in the range reserved for system classes (1000000000 and up)")
			}
		}
		var tenants []string
		for _, ns := range inv.Namespaces() {
			if !skipsNamespace(r, ns.Name) {
				tenants = append(tenants, ns.Name)
			}
		}
		for _, o := range classObjects {
			pc := classes[o.Name]
			if strings.HasPrefix(o.Name, "system-") || !pc.GlobalDefault || pc.Value <= 0 {
				continue
			}
			r.Evaluated(1)
			limited := quotaNamespacesLimiting(inv, o.Name)
			var missing []string
			for _, ns := range tenants {
				if !slices.Contains(limited, ns) {
					missing = append(missing, ns)
				}
			}
			at := fieldpath.Root.Key("globalDefault")
			msg := "PriorityClass " + strconv.Quote(o.Name) + " is the global default with value " + strconv.Itoa(int(pc.Value))
			switch {
			case len(limited) == 0:
				r.Fail(o, at, msg+" and no ResourceQuota scopeSelector on PriorityClass limits it")
			case len(missing) > 0:
				r.Fail(o, at, msg+" and no ResourceQuota scopeSelector limits it in "+namespaceList(missing))
			}
		}
	},
}

// systemPriorityFloor is the lowest value of the range reserved for system priority classes.
const systemPriorityFloor = 1000000000

// quotaNamespacesLimiting returns the namespaces with a ResourceQuota whose scopeSelector
// selects pods of the priority class.
func quotaNamespacesLimiting(inv *inventory.Inventory, class string) []string {
	var out []string
	for _, o := range inv.OfKind("ResourceQuota") {
		q, ok := o.Typed.(*corev1.ResourceQuota)
		if !ok || q.Spec.ScopeSelector == nil {
			continue
		}
		for _, e := range q.Spec.ScopeSelector.MatchExpressions {
			if e.ScopeName != corev1.ResourceQuotaScopePriorityClass {
				continue
			}
			in := slices.Contains(e.Values, class)
			if (e.Operator == corev1.ScopeSelectorOpIn && in) || (e.Operator == corev1.ScopeSelectorOpNotIn && !in) || e.Operator == corev1.ScopeSelectorOpExists {
				out = append(out, o.Namespace)
			}
		}
	}
	return out
}

func namespaceList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		if n == inventory.Unset {
			quoted[i] = "the namespace of objects without metadata.namespace"
		} else {
			quoted[i] = strconv.Quote(n)
		}
	}
	if len(quoted) == 1 {
		if names[0] == inventory.Unset {
			return quoted[0]
		}
		return "namespace " + quoted[0]
	}
	return "namespaces " + strings.Join(quoted, ", ")
}

func init() { check.Register(systemPriorityClasses) }
