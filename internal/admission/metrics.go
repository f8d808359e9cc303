package admission

import (
	"time"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the webhook's Prometheus metrics, in a registry of their own.
type Metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	decisions *prometheus.CounterVec
	findings  *prometheus.CounterVec
	latency   prometheus.Histogram
}

// NewMetrics registers the metrics, and the Go and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eksguard_admission_requests_total", Help: "Admission reviews received, by kind and operation.",
		}, []string{"kind", "operation"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eksguard_admission_decisions_total", Help: "Admission decisions: allow, deny, warn, audit, excluded, error.",
		}, []string{"decision"}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eksguard_admission_findings_total", Help: "Failing findings in reviewed objects, by check, severity and decision.",
		}, []string{"check", "severity", "decision"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "eksguard_admission_review_duration_seconds",
			Help:    "Time to evaluate one admission review.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
	}
	m.registry.MustRegister(m.requests, m.decisions, m.findings, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// knownKinds and knownOperations bound the label values of requests: /validate answers any
// client that reaches it, and a label taken from the request body would let one create a
// series per request.
var (
	knownKinds = map[string]bool{"Pod": true, "PodTemplate": true, "ReplicationController": true, "Deployment": true,
		"ReplicaSet": true, "StatefulSet": true, "DaemonSet": true, "Job": true, "CronJob": true, "Namespace": true,
		"ServiceAccount": true, "PersistentVolume": true, "StorageClass": true}
	knownOperations = map[string]bool{"CREATE": true, "UPDATE": true, "DELETE": true, "CONNECT": true}
)

func bounded(v string, known map[string]bool) string {
	if known[v] {
		return v
	}
	return "other"
}

func (m *Metrics) observe(kind, operation string, d Decision, fs []check.Finding, elapsed time.Duration) {
	m.requests.WithLabelValues(bounded(kind, knownKinds), bounded(operation, knownOperations)).Inc()
	m.decisions.WithLabelValues(string(d)).Inc()
	for _, f := range fs {
		m.findings.WithLabelValues(f.CheckID, f.Severity.String(), string(d)).Inc()
	}
	m.latency.Observe(elapsed.Seconds())
}

// Registry exposes the registry (tests read counters from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }
