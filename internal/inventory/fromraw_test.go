package inventory

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/bench/gen"
)

// jsonValues reads one YAML document as the loader's values: integral numbers are int64.
func jsonValues(t *testing.T, doc []byte) (map[string]any, bool) {
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(j))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil, false
	}
	m, ok := numbers(v).(map[string]any)
	return m, ok
}

func numbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = numbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = numbers(e)
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}

// TestFromRawMatchesConverter decodes every typed object of the generated corpus and of
// every check fixture with fromRaw and with apimachinery's converter: where fromRaw
// succeeds, the typed objects must be equal; where the converter succeeds, fromRaw must too
// (falling back to encoding/json is for broken objects only).
func TestFromRawMatchesConverter(t *testing.T) {
	dir := t.TempDir()
	if err := gen.Write(dir, 400, false); err != nil {
		t.Fatal(err)
	}
	var typed, fallbacks int
	for _, root := range []string{dir, "../checks", "../../examples", "../../bench/corpus"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, doc := range bytes.Split(data, []byte("\n---")) {
				raw, ok := jsonValues(t, doc)
				if !ok {
					continue
				}
				api, _ := raw["apiVersion"].(string)
				kind, _ := raw["kind"].(string)
				newTyped, ok := typedKinds[groupOf(api)+"/"+kind]
				if !ok {
					continue
				}
				typed++
				want, got := newTyped(), newTyped()
				wantErr := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, want)
				gotErr := fromRaw(raw, got)
				switch {
				case gotErr != nil && wantErr == nil:
					fallbacks++
					t.Errorf("%s document %d: fromRaw: %v; the converter decoded it", path, i+1, gotErr)
				case gotErr == nil && !reflect.DeepEqual(got, want):
					t.Errorf("%s document %d: fromRaw and the converter disagree:\n%+v\n%+v", path, i+1, got, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if typed < 300 {
		t.Fatalf("only %d typed objects compared", typed)
	}
	t.Logf("%d typed objects compared", typed)
}

func TestFromRawRejectsWhatJSONRejects(t *testing.T) {
	for _, raw := range []map[string]any{
		{"spec": map[string]any{"replicas": "three"}},
		{"spec": map[string]any{"replicas": int64(1) << 40}},
		{"spec": map[string]any{"replicas": 1.5}},
		{"spec": map[string]any{"template": "x"}},
		{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": map[string]any{}}}}},
		{"metadata": map[string]any{"labels": map[string]any{"a": int64(1)}}},
		{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"ports": []any{map[string]any{"containerPort": "80"}}}}}}}},
	} {
		typed := typedKinds["apps/Deployment"]()
		if err := fromRaw(raw, typed); err == nil {
			t.Errorf("%v: decoded; want an error", raw)
		}
	}
}
