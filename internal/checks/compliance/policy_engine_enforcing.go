package compliance

import (
	"slices"
	"strconv"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// policyEngineEnforcing: EKS-CMP-001.
//
// Required: at least one policy-as-code admission control that blocks (not only audits)
// non-compliant objects: a Gatekeeper constraint (group constraints.gatekeeper.sh) whose
// enforcementAction is deny (the default) or scoped with deny at validation.gatekeeper.sh; a
// Kyverno ClusterPolicy with a validate or verifyImages rule whose effective failure action is
// Enforce (rule failureAction, else spec.validationFailureAction, default Audit) and
// spec.admission not false; a ValidatingAdmissionPolicyBinding whose validationActions contain
// Deny; or another ValidatingWebhookConfiguration webhook that intercepts pod CREATE and is not
// EKS/AWS-managed. Pod Security Admission labels alone do not count. Without such a control,
// every other finding of this scan can be reintroduced by the next kubectl apply.
//
// When nothing enforces, each policy object that does not is reported at the field that
// makes it not enforce (enforcementAction, validationFailureAction, validationActions, the
// missing binding), or, when the input has none, one finding on the first Node.
//
// Decisions (manifest mode; the catalogue is written for a live cluster):
//   - The check applies only when the input describes the cluster's admission layer: it holds
//     Node objects (a live scan or cluster dump), or policy objects (Gatekeeper constraints,
//     Kyverno ClusterPolicies, Kyverno ValidatingPolicy/ImageValidatingPolicy,
//     ValidatingAdmissionPolicies or their bindings). The manifests of one application, or a
//     chart that merely ships a webhook, are not reported for lacking a policy engine.
//   - The catalogue identifies Gatekeeper and Kyverno by their webhook configurations
//     (gatekeeper-validating-webhook-configuration, kyverno-resource-validating-webhook-cfg).
//     Those are created at install or even at runtime (Kyverno), so manifests rarely contain
//     them, while a constraint or ClusterPolicy can only exist once the engine's CRDs are
//     installed. The webhook configuration is therefore required only when the input holds
//     Nodes and ValidatingWebhookConfigurations (webhook configurations were collected);
//     otherwise the policies stand on their own. Likewise a binding's ValidatingAdmissionPolicy
//     must be in the input when the input holds Nodes or any ValidatingAdmissionPolicy.
//   - Kyverno's CEL policies (policies.kyverno.io ValidatingPolicy and ImageValidatingPolicy,
//     validationActions default [Deny]) count like ClusterPolicies; namespaced Kyverno Policies
//     do not, as the catalogue asks for a cluster-wide control.
//   - EKS/AWS-managed webhooks are recognised by configuration names starting with eks-,
//     vpc-resource-, aws-, amazon- or pod-identity-webhook, webhook names ending in .k8s.aws or
//     .amazonaws.com, or the label eks.amazonaws.com/component.
var policyEngineEnforcing = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-CMP-001",
		Slug:        "policy-engine-enforcing",
		Title:       "A policy-as-code admission controller or ValidatingAdmissionPolicy must be enforcing",
		Section:     "compliance",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Deploy Gatekeeper, Kyverno or ValidatingAdmissionPolicies (eksguard can export its checks as VAPs) in enforce mode.",
		References: check.References{
			Guide: "compliance#policy-as-code",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	// Gatekeeper and Kyverno policies are optional CRDs; Node decides whether the input is a cluster.
	Reads: []string{"Node", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if len(podWebhooks(inv)) > 0 {
			r.Evaluated(1)
			return
		}
		nodes := hasNodes(inv)
		webhooksCollected := nodes && len(inv.OfKind("ValidatingWebhookConfiguration")) > 0
		type gap struct {
			obj  *inventory.Object
			path fieldpath.Path
			msg  string
		}
		var gaps []gap
		enforcing := 0
		spec := fieldpath.Root.Key("spec")

		gatekeeperHook := !webhooksCollected || hasWebhookConfiguration(inv, gatekeeperValidatingWebhook)
		for _, o := range objectsOfGroup(inv, gatekeeperConstraintGroup, "") {
			what := "Gatekeeper constraint " + o.Kind + " " + strconv.Quote(o.Name)
			switch ok, action := gatekeeperEnforcing(o); {
			case !ok:
				gaps = append(gaps, gap{o, spec.Key("enforcementAction"), what + " has enforcementAction " + strconv.Quote(action) + ": violations are not denied"})
			case !gatekeeperHook:
				gaps = append(gaps, gap{o, fieldpath.Root, what + " denies, but the cluster has no " + gatekeeperValidatingWebhook + ": Gatekeeper does not see admission requests"})
			default:
				enforcing++
			}
		}

		kyvernoHook := !webhooksCollected || hasWebhookConfiguration(inv, kyvernoValidatingWebhook)
		for _, o := range objectsOfGroup(inv, kyvernoGroup, "ClusterPolicy") {
			what := "Kyverno ClusterPolicy " + strconv.Quote(o.Name)
			enf, hasRules, at, why := kyvernoEnforcing(o)
			switch {
			case !hasRules:
				gaps = append(gaps, gap{o, spec.Key("rules"), what + " has no validate or verifyImages rule: it blocks nothing"})
			case inventory.RawMap(o.Raw, "spec")["admission"] == false:
				gaps = append(gaps, gap{o, spec.Key("admission"), what + " sets admission false: it only runs in background scans"})
			case !enf:
				gaps = append(gaps, gap{o, at, what + " has no rule in Enforce mode (" + why + "): violations are only reported"})
			case !kyvernoHook:
				gaps = append(gaps, gap{o, fieldpath.Root, what + " enforces, but the cluster has no " + kyvernoValidatingWebhook + ": Kyverno does not see admission requests"})
			default:
				enforcing++
			}
		}
		for _, kind := range []string{"ValidatingPolicy", "ImageValidatingPolicy"} {
			for _, o := range objectsOfGroup(inv, kyvernoCELGroup, kind) {
				ok, at, why := kyvernoCELEnforcing(o)
				if ok {
					enforcing++
					continue
				}
				gaps = append(gaps, gap{o, at, "Kyverno " + kind + " " + strconv.Quote(o.Name) + " " + why + ": violations are not denied"})
			}
		}

		policies := map[string]bool{}
		for _, o := range inv.OfKind("ValidatingAdmissionPolicy") {
			if _, ok := o.Typed.(*admissionregistrationv1.ValidatingAdmissionPolicy); ok {
				policies[o.Name] = true
			}
		}
		needPolicy := nodes || len(policies) > 0
		bound := map[string]bool{}
		for _, o := range inv.OfKind("ValidatingAdmissionPolicyBinding") {
			b, ok := o.Typed.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding)
			if !ok {
				continue
			}
			bound[b.Spec.PolicyName] = true
			what := "ValidatingAdmissionPolicyBinding " + strconv.Quote(o.Name)
			switch {
			case !slices.Contains(b.Spec.ValidationActions, admissionregistrationv1.Deny):
				actions := make([]string, len(b.Spec.ValidationActions))
				for i, a := range b.Spec.ValidationActions {
					actions[i] = string(a)
				}
				gaps = append(gaps, gap{o, spec.Key("validationActions"), what + " has validationActions [" + strings.Join(actions, ", ") + "] without Deny: violations are not denied"})
			case needPolicy && !policies[b.Spec.PolicyName]:
				gaps = append(gaps, gap{o, spec.Key("policyName"), what + " binds ValidatingAdmissionPolicy " + strconv.Quote(b.Spec.PolicyName) + ", which is not in the input"})
			default:
				enforcing++
			}
		}
		for _, o := range inv.OfKind("ValidatingAdmissionPolicy") {
			if _, ok := o.Typed.(*admissionregistrationv1.ValidatingAdmissionPolicy); ok && !bound[o.Name] {
				gaps = append(gaps, gap{o, fieldpath.Root.Key("metadata").Key("name"), "ValidatingAdmissionPolicy " + strconv.Quote(o.Name) + " has no ValidatingAdmissionPolicyBinding in the input: it is not applied"})
			}
		}

		if enforcing > 0 {
			r.Evaluated(enforcing + len(gaps))
			return
		}
		switch {
		case len(gaps) > 0:
			r.Evaluated(len(gaps))
			for _, g := range gaps {
				r.Fail(g.obj, g.path, g.msg+"; no other policy-as-code control in the input enforces")
			}
		case nodes:
			r.Evaluated(1)
			r.Fail(firstNode(inv), fieldpath.Root, "no policy-as-code admission control in the input: no Gatekeeper deny constraint, Kyverno Enforce ClusterPolicy, "+
				"ValidatingAdmissionPolicyBinding with Deny, or other validating webhook on pod creation")
		}
	},
}

func init() { check.Register(policyEngineEnforcing) }
