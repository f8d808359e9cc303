package compliance

import (
	"slices"
	"strconv"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// policyWebhookFailClosed: EKS-CMP-002.
//
// For each webhook of the policy controllers EKS-CMP-001 recognises (every webhook of
// gatekeeper-validating-webhook-configuration, gatekeeper-mutating-webhook-configuration,
// kyverno-resource-validating-webhook-cfg and kyverno-resource-mutating-webhook-cfg, and every
// other validating webhook that intercepts pod CREATE and is not EKS/AWS-managed), forbidden:
//   - failurePolicy Ignore (unset is Fail in admissionregistration/v1): when the controller is
//     down or slow, every request is admitted unchecked, which an attacker can provoke;
//   - timeoutSeconds above 15 (unset is 10): slow webhooks stall the API server's writes;
//   - a namespaceSelector that excludes namespaces outside SYSTEM_NAMESPACES: the namespaces
//     named in a kubernetes.io/metadata.name NotIn expression, the Namespace objects of the
//     input that the selector does not match (labels plus the kubernetes.io/metadata.name
//     label the API server sets), and selectors with a positive requirement (matchLabels, In,
//     Exists), which cover only namespaces that opt in;
//   - a non-empty objectSelector: workload authors set their own labels, so any objectSelector
//     lets them opt out.
//
// Each finding points at the webhook's field. An info finding goes to each Deployment behind a
// webhook (clientConfig.service -> the Service's selector -> Deployments of that namespace whose
// pod labels match) with fewer than 2 ready replicas: with failurePolicy Fail a single-replica
// controller's outage blocks every deployment, with Ignore it switches the policy off.
//
// Decisions: the controller's own namespace (clientConfig.service.namespace) may be excluded
// like SYSTEM_NAMESPACES: every engine must exclude itself to be able to restart. Ready
// replicas are status.readyReplicas when the status was collected (a live scan), else
// spec.replicas (default 1) from the manifest. Webhooks with clientConfig.url have no
// Deployment to look at. Manifest mode judges the webhook configurations in the input; an
// input without any has nothing to evaluate.
var policyWebhookFailClosed = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-CMP-002",
		Slug:        "policy-webhook-fail-closed",
		Title:       "Security admission webhooks must fail closed and cover user namespaces",
		Section:     "compliance",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Set failurePolicy Fail, narrow exclusions to system namespaces, run the controller with 2+ replicas and a PodDisruptionBudget.",
		References: check.References{
			Guide: "compliance#policy-as-code",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "Namespace", "Service", "Deployment"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		hooks := policyWebhooks(inv)
		r.Evaluated(len(hooks))
		reported := map[*inventory.Object]bool{}
		for _, h := range hooks {
			at := h.ref.Path()
			what := "webhook " + strconv.Quote(h.ref.Name) + " of " + h.ref.Object.Kind + " " + h.ref.Object.Name
			if h.failurePolicy != nil && *h.failurePolicy == admissionregistrationv1.Ignore {
				r.Fail(h.ref.Object, at.Key("failurePolicy"), what+" has failurePolicy Ignore: while the controller is unreachable, requests are admitted unchecked")
			}
			if h.timeoutSeconds != nil && *h.timeoutSeconds > 15 {
				r.Fail(h.ref.Object, at.Key("timeoutSeconds"), what+" has timeoutSeconds "+strconv.Itoa(int(*h.timeoutSeconds))+", above 15")
			}
			controllerNS := ""
			if h.service != nil {
				controllerNS = h.service.Namespace
			}
			if msg := namespaceExclusions(inv, r.Config, h.namespaceSelector, controllerNS); msg != "" {
				r.Fail(h.ref.Object, at.Key("namespaceSelector"), what+": "+msg)
			}
			if sel := h.objectSelector; sel != nil && (len(sel.MatchLabels) > 0 || len(sel.MatchExpressions) > 0) {
				r.Fail(h.ref.Object, at.Key("objectSelector"), what+" has objectSelector "+strconv.Quote(metav1.FormatLabelSelector(sel))+
					": objects opt out with their own labels, which their authors control")
			}
			for _, d := range controllerDeployments(inv, h.service) {
				if reported[d] {
					continue
				}
				reported[d] = true
				if ready, path, how := readyReplicas(d); ready < 2 {
					r.FailWith(d, path, check.Info, "Deployment "+strconv.Quote(d.Name)+" serves "+what+" with "+how+
						": an outage blocks admission (failurePolicy Fail) or switches the policy off (Ignore); run 2 or more with a PodDisruptionBudget")
				}
			}
		}
	},
}

// policyWebhook is the part of a validating or mutating webhook this check reads.
type policyWebhook struct {
	ref               webhookRef
	failurePolicy     *admissionregistrationv1.FailurePolicyType
	timeoutSeconds    *int32
	namespaceSelector *metav1.LabelSelector
	objectSelector    *metav1.LabelSelector
	service           *admissionregistrationv1.ServiceReference
}

// policyWebhooks returns the webhooks of the policy controllers in the input.
func policyWebhooks(inv *inventory.Inventory) []policyWebhook {
	var out []policyWebhook
	others := map[webhookRef]bool{}
	for _, w := range podWebhooks(inv) {
		others[w] = true
	}
	for _, o := range inv.OfKind("ValidatingWebhookConfiguration") {
		cfg, ok := o.Typed.(*admissionregistrationv1.ValidatingWebhookConfiguration)
		if !ok {
			continue
		}
		for i, w := range cfg.Webhooks {
			ref := webhookRef{Object: o, Index: i, Name: w.Name}
			if engineWebhook(o.Name) || others[ref] {
				out = append(out, policyWebhook{ref, w.FailurePolicy, w.TimeoutSeconds, w.NamespaceSelector, w.ObjectSelector, w.ClientConfig.Service})
			}
		}
	}
	for _, o := range inv.OfKind("MutatingWebhookConfiguration") {
		cfg, ok := o.Typed.(*admissionregistrationv1.MutatingWebhookConfiguration)
		if !ok || !engineWebhook(o.Name) {
			continue
		}
		for i, w := range cfg.Webhooks {
			ref := webhookRef{Object: o, Index: i, Name: w.Name}
			out = append(out, policyWebhook{ref, w.FailurePolicy, w.TimeoutSeconds, w.NamespaceSelector, w.ObjectSelector, w.ClientConfig.Service})
		}
	}
	return out
}

// namespaceExclusions describes which namespaces outside SYSTEM_NAMESPACES (and the controller's
// own) a namespaceSelector leaves out, or returns "" when it leaves out none that are known.
func namespaceExclusions(inv *inventory.Inventory, cfg check.Config, sel *metav1.LabelSelector, controllerNS string) string {
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		return ""
	}
	exempt := func(ns string) bool { return ns == controllerNS || cfg.IsSystemNamespace(ns) }
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "namespaceSelector is invalid (" + err.Error() + ")"
	}
	var excluded []string
	add := func(ns string) {
		if !exempt(ns) && !slices.Contains(excluded, ns) {
			excluded = append(excluded, ns)
		}
	}
	optIn := false
	reqs, _ := selector.Requirements()
	for _, req := range reqs {
		switch req.Operator() {
		case selection.In, selection.Equals, selection.DoubleEquals, selection.Exists:
			optIn = true
		case selection.NotIn, selection.NotEquals:
			if req.Key() == corev1.LabelMetadataName {
				for _, v := range req.ValuesUnsorted() {
					add(v)
				}
			}
		}
	}
	for _, o := range inv.OfKind("Namespace") {
		ns, ok := o.Typed.(*corev1.Namespace)
		if !ok || exempt(o.Name) {
			continue
		}
		set := labels.Set{corev1.LabelMetadataName: o.Name}
		for k, v := range ns.Labels {
			set[k] = v
		}
		if !selector.Matches(set) {
			add(o.Name)
		}
	}
	text := strconv.Quote(metav1.FormatLabelSelector(sel))
	switch {
	case optIn && len(excluded) > 0:
		return "namespaceSelector " + text + " covers only namespaces that opt in; it excludes " + strings.Join(excluded, ", ")
	case optIn:
		return "namespaceSelector " + text + " covers only namespaces that opt in; every other namespace outside the system namespaces is excluded"
	case len(excluded) > 0:
		return "namespaceSelector " + text + " excludes namespaces outside the system namespaces: " + strings.Join(excluded, ", ")
	}
	return ""
}

// controllerDeployments returns the Deployments behind a webhook's service: those in the
// service's namespace whose pod template labels match the Service's selector.
func controllerDeployments(inv *inventory.Inventory, svc *admissionregistrationv1.ServiceReference) []*inventory.Object {
	if svc == nil {
		return nil
	}
	var selector map[string]string
	for _, o := range inv.OfKind("Service") {
		if s, ok := o.Typed.(*corev1.Service); ok && o.Namespace == svc.Namespace && o.Name == svc.Name {
			selector = s.Spec.Selector
			break
		}
	}
	if len(selector) == 0 {
		return nil
	}
	var out []*inventory.Object
	for _, o := range inv.OfKind("Deployment") {
		d, ok := o.Typed.(*appsv1.Deployment)
		if ok && o.Namespace == svc.Namespace && labels.SelectorFromSet(selector).Matches(labels.Set(d.Spec.Template.Labels)) {
			out = append(out, o)
		}
	}
	return out
}

// readyReplicas returns a Deployment's ready replicas from its status when the status was
// collected, else its desired replicas from the spec (default 1), with the field and the
// count in words for the message.
func readyReplicas(o *inventory.Object) (int, fieldpath.Path, string) {
	d := o.Typed.(*appsv1.Deployment)
	st := d.Status
	if st.ObservedGeneration > 0 || st.Replicas > 0 || st.ReadyReplicas > 0 {
		n := int(st.ReadyReplicas)
		return n, fieldpath.Root.Key("status").Key("readyReplicas"), plural(n, "ready replica")
	}
	n := 1
	if d.Spec.Replicas != nil {
		n = int(*d.Spec.Replicas)
	}
	return n, fieldpath.Root.Key("spec").Key("replicas"), plural(n, "replica")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func init() { check.Register(policyWebhookFailClosed) }
