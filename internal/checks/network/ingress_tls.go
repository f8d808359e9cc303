package network

import (
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ingressTLS: EKS-NET-011, CIS EKS 5.4.5.
//
// Ingresses and Gateways must serve TLS. For a networking.k8s.io Ingress of the ALB (class
// "alb", or an IngressClass of the input whose controller is ingress.k8s.aws/alb or EKS Auto
// Mode's eks.amazonaws.com/alb; the legacy kubernetes.io/ingress.class annotation and the
// input's default IngressClass count): the listeners (alb.ingress.kubernetes.io/listen-ports)
// must include HTTPS, the HTTPS listener needs a certificate
// (alb.ingress.kubernetes.io/certificate-arn, the class's IngressClassParams certificateArn, or
// hostnames in spec.tls or the rules, for which the controller discovers ACM certificates, as
// its certificate discovery does), and an HTTP listener next to it needs
// alb.ingress.kubernetes.io/ssl-redirect (or the legacy actions.ssl-redirect). For other
// classes: spec.tls must be non-empty and every rules[*].host must match one of its hosts
// (exactly, or a *.domain wildcard for one label). For gateway.networking.k8s.io Gateways:
// every listener with protocol HTTP needs an HTTPS listener for the same hostname. Clear-text
// HTTP exposes sessions and credentials to anyone on the path. Findings point at the
// annotation, spec.tls, the uncovered rule host or the HTTP listener's protocol.
//
// Decisions: listen-ports defaults as the controller does: [{"HTTPS": 443}] when certificate
// ARNs are set explicitly, else [{"HTTP": 80}]; so spec.tls hosts alone without listen-ports
// leave the ALB on HTTP (discovery only runs for HTTPS listeners). Rules without a host are
// covered by any spec.tls entry (the controller serves its default certificate). Ingresses of
// the removed extensions/v1beta1 API are not evaluated.
var ingressTLS = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-011",
		Slug:        "ingress-tls",
		Title:       "Ingresses must serve TLS",
		Section:     "network",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Add spec.tls (cert-manager/ACM) or the ALB certificate-arn and HTTPS listen-ports with ssl-redirect.",
		References: check.References{
			Guide:  "network#ingress-controllers-and-load-balancers",
			CISEKS: "5.4.5",
		},
	},
	Reads: []string{"Ingress", "IngressClass"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		classes := indexIngresses(inv)
		for _, o := range ingresses(inv) {
			ing := o.Typed.(*networkingv1.Ingress)
			r.Evaluated(1)
			if a, ok := classes.alb(o, ing); ok {
				checkALBTLS(a, r)
			} else {
				checkIngressTLS(o, ing, r)
			}
		}
		for _, o := range inv.OfKind("Gateway") {
			if o.Group() != "gateway.networking.k8s.io" {
				continue
			}
			r.Evaluated(1)
			checkGatewayTLS(o, r)
		}
	},
}

func checkALBTLS(a albIngress, r *check.Reporter) {
	o := a.Object
	lpPath := annotationPath(albAnn + "listen-ports")
	ports, explicit, ok := a.listenPorts()
	if !ok {
		r.Fail(o, lpPath, albAnn+`listen-ports is not a JSON list such as [{"HTTPS": 443}]: the controller rejects the Ingress`)
		return
	}
	var https, http []string
	for _, p := range ports {
		switch p.Protocol {
		case "HTTPS":
			https = append(https, strconv.FormatInt(p.Port, 10))
		case "HTTP":
			http = append(http, strconv.FormatInt(p.Port, 10))
		}
	}
	if len(https) == 0 {
		if explicit {
			r.Fail(o, lpPath, "ALB Ingress listens on HTTP "+strings.Join(http, ", ")+" only: "+albAnn+"listen-ports has no HTTPS entry")
		} else {
			r.Fail(o, lpPath, "ALB Ingress sets neither "+albAnn+"listen-ports nor certificate ARNs, so the controller opens HTTP 80 only")
		}
		return
	}
	if !a.explicitCertificate() && !discoverableHosts(a.Ingress) {
		r.Fail(o, annotationPath(albAnn+"certificate-arn"), "ALB Ingress has an HTTPS listener but no certificate: set "+albAnn+
			"certificate-arn, or hosts in spec.tls or the rules for certificate discovery")
	}
	if len(http) > 0 {
		redirect, _ := a.annotation("ssl-redirect")
		_, legacyRedirect := a.annotation("actions.ssl-redirect")
		if strings.TrimSpace(redirect) == "" && !legacyRedirect {
			r.Fail(o, lpPath, "ALB Ingress listens on HTTP "+strings.Join(http, ", ")+" next to HTTPS without "+albAnn+"ssl-redirect: plain HTTP is served")
		}
	}
}

// discoverableHosts reports whether the controller has hostnames to discover ACM certificates
// for: spec.tls hosts or rule hosts.
func discoverableHosts(ing *networkingv1.Ingress) bool {
	for _, rule := range ing.Spec.Rules {
		if rule.Host != "" {
			return true
		}
	}
	return tlsHosts(ing)
}

func checkIngressTLS(o *inventory.Object, ing *networkingv1.Ingress, r *check.Reporter) {
	if len(ing.Spec.TLS) == 0 {
		r.Fail(o, fieldpath.Root.Key("spec").Key("tls"), "Ingress has no spec.tls: it serves plain HTTP")
		return
	}
	var hosts []string
	for _, t := range ing.Spec.TLS {
		hosts = append(hosts, t.Hosts...)
	}
	for i, rule := range ing.Spec.Rules {
		if rule.Host == "" || hostCovered(rule.Host, hosts) {
			continue
		}
		r.Fail(o, fieldpath.Root.Key("spec").Key("rules").Index(i).Key("host"), "host "+strconv.Quote(rule.Host)+
			" is not among the spec.tls hosts: it is served over plain HTTP")
	}
}

// hostCovered reports whether a TLS host list covers host: an exact match, or a *.domain
// wildcard that matches exactly one leading label.
func hostCovered(host string, tlsHosts []string) bool {
	for _, h := range tlsHosts {
		if strings.EqualFold(h, host) {
			return true
		}
		if suffix, ok := strings.CutPrefix(h, "*."); ok {
			label, rest, found := strings.Cut(host, ".")
			if found && label != "" && label != "*" && strings.EqualFold(rest, suffix) {
				return true
			}
		}
	}
	return false
}

func checkGatewayTLS(o *inventory.Object, r *check.Reporter) {
	spec, _ := o.Raw["spec"].(map[string]any)
	listeners := rawList(spec["listeners"])
	httpsHosts := map[string]bool{}
	for _, l := range listeners {
		m, _ := l.(map[string]any)
		if m["protocol"] == "HTTPS" {
			h, _ := m["hostname"].(string)
			httpsHosts[h] = true
		}
	}
	for i, l := range listeners {
		m, _ := l.(map[string]any)
		if m["protocol"] != "HTTP" {
			continue
		}
		h, _ := m["hostname"].(string)
		if httpsHosts[h] {
			continue
		}
		name, _ := m["name"].(string)
		what := "every hostname"
		if h != "" {
			what = "hostname " + strconv.Quote(h)
		}
		r.Fail(o, fieldpath.Root.Key("spec").Key("listeners").Index(i).Key("protocol"), "Gateway listener "+strconv.Quote(name)+
			" serves HTTP for "+what+" and no HTTPS listener serves the same hostname")
	}
}

func init() { check.Register(ingressTLS) }
