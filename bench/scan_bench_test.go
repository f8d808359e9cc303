// Package bench measures eksguard's manifest scan on a generated corpus (see bench/README.md).
package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/eksguard/eksguard/bench/gen"
	_ "github.com/eksguard/eksguard/internal/checks/all" // every registered check
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/files"
)

const corpusDocs = 10000

// writeCorpus generates the corpus once per benchmark, outside the timed loop.
func writeCorpus(b *testing.B, single bool) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "corpus")
	if err := gen.Write(dir, corpusDocs, single); err != nil {
		b.Fatal(err)
	}
	return dir
}

func corpusBytes(b *testing.B, dir string) int64 {
	b.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkScanCorpus10k is the whole offline scan path the CLI runs (load, decode, every
// registered check, filter, sort) over 10,000 documents, rendering nothing.
func BenchmarkScanCorpus10k(b *testing.B) {
	dir := writeCorpus(b, false)
	ctx := context.Background()
	b.SetBytes(corpusBytes(b, dir))
	findings := 0
	for b.Loop() {
		res, err := scan.Files(ctx, []string{dir}, scan.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if got := len(res.Inventory.Objects); got != corpusDocs {
			b.Fatalf("scanned %d objects, want %d", got, corpusDocs)
		}
		if res.Inventory.Errors() > 0 { // warnings: the 7 repeated objects
			b.Fatalf("corpus has input errors, first: %v", res.Inventory.Problems[0])
		}
		findings = len(res.Findings)
	}
	b.ReportMetric(float64(corpusDocs)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(findings), "findings")
}

// BenchmarkLoadOnly is the loader alone (read, split, parse, convert, typed decode).
func BenchmarkLoadOnly(b *testing.B) {
	dir := writeCorpus(b, false)
	ctx := context.Background()
	b.SetBytes(corpusBytes(b, dir))
	for b.Loop() {
		inv, err := files.Load(ctx, []string{dir}, files.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if got := len(inv.Objects); got != corpusDocs {
			b.Fatalf("loaded %d objects, want %d", got, corpusDocs)
		}
	}
	b.ReportMetric(float64(corpusDocs)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}
