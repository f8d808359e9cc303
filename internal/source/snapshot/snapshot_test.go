package snapshot

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eksguard/eksguard/internal/check"
	_ "github.com/eksguard/eksguard/internal/checks/all" // every registered check
	"github.com/eksguard/eksguard/internal/checks/checktest"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/report"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/files"
)

func loadExamples(t *testing.T) *inventory.Inventory {
	t.Helper()
	inv, err := files.Load(context.Background(), []string{"../../../examples/insecure", "../../../examples/fixed"}, files.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Objects) < 10 {
		t.Fatalf("examples hold only %d objects", len(inv.Objects))
	}
	return inv
}

// liveCopy turns a file inventory into what the collector makes of the same objects: no
// file, no positions, a UID and a live origin, and a coverage gap.
func liveCopy(t *testing.T, inv *inventory.Inventory) *inventory.Inventory {
	t.Helper()
	out := &inventory.Inventory{Inputs: []string{"k8s://demo"}}
	for i, o := range inv.Objects {
		c := *o
		c.UID = fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
		c.Origin = inventory.Origin{Item: -1, Live: &inventory.LiveRef{Cluster: "demo", ResourceVersion: fmt.Sprint(100 + i), ManagedBy: "kubectl apply"}}
		c.Positions = nil
		out.Add(&c)
	}
	out.ReportGap(inventory.Gap{Kind: "Secret", Resource: "v1/secrets", Reason: inventory.GapForbidden, Message: `secrets is forbidden: User "x" cannot list resource "secrets"`})
	return out
}

func roundTrip(t *testing.T, inv *inventory.Inventory, meta Meta) (*inventory.Inventory, Meta, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := Save(&buf, inv, meta); err != nil {
		t.Fatal(err)
	}
	data := bytes.Clone(buf.Bytes())
	got, gotMeta, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return got, gotMeta, data
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestRoundTripExamples(t *testing.T) {
	inv := loadExamples(t)
	inv.ReportGap(inventory.Gap{Kind: "ClusterRole", Resource: "rbac.authorization.k8s.io/v1/clusterroles", Reason: inventory.GapNotFound, Message: "not found"})
	inv.Report(inventory.Problem{Level: inventory.ProblemWarning, Position: inventory.Position{File: "x.yaml", Line: 3}, Message: "a warning"})
	meta := Meta{ToolVersion: "v9.9.9", Created: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
		Cluster: Cluster{Name: "demo", Server: "https://127.0.0.1:6443"}, Namespace: "shop",
		Collection: map[string]any{"qps": 50.0, "burst": 100.0}}
	got, gotMeta, _ := roundTrip(t, inv, meta)

	if !reflect.DeepEqual(gotMeta, meta) {
		t.Errorf("meta = %+v, want %+v", gotMeta, meta)
	}
	if !reflect.DeepEqual(got.Inputs, inv.Inputs) {
		t.Errorf("inputs = %v, want %v", got.Inputs, inv.Inputs)
	}
	if jsonOf(t, got.Gaps) != jsonOf(t, inv.Gaps) {
		t.Errorf("gaps = %s, want %s", jsonOf(t, got.Gaps), jsonOf(t, inv.Gaps))
	}
	if jsonOf(t, got.Problems) != jsonOf(t, inv.Problems) {
		t.Errorf("problems = %s, want %s", jsonOf(t, got.Problems), jsonOf(t, inv.Problems))
	}
	if len(got.Objects) != len(inv.Objects) {
		t.Fatalf("%d objects, want %d", len(got.Objects), len(inv.Objects))
	}
	typed := 0
	for i, want := range inv.Objects {
		o := got.Objects[i]
		if o.ObjectRef != want.ObjectRef || !reflect.DeepEqual(o.Origin, want.Origin) || o.Seq != want.Seq {
			t.Errorf("object %d: %+v %+v seq %d, want %+v %+v seq %d", i, o.ObjectRef, o.Origin, o.Seq, want.ObjectRef, want.Origin, want.Seq)
		}
		if (o.Typed == nil) != (want.Typed == nil) || (o.Raw == nil) != (want.Raw == nil) {
			t.Errorf("%s: typed %T raw %v, want typed %T raw %v", want.ObjectRef, o.Typed, o.Raw != nil, want.Typed, want.Raw != nil)
			continue
		}
		if want.Typed != nil {
			typed++
			if reflect.TypeOf(o.Typed) != reflect.TypeOf(want.Typed) {
				t.Errorf("%s: typed %T, want %T", want.ObjectRef, o.Typed, want.Typed)
			}
			if a, b := jsonOf(t, o.Typed), jsonOf(t, want.Typed); a != b {
				t.Errorf("%s: typed view changed:\n got %s\nwant %s", want.ObjectRef, a, b)
			}
		} else if a, b := jsonOf(t, o.Raw), jsonOf(t, want.Raw); a != b {
			t.Errorf("%s: raw object changed:\n got %s\nwant %s", want.ObjectRef, a, b)
		}
	}
	if typed == 0 {
		t.Error("no typed objects in the examples")
	}
}

// TestRoundTripUntyped keeps custom resources and integer fields exactly.
func TestRoundTripUntyped(t *testing.T) {
	inv := &inventory.Inventory{}
	inv.Add(&inventory.Object{
		ObjectRef: inventory.ObjectRef{APIVersion: "example.com/v1", Kind: "Widget", Namespace: "a", Name: "w", UID: "u1"},
		Raw: map[string]any{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": map[string]any{"name": "w", "namespace": "a"},
			"spec": map[string]any{"replicas": int64(3), "ratio": 0.5, "tags": []any{"x", true, nil}}},
		Origin: inventory.Origin{Item: -1, Live: &inventory.LiveRef{Cluster: "c"}},
	})
	got, _, _ := roundTrip(t, inv, Meta{})
	o := got.Objects[0]
	if !reflect.DeepEqual(o.Raw, inv.Objects[0].Raw) {
		t.Errorf("raw = %#v, want %#v", o.Raw, inv.Objects[0].Raw)
	}
	if o.Typed != nil {
		t.Errorf("typed = %T, want none", o.Typed)
	}
}

func scanJSON(t *testing.T, inv *inventory.Inventory) string {
	t.Helper()
	opts := scan.Options{}
	sel, err := scan.Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sel.Run(context.Background(), inv, opts)
	if err != nil {
		t.Fatal(err)
	}
	failOn := check.High
	rep := report.New(report.Input{ToolVersion: "test", Inputs: []string{"x"}, Inventory: res.Inventory,
		Results: res.Results, Findings: res.Findings, Scores: res.Scores, FailOn: &failOn})
	var buf bytes.Buffer
	if err := report.JSON(&buf, rep, report.Options{}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestScanIdentical: scanning a live inventory and scanning its snapshot give the same report.
func TestScanIdentical(t *testing.T) {
	live := liveCopy(t, loadExamples(t))
	want := scanJSON(t, live)
	got, _, _ := roundTrip(t, live, Meta{})
	if g := scanJSON(t, got); g != want {
		gl, wl := strings.Split(g, "\n"), strings.Split(want, "\n")
		for i := range max(len(gl), len(wl)) {
			if i >= len(gl) || i >= len(wl) || gl[i] != wl[i] {
				t.Errorf("snapshot scan differs from the live scan at line %d:\n got %s\nwant %s", i+1, at(gl, i), at(wl, i))
				break
			}
		}
	}
	if !strings.Contains(want, `"resource":"k8s://`) || !strings.Contains(want, `"uid":"00000000-`) {
		t.Errorf("findings do not name live objects: %s", want)
	}
}

const canary = "c2VjcmV0LWNhbmFyeS12YWx1ZQ==" // never to appear in a snapshot

func TestSecretsAreRedacted(t *testing.T) {
	inv := &inventory.Inventory{}
	applied := `{"apiVersion":"v1","kind":"Secret","data":{"password":"` + canary + `"}}`
	typed := &inventory.Object{
		ObjectRef: inventory.ObjectRef{APIVersion: "v1", Kind: "Secret", Namespace: "a", Name: "typed", UID: "u1"},
		Raw: map[string]any{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
			"metadata": map[string]any{"name": "typed", "namespace": "a",
				"annotations": map[string]any{lastApplied: applied, "keep": "me"}},
			"data": map[string]any{"password": canary}, "stringData": map[string]any{"user": canary}},
	}
	if p := typed.Decode(); len(p) > 0 || typed.Typed == nil {
		t.Fatalf("decode: %v", p)
	}
	raw := &inventory.Object{ // a Secret whose typed view failed, kept raw
		ObjectRef: inventory.ObjectRef{APIVersion: "v1", Kind: "Secret", Namespace: "a", Name: "raw"},
		Raw: map[string]any{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
			"metadata": map[string]any{"name": "raw", "namespace": "a",
				"annotations": map[string]any{lastApplied: applied}},
			"data": map[string]any{"password": canary}, "stringData": map[string]any{"user": canary}},
	}
	inv.Add(typed, raw)
	before := jsonOf(t, typed.Typed) + jsonOf(t, raw.Raw)

	got, _, data := roundTrip(t, inv, Meta{})
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(plain, []byte(canary)) || bytes.Contains(plain, []byte("stringData")) || bytes.Contains(plain, []byte(`"data"`)) {
		t.Errorf("secret values in the snapshot:\n%s", plain)
	}
	if !bytes.Contains(plain, []byte(`"keep":"me"`)) || !bytes.Contains(plain, []byte(`"type":"Opaque"`)) {
		t.Errorf("secret metadata or type lost:\n%s", plain)
	}
	if after := jsonOf(t, typed.Typed) + jsonOf(t, raw.Raw); after != before {
		t.Error("Save changed the inventory it was given")
	}
	if len(got.Objects) != 2 || got.Objects[0].Typed == nil {
		t.Fatalf("loaded %d objects", len(got.Objects))
	}
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBadSnapshots(t *testing.T) {
	inv := loadExamples(t)
	var good bytes.Buffer
	if err := Save(&good, inv, Meta{}); err != nil {
		t.Fatal(err)
	}
	valid := good.Bytes()
	corrupt := bytes.Clone(valid)
	corrupt[len(corrupt)-6] ^= 0xff // the CRC-32 in the gzip trailer

	tests := []struct {
		name string
		data []byte
		max  int64
		want string
	}{
		{"empty", nil, 0, "the file is empty"},
		{"not gzip", []byte("apiVersion: v1\nkind: Pod\n"), 0, "not a gzip-compressed eksguard snapshot"},
		{"plain json", []byte(`{"schemaVersion":"eksguard.io/snapshot/v1"}`), 0, "not a gzip-compressed eksguard snapshot"},
		{"wrong schema", gz(t, `{"schemaVersion":"eksguard.io/snapshot/v3","objects":[]}`), 0, `unsupported schema version "eksguard.io/snapshot/v3" (this eksguard reads eksguard.io/snapshot/v1 and eksguard.io/snapshot/v2)`},
		{"schema not first", gz(t, `{"objects":[],"schemaVersion":"eksguard.io/snapshot/v1"}`), 0, "no schemaVersion"},
		{"no schema", gz(t, `{}`), 0, "no schemaVersion"},
		{"not an object", gz(t, `[1,2]`), 0, "not an eksguard snapshot document"},
		{"not json", gz(t, "apiVersion: v1\n"), 0, "not a valid eksguard snapshot document"},
		{"no objects", gz(t, `{"schemaVersion":"eksguard.io/snapshot/v1"}`), 0, "no objects field"},
		{"object without kind", gz(t, `{"schemaVersion":"eksguard.io/snapshot/v1","objects":[{"name":"x","object":{}}]}`), 0, "has no apiVersion or kind"},
		{"truncated gzip", valid[:len(valid)/2], 0, "truncated"},
		{"truncated document", gz(t, `{"schemaVersion":"eksguard.io/snapshot/v1","objects":[{"apiVersion":"v1"`), 0, "truncated"},
		{"trailing data", gz(t, `{"schemaVersion":"eksguard.io/snapshot/v1","objects":[]} {}`), 0, "unexpected data after the snapshot document"},
		{"bad checksum", corrupt, 0, "corrupt"},
		{"oversized", valid, 1000, "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			max := tc.max
			if max == 0 {
				max = DefaultMaxBytes
			}
			_, _, err := LoadLimit(bytes.NewReader(tc.data), max)
			if err == nil {
				t.Fatal("no error")
			}
			var snapErr *Error
			if !errors.As(err, &snapErr) {
				t.Errorf("error %T is not a *snapshot.Error: %v", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "bad snapshot: ") {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
	// Exactly at the limit is fine.
	zr, _ := gzip.NewReader(bytes.NewReader(valid))
	plain, _ := io.ReadAll(zr)
	if _, _, err := LoadLimit(bytes.NewReader(valid), int64(len(plain))); err != nil {
		t.Errorf("a snapshot of exactly the limit: %v", err)
	}
	// Fields a newer v1 writer adds are ignored.
	if _, _, err := Load(bytes.NewReader(gz(t, `{"schemaVersion":"eksguard.io/snapshot/v1","future":{"x":[1]},"objects":[]}`))); err != nil {
		t.Errorf("unknown field: %v", err)
	}
}

func TestSaveStreamsOneObjectPerLine(t *testing.T) {
	inv := loadExamples(t)
	var buf bytes.Buffer
	if err := Save(&buf, inv, Meta{}); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !json.Valid(plain) {
		t.Fatal("snapshot is not one valid JSON document")
	}
	lines := strings.Split(strings.TrimSpace(string(plain)), "\n")
	if !strings.HasPrefix(lines[0], `{"schemaVersion":"eksguard.io/snapshot/v1"`) {
		t.Errorf("first line %q", lines[0])
	}
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, `{"apiVersion":`) {
			n++
		}
	}
	if n != len(inv.Objects) {
		t.Errorf("%d object lines, want %d", n, len(inv.Objects))
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<end>"
}

// TestRoundTripAWS: the AWS facts of every AWS check fixture survive a snapshot, and every
// check reports the same findings on the loaded snapshot as on the inventory it was saved
// from (what eksguard cluster evaluated and what scan --snapshot evaluates).
func TestRoundTripAWS(t *testing.T) {
	fixtures, _ := filepath.Glob(filepath.Join("..", "..", "checks", "*", "testdata", "*", "*.json"))
	checks := check.MustAll()
	n := 0
	for _, f := range fixtures {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		n++
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			facts, cfg := checktest.LoadFacts(t, f)
			inv := liveCopy(t, facts)
			inv.Gaps = append(inv.Gaps[:0:0], facts.Gaps...)
			inv.AWS = facts.AWS
			inv.Inputs = []string{"k8s://demo", "aws account 111122223333, region us-east-1, cluster prod"}
			got, _, data := roundTrip(t, inv, Meta{})
			if a, b := jsonOf(t, got.AWS), jsonOf(t, inv.AWS); a != b {
				t.Fatalf("AWS facts changed:\n got %s\nwant %s", a, b)
			}
			if !reflect.DeepEqual(got.Inputs, inv.Inputs) || jsonOf(t, got.Gaps) != jsonOf(t, inv.Gaps) {
				t.Errorf("inputs %v, gaps %s; want %v, %s", got.Inputs, jsonOf(t, got.Gaps), inv.Inputs, jsonOf(t, inv.Gaps))
			}
			// A fixture without AWS facts (a check that needs none) is written as v1.
			wantVersion := SchemaVersion
			if inv.AWS == nil {
				wantVersion = SchemaV1
			}
			if !bytes.Contains(gunzip(t, data), []byte(`{"schemaVersion":"`+wantVersion+`"`)) {
				t.Errorf("snapshot not written as %s", wantVersion)
			}
			want, err := check.Run(context.Background(), inv, checks, cfg)
			if err != nil {
				t.Fatal(err)
			}
			have, err := check.Run(context.Background(), got, checks, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(filepath.Base(f), "fail-") && len(want) == 0 {
				t.Errorf("no findings on a fail fixture: the comparison is vacuous")
			}
			if a, b := jsonOf(t, have), jsonOf(t, want); a != b {
				t.Errorf("findings differ after the round trip:\n got %s\nwant %s", a, b)
			}
		})
	}
	if n < 20 {
		t.Errorf("only %d AWS fixtures found", n)
	}
}

// TestV1SnapshotsStillLoad: a snapshot without AWS facts is written as v1, and a v1 file
// (as eksguard wrote before v2) loads without AWS facts.
func TestV1SnapshotsStillLoad(t *testing.T) {
	inv := liveCopy(t, loadExamples(t))
	got, _, data := roundTrip(t, inv, Meta{})
	if !bytes.HasPrefix(gunzip(t, data), []byte(`{"schemaVersion":"`+SchemaV1+`"`)) {
		t.Errorf("a snapshot without AWS facts is not written as %s", SchemaV1)
	}
	if got.AWS != nil || len(got.Objects) != len(inv.Objects) {
		t.Errorf("v1 round trip: AWS %v, %d objects", got.AWS, len(got.Objects))
	}
	old := `{"schemaVersion":"eksguard.io/snapshot/v1","meta":{"toolVersion":"v0.9.0","created":"2026-10-01T00:00:00Z","cluster":{"name":"demo"}},"inputs":["k8s://demo"],"gaps":[],"problems":[],"objects":[
{"apiVersion":"v1","kind":"Namespace","name":"shop","uid":"u1","origin":{"item":-1,"live":{"cluster":"demo"}},"object":{"metadata":{"name":"shop"}}}]}`
	loaded, meta, err := Load(bytes.NewReader(gz(t, old)))
	if err != nil {
		t.Fatal(err)
	}
	if loaded.AWS != nil || len(loaded.Objects) != 1 || meta.ToolVersion != "v0.9.0" {
		t.Errorf("v1 file: AWS %v, objects %d, meta %+v", loaded.AWS, len(loaded.Objects), meta)
	}
}

func gunzip(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}
