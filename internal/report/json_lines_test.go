package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestWriteLinesKeepsOrderAcrossBatches: items are encoded in parallel chunks; the output
// must be what encoding them one after the other gives, for counts around the chunk and
// batch boundaries.
func TestWriteLinesKeepsOrderAcrossBatches(t *testing.T) {
	type item struct {
		N    int    `json:"n"`
		Text string `json:"text"`
	}
	for _, n := range []int{0, 1, 511, 512, 513, 1024, 1025, 3001} {
		items := make([]item, n)
		for i := range items {
			items[i] = item{N: i, Text: fmt.Sprintf("<finding %d & more>", i)}
		}
		var want strings.Builder
		want.WriteString(`  "findings": [`)
		for i := range items {
			if i > 0 {
				want.WriteByte(',')
			}
			data, _ := json.Marshal(items[i])
			want.WriteString("\n    " + strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(data)))
		}
		if n > 0 {
			want.WriteString("\n  ")
		}
		want.WriteByte(']')
		var got bytes.Buffer
		bw := bufio.NewWriter(&got)
		if err := writeLines(bw, "findings", n, func(i int) any { return &items[i] }); err != nil {
			t.Fatal(err)
		}
		bw.Flush()
		if got.String() != want.String() {
			t.Fatalf("n=%d: output differs from encoding one item after the other", n)
		}
	}
}
