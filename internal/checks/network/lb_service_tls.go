package network

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// lbServiceTLS: EKS-NET-010, CIS EKS 5.4.5.
//
// A Service of type LoadBalancer that AWS provisions (legacy in-tree cloud provider, AWS Load
// Balancer Controller or EKS Auto Mode) must terminate TLS on its HTTP listeners: annotation
// service.beta.kubernetes.io/aws-load-balancer-ssl-cert names an ACM certificate, and every
// port meant for HTTP (port 80, 443, 8080 or 8443 over TCP, or an HTTP-family appProtocol:
// http, https, http2, grpc, kubernetes.io/h2c, ws or wss; another appProtocol wins) is a TLS
// listener per service.beta.kubernetes.io/aws-load-balancer-ssl-ports (a comma-separated list
// of port numbers or names). Otherwise traffic crosses the network to the load balancer in
// clear text. Without a certificate the finding points at the missing ssl-cert annotation;
// an HTTP port left out of ssl-ports is reported at that spec.ports entry. A Service without a
// certificate whose ports are all non-HTTP (databases, MQTT, DNS, often with their own TLS) gets
// an info finding instead. System namespaces are skipped unless included; Services with
// another loadBalancerClass are not AWS load balancers and are not evaluated.
//
// Decisions: the catalogue asks for a non-empty ssl-ports, but both controllers make every port
// a TLS listener when ssl-ports is absent, so an absent (or empty) ssl-ports with a certificate
// passes. "*" means every port for the in-tree provider but matches no port for the AWS Load
// Balancer Controller (its documented behaviour), so there it leaves the HTTP ports in clear
// text.
var lbServiceTLS = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-010",
		Slug:        "lb-service-tls",
		Title:       "LoadBalancer Services must terminate TLS with a certificate",
		Section:     "network",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Add the ACM certificate ARN in aws-load-balancer-ssl-cert and the TLS ports in aws-load-balancer-ssl-ports.",
		References: check.References{
			Guide:  "network#use-encryption-with-aws-elastic-load-balancers",
			CISEKS: "5.4.5",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	Reads: []string{"Service"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, o := range inv.OfKind("Service") {
			svc, ok := o.Typed.(*corev1.Service)
			if !ok || skipsNamespace(r, o.Namespace) {
				continue
			}
			ctrl := serviceController(svc)
			if ctrl != inTree && ctrl != lbcNLB {
				continue
			}
			r.Evaluated(1)
			var httpPorts []int
			for i, p := range svc.Spec.Ports {
				if isHTTPPort(p) {
					httpPorts = append(httpPorts, i)
				}
			}
			if cert, _ := o.Annotation(annSSLCert); strings.TrimSpace(cert) == "" {
				if len(httpPorts) == 0 {
					r.FailWith(o, annotationPath(annSSLCert), check.Info, "LoadBalancer Service has no "+annSSLCert+
						"; its ports are not HTTP, so check that the protocol encrypts end to end")
				} else {
					r.Fail(o, annotationPath(annSSLCert), "LoadBalancer Service has no "+annSSLCert+": HTTP port(s) "+
						portList(svc, httpPorts)+" are served without TLS")
				}
				continue
			}
			raw, set := o.Annotation(annSSLPorts)
			listed := splitList(raw)
			for _, i := range httpPorts {
				p := svc.Spec.Ports[i]
				at := fieldpath.Root.Key("spec").Key("ports").Index(i)
				switch {
				case !set || len(listed) == 0:
					// Every port is a TLS listener.
				case slices.Equal(listed, []string{"*"}):
					if ctrl == lbcNLB {
						r.Fail(o, at, "port "+portName(p)+" is HTTP traffic, but "+annSSLPorts+` "*" matches no port with the AWS Load Balancer Controller: it is served without TLS`)
					}
				case !slices.Contains(listed, strconv.Itoa(int(p.Port))) && (p.Name == "" || !slices.Contains(listed, p.Name)):
					r.Fail(o, at, "port "+portName(p)+" is HTTP traffic but not in "+annSSLPorts+" "+strconv.Quote(raw)+": it is served without TLS")
				}
			}
		}
	},
}

// isHTTPPort reports whether a Service port is meant for HTTP traffic.
func isHTTPPort(p corev1.ServicePort) bool {
	if p.AppProtocol != nil {
		switch strings.ToLower(*p.AppProtocol) {
		case "http", "https", "http2", "grpc", "kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss":
			return true
		}
		return false
	}
	if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
		return false
	}
	switch p.Port {
	case 80, 443, 8080, 8443:
		return true
	}
	return false
}

func portName(p corev1.ServicePort) string {
	s := strconv.Itoa(int(p.Port))
	if p.Name != "" {
		s += " (" + strconv.Quote(p.Name) + ")"
	}
	return s
}

func portList(svc *corev1.Service, idx []int) string {
	var out []string
	for _, i := range idx {
		out = append(out, strconv.Itoa(int(svc.Spec.Ports[i].Port)))
	}
	return strings.Join(out, ", ")
}

func init() { check.Register(lbServiceTLS) }
