package safetensors

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxHeaderSize is the largest JSON header this package reads or writes,
// the same limit as the reference implementation (100 MB).
const MaxHeaderSize = 100_000_000

// MaxRank is the largest number of dimensions a tensor may have. It keeps a
// hostile header from turning a few bytes per dimension into much larger
// slices; PyTorch itself stops at 64.
const MaxRank = 1024

// metadataKey is the header key that holds the free-form string metadata.
const metadataKey = "__metadata__"

// A Tensor is one named tensor of a safetensors file: its element type,
// its shape (row-major, empty for a scalar) and its elements as raw
// little-endian bytes.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	// Data holds the elements, little-endian. A Tensor returned by
	// [Decode] shares this memory with the buffer it was decoded from.
	Data []byte
}

// NumElements returns the product of the shape: 1 for a scalar. It does
// not check for overflow; a tensor from [Decode] never overflows.
func (t Tensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// A File is the content of a safetensors file.
type File struct {
	// Metadata holds the header's "__metadata__" strings; it is nil when
	// the header has none.
	Metadata map[string]string
	// Tensors holds the tensors sorted by name.
	Tensors []Tensor
}

// Tensor returns the tensor called name, and whether there is one.
func (f *File) Tensor(name string) (Tensor, bool) {
	i, ok := slices.BinarySearchFunc(f.Tensors, name, func(t Tensor, name string) int {
		return strings.Compare(t.Name, name)
	})
	if ok {
		return f.Tensors[i], true
	}
	// Tensors may have been edited out of order by the caller.
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// Names returns the names of the tensors in the order of f.Tensors.
func (f *File) Names() []string {
	names := make([]string, len(f.Tensors))
	for i, t := range f.Tensors {
		names[i] = t.Name
	}
	return names
}

// An Error reports a file that is not valid safetensors, a tensor that
// cannot be written, or an I/O error.
type Error struct {
	// File is the path of the file, or "" when there is none.
	File string
	// Err describes the problem.
	Err error
}

// Error returns "safetensors: FILE: PROBLEM", or "safetensors: PROBLEM"
// when there is no file.
func (e *Error) Error() string {
	if e.File == "" {
		return "safetensors: " + e.Err.Error()
	}
	return "safetensors: " + e.File + ": " + e.Err.Error()
}

// Unwrap returns the underlying problem.
func (e *Error) Unwrap() error { return e.Err }

// Encode writes tensors and metadata to w in the safetensors format: an
// 8-byte little-endian header length, a JSON header padded with spaces to a
// multiple of 8 bytes, then the tensors' bytes back to back.
//
// Like the reference implementation, Encode lays the tensors out by
// decreasing alignment of their type and then by name, so that every
// tensor starts at an offset aligned to its element size, and lists them
// in the header in that order after "__metadata__" (whose keys it sorts).
// The same tensors and metadata therefore always give the same bytes.
//
// Encode checks the tensors before writing anything: names must be unique,
// valid UTF-8 and not "__metadata__", types known, dimensions
// non-negative, and len(Data) must equal the number of elements times the
// element size.
func Encode(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, order, err := prepare(tensors, metadata)
	if err != nil {
		return &Error{Err: err}
	}
	if err := write(w, header, tensors, order); err != nil {
		return &Error{Err: err}
	}
	return nil
}

// write writes the length prefix, the prepared header and the tensors'
// data in the given order.
func write(w io.Writer, header []byte, tensors []Tensor, order []int) error {
	buf := make([]byte, 8, 8+len(header))
	binary.LittleEndian.PutUint64(buf, uint64(len(header)))
	if _, err := w.Write(append(buf, header...)); err != nil {
		return err
	}
	for _, i := range order {
		if len(tensors[i].Data) == 0 {
			continue
		}
		if _, err := w.Write(tensors[i].Data); err != nil {
			return err
		}
	}
	return nil
}

// prepare checks the tensors and builds the padded JSON header. order
// gives the indices of tensors in the order their data is laid out.
func prepare(tensors []Tensor, metadata map[string]string) (header []byte, order []int, err error) {
	seen := make(map[string]bool, len(tensors))
	for _, t := range tensors {
		if err := checkTensor(t); err != nil {
			return nil, nil, err
		}
		if seen[t.Name] {
			return nil, nil, fmt.Errorf("two tensors named %q", t.Name)
		}
		seen[t.Name] = true
	}
	keys := make([]string, 0, len(metadata))
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, nil, fmt.Errorf("metadata %q: key and value must be valid UTF-8", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)

	order = make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		ta, tb := tensors[order[a]], tensors[order[b]]
		if ra, rb := dtypeInfo[ta.DType].rank, dtypeInfo[tb.DType].rank; ra != rb {
			return ra > rb
		}
		return ta.Name < tb.Name
	})

	b := []byte{'{'}
	if len(keys) > 0 {
		b = appendString(b, metadataKey)
		b = append(b, ":{"...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, metadata[k])
		}
		b = append(b, '}')
	}
	var offset uint64
	for i, idx := range order {
		t := tensors[idx]
		if i > 0 || len(keys) > 0 {
			b = append(b, ',')
		}
		b = appendString(b, t.Name)
		b = append(b, `:{"dtype":`...)
		b = appendString(b, string(t.DType))
		b = append(b, `,"shape":[`...)
		for j, d := range t.Shape {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(d), 10)
		}
		b = append(b, `],"data_offsets":[`...)
		b = strconv.AppendUint(b, offset, 10)
		b = append(b, ',')
		offset += uint64(len(t.Data))
		b = strconv.AppendUint(b, offset, 10)
		b = append(b, "]}"...)
	}
	b = append(b, '}')
	for len(b)%8 != 0 {
		b = append(b, ' ')
	}
	if len(b) > MaxHeaderSize {
		return nil, nil, fmt.Errorf("header of %d bytes is larger than the limit of %d", len(b), MaxHeaderSize)
	}
	return b, order, nil
}

// checkTensor checks one tensor before it is written.
func checkTensor(t Tensor) error {
	if !utf8.ValidString(t.Name) {
		return fmt.Errorf("tensor %q: name is not valid UTF-8", t.Name)
	}
	if t.Name == metadataKey {
		return fmt.Errorf("tensor %q: the name is reserved for metadata", t.Name)
	}
	size := t.DType.Size()
	if size == 0 {
		return fmt.Errorf("tensor %q: unknown dtype %q", t.Name, t.DType)
	}
	if len(t.Shape) > MaxRank {
		return fmt.Errorf("tensor %q: %d dimensions, more than the limit of %d", t.Name, len(t.Shape), MaxRank)
	}
	n := uint64(size)
	overflow := false
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("tensor %q: negative dimension in shape %v", t.Name, t.Shape)
		}
		hi, lo := bits.Mul64(n, uint64(d))
		overflow = overflow || hi != 0
		n = lo
	}
	if overflow || n != uint64(len(t.Data)) {
		return fmt.Errorf("tensor %q: shape %v of %s needs %s bytes, Data holds %d", t.Name, t.Shape, t.DType, bytesNeeded(t.Shape, size), len(t.Data))
	}
	return nil
}

// bytesNeeded formats the byte size of a shape, or "more than 2^64".
func bytesNeeded(shape []int, size int) string {
	n := uint64(size)
	for _, d := range shape {
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 {
			return "more than 2^64"
		}
		n = lo
	}
	return strconv.FormatUint(n, 10)
}

// appendString appends s as a JSON string the way the reference
// implementation's serde_json writes it: only '"', '\\' and control
// characters are escaped; everything else, non-ASCII included, is written
// as is. s must be valid UTF-8.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
