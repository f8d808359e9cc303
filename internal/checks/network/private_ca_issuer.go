package network

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// privateCAIssuer: EKS-NET-013.
//
// In-cluster TLS certificates should come from a managed private CA (AWS Private CA through
// cert-manager's aws-privateca-issuer), so that no CA key sits in a cluster Secret and
// certificates are audited and revocable. The check passes when the input has an
// AWSPCAClusterIssuer or AWSPCAIssuer (awspca.cert-manager.io), a Service whose name starts with
// aws-privateca-issuer (the hardeneks criterion), or a service mesh with an external CA:
// cert-manager istio-csr (a workload named cert-manager-istio-csr or running its image), App Mesh
// VirtualNodes/VirtualGateways whose listener TLS uses an ACM certificate (App Mesh requires
// AWS Private CA certificates there), or a VPC Lattice Gateway (gatewayClassName
// amazon-vpc-lattice) with an HTTPS listener. Otherwise each piece of in-cluster PKI in the input
// gets an info finding (a recommendation, not a defect): a cert-manager Issuer/ClusterIssuer
// of type ca or selfSigned (pointing at that spec field), and a Secret of type
// kubernetes.io/tls shipped with the manifests (pointing at its type).
//
// Decisions: a cluster-wide property needs an object to report on; manifest mode reports on
// the input's own PKI objects and reports nothing when it has none (no evidence either way).
// ACME issuers (public certificates for ingress) and vault/venafi issuers (external CAs) are
// not in-cluster CAs and are not reported.
var privateCAIssuer = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-013",
		Slug:        "private-ca-issuer",
		Title:       "In-cluster TLS certificates should be issued by a managed private CA",
		Section:     "network",
		Severity:    check.Info,
		Source:      check.SourceK8sObjects,
		Remediation: "Install cert-manager with the aws-privateca-issuer plugin for workload certificates.",
		References: check.References{
			Guide: "network#acm-private-ca-with-cert-manager",
		},
	},
	Reads: append([]string{"Secret", "Service"}, check.WorkloadKinds...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		type pki struct {
			obj  *inventory.Object
			path fieldpath.Path
			msg  string
		}
		var found []pki
		for _, kind := range []string{"Issuer", "ClusterIssuer"} {
			for _, o := range inv.OfKind(kind) {
				if o.Group() != "cert-manager.io" {
					continue
				}
				spec, _ := o.Raw["spec"].(map[string]any)
				name := "cert-manager " + kind + " " + strconv.Quote(o.Name)
				if _, ok := spec["ca"]; ok {
					found = append(found, pki{o, fieldpath.Root.Key("spec").Key("ca"), name + " signs with a CA key kept in a cluster Secret, not with AWS Private CA"})
				}
				if _, ok := spec["selfSigned"]; ok {
					found = append(found, pki{o, fieldpath.Root.Key("spec").Key("selfSigned"), name + " issues self-signed certificates, not certificates from AWS Private CA"})
				}
			}
		}
		for _, o := range inv.OfKind("Secret") {
			if s, ok := o.Typed.(*corev1.Secret); ok && s.Type == corev1.SecretTypeTLS {
				found = append(found, pki{o, fieldpath.Root.Key("type"), "TLS Secret " + strconv.Quote(o.Name) +
					" is shipped with the manifests; a managed private CA would issue and rotate it"})
			}
		}
		r.Evaluated(len(found))
		if len(found) == 0 || managedCAPresent(inv) {
			return
		}
		for _, f := range found {
			r.Fail(f.obj, f.path, f.msg)
		}
	},
}

// managedCAPresent reports whether the input shows a managed private CA or a mesh CA the
// catalogue accepts.
func managedCAPresent(inv *inventory.Inventory) bool {
	for _, kind := range []string{"AWSPCAClusterIssuer", "AWSPCAIssuer"} {
		for _, o := range inv.OfKind(kind) {
			if o.Group() == "awspca.cert-manager.io" {
				return true
			}
		}
	}
	for _, o := range inv.OfKind("Service") {
		if strings.HasPrefix(o.Name, "aws-privateca-issuer") {
			return true
		}
	}
	for _, p := range inv.PodSpecs() {
		if p.Object.Name == "cert-manager-istio-csr" {
			return true
		}
		for _, c := range p.Containers() {
			if strings.Contains(c.Image, "cert-manager-istio-csr") {
				return true
			}
		}
	}
	for _, kind := range []string{"VirtualNode", "VirtualGateway"} {
		for _, o := range inv.OfKind(kind) {
			if o.Group() != "appmesh.k8s.aws" {
				continue
			}
			spec, _ := o.Raw["spec"].(map[string]any)
			for _, l := range rawList(spec["listeners"]) {
				lm, _ := l.(map[string]any)
				tls, _ := lm["tls"].(map[string]any)
				cert, _ := tls["certificate"].(map[string]any)
				if _, ok := cert["acm"]; ok {
					return true
				}
			}
		}
	}
	for _, o := range inv.OfKind("Gateway") {
		spec, _ := o.Raw["spec"].(map[string]any)
		if o.Group() != "gateway.networking.k8s.io" || spec["gatewayClassName"] != "amazon-vpc-lattice" {
			continue
		}
		for _, l := range rawList(spec["listeners"]) {
			if lm, _ := l.(map[string]any); lm["protocol"] == "HTTPS" {
				return true
			}
		}
	}
	return false
}

func init() { check.Register(privateCAIssuer) }
