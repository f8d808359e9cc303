package network

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// lbSourceRanges: EKS-NET-015.
//
// An internet-facing load balancer must admit only known source ranges. Services of type
// LoadBalancer: with the AWS Load Balancer Controller or EKS Auto Mode (loadBalancerClass
// service.k8s.aws/nlb or eks.amazonaws.com/nlb, or aws-load-balancer-type external/nlb-ip) the
// load balancer is internet-facing when service.beta.kubernetes.io/aws-load-balancer-scheme is
// internet-facing, or, without it, when the deprecated aws-load-balancer-internal is "false"
// (the default is internal); with the legacy in-tree provider it is internet-facing unless
// aws-load-balancer-internal is set to something other than "false". For those,
// spec.loadBalancerSourceRanges and service.beta.kubernetes.io/load-balancer-source-ranges must
// not both be empty, and neither may contain 0.0.0.0/0 or ::/0 (any /0). ALB Ingresses (see
// EKS-NET-011) with scheme internet-facing (alb.ingress.kubernetes.io/scheme, or the
// IngressClassParams scheme, which wins): alb.ingress.kubernetes.io/inbound-cidrs (or
// IngressClassParams inboundCIDRs) likewise, the controller's default being 0.0.0.0/0. An
// object annotated eksguard.io/public: "true" is deliberately public and passes. Findings point
// at the offending range entry, or at the missing field.
//
// Decisions: the catalogue treats the scheme annotation as decisive for every Service, but the
// in-tree provider ignores it: a legacy Service with scheme internal and no internal annotation
// gets an internet-facing load balancer, and the message says so. An ALB Ingress with
// alb.ingress.kubernetes.io/security-groups gets its inbound rules from those groups, not from
// inbound-cidrs; manifest mode cannot read them and reports info. Other loadBalancerClasses
// are not AWS load balancers and are not evaluated.
var lbSourceRanges = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-015",
		Slug:        "lb-source-ranges",
		Title:       "Internet-facing load balancers must restrict source ranges",
		Section:     "network",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Set loadBalancerSourceRanges (or inbound-cidrs) or make the load balancer internal.",
		References: check.References{
			Guide: "network#traffic-control",
		},
	},
	Reads: []string{"Service", "Ingress", "IngressClass"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, o := range inv.OfKind("Service") {
			svc, ok := o.Typed.(*corev1.Service)
			if !ok {
				continue
			}
			ctrl := serviceController(svc)
			if ctrl != inTree && ctrl != lbcNLB {
				continue
			}
			r.Evaluated(1)
			facing, note := serviceInternetFacing(o, ctrl)
			if !facing || deliberatelyPublic(o) {
				continue
			}
			checkServiceRanges(o, svc, note, r)
		}
		classes := indexIngresses(inv)
		for _, o := range ingresses(inv) {
			a, ok := classes.alb(o, o.Typed.(*networkingv1.Ingress))
			if !ok {
				continue
			}
			r.Evaluated(1)
			scheme, _, _, _ := a.setting("scheme", "scheme")
			if s, _ := scheme.(string); s != "internet-facing" || deliberatelyPublic(o) {
				continue
			}
			checkALBRanges(a, r)
		}
	},
}

// serviceInternetFacing decides the scheme of a Service's load balancer, with a note when the
// in-tree provider ignores a scheme annotation.
func serviceInternetFacing(o *inventory.Object, ctrl lbController) (bool, string) {
	scheme, schemeSet := o.Annotation(annScheme)
	internal, internalSet := o.Annotation(annInternal)
	if ctrl == lbcNLB {
		if schemeSet {
			return scheme == "internet-facing", ""
		}
		b, err := strconv.ParseBool(internal)
		return internalSet && err == nil && !b, ""
	}
	if internal != "" && internal != "false" {
		return false, ""
	}
	if schemeSet && scheme != "internet-facing" {
		return true, " (the in-tree provider ignores " + annScheme + "; only " + annInternal + " makes it internal)"
	}
	return true, ""
}

func checkServiceRanges(o *inventory.Object, svc *corev1.Service, note string, r *check.Reporter) {
	ann, _ := o.Annotation(annSourceRanges)
	fromAnn := splitList(ann)
	specPath := fieldpath.Root.Key("spec").Key("loadBalancerSourceRanges")
	if len(svc.Spec.LoadBalancerSourceRanges) == 0 && len(fromAnn) == 0 {
		r.Fail(o, specPath, "internet-facing load balancer accepts any source: neither spec.loadBalancerSourceRanges nor "+annSourceRanges+" is set"+note)
		return
	}
	for i, c := range svc.Spec.LoadBalancerSourceRanges {
		if worldCIDR(c) {
			r.Fail(o, specPath.Index(i), "internet-facing load balancer admits "+c+" in spec.loadBalancerSourceRanges"+note)
		}
	}
	for _, c := range fromAnn {
		if worldCIDR(c) {
			r.Fail(o, annotationPath(annSourceRanges), "internet-facing load balancer admits "+c+" in "+annSourceRanges+note)
		}
	}
}

func checkALBRanges(a albIngress, r *check.Reporter) {
	o := a.Object
	if sg, ok := a.annotation("security-groups"); ok && strings.TrimSpace(sg) != "" {
		r.FailWith(o, annotationPath(albAnn+"security-groups"), check.Info, "internet-facing ALB uses the security groups in "+albAnn+
			"security-groups, whose inbound rules are not in the input: check they do not admit 0.0.0.0/0")
		return
	}
	v, from, at, set := a.setting("inboundCIDRs", "inbound-cidrs")
	var cidrs []string
	switch x := v.(type) {
	case string:
		cidrs = splitList(x)
	case []any:
		for _, c := range x {
			if s, ok := c.(string); ok {
				cidrs = append(cidrs, s)
			}
		}
	}
	if !set || len(cidrs) == 0 {
		r.Fail(o, at, "internet-facing ALB sets no "+albAnn+"inbound-cidrs: the controller admits 0.0.0.0/0")
		return
	}
	for _, c := range cidrs {
		if worldCIDR(c) {
			r.Fail(o, at, "internet-facing ALB admits "+c+" in "+from)
		}
	}
}

// deliberatelyPublic reports whether the object carries eksguard.io/public: "true".
func deliberatelyPublic(o *inventory.Object) bool {
	v, _ := o.Annotation(annPublic)
	return v == "true"
}

func init() { check.Register(lbSourceRanges) }
