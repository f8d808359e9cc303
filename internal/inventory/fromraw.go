package inventory

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// fromRaw fills the typed object out (a pointer to a struct) from the JSON-compatible
// values the loader produced. It does what runtime.DefaultUnstructuredConverter.FromUnstructured
// does for a valid object, but walks the keys the document has rather than every field of
// every struct type (a PodSpec has 40 fields, a manifest sets a handful), which halves the
// cost of typing a manifest. Any value it does not take as is (a wrong type, an integer that
// overflows its field, a key type other than string) is an error, and the caller falls back
// to encoding/json, which names the field; TestFromRawMatchesConverter holds the two to the
// same result.
func fromRaw(raw map[string]any, out any) error {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("fromRaw: want a non-nil pointer, got %T", out)
	}
	return decodeValue(raw, v.Elem())
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	intOrStringType = reflect.TypeFor[intstr.IntOrString]()
)

// typeInfo is what decoding needs to know about a type, computed once.
type typeInfo struct {
	unmarshaler bool                  // *T implements json.Unmarshaler
	fields      map[string]fieldIndex // structs: JSON name -> field
}

type fieldIndex []int

var typeInfos sync.Map // reflect.Type -> *typeInfo

func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{unmarshaler: reflect.PointerTo(t).Implements(jsonUnmarshaler)}
	if t.Kind() == reflect.Struct && !ti.unmarshaler {
		ti.fields = map[string]fieldIndex{}
		addFields(ti.fields, t, nil)
	}
	actual, _ := typeInfos.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

// addFields maps the JSON names of t's fields, promoting those of untagged or inline
// embedded structs as encoding/json does (the shallower field wins).
func addFields(fields map[string]fieldIndex, t reflect.Type, prefix []int) {
	var embedded []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && !strings.HasPrefix(tag, "-,") {
			continue
		}
		if f.Anonymous && name == "" {
			if f.Type.Kind() == reflect.Struct {
				embedded = append(embedded, f)
				continue
			}
			if !f.IsExported() {
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, taken := fields[name]; !taken {
			fields[name] = append(append(fieldIndex(nil), prefix...), i)
		}
	}
	for _, f := range embedded {
		addFields(fields, f.Type, append(append([]int(nil), prefix...), f.Index...))
	}
}

func decodeValue(x any, v reflect.Value) error {
	if x == nil {
		v.SetZero()
		return nil
	}
	t := v.Type()
	if t == intOrStringType {
		// The most common custom type in pod specs (ports, probes, rolling updates).
		switch s := x.(type) {
		case string:
			v.Set(reflect.ValueOf(intstr.FromString(s)))
			return nil
		case int64:
			if s >= math.MinInt32 && s <= math.MaxInt32 {
				v.Set(reflect.ValueOf(intstr.FromInt32(int32(s))))
				return nil
			}
		}
		return fmt.Errorf("cannot decode %T into %s", x, t)
	}
	switch t.Kind() {
	case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Struct:
		if infoOf(t).unmarshaler {
			// Quantity, Time, RawExtension: their own JSON reading, as FromUnstructured does.
			data, err := json.Marshal(x)
			if err != nil {
				return err
			}
			return v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(data)
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		e := reflect.New(t.Elem())
		if err := decodeValue(x, e.Elem()); err != nil {
			return err
		}
		v.Set(e)
		return nil
	case reflect.Struct:
		m, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("cannot decode %T into %s", x, t)
		}
		fields := infoOf(t).fields
		for k, val := range m {
			idx, ok := fields[k]
			if !ok {
				continue // unknown fields are dropped, as by the API server
			}
			var f reflect.Value
			if len(idx) == 1 {
				f = v.Field(idx[0])
			} else {
				f = v.FieldByIndex(idx)
			}
			if err := decodeValue(val, f); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			s, ok := x.(string)
			if !ok {
				return fmt.Errorf("cannot decode %T into %s", x, t)
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return err
			}
			v.SetBytes(b)
			return nil
		}
		list, ok := x.([]any)
		if !ok {
			return fmt.Errorf("cannot decode %T into %s", x, t)
		}
		s := reflect.MakeSlice(t, len(list), len(list))
		for i, item := range list {
			if err := decodeValue(item, s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		m, ok := x.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String {
			return fmt.Errorf("cannot decode %T into %s", x, t)
		}
		out := reflect.MakeMapWithSize(t, len(m))
		elem := reflect.New(t.Elem()).Elem()
		for k, val := range m {
			elem.SetZero()
			if err := decodeValue(val, elem); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), elem)
		}
		v.Set(out)
		return nil
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return fmt.Errorf("cannot decode into %s", t)
		}
		v.Set(reflect.ValueOf(x))
		return nil
	case reflect.String:
		if s, ok := x.(string); ok {
			v.SetString(s)
			return nil
		}
	case reflect.Bool:
		if b, ok := x.(bool); ok {
			v.SetBool(b)
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if i, ok := x.(int64); ok && !v.OverflowInt(i) {
			v.SetInt(i)
			return nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if i, ok := x.(int64); ok && i >= 0 && !v.OverflowUint(uint64(i)) {
			v.SetUint(uint64(i))
			return nil
		}
	case reflect.Float32, reflect.Float64:
		switch f := x.(type) {
		case float64:
			v.SetFloat(f)
			return nil
		case int64:
			v.SetFloat(float64(f))
			return nil
		}
	}
	return fmt.Errorf("cannot decode %T into %s", x, t)
}
