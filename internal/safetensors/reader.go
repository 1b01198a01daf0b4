package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
)

// A Reader reads a safetensors file in two steps. [Open] reads and checks
// the header — metadata, names, types, shapes and offsets, against the
// size of the file — without reading the tensors, so that a caller can
// compare the shapes with what it expects before it allocates anything
// for them; [Reader.ReadAll] then reads the tensors.
type Reader struct {
	// Metadata holds the header's "__metadata__" strings; it is nil when
	// the header has none.
	Metadata map[string]string
	// Tensors describes the tensors, sorted by name. Their Data is nil:
	// ReadAll reads it.
	Tensors []Tensor

	path    string
	src     io.ReaderAt
	closer  io.Closer
	body    int64 // offset of the data section
	bodyLen int64
	infos   []tensorInfo
}

// Open opens the safetensors file at path and reads its header. It
// refuses, without opening it, a path that is not a regular file: a named
// pipe (opening one blocks until something writes to it), a device such
// as /dev/zero (which never ends), a folder. It reads the 8-byte header
// length first and checks it against [MaxHeaderSize] and the file's size
// before reading the header, so a large file that is not safetensors
// costs 8 bytes of reading. The header is checked as [Decode] checks it.
// Errors are [*Error]s naming the file. Close the Reader when done.
func Open(path string) (*Reader, error) {
	fail := func(err error) (*Reader, error) {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{File: path, Err: err}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fail(err)
	}
	if err := regular(fi); err != nil {
		return fail(err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	// The path may have been replaced between Stat and Open.
	if fi, err = f.Stat(); err == nil {
		err = regular(fi)
	}
	if err != nil {
		f.Close()
		return fail(err)
	}
	r, err := newReader(f, fi.Size())
	if err != nil {
		f.Close()
		return fail(err)
	}
	r.path, r.closer = path, f
	return r, nil
}

// regular returns an error unless fi describes a regular file.
func regular(fi fs.FileInfo) error {
	m := fi.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return errors.New("is a directory")
	case m&fs.ModeNamedPipe != 0:
		return errors.New("is a named pipe (FIFO), not a regular file")
	case m&fs.ModeSocket != 0:
		return errors.New("is a socket, not a regular file")
	case m&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		return errors.New("is a device, not a regular file")
	}
	return fmt.Errorf("is not a regular file (mode %v)", m)
}

// newReader reads and checks the header of the size bytes of src.
func newReader(src io.ReaderAt, size int64) (*Reader, error) {
	if size < 8 {
		return nil, fmt.Errorf("not a safetensors file: file is %d bytes, too short for the 8-byte header length", size)
	}
	var prefix [8]byte
	if err := readAt(src, prefix[:], 0); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if err := checkHeaderLength(n, uint64(size-8)); err != nil {
		return nil, err
	}
	header := make([]byte, n)
	if err := readAt(src, header, 8); err != nil {
		return nil, err
	}
	bodyLen := size - 8 - int64(n)
	meta, infos, err := parseAndCheck(header, uint64(bodyLen))
	if err != nil {
		return nil, err
	}
	r := &Reader{Metadata: meta, Tensors: make([]Tensor, len(infos)), src: src, body: 8 + int64(n), bodyLen: bodyLen, infos: infos}
	for i, in := range infos {
		r.Tensors[i] = Tensor{Name: in.name, DType: in.dtype, Shape: slices.Clone(in.shape)}
	}
	return r, nil
}

// readAt fills p from src at off. A file that ends early was shortened
// after its size was taken.
func readAt(src io.ReaderAt, p []byte, off int64) error {
	if len(p) == 0 {
		return nil
	}
	n, err := src.ReadAt(p, off)
	switch {
	case n == len(p):
		return nil
	case err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the file ended early: was it changed while being read?")
	}
	return err
}

// ReadAll reads the tensors and returns the whole file. It reads exactly
// the data section the header describes, no more. The Reader's Tensors
// and Metadata are not changed.
func (r *Reader) ReadAll() (*File, error) {
	body := make([]byte, r.bodyLen)
	if err := readAt(r.src, body, r.body); err != nil {
		return nil, &Error{File: r.path, Err: err}
	}
	f := &File{Metadata: r.Metadata, Tensors: make([]Tensor, len(r.infos))}
	for i, in := range r.infos {
		f.Tensors[i] = Tensor{Name: in.name, DType: in.dtype, Shape: slices.Clone(in.shape), Data: body[in.begin:in.end:in.end]}
	}
	return f, nil
}

// Close closes the file.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	err := r.closer.Close()
	r.closer = nil
	return err
}
