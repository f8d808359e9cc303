package admission

import (
	"io"
	"log/slog"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// counter reads the value of a counter with one label value from the metrics registry.
func counter(t *testing.T, m *Metrics, name, label string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, metric := range f.GetMetric() {
			if hasLabelValue(metric, label) {
				total += metric.GetCounter().GetValue()
			}
		}
	}
	return total
}

func hasLabelValue(m *dto.Metric, v string) bool {
	for _, l := range m.GetLabel() {
		if l.GetValue() == v {
			return true
		}
	}
	return false
}
