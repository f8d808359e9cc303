package network

import (
	"net/netip"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// dnsEgressAllowed: EKS-NET-004.
//
// A namespace whose egress is default-denied by a NetworkPolicy (EKS-NET-001 logic) must allow
// DNS: an egress rule admitting UDP 53 and TCP 53 to CoreDNS. A rule reaches CoreDNS when a
// peer selects the kube-dns pods (namespaceSelector matching namespace kube-system, or no
// namespaceSelector in a kube-system policy, and a podSelector matching k8s-app=kube-dns or
// none), or an ipBlock admits a cluster DNS address; ports match by number 53 (or a range or
// an absent port list) and, for pod peers, by CoreDNS's port names dns (UDP) and dns-tcp
// (TCP). The rule must be in a policy selecting every pod (empty podSelector), or every
// workload of the namespace in the input must be selected by policies that allow it. Without
// it no pod resolves names; with UDP only, answers too large for UDP (TCP fallback) fail.
// Findings (medium) point at spec.policyTypes of the default-deny policy, which is what cuts
// DNS off, and list the workloads left without DNS.
//
// Decisions: port 53 to any destination (no "to", or an ipBlock of /0) passes with an info
// finding, "too broad": the catalogue calls it a pass with a note, and a low finding would
// count as a failure in scores. Cluster DNS addresses: the clusterIP(s) of Service
// kube-system/kube-dns when the input has it, else the EKS defaults 10.100.0.10 and
// 172.20.0.10, plus NodeLocal DNSCache's 169.254.20.10. kube-system's labels and CoreDNS's pod
// labels come from the input's Namespace kube-system and Deployment kube-system/coredns when
// present, else kubernetes.io/metadata.name=kube-system and the EKS add-on's labels
// (k8s-app=kube-dns, eks.amazonaws.com/component=coredns). Namespaces default-denied only by
// cluster-scoped policies are not evaluated: their DNS exception lives in those engines' own
// allow rules, which eksguard does not interpret. hostNetwork workloads are not subjects.
var dnsEgressAllowed = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-004",
		Slug:        "dns-egress-allowed",
		Title:       "Namespaces with default-deny egress must allow DNS to CoreDNS",
		Section:     "network",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Add an allow-dns egress policy to kube-system/k8s-app=kube-dns on UDP and TCP 53.",
		References: check.References{
			Guide: "network#create-a-rule-to-allow-dns-queries",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: append([]string{"Namespace", "NetworkPolicy", "Service"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		pols := IndexPolicies(inv)
		dns := findClusterDNS(inv)
		workloads := map[string][]inventory.PodSpecRef{}
		for _, p := range inv.PodSpecs() {
			if !p.Spec.HostNetwork {
				workloads[p.Namespace()] = append(workloads[p.Namespace()], p)
			}
		}
		for _, ns := range inv.Namespaces() {
			if skipsNamespace(r, ns.Name) {
				continue
			}
			var deny *NetPolicy
			var all []NetPolicy
			for _, p := range pols.In(ns.Name) {
				if p.DeniesAll(Egress) && deny == nil {
					deny = &p
				}
				if p.SelectsAll() && p.Applies(Egress) {
					all = append(all, p)
				}
			}
			if deny == nil {
				continue
			}
			r.Evaluated(1)
			v := dns.verdict(all)
			if v.ok() {
				continue
			}
			var lacking []string
			if subjects := workloads[ns.Name]; len(subjects) > 0 {
				worst := dnsVerdict{udp: dnsPrecise, tcp: dnsPrecise}
				for _, p := range subjects {
					var selecting []NetPolicy
					for _, np := range pols.In(ns.Name) {
						if np.Applies(Egress) && np.Selects(p.Meta.Labels) {
							selecting = append(selecting, np)
						}
					}
					if pv := dns.verdict(selecting); !pv.ok() {
						lacking = append(lacking, workloadName(p))
						worst = worst.worse(pv)
					}
				}
				if len(lacking) == 0 {
					continue
				}
				v = worst
			}
			sev, what := v.describe()
			msg := "egress " + inNamespace(ns.Name) + " is default-denied by " + deny.Name() + " and " + what
			if len(lacking) > 0 {
				msg += " (affected: " + nameList(lacking, 3) + ")"
			}
			r.FailWith(deny.Object, fieldpath.Root.Key("spec").Key("policyTypes"), sev, msg)
		}
	},
}

// dnsLevel ranks how well one protocol's DNS traffic is allowed.
type dnsLevel int

const (
	dnsNone    dnsLevel = iota // not allowed
	dnsBroad                   // allowed to any destination on port 53
	dnsPrecise                 // allowed to CoreDNS or the cluster DNS address
)

type dnsVerdict struct{ udp, tcp dnsLevel }

func (v dnsVerdict) ok() bool { return v.udp == dnsPrecise && v.tcp == dnsPrecise }

// rank orders verdicts from worst (0) to best.
func (v dnsVerdict) rank() int {
	switch {
	case v.udp == dnsNone && v.tcp == dnsNone:
		return 0
	case v.udp == dnsNone:
		return 1
	case v.tcp == dnsNone:
		return 2
	case !v.ok():
		return 3
	}
	return 4
}

func (v dnsVerdict) worse(o dnsVerdict) dnsVerdict {
	if o.rank() < v.rank() {
		return o
	}
	return v
}

func (v dnsVerdict) describe() (check.Severity, string) {
	switch v.rank() {
	case 0:
		return check.Medium, "no egress rule allows DNS (UDP and TCP 53) to kube-dns: pods cannot resolve names"
	case 1:
		return check.Medium, "DNS egress allows TCP 53 but not UDP 53: pods cannot resolve names"
	case 2:
		return check.Medium, "DNS egress allows UDP 53 only: answers that need the TCP fallback fail"
	}
	return check.Info, "DNS is allowed on port 53 to any destination: this works but is broader than kube-dns"
}

// clusterDNS is what counts as the cluster's DNS service.
type clusterDNS struct {
	ips         []netip.Addr
	kubeSystem  map[string]string // labels of namespace kube-system
	corednsPods map[string]string // labels of the CoreDNS pods
}

func findClusterDNS(inv *inventory.Inventory) clusterDNS {
	d := clusterDNS{
		kubeSystem:  map[string]string{"kubernetes.io/metadata.name": "kube-system"},
		corednsPods: map[string]string{"k8s-app": "kube-dns", "eks.amazonaws.com/component": "coredns"},
	}
	for _, ns := range inv.Namespaces() {
		if ns.Name == "kube-system" {
			d.kubeSystem = ns.Labels
		}
	}
	for _, o := range inv.OfKind("Deployment") {
		if dep, ok := o.Typed.(*appsv1.Deployment); ok && o.Namespace == "kube-system" && o.Name == "coredns" && len(dep.Spec.Template.Labels) > 0 {
			d.corednsPods = dep.Spec.Template.Labels
		}
	}
	for _, o := range inv.OfKind("Service") {
		if svc, ok := o.Typed.(*corev1.Service); ok && o.Namespace == "kube-system" && o.Name == "kube-dns" {
			for _, s := range append([]string{svc.Spec.ClusterIP}, svc.Spec.ClusterIPs...) {
				if a, err := netip.ParseAddr(s); err == nil {
					d.ips = append(d.ips, a)
				}
			}
		}
	}
	if len(d.ips) == 0 {
		d.ips = []netip.Addr{netip.MustParseAddr("10.100.0.10"), netip.MustParseAddr("172.20.0.10")}
	}
	d.ips = append(d.ips, netip.MustParseAddr("169.254.20.10"))
	return d
}

// verdict is the best DNS allowance of the egress rules of policies, per protocol.
func (d clusterDNS) verdict(policies []NetPolicy) dnsVerdict {
	var v dnsVerdict
	for _, p := range policies {
		for _, rule := range p.Spec.Egress {
			v.udp = max(v.udp, d.ruleLevel(rule, p.Object.Namespace, corev1.ProtocolUDP, "dns"))
			v.tcp = max(v.tcp, d.ruleLevel(rule, p.Object.Namespace, corev1.ProtocolTCP, "dns-tcp"))
		}
	}
	return v
}

func (d clusterDNS) ruleLevel(rule networkingv1.NetworkPolicyEgressRule, policyNS string, proto corev1.Protocol, portName string) dnsLevel {
	if len(rule.To) == 0 {
		if portAllows(rule.Ports, proto, 53, portName) {
			return dnsBroad
		}
		return dnsNone
	}
	best := dnsNone
	for _, peer := range rule.To {
		if peer.IPBlock != nil {
			if !portAllows(rule.Ports, proto, 53) {
				continue
			}
			for _, ip := range d.ips {
				if ok, bits := ipBlockAdmits(peer.IPBlock, ip); ok {
					if bits == 0 {
						best = max(best, dnsBroad)
					} else {
						return dnsPrecise
					}
				}
			}
			continue
		}
		if portAllows(rule.Ports, proto, 53, portName) && peerSelectsPod(peer, policyNS, "kube-system", d.kubeSystem, d.corednsPods) {
			return dnsPrecise
		}
	}
	return best
}

func init() { check.Register(dnsEgressAllowed) }
