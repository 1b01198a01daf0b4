package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Decode parses a whole safetensors file held in data. The returned
// tensors' Data slices share memory with data; copy them before changing
// data.
//
// Decode accepts exactly what the reference implementation accepts. It
// returns an [*Error] when data is shorter than the 8-byte length prefix;
// when the header length is beyond [MaxHeaderSize] or past the end of
// data; when the header is not valid UTF-8, not a JSON object, has a key
// twice (at any level), or has a "__metadata__" that is not an object of
// strings; when a tensor's dtype is unknown, its shape not a list of
// non-negative integers (at most [MaxRank] of them), or its data_offsets
// not two integers begin ≤ end within the data section whose difference is
// the tensor's size in bytes; and when the tensors overlap or do not cover
// the data section exactly, with no gap between them and nothing after
// the last.
func Decode(data []byte) (*File, error) {
	f, err := decode(data)
	if err != nil {
		return nil, &Error{Err: err}
	}
	return f, nil
}

// ReadFile reads and decodes the safetensors file at path, as [Open] and
// [Reader.ReadAll] do: a path that is not a regular file (a named pipe, a
// device such as /dev/zero, a folder) is refused before it is opened, and
// the header length is checked against the file's size before anything
// more than its first 8 bytes is read. Its errors name the file.
func ReadFile(path string) (*File, error) {
	r, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.ReadAll()
}

// tensorInfo is one tensor's entry in the header.
type tensorInfo struct {
	name       string
	dtype      DType
	shape      []int
	begin, end uint64
}

func decode(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("not a safetensors file: file is %d bytes, too short for the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if err := checkHeaderLength(n, uint64(len(data)-8)); err != nil {
		return nil, err
	}
	body := data[8+n:]
	meta, infos, err := parseAndCheck(data[8:8+n], uint64(len(body)))
	if err != nil {
		return nil, err
	}
	f := &File{Metadata: meta, Tensors: make([]Tensor, len(infos))}
	for i, in := range infos {
		f.Tensors[i] = Tensor{Name: in.name, DType: in.dtype, Shape: in.shape, Data: body[in.begin:in.end:in.end]}
	}
	return f, nil
}

// checkHeaderLength checks the header length n read from a file's first 8
// bytes against the limit and against rest, the number of bytes that
// follow them. A file that is not safetensors at all usually fails here.
func checkHeaderLength(n, rest uint64) error {
	switch {
	case n > MaxHeaderSize:
		return fmt.Errorf("not a safetensors file: header length %d is larger than the limit of %d bytes", n, MaxHeaderSize)
	case n > rest:
		return fmt.Errorf("not a safetensors file: header length %d runs past the end of the file (%d bytes follow the length)", n, rest)
	case n < 2:
		return fmt.Errorf("not a safetensors file: header length %d is too short for a JSON object", n)
	}
	return nil
}

// parseAndCheck parses a header and checks its tensors against a data
// section of bodyLen bytes. It returns the tensors sorted by name.
func parseAndCheck(header []byte, bodyLen uint64) (map[string]string, []tensorInfo, error) {
	if !utf8.Valid(header) {
		return nil, nil, fmt.Errorf("header is not valid UTF-8 (at byte %d of the header)", invalidUTF8At(header))
	}
	meta, infos, err := parseHeader(header)
	if err != nil {
		return nil, nil, err
	}
	for i := range infos {
		if err := checkInfo(&infos[i], bodyLen); err != nil {
			return nil, nil, err
		}
	}
	if err := checkCoverage(infos, bodyLen); err != nil {
		return nil, nil, err
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].name < infos[j].name })
	return meta, infos, nil
}

// invalidUTF8At returns the offset of the first invalid UTF-8 sequence.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// checkInfo checks one tensor's sizes against its offsets and the data
// section, whose length is bodyLen.
func checkInfo(in *tensorInfo, bodyLen uint64) error {
	size := in.dtype.Size()
	nbytes, overflow := uint64(size), false
	for _, d := range in.shape {
		hi, lo := bits.Mul64(nbytes, uint64(d))
		overflow = overflow || hi != 0
		nbytes = lo
	}
	switch {
	case overflow:
		return fmt.Errorf("tensor %q: shape %v of %s overflows: its size is more than 2^64 bytes", in.name, in.shape, in.dtype)
	case in.begin > in.end:
		return fmt.Errorf("tensor %q: data_offsets [%d, %d] end before they begin", in.name, in.begin, in.end)
	case in.end > bodyLen:
		return fmt.Errorf("tensor %q: data_offsets [%d, %d] run past the end of the data section (%d bytes)", in.name, in.begin, in.end, bodyLen)
	case in.end-in.begin != nbytes:
		return fmt.Errorf("tensor %q: shape %v of %s needs %d bytes, data_offsets [%d, %d] span %d", in.name, in.shape, in.dtype, nbytes, in.begin, in.end, in.end-in.begin)
	}
	return nil
}

// checkCoverage checks that the tensors tile the data section: sorted by
// offset, each starts where the previous one ended, the first at 0 and
// the last ending at bodyLen.
func checkCoverage(infos []tensorInfo, bodyLen uint64) error {
	byOffset := make([]*tensorInfo, len(infos))
	for i := range infos {
		byOffset[i] = &infos[i]
	}
	sort.SliceStable(byOffset, func(i, j int) bool {
		a, b := byOffset[i], byOffset[j]
		if a.begin != b.begin {
			return a.begin < b.begin
		}
		return a.end < b.end
	})
	var pos uint64
	var prev *tensorInfo
	for _, in := range byOffset {
		switch {
		case in.begin > pos:
			return fmt.Errorf("bytes [%d, %d) of the data section belong to no tensor (a hole before tensor %q)", pos, in.begin, in.name)
		case in.begin < pos:
			return fmt.Errorf("tensor %q (data_offsets [%d, %d]) overlaps tensor %q (data_offsets [%d, %d])", in.name, in.begin, in.end, prev.name, prev.begin, prev.end)
		}
		pos, prev = in.end, in
	}
	if pos != bodyLen {
		return fmt.Errorf("bytes [%d, %d) at the end of the data section belong to no tensor", pos, bodyLen)
	}
	return nil
}

// headerParser reads the JSON header token by token, which lets it see
// duplicate keys (encoding/json's Unmarshal keeps the last silently).
type headerParser struct {
	dec *json.Decoder
}

// parseHeader parses the JSON header into metadata and tensor entries in
// header order.
func parseHeader(header []byte) (map[string]string, []tensorInfo, error) {
	p := &headerParser{dec: json.NewDecoder(bytes.NewReader(header))}
	p.dec.UseNumber()
	tok, err := p.token()
	if err != nil {
		return nil, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, fmt.Errorf("header is not a JSON object: it starts with %s", describe(tok))
	}
	var meta map[string]string
	var infos []tensorInfo
	seen := make(map[string]bool)
	for p.dec.More() {
		key, err := p.key("header")
		if err != nil {
			return nil, nil, err
		}
		if seen[key] {
			if key == metadataKey {
				return nil, nil, fmt.Errorf("header has %q twice", key)
			}
			return nil, nil, fmt.Errorf("header has two tensors named %q", key)
		}
		seen[key] = true
		if key == metadataKey {
			if meta, err = p.metadata(); err != nil {
				return nil, nil, err
			}
			continue
		}
		in, err := p.tensor(key)
		if err != nil {
			return nil, nil, err
		}
		infos = append(infos, in)
	}
	if _, err := p.token(); err != nil { // the closing '}'
		return nil, nil, err
	}
	if tok, err := p.dec.Token(); err != io.EOF {
		if err != nil {
			return nil, nil, fmt.Errorf("header: after the JSON object: %v", err)
		}
		return nil, nil, fmt.Errorf("header: unexpected %s after the JSON object (only spaces may pad it)", describe(tok))
	}
	return meta, infos, nil
}

// token returns the next token, describing a syntax error or the end of
// the header.
func (p *headerParser) token() (json.Token, error) {
	tok, err := p.dec.Token()
	if err == nil {
		return tok, nil
	}
	if err == io.EOF {
		return nil, errors.New("header: unexpected end of the JSON")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return nil, fmt.Errorf("header is not valid JSON: %v (at byte %d of the header)", se, se.Offset)
	}
	return nil, fmt.Errorf("header is not valid JSON: %v", err)
}

// key reads an object key.
func (p *headerParser) key(where string) (string, error) {
	tok, err := p.token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("%s: want a key, found %s", where, describe(tok))
	}
	return s, nil
}

// metadata reads the "__metadata__" value: an object of strings, or null.
func (p *headerParser) metadata() (map[string]string, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%s: want an object of strings, found %s", metadataKey, describe(tok))
	}
	meta := make(map[string]string)
	for p.dec.More() {
		k, err := p.key(metadataKey)
		if err != nil {
			return nil, err
		}
		if _, dup := meta[k]; dup {
			return nil, fmt.Errorf("%s: key %q appears twice", metadataKey, k)
		}
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%s: value of %q must be a string, found %s", metadataKey, k, describe(tok))
		}
		meta[k] = v
	}
	_, err = p.token()
	return meta, err
}

// tensor reads one tensor's entry: an object with "dtype", "shape" and
// "data_offsets". Other keys are skipped, as the reference does.
func (p *headerParser) tensor(name string) (tensorInfo, error) {
	in := tensorInfo{name: name}
	where := fmt.Sprintf("tensor %q", name)
	tok, err := p.token()
	if err != nil {
		return in, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return in, fmt.Errorf("%s: want an object with dtype, shape and data_offsets, found %s", where, describe(tok))
	}
	var haveDType, haveShape, haveOffsets bool
	for p.dec.More() {
		k, err := p.key(where)
		if err != nil {
			return in, err
		}
		dup := false
		switch k {
		case "dtype":
			dup, haveDType = haveDType, true
			tok, err := p.token()
			if err != nil {
				return in, err
			}
			s, ok := tok.(string)
			if !ok {
				return in, fmt.Errorf("%s: dtype must be a string, found %s", where, describe(tok))
			}
			in.dtype = DType(s)
			if !in.dtype.Valid() {
				return in, fmt.Errorf("%s: unknown dtype %q (want one of %s)", where, s, knownDTypes())
			}
		case "shape":
			dup, haveShape = haveShape, true
			dims, err := p.uints(where+": shape", MaxRank)
			if err != nil {
				return in, err
			}
			in.shape = make([]int, len(dims))
			for i, d := range dims {
				if d > math.MaxInt {
					return in, fmt.Errorf("%s: shape dimension %d is too large", where, d)
				}
				in.shape[i] = int(d)
			}
		case "data_offsets":
			dup, haveOffsets = haveOffsets, true
			offs, err := p.uints(where+": data_offsets", 2)
			if err != nil {
				return in, err
			}
			if len(offs) != 2 {
				return in, fmt.Errorf("%s: data_offsets must be two numbers [begin, end], found %d", where, len(offs))
			}
			in.begin, in.end = offs[0], offs[1]
		default:
			if err := p.skip(); err != nil {
				return in, err
			}
		}
		if dup {
			return in, fmt.Errorf("%s: key %q appears twice", where, k)
		}
	}
	if _, err := p.token(); err != nil {
		return in, err
	}
	var missing []string
	if !haveDType {
		missing = append(missing, "dtype")
	}
	if !haveShape {
		missing = append(missing, "shape")
	}
	if !haveOffsets {
		missing = append(missing, "data_offsets")
	}
	if len(missing) > 0 {
		return in, fmt.Errorf("%s: missing %s", where, strings.Join(missing, ", "))
	}
	return in, nil
}

// uints reads an array of at most max non-negative integers.
func (p *headerParser) uints(where string, max int) ([]uint64, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("%s: want a list of non-negative integers, found %s", where, describe(tok))
	}
	var out []uint64
	for p.dec.More() {
		if len(out) == max {
			return nil, fmt.Errorf("%s: more than %d numbers", where, max)
		}
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s: want a non-negative integer, found %s", where, describe(tok))
		}
		s := string(num)
		if strings.HasPrefix(s, "-") {
			return nil, fmt.Errorf("%s: negative number %s", where, s)
		}
		if strings.ContainsAny(s, ".eE") {
			return nil, fmt.Errorf("%s: %s is not an integer", where, s)
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %s does not fit in 64 bits", where, s)
		}
		out = append(out, v)
	}
	_, err = p.token()
	return out, err
}

// skip reads and discards one JSON value.
func (p *headerParser) skip() error {
	depth := 0
	for {
		tok, err := p.token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

// describe names a JSON token in an error message.
func describe(tok json.Token) string {
	switch t := tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		switch t {
		case '{':
			return "an object"
		case '[':
			return "a list"
		}
		return fmt.Sprintf("%q", string(t))
	case string:
		if len(t) > 40 {
			t = t[:40] + "..."
		}
		return fmt.Sprintf("the string %q", t)
	case json.Number:
		return "the number " + string(t)
	case bool:
		return strconv.FormatBool(t)
	}
	return fmt.Sprint(tok)
}

// knownDTypes lists the known dtypes for error messages.
func knownDTypes() string {
	names := make([]string, 0, len(dtypeInfo))
	for d := range dtypeInfo {
		names = append(names, string(d))
	}
	sort.Slice(names, func(i, j int) bool { return dtypeInfo[DType(names[i])].rank < dtypeInfo[DType(names[j])].rank })
	return strings.Join(names, ", ")
}
