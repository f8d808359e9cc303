package files

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/check"
	_ "github.com/eksguard/eksguard/internal/checks/all"
)

// FuzzLoad feeds arbitrary bytes through the loader and every check. Properties: nothing
// panics or hangs, every problem names the file, every object kept has a kind and positions,
// and findings point inside the input.
//
// Local runs (go test ./internal/source/files -run '^$' -fuzz FuzzLoad -fuzztime 10m) and
// what they found are recorded in bench/README.md ("Loader fuzzing").
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		deployment,
		"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: i}]}}\n",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"hostPID":true,"containers":[{"name":"c"}]}}`,
		"a: &a [1, 2]\nb: [*a, *a]\nkind: ConfigMap\napiVersion: v1\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: oops\n  volumes: [{name: v, hostPath: {path: /}}]\n",
		"{{- if .Values.x }}\napiVersion: v1\nkind: ConfigMap\n{{- end }}\n",
		"---\n---\n...\n--- !!str\n%YAML 1.2\n",
		"apiVersion: apps/v1\nkind: Deployment\nspec:\n  template: \"x\"\n  <<: {replicas: 2}\n",
	} {
		f.Add([]byte(seed))
	}
	// Every check fixture is a seed too: realistic documents the checks care about.
	fixtures, _ := filepath.Glob("../../checks/*/testdata/*/*.yaml")
	for _, fx := range fixtures {
		if data, err := os.ReadFile(fx); err == nil {
			f.Add(data)
		}
	}
	checks := check.MustAll()
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		name := filepath.Join(dir, "in.yaml")
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		inv, err := Load(context.Background(), []string{name}, Options{MaxFileSize: 1 << 20, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range inv.Problems {
			if p.Position.File != name || p.Message == "" {
				t.Fatalf("problem without file or message: %+v", p)
			}
		}
		for _, o := range inv.Objects {
			if o.Kind == "" || o.Positions == nil || o.Positions.Len() == 0 {
				t.Fatalf("object kept without kind or positions: %+v", o.ObjectRef)
			}
		}
		lines := strings.Count(string(data), "\n") + 1
		findings, err := check.Run(context.Background(), inv, checks, check.Config{})
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range findings {
			if fd.Position.File != name || fd.Position.Line < 1 || fd.Position.Line > lines {
				t.Fatalf("finding %s outside the input: %+v", fd.CheckID, fd.Position)
			}
		}
	})
}
