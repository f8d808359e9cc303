package network

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers shared by the network checks (and by EKS-IR-001 in package incident): NetworkPolicy
// semantics, the cluster-scoped policy engines the catalogue names, and the annotations of the
// AWS Load Balancer Controller and the legacy in-tree AWS cloud provider.

// ---------------------------------------------------------------------------------------------
// NetworkPolicy
// ---------------------------------------------------------------------------------------------

// Direction is a traffic direction a policy can isolate.
type Direction int

// The two directions of NetworkPolicy policyTypes.
const (
	Ingress Direction = iota
	Egress
)

func (d Direction) String() string {
	if d == Egress {
		return "egress"
	}
	return "ingress"
}

// NetPolicy is one networking.k8s.io NetworkPolicy with the API server's defaulting applied:
// without policyTypes it isolates Ingress, plus Egress only when spec.egress has rules
// (an empty or absent egress list does not add Egress).
type NetPolicy struct {
	Object *inventory.Object
	Spec   *networkingv1.NetworkPolicySpec
	// selector is spec.podSelector; nil when it is invalid (the API would reject the policy).
	selector labels.Selector
	types    [2]bool
	// TypesDefaulted is true when spec.policyTypes is absent and the defaults apply.
	TypesDefaulted bool
}

func newNetPolicy(o *inventory.Object, np *networkingv1.NetworkPolicy) NetPolicy {
	p := NetPolicy{Object: o, Spec: &np.Spec}
	if sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector); err == nil {
		p.selector = sel
	}
	if len(np.Spec.PolicyTypes) == 0 {
		p.TypesDefaulted = true
		p.types[Ingress] = true
		p.types[Egress] = len(np.Spec.Egress) > 0
	}
	for _, t := range np.Spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			p.types[Ingress] = true
		case networkingv1.PolicyTypeEgress:
			p.types[Egress] = true
		}
	}
	return p
}

// Name renders the policy for messages: NetworkPolicy "default-deny".
func (p NetPolicy) Name() string { return "NetworkPolicy " + strconv.Quote(p.Object.Name) }

// Applies reports whether the policy isolates direction d (its effective policyTypes).
func (p NetPolicy) Applies(d Direction) bool { return p.types[d] }

// SelectsAll reports whether spec.podSelector is empty: no matchLabels and no matchExpressions.
func (p NetPolicy) SelectsAll() bool {
	return len(p.Spec.PodSelector.MatchLabels) == 0 && len(p.Spec.PodSelector.MatchExpressions) == 0
}

// Selects reports whether spec.podSelector matches a pod with these labels.
func (p NetPolicy) Selects(podLabels map[string]string) bool {
	return p.selector != nil && p.selector.Matches(labels.Set(podLabels))
}

// Rules is the number of rules in direction d.
func (p NetPolicy) Rules(d Direction) int {
	if d == Egress {
		return len(p.Spec.Egress)
	}
	return len(p.Spec.Ingress)
}

// DeniesAll reports whether the policy is a default deny for d: it selects every pod,
// isolates d and allows nothing in d.
func (p NetPolicy) DeniesAll(d Direction) bool {
	return p.SelectsAll() && p.Applies(d) && p.Rules(d) == 0
}

// Policies indexes the NetworkPolicies and cluster-scoped policies of an inventory.
type Policies struct {
	byNS map[string][]NetPolicy
	// legacy counts extensions/v1beta1 NetworkPolicies per namespace (no longer served).
	legacy  map[string]int
	cluster []clusterPolicy
}

// IndexPolicies reads every NetworkPolicy and cluster-scoped policy of the inventory. The checks
// name only core kinds in their Reads: the cluster-scoped policy CRDs are optional, and a
// cluster without them has no coverage gap, just no such policies.
// Objects of kind NetworkPolicy in other groups (Calico's projectcalico.org, ...) are not
// Kubernetes NetworkPolicies and are left out.
// The index is built once per inventory and shared by the checks that read it.
func IndexPolicies(inv *inventory.Inventory) *Policies {
	return inventory.Memo(inv, policiesKey{}, func() *Policies { return indexPolicies(inv) })
}

type policiesKey struct{}

func indexPolicies(inv *inventory.Inventory) *Policies {
	x := &Policies{byNS: map[string][]NetPolicy{}, legacy: map[string]int{}}
	for _, o := range inv.OfKind("NetworkPolicy") {
		np, ok := o.Typed.(*networkingv1.NetworkPolicy)
		switch {
		case !ok:
		case o.Group() == "networking.k8s.io":
			x.byNS[o.Namespace] = append(x.byNS[o.Namespace], newNetPolicy(o, np))
		case o.Group() == "extensions":
			x.legacy[o.Namespace]++
		}
	}
	for _, kind := range []string{"AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "GlobalNetworkPolicy", "CiliumClusterwideNetworkPolicy"} {
		for _, o := range inv.OfKind(kind) {
			x.cluster = append(x.cluster, newClusterPolicies(o)...)
		}
	}
	return x
}

// In returns the NetworkPolicies of namespace ns, in source order.
func (x *Policies) In(ns string) []NetPolicy { return x.byNS[ns] }

// Legacy counts the extensions/v1beta1 NetworkPolicies of namespace ns.
func (x *Policies) Legacy(ns string) int { return x.legacy[ns] }

// DefaultDeny returns what default-denies direction d for every pod of ns: a NetworkPolicy
// (see DeniesAll) or a cluster-scoped policy. It returns "" when nothing does.
func (x *Policies) DefaultDeny(ns *inventory.Namespace, d Direction) string {
	for _, p := range x.byNS[ns.Name] {
		if p.DeniesAll(d) {
			return p.Name()
		}
	}
	return x.ClusterDeny(ns, nil, d)
}

// ClusterDeny returns the cluster-scoped policy (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
// Calico GlobalNetworkPolicy, CiliumClusterwideNetworkPolicy) that denies direction d to pods
// of ns, or "". With podLabels nil the policy must cover every pod of ns; otherwise it must
// select pods carrying podLabels through a selector on pod labels (a label-specific policy,
// such as a quarantine policy).
func (x *Policies) ClusterDeny(ns *inventory.Namespace, podLabels map[string]string, d Direction) string {
	for _, c := range x.cluster {
		if c.covers(ns, podLabels) && c.denies(d) {
			return c.name()
		}
	}
	return ""
}

// ClusterDeniesIP returns the cluster-scoped policy that denies egress from every pod of ns to
// ip on TCP port, or "".
func (x *Policies) ClusterDeniesIP(ns *inventory.Namespace, ip netip.Addr, port int32) string {
	for _, c := range x.cluster {
		if c.covers(ns, nil) && c.deniesIP(ip, port) {
			return c.name()
		}
	}
	return ""
}

// portAllows reports whether a rule's ports admit protocol proto on port num. names are the
// port names that count as num (named ports resolve on the destination pod's containers).
func portAllows(ports []networkingv1.NetworkPolicyPort, proto corev1.Protocol, num int32, names ...string) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		pp := corev1.ProtocolTCP
		if p.Protocol != nil {
			pp = *p.Protocol
		}
		if pp != proto {
			continue
		}
		switch {
		case p.Port == nil:
			return true
		case p.Port.Type == intstr.String:
			if slices.Contains(names, p.Port.StrVal) {
				return true
			}
		case p.EndPort != nil:
			if p.Port.IntVal <= num && num <= *p.EndPort {
				return true
			}
		case p.Port.IntVal == num:
			return true
		}
	}
	return false
}

// ipBlockAdmits reports whether an ipBlock's cidr contains ip and none of its except entries do.
// It also returns the prefix length of the cidr.
func ipBlockAdmits(b *networkingv1.IPBlock, ip netip.Addr) (bool, int) {
	cidr, err := netip.ParsePrefix(strings.TrimSpace(b.CIDR))
	if err != nil || !cidr.Contains(ip) {
		return false, 0
	}
	for _, e := range b.Except {
		if ex, err := netip.ParsePrefix(strings.TrimSpace(e)); err == nil && ex.Contains(ip) {
			return false, 0
		}
	}
	return true, cidr.Bits()
}

// peerSelectsPod reports whether a rule peer of a policy in namespace policyNS selects pods
// with podLabels in a namespace named podNS with nsLabels. Peers with an ipBlock select no pod.
func peerSelectsPod(peer networkingv1.NetworkPolicyPeer, policyNS, podNS string, nsLabels, podLabels map[string]string) bool {
	if peer.IPBlock != nil {
		return false
	}
	if peer.NamespaceSelector == nil {
		if policyNS != podNS {
			return false
		}
	} else if !selectorMatches(peer.NamespaceSelector, nsLabels) {
		return false
	}
	return peer.PodSelector == nil || selectorMatches(peer.PodSelector, podLabels)
}

// selectorMatches evaluates a label selector with the API's semantics (an empty selector
// matches everything); an invalid selector matches nothing.
func selectorMatches(sel *metav1.LabelSelector, set map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(labels.Set(set))
}

// ---------------------------------------------------------------------------------------------
// Cluster-scoped policies (read from the raw object: eksguard has no typed view of these CRDs)
// ---------------------------------------------------------------------------------------------

type clusterEngine int

const (
	adminNetworkPolicy clusterEngine = iota
	baselineAdminNetworkPolicy
	calicoGlobal
	ciliumClusterwide
)

// clusterPolicy is one cluster-scoped policy (or one rule of a Cilium specs list).
type clusterPolicy struct {
	obj    *inventory.Object
	engine clusterEngine
	spec   map[string]any
}

// newClusterPolicies reads a cluster-scoped policy object: one clusterPolicy, or one per entry
// of a CiliumClusterwideNetworkPolicy's specs list.
func newClusterPolicies(o *inventory.Object) []clusterPolicy {
	c := clusterPolicy{obj: o}
	switch {
	case o.Group() == "policy.networking.k8s.io" && o.Kind == "AdminNetworkPolicy":
		c.engine = adminNetworkPolicy
	case o.Group() == "policy.networking.k8s.io" && o.Kind == "BaselineAdminNetworkPolicy":
		c.engine = baselineAdminNetworkPolicy
	case (o.Group() == "crd.projectcalico.org" || o.Group() == "projectcalico.org") && o.Kind == "GlobalNetworkPolicy":
		c.engine = calicoGlobal
	case o.Group() == "cilium.io" && o.Kind == "CiliumClusterwideNetworkPolicy":
		c.engine = ciliumClusterwide
	default:
		return nil
	}
	var out []clusterPolicy
	if spec, ok := o.Raw["spec"].(map[string]any); ok {
		c.spec = spec
		out = append(out, c)
	}
	if c.engine == ciliumClusterwide {
		for _, s := range rawList(o.Raw["specs"]) {
			if spec, ok := s.(map[string]any); ok {
				c.spec = spec
				out = append(out, c)
			}
		}
	}
	return out
}

func (c clusterPolicy) name() string {
	return c.obj.Kind + " " + strconv.Quote(c.obj.Name)
}

// covers reports whether the policy applies to every pod of ns (podLabels nil) or, through a
// non-empty pod selector, to the pods of ns that carry podLabels.
func (c clusterPolicy) covers(ns *inventory.Namespace, podLabels map[string]string) bool {
	switch c.engine {
	case adminNetworkPolicy, baselineAdminNetworkPolicy:
		subject, _ := c.spec["subject"].(map[string]any)
		if nsSel, ok := subject["namespaces"].(map[string]any); ok {
			return podLabels == nil && rawSelectorMatches(nsSel, ns.Labels)
		}
		pods, ok := subject["pods"].(map[string]any)
		if !ok {
			return false
		}
		nsSel, _ := pods["namespaceSelector"].(map[string]any)
		podSel, _ := pods["podSelector"].(map[string]any)
		if !rawSelectorMatches(nsSel, ns.Labels) {
			return false
		}
		if podLabels == nil {
			return rawSelectorEmpty(podSel)
		}
		return !rawSelectorEmpty(podSel) && rawSelectorMatches(podSel, podLabels)
	case calicoGlobal:
		if b, _ := c.spec["doNotTrack"].(bool); b {
			return false
		}
		if b, _ := c.spec["preDNAT"].(bool); b {
			return false
		}
		nsSel, _ := c.spec["namespaceSelector"].(string)
		if ok, _ := calicoMatches(nsSel, calicoNamespaceLabels(ns)); !ok {
			return false
		}
		sel, _ := c.spec["selector"].(string)
		set := map[string]string{}
		if ns.Name != inventory.Unset {
			set["projectcalico.org/namespace"] = ns.Name
		}
		if podLabels == nil {
			ok, podKeys := calicoMatches(sel, set)
			return ok && !podKeys
		}
		for k, v := range podLabels {
			set[k] = v
		}
		ok, podKeys := calicoMatches(sel, set)
		return ok && podKeys
	case ciliumClusterwide:
		sel, ok := c.spec["endpointSelector"].(map[string]any)
		if !ok {
			return false
		}
		return ciliumSelects(sel, ns, podLabels)
	}
	return false
}

// denies reports whether the policy default-denies direction d for the pods it covers.
func (c clusterPolicy) denies(d Direction) bool {
	switch c.engine {
	case adminNetworkPolicy, baselineAdminNetworkPolicy:
		// A rule with action Deny, no ports, and a peer that is every pod (or, for egress,
		// 0.0.0.0/0 or ::/0).
		peersKey := "from"
		if d == Egress {
			peersKey = "to"
		}
		for _, r := range rawList(c.spec[d.String()]) {
			rule, _ := r.(map[string]any)
			if rule["action"] != "Deny" || rule["ports"] != nil {
				continue
			}
			for _, p := range rawList(rule[peersKey]) {
				if anpPeerIsEverything(p, d) {
					return true
				}
			}
		}
	case calicoGlobal:
		if !calicoTypes(c.spec)[d] {
			return false
		}
		// End-of-tier deny applies unless a rule allows (or passes) everything.
		for _, r := range rawList(c.spec[d.String()]) {
			rule, _ := r.(map[string]any)
			if (rule["action"] == "Allow" || rule["action"] == "Pass") && calicoRuleUnconstrained(rule) {
				return false
			}
		}
		return true
	case ciliumClusterwide:
		key, denyKey, entities := "ingress", "ingressDeny", "fromEntities"
		if d == Egress {
			key, denyKey, entities = "egress", "egressDeny", "toEntities"
		}
		for _, r := range rawList(c.spec[denyKey]) {
			rule, _ := r.(map[string]any)
			if slices.Contains(rawList(rule[entities]), any("all")) && rule["toPorts"] == nil {
				return true
			}
		}
		rules := rawList(c.spec[key])
		if len(rules) == 0 {
			return false
		}
		if dd, ok := c.spec["enableDefaultDeny"].(map[string]any); ok && dd[key] == false {
			return false
		}
		for _, r := range rules {
			rule, _ := r.(map[string]any)
			if slices.Contains(rawList(rule[entities]), any("all")) {
				return false
			}
		}
		return true
	}
	return false
}

// deniesIP reports whether the policy has an explicit egress deny of ip on TCP port.
func (c clusterPolicy) deniesIP(ip netip.Addr, port int32) bool {
	switch c.engine {
	case adminNetworkPolicy, baselineAdminNetworkPolicy:
		for _, r := range rawList(c.spec["egress"]) {
			rule, _ := r.(map[string]any)
			if rule["action"] != "Deny" || !anpPortsCover(rule["ports"], port) {
				continue
			}
			for _, p := range rawList(rule["to"]) {
				peer, _ := p.(map[string]any)
				if cidrsContain(rawList(peer["networks"]), ip) {
					return true
				}
			}
		}
	case calicoGlobal:
		if !calicoTypes(c.spec)[Egress] {
			return false
		}
		for _, r := range rawList(c.spec["egress"]) {
			rule, _ := r.(map[string]any)
			dst, _ := rule["destination"].(map[string]any)
			if rule["action"] != "Deny" || (rule["protocol"] != nil && rule["protocol"] != "TCP") || !calicoPortsCover(dst["ports"], port) {
				continue
			}
			if cidrsContain(rawList(dst["nets"]), ip) {
				return true
			}
		}
	case ciliumClusterwide:
		for _, r := range rawList(c.spec["egressDeny"]) {
			rule, _ := r.(map[string]any)
			if rule["toPorts"] != nil && !ciliumPortsCover(rule["toPorts"], port) {
				continue
			}
			if cidrsContain(rawList(rule["toCIDR"]), ip) {
				return true
			}
			for _, s := range rawList(rule["toCIDRSet"]) {
				set, _ := s.(map[string]any)
				if cidr, _ := set["cidr"].(string); cidr != "" && cidrsContain([]any{cidr}, ip) && !cidrsContain(rawList(set["except"]), ip) {
					return true
				}
			}
		}
	}
	return false
}

func anpPeerIsEverything(p any, d Direction) bool {
	peer, _ := p.(map[string]any)
	if ns, ok := peer["namespaces"].(map[string]any); ok && rawSelectorEmpty(ns) {
		return true
	}
	if pods, ok := peer["pods"].(map[string]any); ok {
		nsSel, _ := pods["namespaceSelector"].(map[string]any)
		podSel, _ := pods["podSelector"].(map[string]any)
		if rawSelectorEmpty(nsSel) && rawSelectorEmpty(podSel) {
			return true
		}
	}
	if d == Egress {
		for _, n := range rawList(peer["networks"]) {
			if n == "0.0.0.0/0" || n == "::/0" {
				return true
			}
		}
	}
	return false
}

func anpPortsCover(ports any, port int32) bool {
	list := rawList(ports)
	if ports == nil {
		return true
	}
	for _, p := range list {
		m, _ := p.(map[string]any)
		if pn, ok := m["portNumber"].(map[string]any); ok && pn["protocol"] == "TCP" && rawInt(pn["port"]) == int64(port) {
			return true
		}
		if pr, ok := m["portRange"].(map[string]any); ok && (pr["protocol"] == nil || pr["protocol"] == "TCP") &&
			rawInt(pr["start"]) <= int64(port) && int64(port) <= rawInt(pr["end"]) {
			return true
		}
	}
	return false
}

func calicoPortsCover(ports any, port int32) bool {
	if ports == nil {
		return true
	}
	for _, p := range rawList(ports) {
		switch v := p.(type) {
		case int64:
			if v == int64(port) {
				return true
			}
		case string:
			lo, hi, isRange := strings.Cut(v, ":")
			a, errA := strconv.Atoi(lo)
			b, errB := strconv.Atoi(hi)
			if isRange && errA == nil && errB == nil && a <= int(port) && int(port) <= b {
				return true
			}
			if !isRange && errA == nil && a == int(port) {
				return true
			}
		}
	}
	return false
}

func ciliumPortsCover(toPorts any, port int32) bool {
	for _, tp := range rawList(toPorts) {
		m, _ := tp.(map[string]any)
		for _, p := range rawList(m["ports"]) {
			pm, _ := p.(map[string]any)
			proto, _ := pm["protocol"].(string)
			if proto != "" && proto != "TCP" && proto != "ANY" {
				continue
			}
			if s, _ := pm["port"].(string); s == strconv.Itoa(int(port)) || s == "0" {
				return true
			}
		}
	}
	return false
}

// calicoTypes applies Calico's defaulting of spec.types: Ingress unless only egress rules
// exist, Egress when egress rules exist.
func calicoTypes(spec map[string]any) [2]bool {
	var t [2]bool
	if types, ok := spec["types"].([]any); ok && len(types) > 0 {
		for _, x := range types {
			switch x {
			case "Ingress":
				t[Ingress] = true
			case "Egress":
				t[Egress] = true
			}
		}
		return t
	}
	in, eg := len(rawList(spec["ingress"])) > 0, len(rawList(spec["egress"])) > 0
	t[Ingress] = in || !eg
	t[Egress] = eg
	return t
}

func calicoRuleUnconstrained(rule map[string]any) bool {
	for k, v := range rule {
		switch k {
		case "action", "metadata":
		case "source", "destination":
			if m, _ := v.(map[string]any); len(m) > 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func calicoNamespaceLabels(ns *inventory.Namespace) map[string]string {
	set := map[string]string{}
	for k, v := range ns.Labels {
		set[k] = v
	}
	if ns.Name != inventory.Unset {
		set["projectcalico.org/name"] = ns.Name
	}
	return set
}

var calicoTerm = regexp.MustCompile(`^([A-Za-z0-9_./-]+)\s*(==|!=|not in|in)\s*(.+)$`)

// calicoMatches evaluates the subset of Calico's selector language eksguard understands: "",
// all(), has(k), k == 'v', k != 'v', k in {...}, k not in {...}, joined by &&. It also reports
// whether a term names a key other than the projectcalico.org namespace keys. A selector it
// cannot read matches nothing.
func calicoMatches(sel string, set map[string]string) (match, podKeys bool) {
	sel = strings.TrimSpace(sel)
	if sel == "" || sel == "all()" {
		return true, false
	}
	if strings.Contains(sel, "||") || strings.Contains(sel, "!has(") {
		return false, false
	}
	match = true
	for _, term := range strings.Split(sel, "&&") {
		term = strings.TrimSpace(term)
		var key string
		var ok bool
		if inner, found := strings.CutPrefix(term, "has("); found && strings.HasSuffix(inner, ")") {
			key = strings.TrimSuffix(inner, ")")
			_, ok = set[key]
		} else if term == "all()" {
			continue
		} else {
			m := calicoTerm.FindStringSubmatch(term)
			if m == nil {
				return false, false
			}
			key = m[1]
			v, present := set[key]
			vals := calicoValues(m[3])
			switch m[2] {
			case "==":
				ok = present && len(vals) == 1 && v == vals[0]
			case "!=":
				ok = !present || len(vals) != 1 || v != vals[0]
			case "in":
				ok = present && slices.Contains(vals, v)
			case "not in":
				ok = !present || !slices.Contains(vals, v)
			}
		}
		if !strings.HasPrefix(key, "projectcalico.org/") && key != "kubernetes.io/metadata.name" {
			podKeys = true
		}
		match = match && ok
	}
	return match, podKeys
}

func calicoValues(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	var out []string
	for _, v := range strings.Split(s, ",") {
		v = strings.Trim(strings.TrimSpace(v), `'"`)
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// ciliumSelects evaluates a Cilium endpointSelector. Cilium prefixes label keys with their
// source (k8s:, any:); pods carry io.kubernetes.pod.namespace and their namespace's labels as
// io.cilium.k8s.namespace.labels.<key>. With podLabels nil every key must be a namespace key.
func ciliumSelects(raw map[string]any, ns *inventory.Namespace, podLabels map[string]string) bool {
	var sel metav1.LabelSelector
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &sel); err != nil {
		return false
	}
	podKeys := false
	strip := func(k string) string {
		for _, p := range []string{"k8s:", "any:"} {
			k = strings.TrimPrefix(k, p)
		}
		if k != "io.kubernetes.pod.namespace" && !strings.HasPrefix(k, "io.cilium.k8s.namespace.labels.") {
			podKeys = true
		}
		return k
	}
	ml := map[string]string{}
	for k, v := range sel.MatchLabels {
		ml[strip(k)] = v
	}
	sel.MatchLabels = ml
	for i := range sel.MatchExpressions {
		sel.MatchExpressions[i].Key = strip(sel.MatchExpressions[i].Key)
	}
	if (podLabels == nil) == podKeys {
		return false
	}
	set := map[string]string{}
	if ns.Name != inventory.Unset {
		set["io.kubernetes.pod.namespace"] = ns.Name
	}
	for k, v := range ns.Labels {
		set["io.cilium.k8s.namespace.labels."+k] = v
	}
	for k, v := range podLabels {
		set[k] = v
	}
	s, err := metav1.LabelSelectorAsSelector(&sel)
	if err != nil {
		// Namespace-label keys such as io.cilium.k8s.namespace.labels.kubernetes.io/x are not
		// valid Kubernetes label keys; such selectors are not interpreted.
		return false
	}
	return s.Matches(labels.Set(set))
}

func rawSelectorMatches(raw map[string]any, set map[string]string) bool {
	if raw == nil {
		return false
	}
	var sel metav1.LabelSelector
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &sel); err != nil {
		return false
	}
	return selectorMatches(&sel, set)
}

func rawSelectorEmpty(raw map[string]any) bool {
	if raw == nil {
		return false
	}
	ml, _ := raw["matchLabels"].(map[string]any)
	me, _ := raw["matchExpressions"].([]any)
	return len(ml) == 0 && len(me) == 0
}

func rawList(v any) []any {
	l, _ := v.([]any)
	return l
}

func rawInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return -1
}

func cidrsContain(cidrs []any, ip netip.Addr) bool {
	for _, c := range cidrs {
		s, _ := c.(string)
		if p, err := netip.ParsePrefix(strings.TrimSpace(s)); err == nil && p.Contains(ip) {
			return true
		}
		if a, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil && a == ip {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------------------------
// Workloads and namespaces
// ---------------------------------------------------------------------------------------------

// workloadName renders a pod spec's object for messages: Deployment "api".
func workloadName(p inventory.PodSpecRef) string {
	return p.Object.Kind + " " + strconv.Quote(p.Object.Name)
}

// nameList joins up to max names and says how many more there are.
func nameList(names []string, limit int) string {
	if len(names) <= limit {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:limit], ", ") + fmt.Sprintf(" and %d more", len(names)-limit)
}

// namespaceIndex maps namespace names to the inventory's namespaces.
func namespaceIndex(inv *inventory.Inventory) map[string]*inventory.Namespace {
	out := map[string]*inventory.Namespace{}
	for _, ns := range inv.Namespaces() {
		out[ns.Name] = ns
	}
	return out
}

// skipsNamespace reports whether a check that skips SYSTEM_NAMESPACES leaves ns out.
func skipsNamespace(r *check.Reporter, ns string) bool {
	return !r.Config.IncludeSystemNamespaces && r.Config.IsSystemNamespace(ns)
}

// labelsPath is where a pod spec's labels are, the field NetworkPolicies select on.
func labelsPath(p inventory.PodSpecRef) fieldpath.Path { return p.MetaPath.Key("labels") }

// inNamespace renders "in namespace "shop"" for messages.
func inNamespace(ns string) string {
	if ns == inventory.Unset {
		return "among the objects without metadata.namespace"
	}
	return "in namespace " + strconv.Quote(ns)
}

// ---------------------------------------------------------------------------------------------
// Load balancers: Services and ALB Ingresses
// ---------------------------------------------------------------------------------------------

// Annotations of the AWS Load Balancer Controller and the legacy in-tree cloud provider.
const (
	svcAnn              = "service.beta.kubernetes.io/"
	annSSLCert          = svcAnn + "aws-load-balancer-ssl-cert"
	annSSLPorts         = svcAnn + "aws-load-balancer-ssl-ports"
	annSSLPolicy        = svcAnn + "aws-load-balancer-ssl-negotiation-policy"
	annLBType           = svcAnn + "aws-load-balancer-type"
	annScheme           = svcAnn + "aws-load-balancer-scheme"
	annInternal         = svcAnn + "aws-load-balancer-internal"
	annSourceRanges     = svcAnn + "load-balancer-source-ranges"
	albAnn              = "alb.ingress.kubernetes.io/"
	annIngressClass     = "kubernetes.io/ingress.class"
	annPublic           = "eksguard.io/public"
	albControllerLBC    = "ingress.k8s.aws/alb"
	albControllerAuto   = "eks.amazonaws.com/alb"
	nlbClassLBC         = "service.k8s.aws/nlb"
	nlbClassAuto        = "eks.amazonaws.com/nlb"
	defaultIngressClass = "ingressclass.kubernetes.io/is-default-class"
)

// annotationPath is the path of metadata.annotations[key].
func annotationPath(key string) fieldpath.Path {
	return fieldpath.Root.Key("metadata").Key("annotations").Key(key)
}

// lbController says which controller provisions a LoadBalancer Service.
type lbController int

const (
	notAWS   lbController = iota // another loadBalancerClass: no AWS load balancer
	inTree                       // legacy in-tree cloud provider (CLB, or NLB with aws-load-balancer-type nlb)
	lbcNLB                       // AWS Load Balancer Controller or EKS Auto Mode (NLB)
	notLBSvc                     // not a LoadBalancer Service
)

// serviceController classifies a Service.
func serviceController(svc *corev1.Service) lbController {
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return notLBSvc
	}
	if c := svc.Spec.LoadBalancerClass; c != nil {
		if *c == nlbClassLBC || *c == nlbClassAuto {
			return lbcNLB
		}
		return notAWS
	}
	switch svc.Annotations[annLBType] {
	case "external", "nlb-ip":
		return lbcNLB
	}
	return inTree
}

// albIngress is an Ingress the AWS Load Balancer Controller (or EKS Auto Mode) serves, with the
// IngressClassParams of its class when the input has them (their settings win over annotations).
type albIngress struct {
	Object  *inventory.Object
	Ingress *networkingv1.Ingress
	// Params is the spec of the class's IngressClassParams, or nil.
	Params     map[string]any
	ParamsName string
	// classPath is the field that names the Ingress's class.
	classPath fieldpath.Path
}

// ingressClass is an IngressClass object (no typed view).
type ingressClass struct {
	controller string
	params     string // IngressClassParams name
}

// ingressIndex classifies Ingresses by class.
type ingressIndex struct {
	classes map[string]ingressClass
	params  map[string]map[string]any
	def     string // the default IngressClass, if exactly one is marked
}

func indexIngresses(inv *inventory.Inventory) *ingressIndex {
	x := &ingressIndex{classes: map[string]ingressClass{}, params: map[string]map[string]any{}}
	var defaults []string
	for _, o := range inv.OfKind("IngressClass") {
		spec, _ := o.Raw["spec"].(map[string]any)
		c := ingressClass{}
		c.controller, _ = spec["controller"].(string)
		if p, ok := spec["parameters"].(map[string]any); ok && p["kind"] == "IngressClassParams" {
			c.params, _ = p["name"].(string)
		}
		if v, _ := o.Annotation(defaultIngressClass); v == "true" {
			defaults = append(defaults, o.Name)
		}
		x.classes[o.Name] = c
	}
	if len(defaults) == 1 {
		x.def = defaults[0]
	}
	for _, o := range inv.OfKind("IngressClassParams") {
		if g := o.Group(); g == "elbv2.k8s.aws" || g == "eks.amazonaws.com" {
			spec, _ := o.Raw["spec"].(map[string]any)
			x.params[o.Name] = spec
		}
	}
	return x
}

// className is the Ingress's class: spec.ingressClassName, the legacy annotation, or the
// default IngressClass of the input.
func (x *ingressIndex) className(o *inventory.Object, ing *networkingv1.Ingress) string {
	if ing.Spec.IngressClassName != nil {
		return *ing.Spec.IngressClassName
	}
	if v, ok := o.Annotation(annIngressClass); ok {
		return v
	}
	return x.def
}

// alb returns the Ingress as an ALB Ingress when its class is served by the AWS Load Balancer
// Controller or EKS Auto Mode: an IngressClass of the input with that controller, or, when the
// class is not in the input, the class name "alb" the controller's chart installs.
func (x *ingressIndex) alb(o *inventory.Object, ing *networkingv1.Ingress) (albIngress, bool) {
	name := x.className(o, ing)
	c, known := x.classes[name]
	switch {
	case known && (c.controller == albControllerLBC || c.controller == albControllerAuto):
	case !known && name == "alb":
	default:
		return albIngress{}, false
	}
	a := albIngress{Object: o, Ingress: ing, classPath: fieldpath.Root.Key("spec").Key("ingressClassName")}
	if ing.Spec.IngressClassName == nil {
		a.classPath = annotationPath(annIngressClass)
	}
	if c.params != "" {
		a.Params, a.ParamsName = x.params[c.params], c.params
	}
	return a, true
}

// ingresses returns the typed networking.k8s.io Ingresses of the inventory.
func ingresses(inv *inventory.Inventory) []*inventory.Object {
	var out []*inventory.Object
	for _, o := range inv.OfKind("Ingress") {
		if _, ok := o.Typed.(*networkingv1.Ingress); ok {
			out = append(out, o)
		}
	}
	return out
}

// annotation returns alb.ingress.kubernetes.io/<key>.
func (a albIngress) annotation(key string) (string, bool) {
	return a.Object.Annotation(albAnn + key)
}

// setting returns an ALB setting: the IngressClassParams field when set (it wins), else the
// annotation. from names where the value came from for messages, path where it is.
func (a albIngress) setting(paramsField, annKey string) (value any, from string, path fieldpath.Path, ok bool) {
	if v, set := a.Params[paramsField]; set && v != nil {
		return v, "IngressClassParams " + strconv.Quote(a.ParamsName) + " spec." + paramsField, a.classPath, true
	}
	if v, set := a.annotation(annKey); set {
		return v, albAnn + annKey, annotationPath(albAnn + annKey), true
	}
	return nil, "", annotationPath(albAnn + annKey), false
}

// listenPort is one entry of alb.ingress.kubernetes.io/listen-ports.
type listenPort struct {
	Protocol string
	Port     int64
}

// listenPorts returns the ALB listeners: the listen-ports annotation, else the controller's
// default, [{"HTTPS": 443}] when certificate ARNs are set explicitly and [{"HTTP": 80}]
// otherwise. ok is false when the annotation is not valid JSON.
func (a albIngress) listenPorts() (ports []listenPort, explicit, ok bool) {
	raw, set := a.annotation("listen-ports")
	if !set {
		if a.explicitCertificate() {
			return []listenPort{{"HTTPS", 443}}, false, true
		}
		return []listenPort{{"HTTP", 80}}, false, true
	}
	var entries []map[string]int64
	if err := json.Unmarshal([]byte(raw), &entries); err != nil || len(entries) == 0 {
		return nil, true, false
	}
	for _, e := range entries {
		for proto, port := range e {
			ports = append(ports, listenPort{strings.ToUpper(proto), port})
		}
	}
	slices.SortFunc(ports, func(x, y listenPort) int { return int(x.Port - y.Port) })
	return ports, true, true
}

// hasHTTPS reports whether the ALB gets an HTTPS listener.
func (a albIngress) hasHTTPS() bool {
	ports, _, ok := a.listenPorts()
	for _, p := range ports {
		if ok && p.Protocol == "HTTPS" {
			return true
		}
	}
	return false
}

// explicitCertificate reports whether certificate ARNs are set on the Ingress or its
// IngressClassParams.
func (a albIngress) explicitCertificate() bool {
	for _, f := range []string{"certificateArn", "certificateARNs"} {
		if l := rawList(a.Params[f]); len(l) > 0 {
			return true
		}
	}
	v, _ := a.annotation("certificate-arn")
	return strings.TrimSpace(v) != ""
}

// tlsHosts reports whether spec.tls lists hosts (the controller discovers ACM certificates for them).
func tlsHosts(ing *networkingv1.Ingress) bool {
	for _, t := range ing.Spec.TLS {
		if len(t.Hosts) > 0 {
			return true
		}
	}
	return false
}

// splitList splits a comma-separated annotation value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// worldCIDR reports whether a CIDR admits every address of its family.
func worldCIDR(cidr string) bool {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	return err == nil && p.Bits() == 0
}
