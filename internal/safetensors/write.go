package safetensors

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFile writes tensors and metadata to path as [Encode] does, and
// atomically: it writes a temporary file in the same folder, syncs it to
// disk, closes it, renames it over path and syncs the folder. If anything
// fails (or the program dies) part-way, the file that was at path is left
// as it was; on failure the temporary file is removed. The tensors are
// checked before any file is created.
//
// A new file gets mode 0644; a file that is replaced keeps its mode. When
// path is a symbolic link, the file it points to is replaced.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	return writeFile(path, tensors, metadata, nil)
}

// tempPattern names temporary files: ".NAME.tmp-RANDOM" beside the target.
func tempPattern(base string) string { return "." + base + ".tmp-*" }

// writeFile is WriteFile with a hook for tests: wrap, when not nil, wraps
// the temporary file's writer (to fail or slow down a write).
func writeFile(path string, tensors []Tensor, metadata map[string]string, wrap func(io.Writer) io.Writer) (err error) {
	fail := func(err error) error { return &Error{File: path, Err: err} }
	header, order, err := prepare(tensors, metadata)
	if err != nil {
		return fail(err)
	}
	target := path
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			target = real
		}
	}
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(target); err == nil {
		if !fi.Mode().IsRegular() {
			return fail(fmt.Errorf("not a regular file (%s)", fi.Mode().Type()))
		}
		mode = fi.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, tempPattern(base))
	if err != nil {
		return fail(fmt.Errorf("creating a temporary file: %w", unwrapPath(err)))
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(mode); err != nil && runtime.GOOS != "windows" {
		return fail(fmt.Errorf("setting the mode of %s: %w", tmp, unwrapPath(err)))
	}
	var w io.Writer = f
	if wrap != nil {
		w = wrap(w)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := write(bw, header, tensors, order); err != nil {
		return fail(fmt.Errorf("writing %s: %w", tmp, unwrapPath(err)))
	}
	if err := bw.Flush(); err != nil {
		return fail(fmt.Errorf("writing %s: %w", tmp, unwrapPath(err)))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("syncing %s: %w", tmp, unwrapPath(err)))
	}
	closed = true
	if err := f.Close(); err != nil {
		return fail(fmt.Errorf("closing %s: %w", tmp, unwrapPath(err)))
	}
	if err := os.Rename(tmp, target); err != nil {
		return fail(fmt.Errorf("renaming the temporary file into place: %w", unwrapPath(err)))
	}
	if err := syncDir(dir); err != nil {
		// The new file is in place; only its durability across a power
		// failure is in doubt.
		return fail(fmt.Errorf("written, but syncing the folder %s failed: %w", dir, unwrapPath(err)))
	}
	return nil
}

// syncDir flushes a folder's entries (such as a rename) to disk. Windows
// cannot open a folder for syncing and needs no such step.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// unwrapPath drops the *fs.PathError wrapper, whose path the message
// already gives.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
