// Package snapshot saves a collected inventory to one gzip-compressed file and loads it
// back, so a cluster can be audited offline (`eksguard snapshot save`, `eksguard scan
// --snapshot`) with the same results as the live scan.
//
// A snapshot is one JSON document (schema SchemaVersion), gzip-compressed:
//
//	{"schemaVersion":"eksguard.io/snapshot/v1",
//	"meta":{...},
//	"inputs":[...],
//	"gaps":[...],
//	"problems":[...],
//	"aws":{...},
//	"objects":[
//	{"apiVersion":"v1","kind":"Pod","namespace":"shop","name":"api-0","uid":"...","origin":{...},"object":{...}},
//	...
//	]}
//
// schemaVersion comes first so a reader can refuse a file it does not understand before
// reading anything else; each object is one line, so a gunzipped snapshot greps and diffs
// well. The object content is the typed view marshalled with encoding/json when the
// inventory holds one, else the raw object. Source positions of file-based objects are not
// kept: snapshots are for live inventories, whose findings name k8s:// resources.
//
// A snapshot of a collection that read the cluster's AWS side too (eksguard snapshot save on
// EKS) carries the AWS facts model, inventory.AWS, under "aws", encoded as the model encodes
// (the SDK's Go field names), with the gaps of denied AWS calls among "gaps" and the AWS input
// among "inputs": eksguard scan --snapshot then evaluates the AWS checks as eksguard cluster
// did. The model holds no secret values either: the collectors keep none (image
// configurations are reduced to their user, user data is not in it).
//
// Versions: SchemaVersion (v2) adds "aws". A snapshot without AWS facts is written as
// SchemaV1, which older eksguard versions read; Load reads both.
//
// Secret values never enter a snapshot: the collector reads Secrets as metadata only, and
// Save also drops data, stringData and kubectl's last-applied-configuration annotation
// (which repeats the data) of every Secret it is given.
package snapshot

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/eksguard/eksguard/internal/inventory"
)

// SchemaVersion identifies the snapshot layout. It changes when a field is removed or
// changes meaning, or when a reader that ignored a new field would report differently (v2:
// the AWS facts); readers ignore other fields they do not know.
const SchemaVersion = "eksguard.io/snapshot/v2"

// SchemaV1 is the layout before the AWS facts: what Save writes for an inventory without
// them, so that older readers still load it.
const SchemaV1 = "eksguard.io/snapshot/v1"

// DefaultMaxBytes bounds the uncompressed size Load reads (a gzip bomb, or a file that is
// not what it claims to be). A 10,000-pod cluster is about 60 MiB uncompressed.
const DefaultMaxBytes int64 = 2 << 30

// Meta describes how and from where a snapshot was collected.
type Meta struct {
	// ToolVersion is the eksguard version that wrote the snapshot.
	ToolVersion string    `json:"toolVersion"`
	Created     time.Time `json:"created"`
	Cluster     Cluster   `json:"cluster"`
	// Namespace is the namespace collection was limited to; empty means all namespaces.
	Namespace string `json:"namespace,omitempty"`
	// Collection records the collection options (rate limits, page size, ...), for the record.
	Collection map[string]any `json:"collection,omitempty"`
}

// Cluster names the cluster a snapshot was taken from.
type Cluster struct {
	// Name is the kubeconfig context (or what the collector called the cluster).
	Name   string `json:"name,omitempty"`
	Server string `json:"server,omitempty"`
}

// header is every top-level field but the objects.
type header struct {
	SchemaVersion string              `json:"schemaVersion"`
	Meta          Meta                `json:"meta"`
	Inputs        []string            `json:"inputs"`
	Gaps          []inventory.Gap     `json:"gaps"`
	Problems      []inventory.Problem `json:"problems"`
}

// record is one object of a snapshot.
type record struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Namespace  string           `json:"namespace,omitempty"`
	Name       string           `json:"name"`
	UID        string           `json:"uid,omitempty"`
	Origin     inventory.Origin `json:"origin"`
	Object     json.RawMessage  `json:"object"`
}

// lastApplied is kubectl's annotation holding the whole applied object, data included.
const lastApplied = corev1.LastAppliedConfigAnnotation

// Save writes inv and meta to w as a gzip-compressed snapshot. It does not close w.
func Save(w io.Writer, inv *inventory.Inventory, meta Meta) error {
	zw := gzip.NewWriter(w)
	bw := bufio.NewWriterSize(zw, 256<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	// Gap.Checks is filled by the check runner for one scan's selection: not collected data.
	gaps := make([]inventory.Gap, len(inv.Gaps))
	for i, g := range inv.Gaps {
		g.Checks = nil
		gaps[i] = g
	}
	problems := inv.Problems
	if problems == nil {
		problems = []inventory.Problem{}
	}
	inputs := inv.Inputs
	if inputs == nil {
		inputs = []string{}
	}
	if meta.Created.IsZero() {
		meta.Created = time.Now().UTC()
	}
	type field struct {
		key   string
		value any
	}
	version := SchemaV1
	if inv.AWS != nil {
		version = SchemaVersion
	}
	head := []field{
		{"schemaVersion", version},
		{"meta", meta},
		{"inputs", inputs},
		{"gaps", gaps},
		{"problems", problems},
	}
	if inv.AWS != nil {
		head = append(head, field{"aws", inv.AWS})
	}
	bw.WriteString("{")
	for i, field := range head {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString(`"` + field.key + `":`)
		if err := enc.Encode(field.value); err != nil { // Encode ends each value with a newline
			return fmt.Errorf("snapshot: encode %s: %w", field.key, err)
		}
	}
	bw.WriteString(`,"objects":[`)
	for i, o := range inv.Objects {
		content, err := content(o)
		if err != nil {
			return fmt.Errorf("snapshot: encode %s: %w", o.ObjectRef, err)
		}
		rec := record{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, UID: o.UID,
			Origin: o.Origin, Object: content}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		// Encode appends a newline after each record; the next separator follows it.
		if err := enc.Encode(&rec); err != nil {
			return fmt.Errorf("snapshot: encode %s: %w", o.ObjectRef, err)
		}
	}
	bw.WriteString("]}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("snapshot: write: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("snapshot: write: %w", err)
	}
	return nil
}

// content is the JSON of an object: its typed view when it has one, else its raw form,
// with Secret values removed.
func content(o *inventory.Object) (json.RawMessage, error) {
	var v any = o.Raw
	if o.Typed != nil {
		v = o.Typed
	}
	if isSecret(o) {
		v = redactSecret(v)
	}
	if v == nil {
		return json.RawMessage("{}"), nil
	}
	var buf jsonBuffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return json.RawMessage(buf.trimmed()), nil
}

func isSecret(o *inventory.Object) bool { return o.Kind == "Secret" && o.Group() == "" }

// redactSecret returns a copy of a Secret (typed or raw) without data, stringData or the
// last-applied-configuration annotation. The inventory itself is left as it was.
func redactSecret(v any) any {
	switch s := v.(type) {
	case *corev1.Secret:
		c := *s
		c.Data, c.StringData = nil, nil
		if _, ok := s.Annotations[lastApplied]; ok {
			c.Annotations = withoutKey(s.Annotations, lastApplied)
		}
		return &c
	case map[string]any:
		c := make(map[string]any, len(s))
		for k, e := range s {
			if k != "data" && k != "stringData" {
				c[k] = e
			}
		}
		if md, ok := s["metadata"].(map[string]any); ok {
			if ann, ok := md["annotations"].(map[string]any); ok {
				if _, ok := ann[lastApplied]; ok {
					mdc := make(map[string]any, len(md))
					for k, e := range md {
						mdc[k] = e
					}
					annc := make(map[string]any, len(ann))
					for k, e := range ann {
						if k != lastApplied {
							annc[k] = e
						}
					}
					mdc["annotations"] = annc
					c["metadata"] = mdc
				}
			}
		}
		return c
	}
	// A typed view of another type for a Secret cannot happen (see inventory.Decode); refuse
	// to guess what it holds.
	return map[string]any{}
}

func withoutKey(m map[string]string, key string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

type jsonBuffer struct{ b []byte }

func (j *jsonBuffer) Write(p []byte) (int, error) { j.b = append(j.b, p...); return len(p), nil }

// trimmed drops the newline json.Encoder appends.
func (j *jsonBuffer) trimmed() []byte {
	if n := len(j.b); n > 0 && j.b[n-1] == '\n' {
		return j.b[:n-1]
	}
	return j.b
}

// Error is a snapshot that cannot be read: not gzip, another schema, truncated, corrupt
// or too large.
type Error struct {
	Reason string
	Err    error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return "bad snapshot: " + e.Reason
	}
	return "bad snapshot: " + e.Reason + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrTooLarge is returned (wrapped in *Error) when a snapshot exceeds the size limit.
var ErrTooLarge = errors.New("snapshot exceeds the size limit")

// Load reads a snapshot written by Save, with DefaultMaxBytes as the size limit.
func Load(r io.Reader) (*inventory.Inventory, Meta, error) {
	return LoadLimit(r, DefaultMaxBytes)
}

// LoadLimit reads a snapshot, refusing one whose uncompressed content exceeds maxBytes.
// Objects are rebuilt from their JSON and decoded as the file loader decodes them (typed
// views for the kinds checks read); gaps, problems and inputs are restored as saved.
func LoadLimit(r io.Reader, maxBytes int64) (*inventory.Inventory, Meta, error) {
	zr, err := gzip.NewReader(bufio.NewReaderSize(r, 64<<10))
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Meta{}, &Error{Reason: "the file is empty"}
		}
		return nil, Meta{}, &Error{Reason: "not a gzip-compressed eksguard snapshot (write one with eksguard snapshot save)", Err: err}
	}
	zr.Multistream(false)
	lr := &limitReader{r: zr, left: maxBytes, max: maxBytes}
	dec := json.NewDecoder(bufio.NewReaderSize(lr, 256<<10))
	inv, meta, err := decode(dec)
	if err == nil {
		// Read to the end of the gzip stream: its checksum is verified only there, and
		// anything after the document is an error.
		switch _, terr := dec.Token(); {
		case terr == nil:
			err = &Error{Reason: "unexpected data after the snapshot document"}
		case !errors.Is(terr, io.EOF):
			err = terr
		}
	}
	if err != nil {
		return nil, Meta{}, classify(err)
	}
	return inv, meta, nil
}

// classify turns low-level read errors into the reasons a user can act on.
func classify(err error) error {
	var snapErr *Error
	switch {
	case errors.As(err, &snapErr):
		return err
	case errors.Is(err, ErrTooLarge):
		return &Error{Reason: "too large", Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Reason: "truncated (the file ends in the middle of the snapshot)"}
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return &Error{Reason: "corrupt", Err: err}
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntaxErr) || errors.As(err, &typeErr) {
		return &Error{Reason: "not a valid eksguard snapshot document", Err: err}
	}
	return &Error{Reason: "cannot read", Err: err}
}

type limitReader struct {
	r         io.Reader
	left, max int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One more byte tells a file of exactly max bytes from a larger one.
		var one [1]byte
		if n, err := l.r.Read(one[:]); n == 0 {
			return 0, err
		}
		return 0, fmt.Errorf("%w (%d bytes uncompressed)", ErrTooLarge, l.max)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func decode(dec *json.Decoder) (*inventory.Inventory, Meta, error) {
	var meta Meta
	if err := expectDelim(dec, '{'); err != nil {
		return nil, meta, err
	}
	inv := &inventory.Inventory{}
	var savedProblems []inventory.Problem
	var decodeProblems []inventory.Problem
	first, sawObjects := true, false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, meta, err
		}
		key, _ := tok.(string)
		if first && key != "schemaVersion" {
			return nil, meta, &Error{Reason: "no schemaVersion: not an eksguard snapshot"}
		}
		switch key {
		case "schemaVersion":
			var v string
			if err := dec.Decode(&v); err != nil {
				return nil, meta, err
			}
			if v != SchemaVersion && v != SchemaV1 {
				return nil, meta, &Error{Reason: fmt.Sprintf("unsupported schema version %q (this eksguard reads %s and %s)", v, SchemaV1, SchemaVersion)}
			}
		case "meta":
			err = dec.Decode(&meta)
		case "inputs":
			err = dec.Decode(&inv.Inputs)
		case "gaps":
			err = dec.Decode(&inv.Gaps)
		case "problems":
			err = dec.Decode(&savedProblems)
		case "aws":
			inv.AWS = &inventory.AWS{}
			err = dec.Decode(inv.AWS)
		case "objects":
			sawObjects = true
			decodeProblems, err = decodeObjects(dec, inv)
		default: // a field a newer writer added
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return nil, meta, err
		}
		first = false
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, meta, err
	}
	if first {
		return nil, meta, &Error{Reason: "no schemaVersion: not an eksguard snapshot"}
	}
	if !sawObjects {
		return nil, meta, &Error{Reason: "no objects field"}
	}
	inv.Report(savedProblems...)
	// A typed kind that failed to decode when the inventory was made fails again here with
	// the same problem; report each problem once.
	seen := make(map[string]bool, len(savedProblems))
	for _, p := range savedProblems {
		seen[p.Error()] = true
	}
	for _, p := range decodeProblems {
		if !seen[p.Error()] {
			inv.Report(p)
			seen[p.Error()] = true
		}
	}
	return inv, meta, nil
}

func decodeObjects(dec *json.Decoder, inv *inventory.Inventory) ([]inventory.Problem, error) {
	if err := expectDelim(dec, '['); err != nil {
		return nil, err
	}
	var problems []inventory.Problem
	for dec.More() {
		var rec record
		if err := dec.Decode(&rec); err != nil {
			return nil, err
		}
		if rec.Kind == "" || rec.APIVersion == "" {
			return nil, &Error{Reason: fmt.Sprintf("object %d has no apiVersion or kind", len(inv.Objects))}
		}
		o := &inventory.Object{
			ObjectRef: inventory.ObjectRef{APIVersion: rec.APIVersion, Kind: rec.Kind, Namespace: rec.Namespace, Name: rec.Name, UID: rec.UID},
			Origin:    rec.Origin,
		}
		// utiljson decodes numbers as int64 where integral, as the API machinery and the file
		// loader do, so checks reading raw objects see the same values.
		var raw map[string]any
		if err := utiljson.Unmarshal(rec.Object, &raw); err != nil {
			return nil, &Error{Reason: fmt.Sprintf("object %s", o.ObjectRef), Err: err}
		}
		if raw == nil {
			raw = map[string]any{}
		}
		// Typed views of listed objects often carry no apiVersion and kind.
		if _, ok := raw["apiVersion"]; !ok {
			raw["apiVersion"] = rec.APIVersion
		}
		if _, ok := raw["kind"]; !ok {
			raw["kind"] = rec.Kind
		}
		if isSecret(o) {
			delete(raw, "data")
			delete(raw, "stringData")
		}
		o.Raw = raw
		problems = append(problems, o.Decode()...)
		inv.Add(o)
	}
	return problems, expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return &Error{Reason: fmt.Sprintf("not an eksguard snapshot document: want %q, got %v", want, tok)}
	}
	return nil
}
