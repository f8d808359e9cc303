package inventory

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// Accessors for Object.Raw, the content of kinds without a typed view (custom resources).
// They never copy: Raw is read-only once the inventory is sealed.

// RawMap returns the map at the path of keys, or nil when a key is missing or not a map.
func RawMap(m map[string]any, keys ...string) map[string]any {
	v, found, err := unstructured.NestedFieldNoCopy(m, keys...)
	if !found || err != nil {
		return nil
	}
	out, _ := v.(map[string]any)
	return out
}

// RawString returns the string at the path of keys (m[key] for one key), or "" when a key
// is missing or the value is not a string.
func RawString(m map[string]any, keys ...string) string {
	if len(keys) == 0 {
		return ""
	}
	if len(keys) > 1 {
		m = RawMap(m, keys[:len(keys)-1]...)
	}
	s, _ := m[keys[len(keys)-1]].(string)
	return s
}

// RawStrings returns the string items of the list m[key].
func RawStrings(m map[string]any, key string) []string {
	list, _ := m[key].([]any)
	var out []string
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// RawList returns the items of the list m[key] as maps (nil for items that are not maps).
func RawList(m map[string]any, key string) []map[string]any {
	list, _ := m[key].([]any)
	out := make([]map[string]any, len(list))
	for i, v := range list {
		out[i], _ = v.(map[string]any)
	}
	return out
}
