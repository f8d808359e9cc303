package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/source/files"
	"github.com/eksguard/eksguard/internal/source/snapshot"
)

// writeSnapshot saves the insecure example as a collector would have read it from a cluster.
func writeSnapshot(t *testing.T, meta snapshot.Meta) string {
	t.Helper()
	inv, err := files.Load(context.Background(), []string{"../../examples/insecure"}, files.Options{})
	if err != nil {
		t.Fatal(err)
	}
	live := &inventory.Inventory{Inputs: []string{"cluster demo"}}
	for i, o := range inv.Objects {
		c := *o
		c.UID = fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
		c.Origin = inventory.Origin{Item: -1, Live: &inventory.LiveRef{Cluster: "demo", ResourceVersion: fmt.Sprint(i + 1)}}
		c.Positions = nil
		live.Add(&c)
	}
	path := filepath.Join(t.TempDir(), "demo.json.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := snapshot.Save(f, live, meta); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestScanSnapshot(t *testing.T) {
	path := writeSnapshot(t, snapshot.Meta{Created: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), Cluster: snapshot.Cluster{Name: "demo"}})
	r := run(t, "", "scan", "--snapshot", path, "-o", "json")
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr: %s", r.code, ExitFindings, r.stderr)
	}
	var rep struct {
		Inputs   []string `json:"inputs"`
		Findings []struct {
			Resource string         `json:"resource"`
			Object   map[string]any `json:"object"`
			Location map[string]any `json:"location"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, r.stdout)
	}
	if len(rep.Findings) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range rep.Findings {
		if !strings.HasPrefix(f.Resource, "k8s://") || f.Object["uid"] == nil || len(f.Location) != 0 {
			t.Errorf("finding does not name a live object: %+v", f)
			break
		}
	}
	if want := "cluster demo (snapshot " + path + ", taken 2026-11-23T12:00:00Z)"; len(rep.Inputs) != 1 || rep.Inputs[0] != want {
		t.Errorf("inputs %q, want [%q]", rep.Inputs, want)
	}
	// The table names the cluster.
	if r := run(t, "", "scan", "--snapshot", path); r.code != ExitFindings || !strings.Contains(r.stdout, "cluster demo") {
		t.Errorf("table: exit %d\n%s", r.code, r.stdout)
	}
	// - reads the snapshot from stdin.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if r := run(t, string(data), "scan", "--snapshot", "-", "-o", "json"); r.code != ExitFindings || !strings.Contains(r.stdout, `"resource": "k8s://`) && !strings.Contains(r.stdout, `"resource":"k8s://`) {
		t.Errorf("--snapshot -: exit %d, stderr %s", r.code, r.stderr)
	}
	if r := run(t, "not gzip", "scan", "--snapshot", "-"); r.code != ExitUsage || !strings.Contains(r.stderr, "stdin: bad snapshot: not a gzip-compressed") {
		t.Errorf("--snapshot - with garbage: exit %d, stderr %q", r.code, r.stderr)
	}
	// Filters apply as in any scan.
	if r := run(t, "", "scan", "--snapshot", path, "--fail-on", "none", "-n", "other"); r.code != ExitOK {
		t.Errorf("-n other: exit %d; stderr %s", r.code, r.stderr)
	}
}

func TestScanSnapshotNamespaceScope(t *testing.T) {
	path := writeSnapshot(t, snapshot.Meta{Namespace: "shop"})
	if r := run(t, "", "scan", "--snapshot", path, "-n", "other"); r.code != ExitUsage || !strings.Contains(r.stderr, `holds namespace "shop" only`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if r := run(t, "", "scan", "--snapshot", path, "-n", "shop"); r.code != ExitFindings {
		t.Errorf("-n shop: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestScanSnapshotUsage(t *testing.T) {
	path := writeSnapshot(t, snapshot.Meta{})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--snapshot", path, "../../examples/insecure"}, "--snapshot and PATH arguments are mutually exclusive"},
		{[]string{"scan", "--snapshot", path, "-"}, "--snapshot and PATH arguments are mutually exclusive"},
		{[]string{"scan", "--snapshot="}, "--snapshot needs a FILE"},
		{[]string{"scan", "--snapshot", path, "--values", "v.yaml"}, "--values renders Helm charts"},
		{[]string{"scan", "--snapshot", path, "--set", "a=b"}, "--set renders Helm charts"},
		{[]string{"scan", "--snapshot", path, "--checks", "NOPE-*"}, `no check matches "NOPE-*"`},
		{[]string{"scan"}, "requires at least 1 arg"},
		{[]string{"snapshot", "save"}, "exactly one FILE"},
		{[]string{"snapshot", "save", "a", "b"}, "exactly one FILE"},
	} {
		r := run(t, "", tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
		if r.stdout != "" {
			t.Errorf("%v: wrote a report on a usage error:\n%s", tc.args, r.stdout)
		}
	}
}

func TestScanBadSnapshots(t *testing.T) {
	dir := t.TempDir()
	good := writeSnapshot(t, snapshot.Meta{})
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	var v9 bytes.Buffer
	zw := gzip.NewWriter(&v9)
	zw.Write([]byte(`{"schemaVersion":"eksguard.io/snapshot/v9","objects":[]}`))
	zw.Close()
	files := map[string][]byte{
		"plain.yaml":     []byte("apiVersion: v1\nkind: Pod\n"),
		"v9.json.gz":     v9.Bytes(),
		"truncated.gz":   data[:len(data)/2],
		"empty.json.gz":  nil,
		"oversized.gz":   data,
		"directory.json": nil,
	}
	want := map[string]string{
		"plain.yaml":     "not a gzip-compressed eksguard snapshot",
		"v9.json.gz":     `unsupported schema version "eksguard.io/snapshot/v9"`,
		"truncated.gz":   "truncated",
		"empty.json.gz":  "the file is empty",
		"oversized.gz":   "too large",
		"directory.json": "is a directory",
		"missing.json":   "no such file or directory",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if name == "directory.json" {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, msg := range want {
		args := []string{"scan", "--snapshot", filepath.Join(dir, name), "-o", "json"}
		if name == "oversized.gz" {
			args = append(args, "--max-file-size", "1Ki")
		}
		r := run(t, "", args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, msg) || r.stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and %q", name, r.code, r.stdout, r.stderr, msg)
		}
	}
}

func TestSaveFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "snap.json.gz")
	inv := &inventory.Inventory{}
	inv.Add(&inventory.Object{ObjectRef: inventory.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: "a"},
		Raw: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "a"}}})
	n, err := saveFile(path, inv, snapshot.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Size() != n {
		t.Fatalf("stat %v, size %d, want %d", err, info.Size(), n)
	}
	if info.Mode().Perm()&0o600 != 0o600 {
		t.Errorf("mode %v", info.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	// A directory that does not exist: an error, and nothing written.
	if _, err := saveFile(filepath.Join(dir, "no", "such", "x.gz"), inv, snapshot.Meta{}); err == nil {
		t.Error("saved into a missing directory")
	}
}
