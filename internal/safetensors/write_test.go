package safetensors

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// failAfter is a writer that accepts n bytes and then fails.
type failAfter struct {
	w io.Writer
	n int
}

var errDiskFull = errors.New("disk full (injected)")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return f.w.Write(p)
	}
	n, _ := f.w.Write(p[:f.n])
	f.n = 0
	return n, errDiskFull
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// oldAndNew returns two different sets of tensors.
func oldAndNew() (old, new []Tensor) {
	old = []Tensor{FromFloat32("w", []int{2}, []float32{1, 2})}
	new = []Tensor{
		FromFloat32("w", []int{256, 256}, make([]float32, 256*256)),
		FromFloat64("b", []int{3}, []float64{1, 2, 3}),
	}
	return old, new
}

func TestWriteFileThenReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	_, tensors := oldAndNew()
	meta := map[string]string{"format": "pt", "epoch": "3"}
	if err := WriteFile(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != 2 || f.Metadata["epoch"] != "3" {
		t.Fatalf("ReadFile = %+v", f)
	}
	b, _ := f.Tensor("b")
	if v, _ := b.Float64(); len(v) != 3 || v[2] != 3 {
		t.Fatalf("b = %v", v)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, tensors, meta); err != nil {
		t.Fatal(err)
	}
	if disk, _ := os.ReadFile(path); !bytes.Equal(disk, buf.Bytes()) {
		t.Fatal("WriteFile and Encode wrote different bytes")
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Fatalf("folder holds %v, want only the file", names)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
			t.Fatalf("new file has mode %v, want 0644", fi.Mode().Perm())
		}
	}
}

// TestWriteFileFailurePreservesOld makes the write fail at many points,
// from the first byte to the last, and checks each time that the old file
// is untouched and no temporary file is left.
func TestWriteFileFailurePreservesOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	oldT, newT := oldAndNew()
	if err := WriteFile(path, oldT, nil); err != nil {
		t.Fatal(err)
	}
	oldBytes, _ := os.ReadFile(path)
	var full bytes.Buffer
	Encode(&full, newT, nil)
	for _, n := range []int{0, 1, 7, 8, 20, 100, full.Len() / 2, full.Len() - 1} {
		t.Run(fmt.Sprintf("fail after %d bytes", n), func(t *testing.T) {
			err := writeFile(path, newT, nil, func(w io.Writer) io.Writer { return &failAfter{w: w, n: n} })
			if !errors.Is(err, errDiskFull) {
				t.Fatalf("err = %v, want the injected failure", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, oldBytes) {
				t.Fatal("the old file changed")
			}
			if names := dirNames(t, dir); len(names) != 1 || names[0] != "model.safetensors" {
				t.Fatalf("folder holds %v, want only the old file", names)
			}
		})
	}
	// Exactly enough room succeeds.
	err := writeFile(path, newT, nil, func(w io.Writer) io.Writer { return &failAfter{w: w, n: full.Len()} })
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, full.Bytes()) {
		t.Fatal("the new file is not what Encode writes")
	}
}

func TestWriteFileErrors(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "adir")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	good := []Tensor{FromFloat32("w", []int{1}, []float32{1})}
	tests := []struct {
		name    string
		path    string
		tensors []Tensor
		want    string
	}{
		{"folder missing", filepath.Join(dir, "nope", "m.safetensors"), good, "creating a temporary file"},
		{"target is a folder", sub, good, "not a regular file"},
		{"invalid tensor", filepath.Join(dir, "bad.safetensors"), []Tensor{{Name: "w", DType: F32, Shape: []int{2}, Data: nil}}, `tensor "w": shape [2] of F32 needs 8 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteFile(tt.path, tt.tensors, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("err = %v, want one naming %s and containing %q", err, tt.path, tt.want)
			}
			if names := dirNames(t, dir); len(names) != 1 || names[0] != "adir" {
				t.Fatalf("folder holds %v", names)
			}
		})
	}
}

func TestWriteFileKeepsModeAndRefusesSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes and symbolic links differ on Windows")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "real.safetensors")
	link := filepath.Join(dir, "link.safetensors")
	oldT, newT := oldAndNew()
	if err := WriteFile(real, oldT, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(real, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(real, newT, nil); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600 kept", fi.Mode().Perm())
	}
	before, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	// A link planted where a file is saved must not redirect the save.
	if err := os.Symlink("real.safetensors", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, oldT, nil); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("writing through a symbolic link: %v, want an error", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatal("the symbolic link was replaced")
	}
	if after, err := os.ReadFile(real); err != nil || !bytes.Equal(after, before) {
		t.Fatal("the link's target was changed")
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.safetensors")
	if err := os.WriteFile(corrupt, raw(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}`, []byte{1}), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.safetensors")
	tests := []struct {
		path, want string
	}{
		{corrupt, corrupt + `: tensor "a": data_offsets [0, 2] run past the end of the data section (1 bytes)`},
		{missing, missing + ": no such file or directory"},
		{dir, dir + ": is a directory"},
	}
	for _, tt := range tests {
		_, err := ReadFile(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadFile(%s) error %v, want one containing %q", tt.path, err, tt.want)
		}
	}
	if _, err := ReadFile(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file error %v is not fs.ErrNotExist", err)
	}
}

// slowWriter writes in small pieces with a pause after each, and tells
// started when the first piece is written.
type slowWriter struct {
	w       io.Writer
	started func()
}

func (s *slowWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(len(p), 64<<10)
		m, err := s.w.Write(p[:n])
		written += m
		if err != nil {
			return written, err
		}
		if s.started != nil {
			s.started()
			s.started = nil
		}
		time.Sleep(time.Millisecond)
		p = p[n:]
	}
	return written, nil
}

// childEnv names the file the child process of TestWriteFileKilled writes.
const childEnv = "BAEUM_SAFETENSORS_SLOW_WRITE"

// TestSlowWriteChild is the child process of TestWriteFileKilled: it
// writes a 64 MiB file slowly, printing "writing" once it has begun. It
// does nothing in a normal test run.
func TestSlowWriteChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("runs only as the child of TestWriteFileKilled")
	}
	big := []Tensor{{Name: "big", DType: F32, Shape: []int{16 << 20}, Data: bytes.Repeat([]byte{0xab}, 64<<20)}}
	err := writeFile(path, big, nil, func(w io.Writer) io.Writer {
		return &slowWriter{w: w, started: func() { fmt.Println("writing") }}
	})
	// Getting here means the parent failed to kill us in time.
	fmt.Println("finished", err)
}

// TestWriteFileKilled kills a process in the middle of WriteFile, the
// way a crash or a power cut would stop a save, and checks that the old
// file is intact.
func TestWriteFileKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	oldT, _ := oldAndNew()
	if err := WriteFile(path, oldT, map[string]string{"version": "old"}); err != nil {
		t.Fatal(err)
	}
	oldBytes, _ := os.ReadFile(path)

	cmd := exec.Command(os.Args[0], "-test.run=^TestSlowWriteChild$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	lines := bufio.NewScanner(out)
	for lines.Scan() && lines.Text() != "writing" {
	}
	if lines.Text() != "writing" {
		t.Fatal("the child never started writing")
	}
	// Let it get well into the data, then kill it.
	time.Sleep(50 * time.Millisecond)
	var temps []string
	for _, name := range dirNames(t, dir) {
		if strings.HasPrefix(name, ".model.safetensors.tmp-") {
			temps = append(temps, name)
		}
	}
	if len(temps) != 1 {
		t.Fatalf("folder holds %v during the write, want one temporary file", dirNames(t, dir))
	}
	fi, err := os.Stat(filepath.Join(dir, temps[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed = true
	cmd.Wait()
	t.Logf("killed the writer with %d of %d bytes in %s", fi.Size(), 64<<20, temps[0])
	if fi.Size() == 0 || fi.Size() >= 64<<20 {
		t.Fatalf("temporary file had %d bytes when killed: not mid-write", fi.Size())
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, oldBytes) {
		t.Fatal("the old file changed")
	}
	f, err := ReadFile(path)
	if err != nil || f.Metadata["version"] != "old" {
		t.Fatalf("old file after the kill: %v, %v", f, err)
	}
}
