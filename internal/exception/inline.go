package exception

import (
	"fmt"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Annotation excepts findings on the object that carries it:
//
//	eksguard.io/ignore: "EKS-POD-001: the CNI agent needs it; EKS-POD-026: read-only rootfs breaks it"
//
// Items are separated by ";" or newlines; each is a check (ID, slug or glob) and, after
// the first ":", the reason. It is read from the object's own metadata and, for workloads,
// from the pod template's metadata; either covers every finding about the object.
const Annotation = "eksguard.io/ignore"

var metadataPath = fieldpath.Root.Key("metadata")

// inlineEntry is one item of an eksguard.io/ignore annotation.
type inlineEntry struct {
	obj   *inventory.Object
	check string
	ids   map[string]bool
	ref   *check.ExceptionRef
}

// parseInline reads the annotations of o. A reasonless item or one naming no catalogue
// check is an error problem at the annotation; the other items still apply.
func parseInline(o *inventory.Object, cat Catalogue) ([]*inlineEntry, []inventory.Problem) {
	type place struct {
		value string
		path  fieldpath.Path
	}
	var places []place
	if v, ok := o.Annotation(Annotation); ok {
		places = append(places, place{v, metadataPath.Key("annotations").Key(Annotation)})
	}
	if ref, ok := inventory.PodSpecOf(o); ok && ref.MetaPath != metadataPath && ref.Meta != nil {
		if v, ok := ref.Meta.Annotations[Annotation]; ok {
			places = append(places, place{v, ref.MetaPath.Key("annotations").Key(Annotation)})
		}
	}
	var (
		entries  []*inlineEntry
		problems []inventory.Problem
	)
	for _, pl := range places {
		pos := o.Position(pl.path)
		source := o.URI()
		if pos.File != "" && pos.Line > 0 {
			source = fmt.Sprintf("%s:%d", pos.File, pos.Line)
		}
		problem := func(format string, args ...any) {
			ref := o.ObjectRef
			problems = append(problems, inventory.Problem{Level: inventory.ProblemError, Position: pos, Object: &ref,
				Path: pl.path, Message: fmt.Sprintf(format, args...)})
		}
		items := strings.FieldsFunc(pl.value, func(r rune) bool { return r == ';' || r == '\n' })
		n := 0
		for _, item := range items {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			n++
			pattern, reason, _ := strings.Cut(item, ":")
			pattern, reason = strings.TrimSpace(pattern), strings.TrimSpace(reason)
			if reason == "" {
				problem("%s: %q has no reason; write \"%s: <why this is accepted>\"", Annotation, item, pattern)
				continue
			}
			ids, err := cat.Resolve(pattern)
			switch {
			case err != nil:
				problem("%s: check %v", Annotation, err)
				continue
			case len(ids) == 0:
				problem("%s: unknown check %q (see eksguard checks)", Annotation, pattern)
				continue
			}
			entries = append(entries, &inlineEntry{obj: o, check: pattern, ids: ids,
				ref: &check.ExceptionRef{Source: source, Type: check.ExceptionAnnotation, Justification: reason}})
		}
		if n == 0 {
			problem("%s is empty; write \"CHECK-ID: reason\" items separated by ;", Annotation)
		}
	}
	return entries, problems
}
