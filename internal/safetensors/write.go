package safetensors

import (
	"bufio"
	"io"

	"github.com/baeum-ml/baeum/internal/atomicfile"
)

// WriteFile writes tensors and metadata to path as [Encode] does, and
// atomically: it writes a temporary file in the same folder, syncs it to
// disk, closes it, renames it over path and syncs the folder. If anything
// fails (or the program dies) part-way, the file that was at path is left
// as it was; on failure the temporary file is removed. The tensors are
// checked before any file is created.
//
// A new file gets mode 0644; a file that is replaced keeps its mode. A
// path that is a symbolic link is refused, so that a link planted where a
// file is saved cannot redirect the save.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	return writeFile(path, tensors, metadata, nil)
}

// writeFile is WriteFile with a hook for tests: wrap, when not nil, wraps
// the temporary file's writer (to fail or slow down a write).
func writeFile(path string, tensors []Tensor, metadata map[string]string, wrap func(io.Writer) io.Writer) error {
	header, order, err := prepare(tensors, metadata)
	if err != nil {
		return &Error{File: path, Err: err}
	}
	err = atomicfile.Write(path, func(w io.Writer) error {
		if wrap != nil {
			w = wrap(w)
		}
		bw := bufio.NewWriterSize(w, 1<<16)
		if err := write(bw, header, tensors, order); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return &Error{File: path, Err: err}
	}
	return nil
}
