package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"runtime"
	"sync"
)

func init() { register("json", JSON) }

// JSON writes the report as one JSON document (schema: docs/json-report.md). It streams:
// the small top-level fields are indented, and each finding and input problem is one
// compact line, so a report of 100,000 findings is never held in memory twice and stays
// readable with grep and diff.
func JSON(w io.Writer, r *Report, _ Options) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	type field struct {
		key   string
		value any
	}
	head := []field{
		{"schemaVersion", r.SchemaVersion},
		{"tool", r.Tool},
		{"inputs", r.Inputs},
	}
	if r.Target != nil {
		head = append(head, field{"target", r.Target})
	}
	head = append(head, []field{
		{"failOn", r.FailOn},
		{"summary", r.Summary},
		{"scores", r.Scores},
		{"controls", r.Controls},
		{"exceptions", r.Exceptions},
	}...)
	bw.WriteString("{\n")
	for _, field := range head {
		data, err := marshal(field.value, true)
		if err != nil {
			return err
		}
		bw.WriteString(`  "` + field.key + `": `)
		bw.Write(data)
		bw.WriteString(",\n")
	}
	if err := writeLines(bw, "findings", len(r.Findings), func(i int) any { return &r.Findings[i] }); err != nil {
		return err
	}
	bw.WriteString(",\n")
	if err := writeLines(bw, "inputProblems", len(r.Problems), func(i int) any { return &r.Problems[i] }); err != nil {
		return err
	}
	bw.WriteString(",\n")
	if err := writeLines(bw, "coverageGaps", len(r.Gaps), func(i int) any { return &r.Gaps[i] }); err != nil {
		return err
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// writeLines writes "key": [ ... ] with one compact JSON value per line. Items are encoded
// on every CPU, a batch at a time (a large scan has tens of thousands of findings), and
// written in order; at most one batch of encoded items is held.
func writeLines(bw *bufio.Writer, key string, n int, item func(int) any) error {
	bw.WriteString(`  "` + key + `": [`)
	const chunk = 512
	workers := runtime.GOMAXPROCS(0)
	bufs := make([]bytes.Buffer, workers)
	errs := make([]error, workers)
	for batch := 0; batch < n; batch += chunk * workers {
		var wg sync.WaitGroup
		for w := range workers {
			lo := batch + w*chunk
			if lo >= n {
				break
			}
			hi := min(lo+chunk, n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := &bufs[w]
				buf.Reset()
				enc := json.NewEncoder(buf)
				enc.SetEscapeHTML(false)
				for i := lo; i < hi; i++ {
					if i > 0 {
						buf.WriteByte(',')
					}
					buf.WriteString("\n    ")
					if err := enc.Encode(item(i)); err != nil {
						errs[w] = err
						return
					}
					buf.Truncate(buf.Len() - 1) // Encode's newline
				}
			}()
		}
		wg.Wait()
		for w := range workers {
			if errs[w] != nil {
				return errs[w]
			}
			if batch+w*chunk < n {
				bw.Write(bufs[w].Bytes())
			}
		}
	}
	if n > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteByte(']')
	return nil
}

// marshal encodes without HTML escaping (messages quote <, > and &), indented for the
// report head.
func marshal(v any, indent bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("  ", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
