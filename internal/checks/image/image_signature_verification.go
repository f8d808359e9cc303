package image

import (
	"slices"
	"strconv"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// imageSignatureVerification: EKS-IMG-015.
//
// Required: an admission control that verifies image signatures and blocks unverified images.
// Any one of these passes:
//   - a Kyverno ClusterPolicy or Policy (kyverno.io) with a verifyImages rule whose effective
//     failure action is Enforce (the rule's failureAction, else spec.validationFailureAction,
//     default Audit) and spec.admission not false, or a Kyverno ImageValidatingPolicy
//     (policies.kyverno.io) whose validationActions (default [Deny]) contain Deny;
//   - a Sigstore policy-controller ClusterImagePolicy (policy.sigstore.dev) in mode enforce
//     (the default), with at least one Namespace of the input labelled
//     policy.sigstore.dev/include=true (the controller only checks labelled namespaces);
//   - a Gatekeeper constraint (constraints.gatekeeper.sh) backed by Ratify (its kind contains
//     "ratify", or its ConstraintTemplate in the input mentions ratify in spec.targets) whose
//     enforcementAction is deny (the default) or scoped with deny at validation.gatekeeper.sh;
//   - a ValidatingWebhookConfiguration of the AWS Signer/Notation or Ratify admission
//     controller: its name, a webhook name or its service name or namespace contains
//     "notation" or "ratify".
//
// Without it, nothing stops an image that was not built and signed by the organisation's
// pipeline from running. When none passes, each verification object that does not enforce is
// reported at the field responsible (validationFailureAction, mode, enforcementAction, ...),
// or, when the input has none, one finding goes to the first Node.
//
// Decisions: the check is about the cluster's admission layer, so it applies only when the
// input holds Node objects (a live scan or cluster dump) or some image verification object
// listed above; the manifests of one application are not reported for lacking it. Other
// verifiers (Connaisseur, Portieris) are not recognised, as the catalogue names none.
var imageSignatureVerification = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-015",
		Slug:        "image-signature-verification",
		Title:       "Image signatures should be verified at admission",
		Section:     "image-security",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Sign images (AWS Signer/Notation or cosign) in CI and deploy a verifying admission controller.",
		References: check.References{
			Guide: "image#image-integrity-verification-using-kubernetes-admission-controller",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	// The inv.Objects loop only looks for optional policy CRDs (Kyverno, Sigstore, Gatekeeper).
	Reads: []string{"Node", "Namespace", "ValidatingWebhookConfiguration"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		type gap struct {
			obj  *inventory.Object
			path fieldpath.Path
			msg  string
		}
		var gaps []gap
		enforcing := 0
		spec := fieldpath.Root.Key("spec")

		for _, o := range inv.Objects {
			switch {
			case o.Raw == nil:
			case o.Group() == "kyverno.io" && (o.Kind == "ClusterPolicy" || o.Kind == "Policy"):
				s := inventory.RawMap(o.Raw, "spec")
				enf, has, at, why := kyvernoVerifyImagesEnforced(s)
				what := "Kyverno " + o.Kind + " " + strconv.Quote(o.Name)
				switch {
				case !has:
				case s["admission"] == false:
					gaps = append(gaps, gap{o, spec.Key("admission"), what + " verifies images only in background scans (admission false)"})
				case !enf:
					gaps = append(gaps, gap{o, at, what + " has no verifyImages rule in Enforce mode (" + why + "): unsigned images are only reported"})
				default:
					enforcing++
				}
			case o.Group() == "policies.kyverno.io" && o.Kind == "ImageValidatingPolicy":
				s := inventory.RawMap(o.Raw, "spec")
				actions := inventory.RawStrings(s, "validationActions")
				switch {
				case inventory.RawMap(s, "evaluation", "admission")["enabled"] == false:
					gaps = append(gaps, gap{o, spec.Key("evaluation").Key("admission").Key("enabled"), "Kyverno ImageValidatingPolicy " + strconv.Quote(o.Name) + " disables admission evaluation"})
				case len(actions) > 0 && !slices.Contains(actions, "Deny"):
					gaps = append(gaps, gap{o, spec.Key("validationActions"), "Kyverno ImageValidatingPolicy " + strconv.Quote(o.Name) + " has validationActions [" + strings.Join(actions, ", ") + "] without Deny"})
				default:
					enforcing++
				}
			case o.Group() == "policy.sigstore.dev" && o.Kind == "ClusterImagePolicy":
				what := "Sigstore ClusterImagePolicy " + strconv.Quote(o.Name)
				mode := inventory.RawString(inventory.RawMap(o.Raw, "spec"), "mode")
				switch {
				case mode != "" && mode != "enforce":
					gaps = append(gaps, gap{o, spec.Key("mode"), what + " is in mode " + strconv.Quote(mode) + ": unsigned images are admitted with a warning"})
				case !sigstoreNamespaceIncluded(inv):
					gaps = append(gaps, gap{o, fieldpath.Root, what + " enforces, but no Namespace in the input is labelled " + sigstoreIncludeLabel + "=true: the policy-controller checks no namespace"})
				default:
					enforcing++
				}
			case o.Group() == "constraints.gatekeeper.sh" && ratifyBacked(inv, o.Kind):
				action := inventory.RawString(inventory.RawMap(o.Raw, "spec"), "enforcementAction")
				if gatekeeperDenies(o) {
					enforcing++
				} else {
					gaps = append(gaps, gap{o, spec.Key("enforcementAction"), "Ratify-backed Gatekeeper constraint " + o.Kind + " " + strconv.Quote(o.Name) +
						" has enforcementAction " + strconv.Quote(action) + ": unverified images are not denied"})
				}
			}
		}
		for _, o := range inv.OfKind("ValidatingWebhookConfiguration") {
			if cfg, ok := o.Typed.(*admissionregistrationv1.ValidatingWebhookConfiguration); ok && verifierWebhook(o.Name, cfg) {
				enforcing++
			}
		}

		if enforcing > 0 {
			r.Evaluated(enforcing + len(gaps))
			return
		}
		if len(gaps) > 0 {
			r.Evaluated(len(gaps))
			for _, g := range gaps {
				r.Fail(g.obj, g.path, g.msg+"; nothing else in the input verifies image signatures at admission")
			}
			return
		}
		for _, o := range inv.OfKind("Node") {
			if _, ok := o.Typed.(*corev1.Node); ok {
				r.Evaluated(1)
				r.Fail(o, fieldpath.Root, "no image signature verification at admission in the input: no Kyverno verifyImages policy in Enforce mode, "+
					"Sigstore ClusterImagePolicy, Ratify-backed Gatekeeper constraint or Notation/Ratify webhook")
				return
			}
		}
	},
}

// sigstoreIncludeLabel opts a namespace into the Sigstore policy-controller.
const sigstoreIncludeLabel = "policy.sigstore.dev/include"

// sigstoreNamespaceIncluded reports whether some Namespace of the input opts into the
// Sigstore policy-controller.
func sigstoreNamespaceIncluded(inv *inventory.Inventory) bool {
	for _, o := range inv.OfKind("Namespace") {
		if ns, ok := o.Typed.(*corev1.Namespace); ok && ns.Labels[sigstoreIncludeLabel] == "true" {
			return true
		}
	}
	return false
}

// kyvernoVerifyImagesEnforced reports whether a Kyverno policy spec has a verifyImages rule
// (has) and whether one of them has the effective failure action Enforce. When none does, it
// returns the field that sets the first rule's action and a description of it.
func kyvernoVerifyImagesEnforced(spec map[string]any) (enforced, has bool, at fieldpath.Path, why string) {
	policyAction := inventory.RawString(spec, "validationFailureAction")
	rules := fieldpath.Root.Key("spec").Key("rules")
	for i, rule := range inventory.RawList(spec, "rules") {
		for j, vi := range inventory.RawList(rule, "verifyImages") {
			action := inventory.RawString(vi, "failureAction")
			if strings.EqualFold(action, "Enforce") || action == "" && strings.EqualFold(policyAction, "Enforce") {
				return true, true, "", ""
			}
			if has {
				continue
			}
			has = true
			switch {
			case action != "":
				at, why = rules.Index(i).Key("verifyImages").Index(j).Key("failureAction"), "rule "+strconv.Quote(inventory.RawString(rule, "name"))+" sets failureAction "+action
			case policyAction != "":
				at, why = fieldpath.Root.Key("spec").Key("validationFailureAction"), "validationFailureAction is "+policyAction
			default:
				at, why = fieldpath.Root.Key("spec").Key("validationFailureAction"), "validationFailureAction is unset, default Audit"
			}
		}
	}
	return false, has, at, why
}

// ratifyBacked reports whether a Gatekeeper constraint kind verifies images through Ratify:
// the kind names Ratify, or its ConstraintTemplate in the input mentions ratify (its Rego
// calls the ratify external data provider).
func ratifyBacked(inv *inventory.Inventory, kind string) bool {
	if strings.Contains(strings.ToLower(kind), "ratify") {
		return true
	}
	for _, o := range inv.OfKind("ConstraintTemplate") {
		if o.Group() != "templates.gatekeeper.sh" || o.Raw == nil {
			continue
		}
		spec := inventory.RawMap(o.Raw, "spec")
		if inventory.RawString(inventory.RawMap(spec, "crd", "spec", "names"), "kind") == kind && mentions(spec["targets"], "ratify") {
			return true
		}
	}
	return false
}

// gatekeeperDenies reports whether a constraint denies at admission: enforcementAction unset
// or deny, or scoped with a deny action at validation.gatekeeper.sh (or "*").
func gatekeeperDenies(o *inventory.Object) bool {
	spec := inventory.RawMap(o.Raw, "spec")
	switch strings.ToLower(inventory.RawString(spec, "enforcementAction")) {
	case "", "deny":
		return true
	case "scoped":
		for _, s := range inventory.RawList(spec, "scopedEnforcementActions") {
			if !strings.EqualFold(inventory.RawString(s, "action"), "deny") {
				continue
			}
			for _, p := range inventory.RawList(s, "enforcementPoints") {
				if n := inventory.RawString(p, "name"); n == "validation.gatekeeper.sh" || n == "*" {
					return true
				}
			}
		}
	}
	return false
}

// verifierWebhook reports whether a webhook configuration belongs to the Notation (AWS Signer)
// or Ratify admission controller.
func verifierWebhook(name string, cfg *admissionregistrationv1.ValidatingWebhookConfiguration) bool {
	names := []string{name}
	for _, w := range cfg.Webhooks {
		names = append(names, w.Name)
		if s := w.ClientConfig.Service; s != nil {
			names = append(names, s.Name, s.Namespace)
		}
	}
	for _, n := range names {
		if n = strings.ToLower(n); strings.Contains(n, "notation") || strings.Contains(n, "ratify") {
			return true
		}
	}
	return false
}

// mentions reports whether a raw value holds a string containing word, case-insensitively.
func mentions(v any, word string) bool {
	switch t := v.(type) {
	case string:
		return strings.Contains(strings.ToLower(t), word)
	case []any:
		return slices.ContainsFunc(t, func(x any) bool { return mentions(x, word) })
	case map[string]any:
		for _, x := range t {
			if mentions(x, word) {
				return true
			}
		}
	}
	return false
}

func init() { check.Register(imageSignatureVerification) }
