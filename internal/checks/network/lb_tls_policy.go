package network

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// lbTLSPolicy: EKS-NET-012.
//
// Load balancers that terminate TLS must refuse TLS 1.0 and 1.1. Evaluated: ALB Ingresses
// (see EKS-NET-011) with an HTTPS listener, through alb.ingress.kubernetes.io/ssl-policy or
// their IngressClassParams sslPolicy (which wins); LoadBalancer Services of the in-tree
// provider or the AWS Load Balancer Controller with a certificate
// (service.beta.kubernetes.io/aws-load-balancer-ssl-cert), through
// service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy. A policy allowing TLS
// 1.0/1.1 fails: the catalogue's list (ELBSecurityPolicy-2016-08, -2015-05, -FS-2018-06,
// -TLS-1-0-*, -TLS-1-1-*, -FS-1-1-*) plus the other predefined policies that allow them
// (ELBSecurityPolicy-2011-08, -2014-01, -2014-10, -2015-02, -2015-03, -TLS13-1-0-*,
// -TLS13-1-1-*, ELBSample-*). Custom and newer policy names pass. Findings point at the
// annotation (or, for IngressClassParams, at the Ingress's class field).
//
// Decisions: the catalogue has manifest mode report an absent policy as info because "the
// controller default is TLS 1.2+ in current releases". It is not: the AWS Load Balancer
// Controller's --default-ssl-policy defaults to ELBSecurityPolicy-2016-08 (and its
// documentation lists that default for both annotations), which is also what ELB applies to
// the in-tree provider's listeners. An absent policy therefore fails at the check severity,
// naming that default; clusters that start the controller with a TLS 1.2 default can set the
// annotation explicitly.
var lbTLSPolicy = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-012",
		Slug:        "lb-tls-policy",
		Title:       "Load balancers must negotiate TLS 1.2 or later",
		Section:     "network",
		Severity:    check.Low,
		Source:      check.SourceK8sObjects,
		Remediation: "Use ELBSecurityPolicy-TLS13-1-2-2021-06 (or a newer TLS 1.2+ policy).",
		References: check.References{
			Guide: "network#encryption-in-transit",
		},
	},
	Reads: []string{"Ingress", "IngressClass", "Service"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		classes := indexIngresses(inv)
		for _, o := range ingresses(inv) {
			a, ok := classes.alb(o, o.Typed.(*networkingv1.Ingress))
			if !ok || !a.hasHTTPS() {
				continue
			}
			r.Evaluated(1)
			v, from, at, set := a.setting("sslPolicy", "ssl-policy")
			name, _ := v.(string)
			switch {
			case !set:
				r.Fail(o, at, "ALB Ingress sets no "+albAnn+"ssl-policy: the controller's default "+defaultELBPolicy+" allows TLS 1.0 and 1.1")
			case weakTLSPolicy(name):
				r.Fail(o, at, from+" is "+strconv.Quote(name)+", which allows TLS versions below 1.2")
			}
		}
		for _, o := range inv.OfKind("Service") {
			svc, ok := o.Typed.(*corev1.Service)
			if !ok {
				continue
			}
			if ctrl := serviceController(svc); ctrl != inTree && ctrl != lbcNLB {
				continue
			}
			if cert, _ := o.Annotation(annSSLCert); strings.TrimSpace(cert) == "" {
				continue
			}
			r.Evaluated(1)
			name, set := o.Annotation(annSSLPolicy)
			switch {
			case !set || strings.TrimSpace(name) == "":
				r.Fail(o, annotationPath(annSSLPolicy), "LoadBalancer Service terminates TLS without "+annSSLPolicy+": the default "+defaultELBPolicy+" allows TLS 1.0 and 1.1")
			case weakTLSPolicy(name):
				r.Fail(o, annotationPath(annSSLPolicy), annSSLPolicy+" is "+strconv.Quote(name)+", which allows TLS versions below 1.2")
			}
		}
	},
}

// defaultELBPolicy is the security policy the controllers apply when none is named.
const defaultELBPolicy = "ELBSecurityPolicy-2016-08"

// weakTLSPolicy reports whether a predefined ELB security policy allows TLS 1.0 or 1.1.
func weakTLSPolicy(name string) bool {
	name = strings.TrimSpace(name)
	switch name {
	case "ELBSecurityPolicy-2011-08", "ELBSecurityPolicy-2014-01", "ELBSecurityPolicy-2014-10", "ELBSecurityPolicy-2015-02",
		"ELBSecurityPolicy-2015-03", "ELBSecurityPolicy-2015-05", "ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-FS-2018-06":
		return true
	}
	for _, prefix := range []string{"ELBSecurityPolicy-TLS-1-0-", "ELBSecurityPolicy-TLS-1-1-", "ELBSecurityPolicy-FS-1-1-",
		"ELBSecurityPolicy-TLS13-1-0-", "ELBSecurityPolicy-TLS13-1-1-", "ELBSample-"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

func init() { check.Register(lbTLSPolicy) }
