package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/baeum-ml/baeum/nn"
)

// Format is the syntax of a model file.
type Format int

const (
	// YAML is the friendlier syntax, with comments.
	YAML Format = iota
	// JSON is the syntax checkpoints store descriptions in.
	JSON
)

// FormatOf returns the format a file name's extension gives: .yaml or
// .yml, or .json. ok is false for any other name.
func FormatOf(path string) (f Format, ok bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return YAML, true
	case ".json":
		return JSON, true
	}
	return 0, false
}

// IsModelFile reports whether a --model value names a model file: a path
// ending in .yaml, .yml or .json.
func IsModelFile(path string) bool {
	_, ok := FormatOf(path)
	return ok
}

// ReadFile reads and decodes the model file at path, whose extension
// gives its format. Only a regular file of at most MaxFileBytes is read,
// and its size is checked before it is. Errors name the file.
func ReadFile(path string) (*Description, error) {
	format, ok := FormatOf(path)
	if !ok {
		return nil, fmt.Errorf("model file %s: want a .yaml, .yml or .json file", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("model file %s is not a regular file", path)
	}
	if fi.Size() > MaxFileBytes {
		return nil, fmt.Errorf("model file %s has %d bytes, more than the limit of %d", path, fi.Size(), MaxFileBytes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("model file %s: %w", path, err)
	}
	d, err := Parse(raw, format)
	if err != nil {
		return nil, fmt.Errorf("model file %s: %w", path, err)
	}
	return d, nil
}

// Parse decodes a description strictly. It returns an *Error, or a
// syntax error naming the line, for anything it cannot take.
func Parse(data []byte, format Format) (*Description, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("a model description of %d bytes, more than the limit of %d", len(data), MaxFileBytes)
	}
	var root *node
	var err error
	switch format {
	case JSON:
		root, err = parseJSON(data)
	case YAML:
		root, err = parseYAML(data)
	default:
		return nil, fmt.Errorf("unknown model file format %d", format)
	}
	if err != nil {
		return nil, err
	}
	return decode(root)
}

// A node is a decoded JSON or YAML value with the line it starts on.
type node struct {
	kind     kind
	line     int
	keys     []string // an object's keys, in order
	keyLines []int
	vals     []*node
	items    []*node // a list's
	text     string  // a scalar's text: a string, a number as written, true or false
}

type kind int

const (
	kObject kind = iota
	kList
	kString
	kNumber
	kBool
	kNull
)

func (k kind) String() string {
	return [...]string{"a mapping", "a list", "a string", "a number", "a boolean", "null"}[k]
}

// maxNodes bounds the values of one file; maxNest bounds their nesting.
const (
	maxNodes = 100_000
	maxNest  = 4*MaxDepth + 8
)

// parseJSON walks the JSON text token by token, refusing keys given
// twice and anything after the value.
func parseJSON(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	lineAt := func(off int64) int { return 1 + bytes.Count(data[:min(int(off), len(data))], []byte{'\n'}) }
	count := 0
	syntax := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &Error{Line: lineAt(se.Offset), Msg: "bad JSON: " + se.Error()}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &Error{Line: lineAt(int64(len(data))), Msg: "bad JSON: unexpected end"}
		}
		return &Error{Line: lineAt(dec.InputOffset()), Msg: "bad JSON: " + err.Error()}
	}
	var value func(tok json.Token, depth int) (*node, error)
	value = func(tok json.Token, depth int) (*node, error) {
		count++
		line := lineAt(max(dec.InputOffset()-1, 0))
		if count > maxNodes {
			return nil, &Error{Line: line, Msg: fmt.Sprintf("more than %d values", maxNodes)}
		}
		if depth > maxNest {
			return nil, &Error{Line: line, Msg: fmt.Sprintf("values nested more than %d deep", maxNest)}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				n := &node{kind: kObject, line: line}
				for dec.More() {
					kt, err := dec.Token()
					if err != nil {
						return nil, syntax(err)
					}
					k, _ := kt.(string)
					kline := lineAt(dec.InputOffset() - 1)
					if slices.Contains(n.keys, k) {
						return nil, &Error{Line: kline, Msg: fmt.Sprintf("key %q given twice", k)}
					}
					vt, err := dec.Token()
					if err != nil {
						return nil, syntax(err)
					}
					v, err := value(vt, depth+1)
					if err != nil {
						return nil, err
					}
					n.keys, n.keyLines, n.vals = append(n.keys, k), append(n.keyLines, kline), append(n.vals, v)
				}
				if _, err := dec.Token(); err != nil {
					return nil, syntax(err)
				}
				return n, nil
			case '[':
				n := &node{kind: kList, line: line}
				for dec.More() {
					it, err := dec.Token()
					if err != nil {
						return nil, syntax(err)
					}
					v, err := value(it, depth+1)
					if err != nil {
						return nil, err
					}
					n.items = append(n.items, v)
				}
				if _, err := dec.Token(); err != nil {
					return nil, syntax(err)
				}
				return n, nil
			}
		case string:
			return &node{kind: kString, line: line, text: t}, nil
		case json.Number:
			return &node{kind: kNumber, line: line, text: string(t)}, nil
		case bool:
			return &node{kind: kBool, line: line, text: strconv.FormatBool(t)}, nil
		case nil:
			return &node{kind: kNull, line: line}, nil
		}
		return nil, &Error{Line: line, Msg: fmt.Sprintf("bad JSON token %v", tok)}
	}
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Msg: "empty model description"}
		}
		return nil, syntax(err)
	}
	root, err := value(tok, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &Error{Line: lineAt(dec.InputOffset()), Msg: "data after the description"}
	}
	return root, nil
}

// parseYAML reads one YAML document into nodes, refusing anchors,
// aliases, tags other than the plain ones and keys given twice.
func parseYAML(data []byte) (*node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Msg: "empty model description"}
		}
		return nil, fmt.Errorf("bad YAML: %w", err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		line := more.Line
		if err != nil {
			return nil, fmt.Errorf("bad YAML: %w", err)
		}
		return nil, &Error{Line: line, Msg: "a second YAML document; a model file holds one"}
	}
	count := 0
	var conv func(y *yaml.Node, depth int) (*node, error)
	conv = func(y *yaml.Node, depth int) (*node, error) {
		count++
		if count > maxNodes {
			return nil, &Error{Line: y.Line, Msg: fmt.Sprintf("more than %d values", maxNodes)}
		}
		if depth > maxNest {
			return nil, &Error{Line: y.Line, Msg: fmt.Sprintf("values nested more than %d deep", maxNest)}
		}
		if y.Kind == yaml.AliasNode || y.Anchor != "" {
			return nil, &Error{Line: y.Line, Msg: "YAML anchors and aliases (&name, *name) are not allowed in a model file"}
		}
		switch y.Kind {
		case yaml.DocumentNode:
			if len(y.Content) != 1 {
				return nil, &Error{Line: y.Line, Msg: "empty model description"}
			}
			return conv(y.Content[0], depth)
		case yaml.MappingNode:
			n := &node{kind: kObject, line: y.Line}
			for i := 0; i+1 < len(y.Content); i += 2 {
				k := y.Content[i]
				if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
					return nil, &Error{Line: k.Line, Msg: fmt.Sprintf("keys must be plain words, got %q", k.Value)}
				}
				if slices.Contains(n.keys, k.Value) {
					return nil, &Error{Line: k.Line, Msg: fmt.Sprintf("key %q given twice", k.Value)}
				}
				v, err := conv(y.Content[i+1], depth+1)
				if err != nil {
					return nil, err
				}
				n.keys, n.keyLines, n.vals = append(n.keys, k.Value), append(n.keyLines, k.Line), append(n.vals, v)
			}
			return n, nil
		case yaml.SequenceNode:
			n := &node{kind: kList, line: y.Line}
			for _, c := range y.Content {
				v, err := conv(c, depth+1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
			return n, nil
		case yaml.ScalarNode:
			n := &node{line: y.Line, text: y.Value}
			switch y.Tag {
			case "!!str":
				n.kind = kString
			case "!!int", "!!float":
				n.kind = kNumber
			case "!!bool":
				n.kind = kBool
				n.text = strings.ToLower(y.Value)
			case "!!null":
				n.kind = kNull
			default:
				return nil, &Error{Line: y.Line, Msg: fmt.Sprintf("a value of YAML type %s (%q) is not allowed in a model file", y.Tag, y.Value)}
			}
			return n, nil
		}
		return nil, &Error{Line: y.Line, Msg: "an unexpected YAML value"}
	}
	return conv(&doc, 0)
}

// decoder turns nodes into a Description, checking every key and value.
type decoder struct {
	layers int
}

func decode(root *node) (*Description, error) {
	var dc decoder
	f, err := dc.fields(root, "", "the description", []string{"name", "input", "layers"})
	if err != nil {
		return nil, err
	}
	d := &Description{}
	if v, ok := f["name"]; ok {
		if d.Name, err = str(v, "name"); err != nil {
			return nil, err
		}
		if err := checkName(d.Name); err != nil {
			return nil, &Error{Line: v.line, Path: "name", Msg: err.Error()}
		}
	}
	if v, ok := f["input"]; ok {
		in, err := dc.fields(v, "input", "input", []string{"pad", "flatten"})
		if err != nil {
			return nil, err
		}
		if p, ok := in["pad"]; ok {
			if d.Input.Pad, err = integer(p, "input.pad", 0, MaxKernel); err != nil {
				return nil, err
			}
		}
		if p, ok := in["flatten"]; ok {
			if p.kind != kBool {
				return nil, &Error{Line: p.line, Path: "input.flatten", Msg: fmt.Sprintf("want true or false, got %s", p.kind)}
			}
			d.Input.Flatten = p.text == "true"
		}
	}
	v, ok := f["layers"]
	if !ok {
		return nil, &Error{Line: root.line, Msg: "no layers: a model file lists its layers under \"layers\""}
	}
	if d.Layers, err = dc.list(v, "layers", 1); err != nil {
		return nil, err
	}
	return d, nil
}

// fields checks that n is a mapping whose keys are all in allowed, and
// returns its values by key. what names the mapping in the error.
func (dc *decoder) fields(n *node, path, what string, allowed []string) (map[string]*node, error) {
	if n.kind != kObject {
		return nil, &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("want a mapping of keys to values, got %s", n.kind)}
	}
	out := make(map[string]*node, len(n.keys))
	for i, k := range n.keys {
		if !slices.Contains(allowed, k) {
			return nil, &Error{Line: n.keyLines[i], Path: path, Msg: fmt.Sprintf("unknown key %q (%s takes %s)", k, what, strings.Join(allowed, ", "))}
		}
		out[k] = n.vals[i]
	}
	return out, nil
}

// list decodes a list of layers at the given nesting depth.
func (dc *decoder) list(n *node, path string, depth int) ([]Layer, error) {
	if n.kind != kList {
		return nil, &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("want a list of layers, got %s", n.kind)}
	}
	if len(n.items) == 0 {
		return nil, &Error{Line: n.line, Path: path, Msg: "an empty list of layers"}
	}
	if depth > MaxDepth {
		return nil, &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("blocks nested more than %d deep, the limit", MaxDepth)}
	}
	out := make([]Layer, 0, len(n.items))
	names := map[string]bool{}
	for i, it := range n.items {
		p := fmt.Sprintf("%s[%d]", path, i)
		l, err := dc.layer(it, p, depth)
		if err != nil {
			return nil, err
		}
		name := l.Name
		if name == "" {
			name = strconv.Itoa(i)
		}
		if names[name] {
			return nil, &Error{Line: it.line, Path: layerPath(p, &l), Msg: fmt.Sprintf("the name %q is taken by an earlier layer of the list", name)}
		}
		names[name] = true
		out = append(out, l)
	}
	return out, nil
}

// layerPath names a layer in errors: layers[3] "c3" (conv).
func layerPath(p string, l *Layer) string {
	if l.Name != "" {
		p += fmt.Sprintf(" %q", l.Name)
	}
	if l.Type != "" {
		p += " (" + l.Type + ")"
	}
	return p
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func checkName(s string) error {
	if len(s) > MaxNameLen {
		return fmt.Errorf("a name of %d characters, more than the limit of %d", len(s), MaxNameLen)
	}
	if !nameRE.MatchString(s) {
		return fmt.Errorf("the name %q: want letters, digits, _ and - only", s)
	}
	return nil
}

// knownTypes lists the layer types and the activations for errors.
func knownTypes() string {
	return strings.Join(typeOrder, ", ") + " or an activation (" + strings.Join(nn.ActivationNames(), ", ") + ")"
}

func (dc *decoder) layer(n *node, path string, depth int) (Layer, error) {
	dc.layers++
	if dc.layers > MaxLayers {
		return Layer{}, &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("more than %d layers, the limit", MaxLayers)}
	}
	if n.kind != kObject {
		return Layer{}, &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("want a layer (a mapping with a type), got %s", n.kind)}
	}
	l := Layer{Line: n.line}
	for i, k := range n.keys {
		switch k {
		case "type":
			t, err := str(n.vals[i], path+".type")
			if err != nil {
				return Layer{}, err
			}
			l.Type = t
		case "name":
			s, err := str(n.vals[i], path+".name")
			if err != nil {
				return Layer{}, err
			}
			if err := checkName(s); err != nil {
				return Layer{}, &Error{Line: n.keyLines[i], Path: path, Msg: err.Error()}
			}
			l.Name = s
		}
	}
	if l.Type == "" {
		return Layer{}, &Error{Line: n.line, Path: layerPath(path, &l), Msg: "no type: want " + knownTypes()}
	}
	allowed, ok := layerKeys[l.Type]
	if !ok {
		if _, act := nn.LookupActivation(l.Type); !act {
			return Layer{}, &Error{Line: n.line, Path: layerPath(path, &l), Msg: fmt.Sprintf("unknown layer type %q (want %s)", l.Type, knownTypes())}
		}
	}
	what := "a " + l.Type + " layer"
	if !ok {
		what = "an activation"
	}
	f, err := dc.fields(n, layerPath(path, &l), what, append([]string{"type", "name"}, allowed...))
	if err != nil {
		return Layer{}, err
	}
	p := layerPath(path, &l)
	need := func(k string) (*node, error) {
		v, ok := f[k]
		if !ok {
			return nil, &Error{Line: n.line, Path: p, Msg: fmt.Sprintf("no %q: %s needs one", k, what)}
		}
		return v, nil
	}
	opt := func(k string, lo, hi int, dst *int) error {
		if v, ok := f[k]; ok {
			x, err := integer(v, p+"."+k, lo, hi)
			if err != nil {
				return err
			}
			*dst = x
		}
		return nil
	}
	pair := func(k string, lo, hi int, dst *Pair) error {
		v, ok := f[k]
		if !ok {
			return nil
		}
		x, err := pairOf(v, p+"."+k, lo, hi)
		if err != nil {
			return err
		}
		*dst = x
		return nil
	}
	flag := func(k string, dst *bool) error {
		if v, ok := f[k]; ok {
			if v.kind != kBool {
				return &Error{Line: v.line, Path: p + "." + k, Msg: fmt.Sprintf("want true or false, got %s", v.kind)}
			}
			*dst = v.text == "true"
		}
		return nil
	}
	noBias := !l.NoBias
	if err := flag("bias", &noBias); err != nil {
		return Layer{}, err
	}
	l.NoBias = !noBias
	switch l.Type {
	case "conv", "linear":
		v, err := need("out")
		if err != nil {
			return Layer{}, err
		}
		if v.kind == kString && v.text == "classes" {
			l.Out = Classes
		} else if l.Out, err = integer(v, p+".out", 1, MaxUnits); err != nil {
			return Layer{}, err
		}
		if l.Type == "linear" {
			break
		}
		if v, ok := f["padding"]; ok && v.kind == kString {
			if v.text != "same" && v.text != "valid" {
				return Layer{}, &Error{Line: v.line, Path: p + ".padding", Msg: fmt.Sprintf("unknown padding %q (want a number, [h, w], same or valid)", v.text)}
			}
			l.PaddingMode = v.text
			delete(f, "padding")
		}
		if err := pair("dilation", 1, MaxKernel, &l.Dilation); err != nil {
			return Layer{}, err
		}
		if err := opt("groups", 1, MaxUnits, &l.Groups); err != nil {
			return Layer{}, err
		}
		fallthrough
	case "avgpool", "maxpool":
		v, err := need("kernel")
		if err != nil {
			return Layer{}, err
		}
		if l.Kernel, err = pairOf(v, p+".kernel", 1, MaxKernel); err != nil {
			return Layer{}, err
		}
		if err := pair("stride", 1, MaxKernel, &l.Stride); err != nil {
			return Layer{}, err
		}
		if err := pair("padding", 0, MaxKernel, &l.Padding); err != nil {
			return Layer{}, err
		}
		if err := flag("ceil", &l.Ceil); err != nil {
			return Layer{}, err
		}
		if err := flag("exclude_pad", &l.ExcludePad); err != nil {
			return Layer{}, err
		}
	case "adaptiveavgpool":
		v, err := need("size")
		if err != nil {
			return Layer{}, err
		}
		if l.Size, err = pairOf(v, p+".size", 1, MaxSize); err != nil {
			return Layer{}, err
		}
	case "dropout":
		v, err := need("p")
		if err != nil {
			return Layer{}, err
		}
		x, err := float(v, p+".p")
		if err != nil {
			return Layer{}, err
		}
		if !(x >= 0 && x < 1) {
			return Layer{}, &Error{Line: v.line, Path: p + ".p", Msg: fmt.Sprintf("%s is not a probability in [0, 1)", v.text)}
		}
		l.P = x
	case "sequential":
		v, err := need("layers")
		if err != nil {
			return Layer{}, err
		}
		if l.Layers, err = dc.list(v, path+".layers", depth+1); err != nil {
			return Layer{}, err
		}
	case "residual":
		v, err := need("body")
		if err != nil {
			return Layer{}, err
		}
		if l.Body, err = dc.list(v, path+".body", depth+1); err != nil {
			return Layer{}, err
		}
		if v, ok := f["shortcut"]; ok {
			if l.Shortcut, err = dc.list(v, path+".shortcut", depth+1); err != nil {
				return Layer{}, err
			}
		}
	case "branches":
		v, err := need("branches")
		if err != nil {
			return Layer{}, err
		}
		if l.Branches, err = dc.list(v, path+".branches", depth+1); err != nil {
			return Layer{}, err
		}
		v, err = need("join")
		if err != nil {
			return Layer{}, err
		}
		if l.Join, err = str(v, p+".join"); err != nil {
			return Layer{}, err
		}
		if l.Join != "add" && l.Join != "concat" {
			return Layer{}, &Error{Line: v.line, Path: p + ".join", Msg: fmt.Sprintf("unknown join %q (want add or concat)", l.Join)}
		}
	}
	return l, nil
}

// pairOf reads one whole number for both axes, or a list [h, w].
func pairOf(n *node, path string, lo, hi int) (Pair, error) {
	if n.kind == kList {
		if len(n.items) != 2 {
			return Pair{}, &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("want one number or two, [height, width]; got a list of %d", len(n.items))}
		}
		h, err := integer(n.items[0], path+"[0]", lo, hi)
		if err != nil {
			return Pair{}, err
		}
		w, err := integer(n.items[1], path+"[1]", lo, hi)
		return Pair{h, w}, err
	}
	x, err := integer(n, path, lo, hi)
	return Pair{x, x}, err
}

func str(n *node, path string) (string, error) {
	if n.kind != kString {
		return "", &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("want a string, got %s", n.kind)}
	}
	return n.text, nil
}

// integer reads a whole number in plain decimal notation within [lo, hi].
func integer(n *node, path string, lo, hi int) (int, error) {
	if n.kind != kNumber {
		return 0, &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("want a whole number, got %s", n.kind)}
	}
	x, err := strconv.ParseInt(n.text, 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(n.text, 64); ferr == nil && !strings.ContainsAny(n.text, "xX_") && (f > float64(hi) || f < float64(lo)) {
			return 0, &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("%s is out of range: want %d to %d", n.text, lo, hi)}
		}
		return 0, &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("want a whole number in decimal, got %q", n.text)}
	}
	if x < int64(lo) || x > int64(hi) {
		return 0, &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("%d is out of range: want %d to %d", x, lo, hi)}
	}
	return int(x), nil
}

// float reads a finite number in plain decimal notation.
func float(n *node, path string) (float64, error) {
	if n.kind != kNumber || strings.ContainsAny(n.text, "xX_pP") {
		return 0, &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("want a number in decimal, got %q", n.text)}
	}
	x, err := strconv.ParseFloat(n.text, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, &Error{Line: n.line, Path: path, Msg: fmt.Sprintf("want a finite number in decimal, got %q", n.text)}
	}
	return x, nil
}

// MarshalJSON writes the description in the JSON form Parse reads, with
// keys in a fixed order and defaults left out; Line is not written.
func (d *Description) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if d.Name != "" {
		fmt.Fprintf(&b, "%q:%s,", "name", quote(d.Name))
	}
	if d.Input != (Input{}) {
		var parts []string
		if d.Input.Pad != 0 {
			parts = append(parts, fmt.Sprintf(`"pad":%d`, d.Input.Pad))
		}
		if d.Input.Flatten {
			parts = append(parts, `"flatten":true`)
		}
		fmt.Fprintf(&b, `"input":{%s},`, strings.Join(parts, ","))
	}
	b.WriteString(`"layers":`)
	writeLayers(&b, d.Layers)
	b.WriteByte('}')
	return b.Bytes(), nil
}

func quote(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

func writeLayers(b *bytes.Buffer, ls []Layer) {
	b.WriteByte('[')
	for i := range ls {
		if i > 0 {
			b.WriteByte(',')
		}
		l := &ls[i]
		fmt.Fprintf(b, `{"type":%s`, quote(l.Type))
		if l.Name != "" {
			fmt.Fprintf(b, `,"name":%s`, quote(l.Name))
		}
		switch {
		case l.Out == Classes:
			b.WriteString(`,"out":"classes"`)
		case l.Out != 0:
			fmt.Fprintf(b, `,"out":%d`, l.Out)
		}
		pairs := []struct {
			k string
			v Pair
		}{{"kernel", l.Kernel}, {"stride", l.Stride}, {"padding", l.Padding}, {"dilation", l.Dilation}, {"size", l.Size}}
		for _, kv := range pairs {
			switch {
			case kv.v == Pair{}:
			case kv.v[0] == kv.v[1]:
				fmt.Fprintf(b, `,%q:%d`, kv.k, kv.v[0])
			default:
				fmt.Fprintf(b, `,%q:[%d,%d]`, kv.k, kv.v[0], kv.v[1])
			}
		}
		if l.PaddingMode != "" {
			fmt.Fprintf(b, `,"padding":%s`, quote(l.PaddingMode))
		}
		if l.Groups != 0 {
			fmt.Fprintf(b, `,"groups":%d`, l.Groups)
		}
		if l.Ceil {
			b.WriteString(`,"ceil":true`)
		}
		if l.ExcludePad {
			b.WriteString(`,"exclude_pad":true`)
		}
		if l.NoBias {
			b.WriteString(`,"bias":false`)
		}
		if l.Type == "dropout" {
			fmt.Fprintf(b, `,"p":%s`, strconv.FormatFloat(l.P, 'g', -1, 64))
		}
		lists := []struct {
			k  string
			ls []Layer
		}{{"layers", l.Layers}, {"body", l.Body}, {"shortcut", l.Shortcut}, {"branches", l.Branches}}
		for _, kv := range lists {
			if len(kv.ls) > 0 {
				fmt.Fprintf(b, `,%q:`, kv.k)
				writeLayers(b, kv.ls)
			}
		}
		if l.Join != "" {
			fmt.Fprintf(b, `,"join":%s`, quote(l.Join))
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
}

// UnmarshalJSON decodes a description strictly, as Parse does, so that
// a description read back from a checkpoint's metadata is checked as a
// model file is.
func (d *Description) UnmarshalJSON(data []byte) error {
	got, err := Parse(data, JSON)
	if err != nil {
		return fmt.Errorf("model description: %w", err)
	}
	*d = *got
	return nil
}
