package incident

import (
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/checks/network"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// quarantineNetworkPolicy: EKS-IR-001.
//
// Responders must be able to cut a compromised pod off the network at once, by labelling it,
// without writing a policy under pressure. A namespace outside SYSTEM_NAMESPACES passes when a
// quarantine policy covers it in both directions: a networking.k8s.io NetworkPolicy of the
// namespace whose spec.podSelector names the key of the quarantine label (quarantine_label in
// the settings file, default eksguard.io/quarantine=true) in matchLabels or matchExpressions
// and matches the label, whose effective
// policyTypes include the direction and which has no rules in it; or a cluster-scoped policy
// selecting pods with that label (AdminNetworkPolicy or BaselineAdminNetworkPolicy subject
// pods.podSelector with a Deny of every peer, Calico GlobalNetworkPolicy whose selector names
// the label, CiliumClusterwideNetworkPolicy whose endpointSelector does; read as in
// EKS-NET-001). One policy per direction is enough. Otherwise the finding is low, as the
// catalogue grades a missing mechanism: when a quarantine NetworkPolicy exists but leaves a
// direction open it points at that policy's spec.policyTypes (direction not isolated) or its
// rules (direction allowed); else at the Namespace object's name or the metadata.namespace of
// the first object in the namespace, saying what to apply.
//
// Decisions: a NetworkPolicy only selects pods of its own namespace, so the catalogue's "a
// NetworkPolicy (any namespace)" is read per namespace: a quarantine policy in one namespace
// cannot isolate pods in another. The prerequisite, EKS-NET-005 (network policy enforcement
// active, medium when it fails), needs the EKS API and is not evaluated in manifest mode.
// NetworkPolicies are additive: a quarantined pod still matched by allow policies keeps that
// traffic, so the playbook must also strip its app labels (or use an AdminNetworkPolicy Deny).
var quarantineNetworkPolicy = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IR-001",
		Slug:        "quarantine-network-policy",
		Title:       "The cluster must be able to isolate a compromised pod with a deny-all NetworkPolicy",
		Section:     "incident-response",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Pre-create a cluster-wide deny-all policy for pods labelled with the quarantine label; practise using it.",
		References: check.References{
			Guide: "incidents#isolate-the-pod-by-creating-a-network-policy-that-denies-all-ingress-and-egress-traffic-to-the-pod",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: []string{"Namespace", "NetworkPolicy"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		pols := network.IndexPolicies(inv)
		quarantineKey, quarantineValue := r.Config.Quarantine()
		quarantined := map[string]string{quarantineKey: quarantineValue}
		for _, ns := range inv.Namespaces() {
			if !r.Config.IncludeSystemNamespaces && r.Config.IsSystemNamespace(ns.Name) {
				continue
			}
			r.Evaluated(1)
			var missing []network.Direction
			for _, d := range []network.Direction{network.Ingress, network.Egress} {
				if !quarantineDenies(pols, ns, quarantineKey, quarantined, d) {
					missing = append(missing, d)
				}
			}
			if len(missing) == 0 {
				continue
			}
			if p, ok := quarantinePolicy(pols, ns, quarantineKey, quarantined); ok {
				// A quarantine policy exists but leaves a direction open: point at the gap.
				for _, d := range missing {
					at := fieldpath.Root.Key("spec").Key("policyTypes")
					why := "its effective policyTypes omit " + strings.ToUpper(d.String()[:1]) + d.String()[1:]
					if p.Applies(d) {
						at = fieldpath.Root.Key("spec").Key(d.String())
						why = "it allows " + d.String() + " traffic"
					}
					r.FailWith(p.Object, at, check.Low, p.Name()+" selects "+quarantineKey+"="+quarantineValue+" but does not deny "+d.String()+": "+why)
				}
				continue
			}
			obj, at := ns.Anchor()
			apply := `; apply a NetworkPolicy with podSelector matchLabels {` + quarantineKey + `: "` + quarantineValue + `"}, policyTypes [Ingress, Egress] and no rules`
			switch len(missing) {
			case 2:
				r.FailWith(obj, at, check.Low, "no policy isolates pods labelled "+quarantineKey+"="+quarantineValue+" in "+ns.String()+apply)
			case 1:
				r.FailWith(obj, at, check.Low, "no policy denies "+missing[0].String()+" for pods labelled "+quarantineKey+"="+quarantineValue+" in "+ns.String()+apply)
			}
		}
	},
}

// quarantineDenies reports whether a quarantine policy denies direction d for quarantined pods of ns.
// quarantined is the quarantine label, whose key is key.
func quarantineDenies(pols *network.Policies, ns *inventory.Namespace, key string, quarantined map[string]string, d network.Direction) bool {
	for _, p := range pols.In(ns.Name) {
		if p.Applies(d) && p.Rules(d) == 0 && namesQuarantineLabel(p, key) && p.Selects(quarantined) {
			return true
		}
	}
	return pols.ClusterDeny(ns, quarantined, d) != ""
}

// quarantinePolicy returns the first NetworkPolicy of ns that selects quarantined pods by the
// quarantine label.
func quarantinePolicy(pols *network.Policies, ns *inventory.Namespace, key string, quarantined map[string]string) (network.NetPolicy, bool) {
	for _, p := range pols.In(ns.Name) {
		if namesQuarantineLabel(p, key) && p.Selects(quarantined) {
			return p, true
		}
	}
	return network.NetPolicy{}, false
}

// namesQuarantineLabel reports whether the policy's pod selector is about the quarantine
// label, whose key is key.
func namesQuarantineLabel(p network.NetPolicy, key string) bool {
	if _, ok := p.Spec.PodSelector.MatchLabels[key]; ok {
		return true
	}
	for _, e := range p.Spec.PodSelector.MatchExpressions {
		if e.Key == key {
			return true
		}
	}
	return false
}

func init() { check.Register(quarantineNetworkPolicy) }
