package inventory

import (
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TypedKindList returns every kind checks read through a typed view (see Decode), by API
// group and kind, sorted. Legacy groups that share the current types (extensions/Deployment
// beside apps/Deployment) are listed too; a live collector lists only the current group,
// since the API server serves the same objects under both.
func TypedKindList() []schema.GroupKind {
	out := make([]schema.GroupKind, 0, len(typedKinds))
	for key := range typedKinds {
		group, kind, _ := strings.Cut(key, "/")
		out = append(out, schema.GroupKind{Group: group, Kind: kind})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}
