package mnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Magic numbers of the two IDX files MNIST uses. An IDX magic number is
// two zero bytes, a type code (0x08 = unsigned byte) and the number of
// dimensions.
const (
	ImageMagic = 0x00000803 // unsigned bytes, 3 dimensions: count, rows, columns
	LabelMagic = 0x00000801 // unsigned bytes, 1 dimension: count
)

// Limits that keep a corrupt header from making the reader allocate more
// than the file can hold. They are far above any MNIST-like data set
// (EMNIST, the largest, has 814,255 images of 28×28).
const (
	// MaxSide is the largest number of rows or columns an image may have.
	MaxSide = 1 << 14
	// MaxCount is the largest number of images or labels a file may declare.
	MaxCount = 1 << 28
	// MaxImageBytes is the largest total pixel count an image file may
	// declare (2 GiB, so that it fits an int on every platform).
	MaxImageBytes = 1<<31 - 1
)

// idxTypeUByte is the IDX type code for unsigned bytes, the only one MNIST uses.
const idxTypeUByte = 0x08

// growChunk is how much the reader allocates up front when it cannot trust
// the header's size: it then grows its buffer only as data actually arrives.
const growChunk = 1 << 20

// An Error reports a problem with an IDX file or stream: a bad header, a
// size that does not match the data, a label out of range, or an I/O error
// while reading.
type Error struct {
	// File is the path of the file, or "" for an unnamed stream.
	File string
	// Err describes the problem.
	Err error
}

// Error returns "mnist: FILE: PROBLEM", or "mnist: PROBLEM" when there is no
// file name.
func (e *Error) Error() string {
	if e.File == "" {
		return "mnist: " + e.Err.Error()
	}
	return "mnist: " + e.File + ": " + e.Err.Error()
}

// Unwrap returns the underlying problem, so that errors.Is can see I/O
// errors such as gzip.ErrChecksum.
func (e *Error) Unwrap() error { return e.Err }

// ReadImages reads an IDX image file (magic 0x00000803) from r, which may be
// gzip-compressed (detected by the gzip magic bytes) or plain. It returns
// the pixels of all n images, each rows×cols bytes in row-major order, one
// image after another, exactly as stored (0 is background, 255 is ink).
//
// The header must be followed by exactly n·rows·cols bytes: a short file and
// trailing bytes are both errors, as are a wrong magic number and
// dimensions beyond [MaxSide], [MaxCount] or [MaxImageBytes].
func ReadImages(r io.Reader) (data []byte, n, rows, cols int, err error) {
	data, n, rows, cols, err = readImages(r, -1)
	if err != nil {
		return nil, 0, 0, 0, &Error{Err: err}
	}
	return data, n, rows, cols, nil
}

// ReadLabels reads an IDX label file (magic 0x00000801) from r, which may be
// gzip-compressed or plain. Every label must be a digit 0–9, and the header
// must be followed by exactly as many bytes as it declares labels.
func ReadLabels(r io.Reader) ([]uint8, error) {
	labels, err := readLabels(r, true)
	if err != nil {
		return nil, &Error{Err: err}
	}
	return labels, nil
}

// decompress returns a reader of r's content, transparently un-gzipping it
// when it starts with the gzip magic bytes. gzipped reports which it was.
func decompress(r io.Reader) (rd io.Reader, gzipped bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, true, fmt.Errorf("corrupt gzip header: %w", err)
		}
		zr.Multistream(false)
		return &gzipMembers{br: br, zr: zr}, true, nil
	}
	return br, false, nil
}

// errAfterGzip reports bytes after the last gzip member that do not start
// another one.
var errAfterGzip = errors.New("data after the end of the gzip stream")

// gzipMembers reads a gzip stream of one or more members, as gzip.Reader
// does in its default multistream mode, but reports bytes after the last
// member that are not a gzip header as errAfterGzip rather than as a
// confusing header error.
type gzipMembers struct {
	br *bufio.Reader
	zr *gzip.Reader
}

// Read reads decompressed data, moving on to the next member at the end of
// each one.
func (g *gzipMembers) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if !errors.Is(err, io.EOF) {
		return n, err
	}
	head, perr := g.br.Peek(2)
	switch {
	case len(head) == 0 && errors.Is(perr, io.EOF):
		return n, io.EOF
	case len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b:
		if err := g.zr.Reset(g.br); err != nil {
			return n, fmt.Errorf("corrupt gzip header of a further member: %w", err)
		}
		g.zr.Multistream(false)
		return n, nil
	case perr != nil && !errors.Is(perr, io.EOF):
		return n, perr
	default:
		return n, errAfterGzip
	}
}

// readHeader reads and checks the magic number and the dimension sizes of
// an IDX file of unsigned bytes with wantDims dimensions.
func readHeader(r io.Reader, gzipped bool, what string, wantDims int) ([]uint32, error) {
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("truncated: %d bytes, too short for an IDX header", n)
		}
		return nil, headerErr(err, gzipped)
	}
	m := binary.BigEndian.Uint32(magic[:])
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("bad magic number 0x%08x: not an IDX file (want 0x%08x for %s)", m, 0x800|wantDims, what)
	}
	if magic[2] != idxTypeUByte {
		return nil, fmt.Errorf("bad magic number 0x%08x: type code 0x%02x, want 0x%02x (unsigned byte)", m, magic[2], idxTypeUByte)
	}
	if int(magic[3]) != wantDims {
		hint := ""
		switch {
		case magic[3] == 1 && wantDims == 3:
			hint = " (is this a label file?)"
		case magic[3] == 3 && wantDims == 1:
			hint = " (is this an image file?)"
		}
		return nil, fmt.Errorf("bad magic number 0x%08x: %d dimensions, want %d for %s%s", m, magic[3], wantDims, what, hint)
	}
	buf := make([]byte, 4*wantDims)
	if n, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("truncated: header needs %d bytes, file holds %d", 4+len(buf), 4+n)
		}
		return nil, headerErr(err, gzipped)
	}
	dims := make([]uint32, wantDims)
	for i := range dims {
		dims[i] = binary.BigEndian.Uint32(buf[4*i:])
	}
	return dims, nil
}

// bodyErr describes an I/O error met after got of count items were read.
func bodyErr(err error, gzipped bool, got int64, count uint32, what string) error {
	switch {
	case errors.Is(err, errAfterGzip):
		return fmt.Errorf("trailing data: %w, after the %d %s", err, count, what)
	case gzipped && errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated: compressed data ends after %d of the %d %s the header declares", got, count, what)
	case gzipped:
		return fmt.Errorf("corrupt gzip data after %d of %d %s: %w", got, count, what, err)
	default:
		return fmt.Errorf("read error after %d of %d %s: %w", got, count, what, err)
	}
}

// headerErr describes an I/O error met while reading the header.
func headerErr(err error, gzipped bool) error {
	if gzipped {
		return fmt.Errorf("corrupt gzip data in the IDX header: %w", err)
	}
	return fmt.Errorf("read error in the IDX header: %w", err)
}

// readBody reads exactly want bytes from r and checks that nothing follows.
// It allocates all want bytes at once only when hint == want (the caller
// knows the size from the file); otherwise it grows its buffer as data
// arrives, so a lying header costs at most growChunk. On a clean EOF before
// want bytes it returns the bytes it got and a nil error; on any other error
// it returns the bytes it got and the raw error. The caller words messages.
func readBody(r io.Reader, want, hint int64) (buf []byte, trailing int64, err error) {
	capacity := want
	if hint != want && capacity > growChunk {
		capacity = growChunk
	}
	buf = make([]byte, 0, capacity)
	for int64(len(buf)) < want {
		if len(buf) == cap(buf) {
			nc := min(2*int64(cap(buf)), want)
			nb := make([]byte, len(buf), nc)
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, 0, nil
		}
		if err != nil {
			return buf, 0, err
		}
	}
	// Anything more is trailing data. Reading to EOF also makes the gzip
	// reader verify its checksum.
	trailing, err = io.Copy(io.Discard, io.LimitReader(r, growChunk))
	if err != nil {
		return buf, 0, err
	}
	return buf, trailing, nil
}

// trailingErr describes trailing bytes after the declared data.
func trailingErr(trailing int64, count uint32, what string) error {
	more := ""
	if trailing >= growChunk {
		more = " or more"
	}
	return fmt.Errorf("trailing data: %d%s bytes after the %d %s the header declares", trailing, more, count, what)
}

// readImages is ReadImages without the *Error wrapper. hint, when it is not
// -1, is the expected number of pixel bytes as the file's size suggests.
func readImages(r io.Reader, hint int64) (data []byte, n, rows, cols int, err error) {
	r, gzipped, err := decompress(r)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	dims, err := readHeader(r, gzipped, "images", 3)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	count, h, w := dims[0], dims[1], dims[2]
	switch {
	case count > MaxCount:
		return nil, 0, 0, 0, fmt.Errorf("header declares %d images, more than the limit of %d", count, MaxCount)
	case h > MaxSide || w > MaxSide:
		return nil, 0, 0, 0, fmt.Errorf("header declares %dx%d images, larger than the limit of %dx%d", h, w, MaxSide, MaxSide)
	case count > 0 && (h == 0 || w == 0):
		return nil, 0, 0, 0, fmt.Errorf("header declares %d images of %dx%d: an image must have at least one pixel", count, h, w)
	}
	size := int64(h) * int64(w)
	want := int64(count) * size
	if want > MaxImageBytes {
		return nil, 0, 0, 0, fmt.Errorf("header declares %d images of %dx%d (%d bytes), more than the limit of %d bytes", count, h, w, want, int64(MaxImageBytes))
	}
	buf, trailing, err := readBody(r, want, hint)
	if err != nil {
		return nil, 0, 0, 0, bodyErr(err, gzipped, int64(len(buf))/max(size, 1), count, "images")
	}
	if got := int64(len(buf)); got < want {
		return nil, 0, 0, 0, fmt.Errorf("truncated: header says %d images of %dx%d (%d bytes), file holds %d bytes (%d whole images)", count, h, w, want, got, got/size)
	}
	if trailing > 0 {
		return nil, 0, 0, 0, trailingErr(trailing, count, "images")
	}
	return buf, int(count), int(h), int(w), nil
}

// readLabels is ReadLabels without the *Error wrapper. digits says
// whether labels must be digits 0–9 (MNIST's) or may be any byte (a set
// whose classes are named elsewhere, as by a classes.txt).
func readLabels(r io.Reader, digits bool) ([]uint8, error) {
	r, gzipped, err := decompress(r)
	if err != nil {
		return nil, err
	}
	dims, err := readHeader(r, gzipped, "labels", 1)
	if err != nil {
		return nil, err
	}
	count := dims[0]
	if count > MaxCount {
		return nil, fmt.Errorf("header declares %d labels, more than the limit of %d", count, MaxCount)
	}
	buf, trailing, err := readBody(r, int64(count), -1)
	if err != nil {
		return nil, bodyErr(err, gzipped, int64(len(buf)), count, "labels")
	}
	if len(buf) < int(count) {
		return nil, fmt.Errorf("truncated: header says %d labels, file holds %d", count, len(buf))
	}
	if trailing > 0 {
		return nil, trailingErr(trailing, count, "labels")
	}
	for i, l := range buf {
		if digits && l > 9 {
			return nil, fmt.Errorf("label %d at index %d is not a digit 0-9", l, i)
		}
	}
	return buf, nil
}
