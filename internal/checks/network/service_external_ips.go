package network

import (
	"encoding/json"
	"strconv"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// serviceExternalIPs: EKS-NET-014.
//
// A Service must not set spec.externalIPs. Whoever can create a Service with externalIPs makes
// kube-proxy capture traffic to those addresses cluster-wide, intercepting connections to any
// external IP (CVE-2020-8554). The finding (medium) points at spec.externalIPs and lists the
// addresses. When the input also restricts externalIPs through admission, the finding is info:
// a ValidatingAdmissionPolicy whose validation expressions mention externalIPs, a Kyverno
// ClusterPolicy/Policy whose spec mentions externalIPs, or a Gatekeeper K8sExternalIPs
// constraint; the message names it.
//
// Decisions: an admission policy is recognised by content, not proven: eksguard does not check
// that its binding exists or that it allows this Service's addresses. The API server's
// DenyServiceExternalIPs plugin is not visible in manifests.
var serviceExternalIPs = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-014",
		Slug:        "service-external-ips",
		Title:       "Services must not set externalIPs",
		Section:     "network",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Remove externalIPs; use a LoadBalancer Service or Ingress.",
		References: check.References{
			Guide: "network#traffic-control",
		},
	},
	Reads: []string{"Service", "ValidatingAdmissionPolicy"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		restriction := ""
		for _, o := range inv.Objects {
			if restriction = externalIPsRestriction(o); restriction != "" {
				break
			}
		}
		for _, o := range inv.OfKind("Service") {
			svc, ok := o.Typed.(*corev1.Service)
			if !ok {
				continue
			}
			r.Evaluated(1)
			if len(svc.Spec.ExternalIPs) == 0 {
				continue
			}
			msg := "Service sets externalIPs " + strings.Join(svc.Spec.ExternalIPs, ", ") + ": traffic to those addresses is captured cluster-wide (CVE-2020-8554)"
			at := fieldpath.Root.Key("spec").Key("externalIPs")
			if restriction != "" {
				r.FailWith(o, at, check.Info, msg+"; "+restriction+" restricts externalIPs")
			} else {
				r.Fail(o, at, msg)
			}
		}
	},
}

// externalIPsRestriction names o when it is an admission policy restricting externalIPs.
func externalIPsRestriction(o *inventory.Object) string {
	name := o.Kind + " " + strconv.Quote(o.Name)
	switch {
	case o.Group() == "admissionregistration.k8s.io" && o.Kind == "ValidatingAdmissionPolicy":
		if vap, ok := o.Typed.(*admissionregistrationv1.ValidatingAdmissionPolicy); ok {
			for _, v := range vap.Spec.Validations {
				if strings.Contains(v.Expression, "externalIPs") {
					return name
				}
			}
		}
	case o.Group() == "kyverno.io" && (o.Kind == "ClusterPolicy" || o.Kind == "Policy"):
		if data, err := json.Marshal(o.Raw["spec"]); err == nil && strings.Contains(string(data), "externalIPs") {
			return name
		}
	case o.Group() == "constraints.gatekeeper.sh" && o.Kind == "K8sExternalIPs":
		return name
	}
	return ""
}

func init() { check.Register(serviceExternalIPs) }
