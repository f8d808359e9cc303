package pod

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// hostProbesLifecycle: EKS-POD-014, PSS baseline "hostProbesAndHostLifecycle" (PSS 1.34+).
//
// Forbidden: a non-empty host in livenessProbe, readinessProbe or startupProbe
// (httpGet.host, tcpSocket.host) or in lifecycle.postStart / lifecycle.preStop (httpGet.host
// and the deprecated tcpSocket.host) of any container in ALL_CONTAINERS (ephemeral
// containers included, as PSA visits them). Allowed: "" or unset, which targets the pod IP.
// The kubelet sends these requests from the node, so a host field turns the pod spec into
// a way to make the node reach arbitrary addresses (IMDS, the API server, other nodes).
// Each offending host field is one finding.
var hostProbesLifecycle = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-POD-014",
		Slug:        "host-probes-lifecycle",
		Title:       "Probes and lifecycle handlers must not target another host",
		Section:     "pod-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Remove the host field so the probe targets the pod IP.",
		References: check.References{
			Guide: "pods#restrict-the-containers-that-can-run-as-privileged",
			PSS:   "baseline/hostProbesAndHostLifecycle",
		},
		SystemNamespaces: check.ExemptSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		res := psaVerdict("hostProbesAndHostLifecycle", p)
		if res.Allowed {
			return
		}
		found := false
		report := func(c inventory.ContainerRef, handler string, at fieldpath.Path, httpGet *corev1.HTTPGetAction, tcp *corev1.TCPSocketAction) {
			if httpGet != nil && httpGet.Host != "" {
				r.Fail(p.Object, at.Key("httpGet").Key("host"),
					"container "+c.Label()+" "+handler+" httpGet targets host "+strconv.Quote(httpGet.Host))
				found = true
			}
			if tcp != nil && tcp.Host != "" {
				r.Fail(p.Object, at.Key("tcpSocket").Key("host"),
					"container "+c.Label()+" "+handler+" tcpSocket targets host "+strconv.Quote(tcp.Host))
				found = true
			}
		}
		for _, c := range p.Containers() {
			for _, probe := range []struct {
				name  string
				probe *corev1.Probe
			}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
				if probe.probe != nil {
					report(c, probe.name, c.Path.Key(probe.name), probe.probe.HTTPGet, probe.probe.TCPSocket)
				}
			}
			if c.Lifecycle == nil {
				continue
			}
			for _, hook := range []struct {
				name    string
				handler *corev1.LifecycleHandler
			}{{"postStart", c.Lifecycle.PostStart}, {"preStop", c.Lifecycle.PreStop}} {
				if hook.handler != nil {
					report(c, "lifecycle."+hook.name, c.Path.Key("lifecycle").Key(hook.name), hook.handler.HTTPGet, hook.handler.TCPSocket)
				}
			}
		}
		if !found {
			pssFallback(p, r, res)
		}
	},
}

func init() { check.Register(hostProbesLifecycle) }
