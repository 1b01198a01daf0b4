package data

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// exactKeys walks the JSON value dec holds next alongside the Go type t
// it decodes into, and reports the first object key that is not exactly
// the name of a field of t (encoding/json would match it regardless of
// case) or that appears twice in one object (encoding/json would keep the
// last). The JSON is known to be valid and to decode into t; where is the
// path of the value, for the message.
func exactKeys(dec *json.Decoder, t reflect.Type, where string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar or null
	}
	switch {
	case delim == '[':
		for i := 0; dec.More(); i++ {
			elem := t
			if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
				elem = t.Elem()
			}
			if err := exactKeys(dec, elem, fmt.Sprintf("%s[%d]", where, i)); err != nil {
				return err
			}
		}
	default: // an object: a struct's fields, or anything else where only repeats matter
		var fields map[string]reflect.Type
		if t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key := tok.(string)
			at := strings.TrimPrefix(where+"."+key, ".")
			if seen[key] {
				return fmt.Errorf("key %q is given twice", at)
			}
			seen[key] = true
			ft := reflect.TypeFor[any]()
			if fields != nil {
				var ok bool
				if ft, ok = fields[key]; !ok {
					for name := range fields {
						if strings.EqualFold(name, key) {
							return fmt.Errorf("key %q is spelt %q: keys are case-sensitive", at, name)
						}
					}
					return fmt.Errorf("unknown key %q", at)
				}
			}
			if err := exactKeys(dec, ft, at); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing ] or }
	return err
}

// jsonFields maps the JSON names of struct type t's exported fields to
// their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	return m
}
