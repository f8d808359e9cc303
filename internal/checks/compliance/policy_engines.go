package compliance

import (
	"slices"
	"strconv"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers shared by the policy-as-code checks EKS-CMP-001..003: recognising policy engines
// (Gatekeeper, Kyverno, ValidatingAdmissionPolicy, other pod webhooks) in the inventory and
// reading their custom resources, which have no typed view (Object.Raw).

// Webhook configurations of the policy engines the catalogue names.
const (
	gatekeeperValidatingWebhook = "gatekeeper-validating-webhook-configuration"
	gatekeeperMutatingWebhook   = "gatekeeper-mutating-webhook-configuration"
	kyvernoValidatingWebhook    = "kyverno-resource-validating-webhook-cfg"
	kyvernoMutatingWebhook      = "kyverno-resource-mutating-webhook-cfg"
)

// API groups of the policy engines' custom resources.
const (
	gatekeeperConstraintGroup = "constraints.gatekeeper.sh"
	kyvernoGroup              = "kyverno.io"
	kyvernoCELGroup           = "policies.kyverno.io"
)

// hasNodes reports whether the input holds Node objects: a live scan or a cluster dump, as
// opposed to the manifests of an application, which describe no cluster-wide state.
func hasNodes(inv *inventory.Inventory) bool { return firstNode(inv) != nil }

// objectsOfGroup returns the objects of an API group (and kind, unless kind is empty), in source order.
func objectsOfGroup(inv *inventory.Inventory, group, kind string) []*inventory.Object {
	var out []*inventory.Object
	for _, o := range inv.Objects {
		if o.Group() == group && (kind == "" || o.Kind == kind) && o.Raw != nil {
			out = append(out, o)
		}
	}
	return out
}

// gatekeeperEnforcing reports whether a Gatekeeper constraint denies at admission: its
// spec.enforcementAction is unset or "deny", or "scoped" with a deny action for the
// validation.gatekeeper.sh enforcement point (or "*"). It also returns the action for messages.
func gatekeeperEnforcing(o *inventory.Object) (bool, string) {
	spec := inventory.RawMap(o.Raw, "spec")
	action := inventory.RawString(spec, "enforcementAction")
	switch strings.ToLower(action) {
	case "", "deny":
		return true, "deny"
	case "scoped":
		for _, s := range inventory.RawList(spec, "scopedEnforcementActions") {
			if !strings.EqualFold(inventory.RawString(s, "action"), "deny") {
				continue
			}
			for _, p := range inventory.RawList(s, "enforcementPoints") {
				if n := inventory.RawString(p, "name"); n == "validation.gatekeeper.sh" || n == "*" {
					return true, action
				}
			}
		}
	}
	return false, action
}

// kyvernoEnforcing reports whether a Kyverno ClusterPolicy or Policy (kyverno.io) has a
// validate or verifyImages rule (has) and whether one of them has the effective failure
// action Enforce: the rule's failureAction (validate.failureAction, verifyImages[].failureAction),
// else spec.validationFailureAction, else the default Audit; both spellings of the values are
// accepted. spec.admission is judged by the caller. When no rule enforces, it returns the
// field that sets the first rule's action and a description of it.
func kyvernoEnforcing(o *inventory.Object) (enforced, has bool, at fieldpath.Path, why string) {
	spec := inventory.RawMap(o.Raw, "spec")
	policyAction := inventory.RawString(spec, "validationFailureAction")
	rules := fieldpath.Root.Key("spec").Key("rules")
	judge := func(rule map[string]any, action string, field fieldpath.Path) bool {
		if strings.EqualFold(action, "Enforce") || action == "" && strings.EqualFold(policyAction, "Enforce") {
			return true
		}
		if !has {
			has = true
			switch {
			case action != "":
				at, why = field, "rule "+strconv.Quote(inventory.RawString(rule, "name"))+" sets failureAction "+action
			case policyAction != "":
				at, why = fieldpath.Root.Key("spec").Key("validationFailureAction"), "validationFailureAction is "+policyAction
			default:
				at, why = fieldpath.Root.Key("spec").Key("validationFailureAction"), "validationFailureAction is unset, default Audit"
			}
		}
		return false
	}
	for i, rule := range inventory.RawList(spec, "rules") {
		if v := inventory.RawMap(rule, "validate"); v != nil {
			if judge(rule, inventory.RawString(v, "failureAction"), rules.Index(i).Key("validate").Key("failureAction")) {
				return true, true, "", ""
			}
		}
		for j, vi := range inventory.RawList(rule, "verifyImages") {
			if judge(rule, inventory.RawString(vi, "failureAction"), rules.Index(i).Key("verifyImages").Index(j).Key("failureAction")) {
				return true, true, "", ""
			}
		}
	}
	return false, has, at, why
}

// kyvernoCELEnforcing reports whether a Kyverno CEL policy (policies.kyverno.io
// ValidatingPolicy or ImageValidatingPolicy) denies: admission evaluation is not switched off
// (spec.evaluation.admission.enabled) and spec.validationActions, which defaults to [Deny],
// contains Deny. When it does not, it returns the field responsible and why.
func kyvernoCELEnforcing(o *inventory.Object) (bool, fieldpath.Path, string) {
	spec := inventory.RawMap(o.Raw, "spec")
	at := fieldpath.Root.Key("spec")
	if enabled, ok := inventory.RawMap(spec, "evaluation", "admission")["enabled"].(bool); ok && !enabled {
		return false, at.Key("evaluation").Key("admission").Key("enabled"), "disables admission evaluation"
	}
	actions := inventory.RawStrings(spec, "validationActions")
	if len(actions) == 0 || slices.Contains(actions, "Deny") {
		return true, "", ""
	}
	return false, at.Key("validationActions"), "has validationActions [" + strings.Join(actions, ", ") + "] without Deny"
}

// matchesPodCreate reports whether a webhook rule list intercepts pod creation: an operation
// CREATE or *, API group "" or *, and resource pods, * or */*.
func matchesPodCreate(rules []admissionregistrationv1.RuleWithOperations) bool {
	for _, r := range rules {
		op := slices.ContainsFunc(r.Operations, func(o admissionregistrationv1.OperationType) bool {
			return o == admissionregistrationv1.Create || o == admissionregistrationv1.OperationAll
		})
		group := slices.Contains(r.APIGroups, "") || slices.Contains(r.APIGroups, "*")
		res := slices.Contains(r.Resources, "pods") || slices.Contains(r.Resources, "*") || slices.Contains(r.Resources, "*/*")
		if op && group && res {
			return true
		}
	}
	return false
}

// awsManaged reports whether a webhook configuration, or one webhook of it, belongs to EKS or
// an AWS add-on rather than to a policy engine: configuration names starting with eks-,
// vpc-resource-, aws- or amazon-, the pod identity webhook, webhook names under k8s.aws or
// amazonaws.com, or the label eks.amazonaws.com/component.
func awsManaged(o *inventory.Object, labels map[string]string, webhookName string) bool {
	for _, p := range []string{"eks-", "eks:", "vpc-resource-", "aws-", "amazon-", "pod-identity-webhook"} {
		if strings.HasPrefix(o.Name, p) {
			return true
		}
	}
	if _, ok := labels["eks.amazonaws.com/component"]; ok {
		return true
	}
	for _, s := range []string{".k8s.aws", ".amazonaws.com"} {
		if strings.HasSuffix(webhookName, s) {
			return true
		}
	}
	return false
}

// engineWebhook reports whether a webhook configuration is Gatekeeper's or Kyverno's resource
// webhook; those are judged through the engine's policies, not as "another webhook".
func engineWebhook(name string) bool {
	switch name {
	case gatekeeperValidatingWebhook, gatekeeperMutatingWebhook, kyvernoValidatingWebhook, kyvernoMutatingWebhook:
		return true
	}
	return false
}

// podWebhooks returns the validating webhooks that are "another validating webhook matching
// pods" in EKS-CMP-001's sense: they intercept pod creation, are not Gatekeeper's or Kyverno's,
// and are not EKS/AWS-managed.
func podWebhooks(inv *inventory.Inventory) []webhookRef {
	var out []webhookRef
	for _, o := range inv.OfKind("ValidatingWebhookConfiguration") {
		cfg, ok := o.Typed.(*admissionregistrationv1.ValidatingWebhookConfiguration)
		if !ok || engineWebhook(o.Name) {
			continue
		}
		for i, w := range cfg.Webhooks {
			if matchesPodCreate(w.Rules) && !awsManaged(o, cfg.Labels, w.Name) {
				out = append(out, webhookRef{Object: o, Index: i, Name: w.Name})
			}
		}
	}
	return out
}

// webhookRef is one webhook of a webhook configuration.
type webhookRef struct {
	Object *inventory.Object
	Index  int
	Name   string
}

// Path is the webhook's field path in its configuration.
func (w webhookRef) Path() fieldpath.Path { return fieldpath.Root.Key("webhooks").Index(w.Index) }

// hasWebhookConfiguration reports whether a ValidatingWebhookConfiguration of that name is in the input.
func hasWebhookConfiguration(inv *inventory.Inventory, name string) bool {
	for _, o := range inv.OfKind("ValidatingWebhookConfiguration") {
		if o.Name == name && o.Group() == "admissionregistration.k8s.io" {
			return true
		}
	}
	return false
}

// firstNode returns the first Node object of the input, which findings about the cluster as
// a whole are attached to, or nil.
func firstNode(inv *inventory.Inventory) *inventory.Object {
	for _, o := range inv.OfKind("Node") {
		if _, ok := o.Typed.(*corev1.Node); ok {
			return o
		}
	}
	return nil
}
