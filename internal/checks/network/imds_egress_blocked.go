package network

import (
	"net/netip"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// imdsEgressBlocked: EKS-NET-006.
//
// Pods must not reach the EC2 instance metadata service (169.254.169.254, TCP 80): from there
// they can take the node's instance-profile credentials, whatever IRSA or Pod Identity they
// use. For each workload (POD_SPEC_SOURCES) outside SYSTEM_NAMESPACES without hostNetwork:
// when no NetworkPolicy selects it for egress (effective policyTypes, label-selector
// semantics), it fails at its pod labels unless a cluster-scoped default deny covers its
// namespace; when policies select it, it fails if one of their egress rules admits TCP 80 to
// 169.254.169.254: a rule without "to" (every destination), or an ipBlock whose cidr contains
// the address and whose except lists neither 169.254.169.254/32 nor a block containing it
// (169.254.0.0/16). Rules with ports that exclude TCP 80 (e.g. only 53) do not reach it;
// named ports never match a non-pod destination. Such a rule is reported once, at the ipBlock
// (or at the rule when it has no "to"), naming the workloads it exposes. An explicit deny of
// the address in a cluster-scoped policy covering the namespace passes the workload: an
// AdminNetworkPolicy/BaselineAdminNetworkPolicy egress Deny to networks containing it, a
// Calico GlobalNetworkPolicy egress Deny with destination nets containing it, or a
// CiliumClusterwideNetworkPolicy egressDeny toCIDR/toCIDRSet containing it.
//
// Decisions: the catalogue applies this check when EKS-IAM-018/019 found nodes with a hop limit
// above 1 or IMDSv1. Manifest mode has no node data and assumes they do: a managed node
// group's default launch template sets hop limit 2, so pods reach IMDS unless something
// blocks it. The catalogue's per-namespace wording becomes per workload: a namespace with a
// default deny can still expose IMDS through a wide allow rule, and a workload finding says
// which. The IPv6 endpoint fd00:ec2::254 is not evaluated.
var imdsEgressBlocked = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-006",
		Slug:        "imds-egress-blocked",
		Title:       "Pods must not reach instance metadata when nodes allow it",
		Section:     "network",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Set hop limit 1 (EKS-IAM-019) or add egress rules whose 0.0.0.0/0 ipBlock excepts 169.254.169.254/32.",
		References: check.References{
			Guide: "iam#restrict-access-to-the-instance-profile-assigned-to-the-worker-node",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: append([]string{"NetworkPolicy"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		pols := IndexPolicies(inv)
		namespaces := namespaceIndex(inv)
		type exposure struct {
			policy    NetPolicy
			path      fieldpath.Path
			why       string
			workloads []string
		}
		var order []string
		exposures := map[string]*exposure{}
		for _, p := range inv.PodSpecs() {
			if p.Spec.HostNetwork || skipsNamespace(r, p.Namespace()) {
				continue
			}
			r.Evaluated(1)
			ns := namespaces[p.Namespace()]
			if ns != nil && pols.ClusterDeniesIP(ns, imdsAddr, 80) != "" {
				continue
			}
			var selecting []NetPolicy
			for _, np := range pols.In(p.Namespace()) {
				if np.Applies(Egress) && np.Selects(p.Meta.Labels) {
					selecting = append(selecting, np)
				}
			}
			if len(selecting) == 0 {
				if ns == nil || pols.ClusterDeny(ns, nil, Egress) == "" {
					r.Fail(p.Object, labelsPath(p), "no NetworkPolicy "+inNamespace(p.Namespace())+
						" restricts this pod's egress: it can reach instance metadata at 169.254.169.254 and the node's credentials")
				}
				continue
			}
			for _, np := range selecting {
				for i, rule := range np.Spec.Egress {
					path, why, ok := imdsAllowed(rule.Ports, rule.To, i)
					if !ok {
						continue
					}
					key := strconv.Itoa(np.Object.Seq) + "/" + string(path)
					e := exposures[key]
					if e == nil {
						e = &exposure{policy: np, path: path, why: why}
						exposures[key] = e
						order = append(order, key)
					}
					e.workloads = append(e.workloads, workloadName(p))
				}
			}
		}
		for _, key := range order {
			e := exposures[key]
			r.Fail(e.policy.Object, e.path, e.policy.Name()+" "+string(e.path)+" "+e.why+
				": instance metadata at 169.254.169.254 is reachable from "+nameList(e.workloads, 3))
		}
	},
}

var imdsAddr = netip.MustParseAddr("169.254.169.254")

// imdsAllowed reports whether egress rule i admits TCP 80 to the metadata address, with the
// path of what admits it and why.
func imdsAllowed(ports []networkingv1.NetworkPolicyPort, to []networkingv1.NetworkPolicyPeer, i int) (fieldpath.Path, string, bool) {
	rulePath := fieldpath.Root.Key("spec").Key("egress").Index(i)
	if !portAllows(ports, corev1.ProtocolTCP, 80) {
		return "", "", false
	}
	if len(to) == 0 {
		return rulePath, "allows every destination (no \"to\")", true
	}
	for j, peer := range to {
		if peer.IPBlock == nil {
			continue
		}
		if ok, _ := ipBlockAdmits(peer.IPBlock, imdsAddr); ok {
			return rulePath.Key("to").Index(j).Key("ipBlock"), "admits " + peer.IPBlock.CIDR + " without 169.254.169.254/32 in except", true
		}
	}
	return "", "", false
}

func init() { check.Register(imdsEgressBlocked) }
