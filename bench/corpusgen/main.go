// Command corpusgen writes the deterministic benchmark corpus of Kubernetes manifests:
//
//	go run ./bench/corpusgen -n 10000 -o bench/out/corpus
//	go run ./bench/corpusgen -n 10000 -single -o bench/out/corpus-single
//
// -n counts documents. The output is byte-identical across runs; bench/out/ is gitignored.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/eksguard/eksguard/bench/gen"
)

func main() {
	n := flag.Int("n", 10000, "number of documents to write")
	out := flag.String("o", "bench/out/corpus", "output directory (cleared first if it holds an earlier corpus)")
	single := flag.Bool("single", false, "write one multi-document file ("+gen.SingleFile+") instead of a directory tree")
	stats := flag.Bool("stats", false, "print documents by kind and the average document size")
	flag.Parse()
	if err := gen.Write(*out, *n, *single); err != nil {
		fmt.Fprintln(os.Stderr, "corpusgen:", err)
		os.Exit(1)
	}
	if *stats {
		s := gen.Generate(*n)
		kinds := make([]string, 0, len(s.ByKind))
		for k := range s.ByKind {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool { return s.ByKind[kinds[i]] > s.ByKind[kinds[j]] })
		for _, k := range kinds {
			fmt.Printf("%-24s %6d\n", k, s.ByKind[k])
		}
		avg := 0
		if s.Docs > 0 {
			avg = s.Bytes / s.Docs
		}
		fmt.Printf("%d documents, %d bytes, %d bytes per document on average\n", s.Docs, s.Bytes, avg)
	}
}
