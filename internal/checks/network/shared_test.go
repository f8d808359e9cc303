package network

import (
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/eksguard/eksguard/internal/inventory"
)

func TestCalicoMatches(t *testing.T) {
	ns := map[string]string{"projectcalico.org/namespace": "shop"}
	pod := map[string]string{"projectcalico.org/namespace": "shop", "eksguard.io/quarantine": "true"}
	for _, tc := range []struct {
		sel            string
		set            map[string]string
		match, podKeys bool
	}{
		{"", ns, true, false},
		{"all()", ns, true, false},
		{"projectcalico.org/namespace not in {'kube-system', \"calico-system\"}", ns, true, false},
		{"projectcalico.org/namespace in {'kube-system'}", ns, false, false},
		{"projectcalico.org/namespace == 'shop'", ns, true, false},
		{"projectcalico.org/namespace != 'shop'", ns, false, false},
		{"eksguard.io/quarantine == 'true'", pod, true, true},
		{"has(eksguard.io/quarantine) && projectcalico.org/namespace == 'shop'", pod, true, true},
		{"eksguard.io/quarantine == 'true'", ns, false, true},
		{"app == 'a' || app == 'b'", pod, false, false},
		{"!has(app)", pod, false, false},
		{"app startswith 'a'", pod, false, false},
	} {
		match, podKeys := calicoMatches(tc.sel, tc.set)
		if match != tc.match || podKeys != tc.podKeys {
			t.Errorf("calicoMatches(%q) = %v, %v; want %v, %v", tc.sel, match, podKeys, tc.match, tc.podKeys)
		}
	}
}

func TestCiliumSelects(t *testing.T) {
	shop := &inventory.Namespace{Name: "shop", Labels: map[string]string{"team": "web"}}
	for _, tc := range []struct {
		name string
		sel  map[string]any
		pod  map[string]string
		want bool
	}{
		{"empty selects all pods", map[string]any{}, nil, true},
		{"namespace key with source prefix", map[string]any{"matchLabels": map[string]any{"k8s:io.kubernetes.pod.namespace": "shop"}}, nil, true},
		{"other namespace", map[string]any{"matchLabels": map[string]any{"io.kubernetes.pod.namespace": "billing"}}, nil, false},
		{"namespace labels", map[string]any{"matchLabels": map[string]any{"io.cilium.k8s.namespace.labels.team": "web"}}, nil, true},
		{"pod key is not every pod", map[string]any{"matchLabels": map[string]any{"app": "web"}}, nil, false},
		{"pod key for labelled pods", map[string]any{"matchLabels": map[string]any{"any:app": "web"}}, map[string]string{"app": "web"}, true},
		{"empty is not label-specific", map[string]any{}, map[string]string{"app": "web"}, false},
	} {
		if got := ciliumSelects(tc.sel, shop, tc.pod); got != tc.want {
			t.Errorf("%s: ciliumSelects = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPortAllows(t *testing.T) {
	udp, tcp, sctp := corev1.ProtocolUDP, corev1.ProtocolTCP, corev1.ProtocolSCTP
	port := func(p intstr.IntOrString, proto *corev1.Protocol, end int32) networkingv1.NetworkPolicyPort {
		np := networkingv1.NetworkPolicyPort{Port: &p, Protocol: proto}
		if end > 0 {
			np.EndPort = &end
		}
		return np
	}
	for _, tc := range []struct {
		name  string
		ports []networkingv1.NetworkPolicyPort
		proto corev1.Protocol
		num   int32
		names []string
		want  bool
	}{
		{"no ports admit everything", nil, udp, 53, nil, true},
		{"protocol defaults to TCP", []networkingv1.NetworkPolicyPort{port(intstr.FromInt32(53), nil, 0)}, tcp, 53, nil, true},
		{"defaulted TCP is not UDP", []networkingv1.NetworkPolicyPort{port(intstr.FromInt32(53), nil, 0)}, udp, 53, nil, false},
		{"range", []networkingv1.NetworkPolicyPort{port(intstr.FromInt32(1), &tcp, 1024)}, tcp, 80, nil, true},
		{"outside range", []networkingv1.NetworkPolicyPort{port(intstr.FromInt32(1000), &tcp, 2000)}, tcp, 80, nil, false},
		{"named port", []networkingv1.NetworkPolicyPort{port(intstr.FromString("dns"), &udp, 0)}, udp, 53, []string{"dns"}, true},
		{"named port without names", []networkingv1.NetworkPolicyPort{port(intstr.FromString("dns"), &udp, 0)}, udp, 53, nil, false},
		{"protocol only", []networkingv1.NetworkPolicyPort{{Protocol: &sctp}, {Protocol: &udp}}, udp, 53, nil, true},
	} {
		if got := portAllows(tc.ports, tc.proto, tc.num, tc.names...); got != tc.want {
			t.Errorf("%s: portAllows = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIPBlockAdmits(t *testing.T) {
	imds := netip.MustParseAddr("169.254.169.254")
	for _, tc := range []struct {
		block networkingv1.IPBlock
		want  bool
	}{
		{networkingv1.IPBlock{CIDR: "0.0.0.0/0"}, true},
		{networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"169.254.169.254/32"}}, false},
		{networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"169.254.0.0/16"}}, false},
		{networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/8"}}, true},
		{networkingv1.IPBlock{CIDR: "169.254.169.254/32"}, true},
		{networkingv1.IPBlock{CIDR: "10.0.0.0/8"}, false},
		{networkingv1.IPBlock{CIDR: "::/0"}, false},
		{networkingv1.IPBlock{CIDR: "not-a-cidr"}, false},
	} {
		if got, _ := ipBlockAdmits(&tc.block, imds); got != tc.want {
			t.Errorf("ipBlockAdmits(%+v) = %v, want %v", tc.block, got, tc.want)
		}
	}
}

func TestWeakTLSPolicy(t *testing.T) {
	for name, weak := range map[string]bool{
		"ELBSecurityPolicy-2016-08":              true,
		"ELBSecurityPolicy-TLS-1-1-2017-01":      true,
		"ELBSecurityPolicy-TLS13-1-0-2021-06":    true,
		"ELBSecurityPolicy-FS-1-1-2019-08":       true,
		"ELBSecurityPolicy-TLS-1-2-2017-01":      false,
		"ELBSecurityPolicy-TLS13-1-2-2021-06":    false,
		"ELBSecurityPolicy-FS-1-2-Res-2020-10":   false,
		"ELBSecurityPolicy-TLS13-1-3-2021-06":    false,
		"ELBSecurityPolicy-TLS13-1-2-PQ-2025-09": false,
	} {
		if got := weakTLSPolicy(name); got != weak {
			t.Errorf("weakTLSPolicy(%q) = %v, want %v", name, got, weak)
		}
	}
}

func TestHostCovered(t *testing.T) {
	hosts := []string{"*.example.com", "example.org"}
	for host, want := range map[string]bool{
		"shop.example.com":    true,
		"a.shop.example.com":  false,
		"example.com":         false,
		"EXAMPLE.org":         true,
		"www.example.org":     false,
		"*.example.com":       true,
		"shop.example.com.au": false,
	} {
		if got := hostCovered(host, hosts); got != want {
			t.Errorf("hostCovered(%q) = %v, want %v", host, got, want)
		}
	}
}
