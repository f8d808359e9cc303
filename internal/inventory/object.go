// Package inventory is the model every eksguard mode fills and every check reads:
// Kubernetes objects with their source positions, plus indexes over them.
package inventory

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/fieldpath"
)

// ObjectRef names an object the way kubectl does.
type ObjectRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	// UID is set for objects read from a live cluster.
	UID string `json:"uid,omitempty"`
}

// String renders the reference as namespace/Kind/name (Kind/name for cluster-scoped or unset namespaces).
func (r ObjectRef) String() string {
	name := r.Name
	if name == "" {
		name = "<unnamed>"
	}
	if r.Namespace == "" {
		return r.Kind + "/" + name
	}
	return r.Namespace + "/" + r.Kind + "/" + name
}

// Origin says where an object was read from.
type Origin struct {
	// File is the path as given on the command line ("-" for stdin).
	File string `json:"file,omitempty"`
	// Document is the 0-based index of the YAML document in File.
	Document int `json:"document"`
	// Item is the index in the items of a List document, or -1.
	Item int `json:"item"`
	// Line and Column locate the start of the object.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// RenderedFrom is "helm:<chart dir or archive>" or "kustomize:<dir>" when the object was
	// rendered in-process: File then is the template or resource file it came from (see
	// Position.RenderedFrom), and some fields may be located in other files (patches).
	RenderedFrom string `json:"renderedFrom,omitempty"`
	// Live is set for objects read from a cluster (or a snapshot of one).
	Live *LiveRef `json:"live,omitempty"`
}

// LiveRef describes an object read from a cluster.
type LiveRef struct {
	// Cluster names the cluster: the kubeconfig context or the API server URL.
	Cluster         string `json:"cluster,omitempty"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
	// ManagedBy says where the object came from when the cluster records it: the
	// app.kubernetes.io/managed-by label (Helm, ...), "kubectl apply" for objects carrying
	// kubectl's last-applied-configuration annotation, or the field manager that created it.
	ManagedBy string `json:"managedBy,omitempty"`
}

// URI names a live object for reports that have no file: k8s://<namespace>/<kind>/<name>
// (k8s://<kind>/<name> when cluster-scoped).
func (r ObjectRef) URI() string {
	if r.Namespace == "" {
		return "k8s://" + r.Kind + "/" + r.Name
	}
	return "k8s://" + r.Namespace + "/" + r.Kind + "/" + r.Name
}

// Object is one Kubernetes object of the inventory.
type Object struct {
	ObjectRef
	// Raw is the object as the API server would read it (JSON-compatible values only), for
	// kinds without a typed view (custom resources, kinds no check reads). Decode releases it
	// once a typed view exists: holding both doubled the memory of a large scan.
	// Secret data values are never kept: the loader blanks them.
	Raw map[string]any
	// Typed is the decoded view for the kinds checks use (see Decode), or nil.
	Typed any
	// Origin is where the object came from; Positions locate its fields in that file.
	Origin    Origin
	Positions *Positions
	// Seq orders objects deterministically: the order in which sources produced them.
	Seq int
}

// Position returns the source position of path in this object, falling back to the
// nearest enclosing field that exists.
func (o *Object) Position(path fieldpath.Path) Position {
	file, line, col, _ := o.Positions.LookupFile(path)
	if line == 0 {
		line, col = o.Origin.Line, o.Origin.Column
	}
	if file == "" {
		file = o.Origin.File
	}
	return Position{File: file, Line: line, Column: col, RenderedFrom: o.Origin.RenderedFrom}
}

// Group is the API group of the object ("" for core).
func (o *Object) Group() string {
	g, _, found := strings.Cut(o.APIVersion, "/")
	if !found {
		return ""
	}
	return g
}

// Annotation returns metadata.annotations[key] of the object itself.
func (o *Object) Annotation(key string) (string, bool) {
	if typed, ok := o.Typed.(metav1.Object); ok {
		v, ok := typed.GetAnnotations()[key]
		return v, ok
	}
	md, _ := o.Raw["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	v, ok := ann[key].(string)
	return v, ok
}

// Problem is something wrong with the input rather than with the workload: a document that
// does not parse, a field of the wrong type, a duplicate key. Problems never stop a scan.
type Problem struct {
	Level    ProblemLevel   `json:"level"`
	Position Position       `json:"position"`
	Object   *ObjectRef     `json:"object,omitempty"`
	Path     fieldpath.Path `json:"fieldPath,omitempty"`
	Message  string         `json:"message"`
	Hint     string         `json:"hint,omitempty"`
}

// ProblemLevel is error (the input could not be fully read) or warning (read, with a caveat).
type ProblemLevel string

// Problem levels.
const (
	ProblemError   ProblemLevel = "error"
	ProblemWarning ProblemLevel = "warning"
)

func (p Problem) Error() string {
	loc := p.Position.File
	if p.Position.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, p.Position.Line)
		if p.Position.Column > 0 {
			loc = fmt.Sprintf("%s:%d", loc, p.Position.Column)
		}
	}
	msg := loc + ": " + string(p.Level) + ": "
	if p.Object != nil {
		msg += p.Object.String() + ": "
	}
	if p.Path != "" {
		msg += string(p.Path) + ": "
	}
	msg += p.Message
	if p.Hint != "" {
		msg += " (hint: " + p.Hint + ")"
	}
	return msg
}
