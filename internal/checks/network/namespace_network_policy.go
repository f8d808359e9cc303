package network

import (
	"strconv"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// namespaceNetworkPolicy: EKS-NET-002, CIS EKS 4.3.2.
//
// Every namespace outside SYSTEM_NAMESPACES (default included) must have at least one
// networking.k8s.io NetworkPolicy, unless a cluster-scoped policy covers it. A namespace with
// no policy at all lets every pod talk to anything in both directions. The finding points at
// the Namespace object's name, or the metadata.namespace of the first object in the namespace
// when the input has no Namespace object.
//
// Decisions: manifest mode evaluates the namespaces of the input (see EKS-NET-001; objects
// without metadata.namespace form one namespace of their own). "Covered by a cluster-scoped
// policy" means an AdminNetworkPolicy, BaselineAdminNetworkPolicy, Calico GlobalNetworkPolicy
// or CiliumClusterwideNetworkPolicy that default-denies at least one direction for every pod of
// the namespace, read as in EKS-NET-001. extensions/v1beta1 NetworkPolicies do not count: the
// API stopped serving them in Kubernetes 1.16; the message says so when only they exist.
var namespaceNetworkPolicy = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-002",
		Slug:        "namespace-network-policy",
		Title:       "Every namespace must have at least one NetworkPolicy",
		Section:     "network",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Create NetworkPolicies for the namespace, starting with default deny.",
		References: check.References{
			Guide:  "network#getting-started-with-network-policies---follow-principle-of-least-privilege",
			CISEKS: "4.3.2",
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
			if len(pols.In(ns.Name)) > 0 || pols.ClusterDeny(ns, nil, Ingress) != "" || pols.ClusterDeny(ns, nil, Egress) != "" {
				continue
			}
			msg := ns.String() + " has no networking.k8s.io NetworkPolicy and no cluster-scoped default deny covers it"
			if n := pols.Legacy(ns.Name); n > 0 {
				msg += "; its extensions/v1beta1 NetworkPolicies (" + strconv.Itoa(n) + ") do not count: the API no longer serves that version"
			}
			obj, at := ns.Anchor()
			r.Fail(obj, at, msg)
		}
	},
}

func init() { check.Register(namespaceNetworkPolicy) }
