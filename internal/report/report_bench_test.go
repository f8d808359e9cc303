package report

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/spec"
)

// syntheticReport builds a report of n findings spread over every registered check, 2,000
// files and 20 namespaces, in the order the runner sorts them (file, line): one in 50 is on
// a live object, one in 40 exempt, one in 25 rendered from a chart, with messages and field
// paths as long as real ones. Every check that has findings fails; the others pass.
func syntheticReport(tb testing.TB, n int) *Report {
	tb.Helper()
	checks, err := check.All()
	if err != nil {
		tb.Fatal(err)
	}
	kinds := []string{"Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod"}
	findings := make([]check.Finding, n)
	failed := map[string]int{}
	const files = 2000
	perFile := (n + files - 1) / files
	for i := range findings {
		c := checks[(i*7)%len(checks)]
		file, inFile := i/perFile, i%perFile
		obj := inventory.ObjectRef{APIVersion: "apps/v1", Kind: kinds[i%len(kinds)],
			Namespace: fmt.Sprintf("team-%02d", file%20), Name: fmt.Sprintf("service-%04d-%d", file, inFile/5)}
		f := check.Finding{CheckID: c.ID, Title: c.Title, Severity: c.Severity, Status: check.StatusFail, Object: obj,
			Path:        fieldpath.Path(fmt.Sprintf("spec.template.spec.containers[%d].securityContext.allowPrivilegeEscalation", i%3)),
			Position:    inventory.Position{File: fmt.Sprintf("deploy/team-%02d/service-%04d.yaml", file%20, file), Line: 10 + inFile*12, Column: 15},
			Message:     fmt.Sprintf(`container containers[%d] "app-%d" allows privilege escalation (allowPrivilegeEscalation is not false)`, i%3, i),
			Remediation: c.Remediation}
		switch {
		case i%50 == 0:
			f.Position = inventory.Position{}
			f.Resource = obj.URI()
			f.Live = &inventory.LiveRef{Cluster: "prod-eks", ResourceVersion: fmt.Sprint(i), ManagedBy: "Helm"}
		case i%40 == 0:
			f.Object.Namespace = "kube-system"
			f.Exempt = true
		case i%25 == 0:
			f.Position.File = fmt.Sprintf("charts/svc-%04d/templates/deployment.yaml", file)
			f.Position.RenderedFrom = fmt.Sprintf("helm:charts/svc-%04d", file)
		}
		if !f.Exempt && f.Severity > check.Info {
			failed[c.ID]++
		}
		findings[i] = f
	}
	results := make([]check.Result, len(checks))
	for i, c := range checks {
		results[i] = check.Result{Check: c, Evaluated: n/len(checks) + 10, Failed: failed[c.ID]}
	}
	cat, err := spec.Load()
	if err != nil {
		tb.Fatal(err)
	}
	inv := &inventory.Inventory{Objects: make([]*inventory.Object, n/5),
		Problems: []inventory.Problem{{Level: inventory.ProblemWarning, Position: inventory.Position{File: "deploy/x.yaml", Line: 3}, Message: "duplicate key"}}}
	high := check.High
	return New(Input{ToolVersion: "bench", Inputs: []string{"deploy/", "charts/"}, Inventory: inv, Results: results,
		Findings: findings, Scores: check.ComputeScores(results, nil, cat.SectionIDs(), cat.SectionTitle, check.AllFrameworks), FailOn: &high})
}

// countingWriter discards what it is given and counts the bytes.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// BenchmarkFormats100k writes a report of 100,000 findings in every registered format to a
// writer that discards it (issue 7: each format under 2 s and 500 MiB peak). Besides ns/op,
// B/op and allocs/op it reports out-MiB, the size of the output, and peak-heap-MiB, the
// largest Go heap (live and not yet collected objects, the report itself included) seen by
// a sampler every millisecond while the format ran. bench/README.md also gives the peak
// RSS of one process per format.
func BenchmarkFormats100k(b *testing.B) {
	r := syntheticReport(b, 100_000)
	for _, name := range Names() {
		format, _ := Lookup(name)
		b.Run(name, func(b *testing.B) {
			var out countingWriter
			runtime.GC()
			stop := sampleHeapPeak()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				out.n = 0
				if err := format(&out, r, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			peak := stop()
			b.ReportMetric(float64(out.n)/(1<<20), "out-MiB")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// sampleHeapPeak samples the bytes of heap objects every millisecond until the returned
// function is called, which returns the largest sample.
func sampleHeapPeak() func() uint64 {
	done, result := make(chan struct{}), make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-done:
				result <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		return <-result
	}
}
