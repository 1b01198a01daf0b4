// Package atomicfile replaces files so that a crash, a kill or an error
// part-way never leaves a half-written file where the previous one was:
// the new content goes to a temporary file in the same folder, is synced
// to disk and closed, then renamed over the target, and the folder is
// synced. On failure the temporary file is removed and the old file is
// untouched.
//
// Symbolic links are never written through: a destination that is a
// symbolic link is refused (Write returns an error and changes nothing),
// so that a link planted beside an output file (runs/x.last.safetensors →
// ~/.bashrc) cannot redirect a save onto another file. Temporary files are
// created with O_EXCL and O_NOFOLLOW, so they cannot be links either, and
// the final rename replaces whatever directory entry is at the
// destination, never the file a link there points to.
//
// Temporary files are named ".NAME.tmp-RANDOM" beside the target (see
// [TempPattern]). A process killed during a save (SIGKILL, a power cut)
// leaves its temporary file behind; the next Write of the same target
// removes such leftovers when they are older than the current process. A
// program that exits on an interrupt before its writes finish calls
// [RemoveTemporary] first.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// processStart is when this process started (near enough): temporary
// files older than it belong to a process that died during a save.
var processStart = time.Now()

// inFlight holds the temporary files of the writes in progress.
var inFlight sync.Map // string → struct{}

// Write replaces the file at path with what write writes. A new file gets
// mode 0644; a file that is replaced keeps its mode. path must not be a
// symbolic link or anything but a regular file; the folder must exist.
// Errors say which step failed; they do not repeat path, which the caller
// names.
func Write(path string, write func(io.Writer) error) (err error) {
	mode, err := check(path)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	removeStale(dir, base)
	f, err := createTemp(dir, base)
	if err != nil {
		return fmt.Errorf("creating a temporary file: %w", unwrapPath(err))
	}
	tmp := f.Name()
	inFlight.Store(tmp, struct{}{})
	defer inFlight.Delete(tmp)
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
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming the temporary file into place: %w", unwrapPath(err))
	}
	if err := syncDir(dir); err != nil {
		// The new file is in place; only its durability across a power
		// failure is in doubt.
		return fmt.Errorf("written, but syncing the folder %s failed: %w", dir, unwrapPath(err))
	}
	return nil
}

// check returns the mode the file at path is to get, or why it cannot be
// replaced: it is a symbolic link, a folder or another non-regular file.
func check(path string) (fs.FileMode, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 0o644, nil
	case err != nil:
		return 0, unwrapPath(err)
	case fi.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		return 0, fmt.Errorf("is a symbolic link (to %s), not a regular file: refusing to write through it; remove it or give the real path", target)
	case fi.IsDir():
		return 0, errors.New("is a folder, not a regular file")
	case !fi.Mode().IsRegular():
		return 0, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	return fi.Mode().Perm(), nil
}

// Check reports, without writing anything lasting, whether Write could
// replace path: the destination is absent or a regular file (not a
// symbolic link), and a temporary file can be created in its folder. It
// lets a program refuse a bad output path before a long computation
// rather than after it. The folder must exist.
func Check(path string) error {
	if _, err := check(path); err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := createTemp(dir, base)
	if err != nil {
		return fmt.Errorf("cannot create a file in %s: %w", dir, unwrapPath(err))
	}
	f.Close()
	return os.Remove(f.Name())
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

// TempPattern names temporary files: ".NAME.tmp-RANDOM" beside the target,
// RANDOM being decimal digits.
func TempPattern(base string) string { return "." + base + ".tmp-*" }

// createTemp creates a new temporary file for base in dir, with
// O_EXCL|O_NOFOLLOW (an existing file or link of that name is never
// opened) and mode 0600 until Write sets the final one.
func createTemp(dir, base string) (*os.File, error) {
	prefix := filepath.Join(dir, "."+base+".tmp-")
	for try := 0; ; try++ {
		name := prefix + strconv.FormatUint(uint64(rand.Uint32()), 10)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL|oNoFollow, 0o600)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		return f, err
	}
}

// removeStale removes the temporary files of base in dir that a process
// which died during a save left behind: regular files named by
// TempPattern and last modified before this process started (a write in
// progress elsewhere keeps touching its file). Failures are ignored: the
// leftovers are only litter.
func removeStale(dir, base string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := "." + base + ".tmp-"
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !isDigits(name[len(prefix):]) || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, name)
		if _, busy := inFlight.Load(p); busy {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(processStart) {
			os.Remove(p)
		}
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// RemoveTemporary removes the temporary files of the writes in progress,
// whose targets keep their previous content. A program calls it just
// before exiting without waiting for those writes (on a second Ctrl-C,
// say); the writes then fail.
func RemoveTemporary() {
	inFlight.Range(func(k, _ any) bool {
		os.Remove(k.(string))
		return true
	})
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
