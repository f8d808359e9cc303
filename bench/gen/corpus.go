// Package corpus generates a deterministic corpus of realistic Kubernetes manifests for
// benchmarking eksguard: teams (namespaces) of applications, each application a workload
// with the objects that usually ship beside it (Service, ServiceAccount, ConfigMap, HPA,
// Ingress, NetworkPolicy, RoleBinding). Workloads come hardened, half-hardened or with
// typical mistakes (privileged, hostPath, host namespaces, root, added capabilities,
// latest tags, no resources) so the checks have findings to report.
//
// Output depends only on n and the single flag: the random source has a fixed seed and
// every object is printed in a fixed key order, so runs are byte-identical.
package gen

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
)

// Seed is the fixed seed of the generator's random source.
const Seed = 20240613

// Marker is the file Write leaves in a corpus directory. Write only ever clears a
// non-empty directory that carries it, so a mistyped -o never deletes someone's files.
const Marker = ".eksguard-corpus"

// SingleFile is the file name of a -single corpus.
const SingleFile = "corpus.yaml"

// Write generates n documents into dir: per team, either multi-document files of about 100
// documents or one file per object, or, when single is true, one multi-document file.
func Write(dir string, n int, single bool) error {
	if n < 0 {
		return fmt.Errorf("corpus: negative document count %d", n)
	}
	if err := prepare(dir); err != nil {
		return err
	}
	g := &gen{r: rand.New(rand.NewSource(Seed))}
	teams := g.generate(n)
	if err := os.WriteFile(filepath.Join(dir, Marker), []byte(fmt.Sprintf("eksguard benchmark corpus: %d documents, seed %d, single=%v\n", n, Seed, single)), 0o644); err != nil {
		return err
	}
	if single {
		var b bytes.Buffer
		for _, t := range teams {
			for _, d := range t.docs {
				b.Write(d.data)
			}
		}
		return os.WriteFile(filepath.Join(dir, SingleFile), b.Bytes(), 0o644)
	}
	for _, t := range teams {
		if err := t.write(dir, g.r); err != nil {
			return err
		}
	}
	return nil
}

// Stats counts a corpus's documents by kind and bytes; Generate fills it for tests and the CLI.
type Stats struct {
	Docs   int
	Bytes  int
	ByKind map[string]int
}

// Generate returns the statistics of the corpus Write would produce for n, without writing it.
func Generate(n int) Stats {
	g := &gen{r: rand.New(rand.NewSource(Seed))}
	s := Stats{ByKind: map[string]int{}}
	for _, t := range g.generate(n) {
		for _, d := range t.docs {
			s.Docs++
			s.Bytes += len(d.data)
			s.ByKind[d.kind]++
		}
	}
	return s
}

func prepare(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return err
	case len(entries) == 0:
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, Marker)); err != nil {
		return fmt.Errorf("corpus: %s is not empty and holds no %s marker; refusing to overwrite it", dir, Marker)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

type doc struct {
	app, kind string
	data      []byte
}

type team struct {
	name      string
	perObject bool // one file per object (kustomize-style repo) instead of bundles
	docs      []doc
}

// write lays a team's documents out under dir/<team>/.
func (t *team) write(dir string, r *rand.Rand) error {
	tdir := filepath.Join(dir, t.name)
	if err := os.MkdirAll(tdir, 0o755); err != nil {
		return err
	}
	if t.perObject {
		seen := map[string]int{}
		for _, d := range t.docs {
			base := d.app + "-" + lower(d.kind)
			seen[base]++
			if k := seen[base]; k > 1 {
				base += "-" + strconv.Itoa(k)
			}
			if err := os.WriteFile(filepath.Join(tdir, base+".yaml"), d.data, 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	for i, part := 0, 1; i < len(t.docs); part++ {
		size := 80 + r.Intn(41) // 80..120 documents per file
		end := min(i+size, len(t.docs))
		var b bytes.Buffer
		for _, d := range t.docs[i:end] {
			b.Write(d.data)
		}
		if err := os.WriteFile(filepath.Join(tdir, fmt.Sprintf("rendered-%03d.yaml", part)), b.Bytes(), 0o644); err != nil {
			return err
		}
		i = end
	}
	return nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
