package network

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// defaultDenyPolicies: EKS-NET-001.
//
// Every namespace outside SYSTEM_NAMESPACES must default-deny both directions. A direction is
// default-denied by a networking.k8s.io NetworkPolicy whose spec.podSelector is empty (no
// matchLabels, no matchExpressions), whose effective policyTypes contain the direction and
// which has no rules in it (spec.ingress / spec.egress empty or absent). policyTypes is
// defaulted as the API server does: without it a policy isolates Ingress, and Egress only
// when spec.egress has rules. Cluster-scoped equivalents pass too: AdminNetworkPolicy or
// BaselineAdminNetworkPolicy whose subject is every pod of the namespace with a Deny rule
// (no ports) from/to every pod (egress also: 0.0.0.0/0 or ::/0); a Calico GlobalNetworkPolicy
// selecting every pod of the namespace whose types contain the direction and which has no
// rule allowing or passing everything (Calico's end-of-tier deny); a
// CiliumClusterwideNetworkPolicy whose endpointSelector covers the namespace with ingress/egress
// rules that do not allow entity "all" (Cilium's default deny; enableDefaultDeny false turns
// it off) or an ingressDeny/egressDeny of entity "all". Without a default deny, every pod
// accepts traffic from and sends traffic to anything, so one compromised pod reaches all.
// The finding names the missing direction(s) and points at the Namespace object's name, or
// the metadata.namespace of the first object in the namespace when the input has no
// Namespace object.
//
// Decisions: manifest mode evaluates every namespace of the input: Namespace objects plus the
// namespaces its objects name; objects without metadata.namespace form one namespace of their
// own (the one they are applied to), not "default". "Detect by CRD presence" becomes "detect by
// policy objects in the input": a CRD alone enforces nothing. Calico selectors are read for
// all(), has(), ==, !=, in, not in joined by &&; others are not interpreted (not counted).
// A common slip is reported at its source: an all-pods policy that omits policyTypes and has
// no egress rules isolates ingress only, and the egress finding then points at its
// spec.policyTypes.
var defaultDenyPolicies = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-001",
		Slug:        "default-deny-policies",
		Title:       "Every namespace must have default-deny ingress and egress NetworkPolicies",
		Section:     "network",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Apply a NetworkPolicy with podSelector {} and policyTypes [Ingress, Egress] and no rules in each namespace, then add allow rules (DNS first, EKS-NET-004).",
		References: check.References{
			Guide: "network#create-a-default-deny-policy",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: []string{"Namespace", "NetworkPolicy"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		pols := IndexPolicies(inv)
		for _, ns := range inv.Namespaces() {
			if skipsNamespace(r, ns.Name) {
				continue
			}
			r.Evaluated(1)
			ingressDenied := pols.DefaultDeny(ns, Ingress) != ""
			egressDenied := pols.DefaultDeny(ns, Egress) != ""
			if !egressDenied {
				// An all-pods deny that omits policyTypes and has no egress rules is ingress-only.
				for _, p := range pols.In(ns.Name) {
					if p.SelectsAll() && p.TypesDefaulted && p.Rules(Ingress) == 0 && p.Rules(Egress) == 0 {
						r.Fail(p.Object, fieldpath.Root.Key("spec").Key("policyTypes"), p.Name()+
							" omits policyTypes and has no egress rules, so it denies ingress only: egress is not default-denied "+inNamespace(ns.Name)+"; set policyTypes [Ingress, Egress]")
						egressDenied = true
						break
					}
				}
			}
			obj, at := ns.Anchor()
			switch {
			case !ingressDenied && !egressDenied:
				r.Fail(obj, at, ns.String()+" has no default-deny policy for ingress or egress (NetworkPolicy with podSelector {}, policyTypes [Ingress, Egress] and no rules)")
			case !ingressDenied:
				r.Fail(obj, at, ns.String()+" has no default-deny ingress policy (NetworkPolicy with podSelector {}, policyTypes Ingress and no ingress rules)")
			case !egressDenied:
				r.Fail(obj, at, ns.String()+" has no default-deny egress policy (NetworkPolicy with podSelector {}, policyTypes Egress and no egress rules)")
			}
		}
	},
}

func init() { check.Register(defaultDenyPolicies) }
