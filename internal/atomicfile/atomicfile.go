// Package atomicfile replaces files so that a crash, a kill or an error
// part-way never leaves a half-written file where the previous one was:
// the new content goes to a temporary file in the same folder, is synced
// to disk and closed, then renamed over the target, and the folder is
// synced. On failure the temporary file is removed and the old file is
// untouched.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Write replaces the file at path with what write writes. A new file gets
// mode 0644; a file that is replaced keeps its mode. When path is a
// symbolic link, the file it points to is replaced. The folder must exist.
// Errors say which step failed; they do not repeat path, which the caller
// names.
func Write(path string, write func(io.Writer) error) (err error) {
	target := path
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			target = real
		}
	}
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(target); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
		}
		mode = fi.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, TempPattern(base))
	if err != nil {
		return fmt.Errorf("creating a temporary file: %w", unwrapPath(err))
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
		return fmt.Errorf("setting the mode of %s: %w", tmp, unwrapPath(err))
	}
	if err := write(f); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, unwrapPath(err))
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp, unwrapPath(err))
	}
	closed = true
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, unwrapPath(err))
	}
	if err := os.Rename(tmp, target); err != nil {
		return fmt.Errorf("renaming the temporary file into place: %w", unwrapPath(err))
	}
	if err := syncDir(dir); err != nil {
		// The new file is in place; only its durability across a power
		// failure is in doubt.
		return fmt.Errorf("written, but syncing the folder %s failed: %w", dir, unwrapPath(err))
	}
	return nil
}

// WriteAll creates path's folder if needed, then writes the file
// atomically as Write does, with errors that name path.
func WriteAll(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := Write(path, write); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// TempPattern names temporary files: ".NAME.tmp-RANDOM" beside the target.
func TempPattern(base string) string { return "." + base + ".tmp-*" }

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
