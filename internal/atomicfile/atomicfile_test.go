package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteReplacesOrKeeps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "old"); return err }); err != nil {
		t.Fatal(err)
	}
	// A writer that fails part-way leaves the old file and no temporary.
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("failed write left %q", b)
	}
	if names, _ := os.ReadDir(dir); len(names) != 1 {
		t.Fatalf("folder holds %d entries, want only the file", len(names))
	}
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("file holds %q, want new", b)
	}
	deep := filepath.Join(dir, "a", "b", "g.json")
	if err := WriteAll(deep, func(w io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(dir, "nope", "x"), func(io.Writer) error { return nil }); err == nil || !strings.Contains(err.Error(), "temporary file") {
		t.Errorf("missing folder: %v", err)
	}
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// TestWriteRefusesSymlinks plants links where a file is to be written:
// Write refuses them, and the files they point to keep their content.
func TestWriteRefusesSymlinks(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, target string }{
		{"to a file", victim},
		{"dangling", filepath.Join(dir, "nowhere")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			link := filepath.Join(dir, "link-"+strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.Symlink(tt.target, link); err != nil {
				t.Skip(err)
			}
			for _, f := range []func(string, func(io.Writer) error) error{Write, WriteAll} {
				err := f(link, writeString("overwritten"))
				if err == nil || !strings.Contains(err.Error(), "symbolic link") {
					t.Errorf("err = %v, want a refusal naming the symbolic link", err)
				}
			}
			if err := Check(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
				t.Errorf("Check: %v", err)
			}
			if b, _ := os.ReadFile(victim); string(b) != "precious" {
				t.Errorf("the link's target now holds %q", b)
			}
			if _, err := os.Stat(filepath.Join(dir, "nowhere")); err == nil {
				t.Error("a dangling link's target was created")
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Error("the link itself was replaced")
			}
		})
	}
}

// TestWriteRemovesStaleTemporaries plants what a killed save leaves
// behind: Write removes temporary files of its target older than the
// process, and leaves others alone.
func TestWriteRemovesStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	old := time.Now().Add(-time.Hour)
	plant := func(name string, mtime time.Time) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stale := plant(".m.safetensors.tmp-12345", old)
	fresh := plant(".m.safetensors.tmp-777", time.Now().Add(time.Hour)) // another process's write in progress
	other := plant(".n.safetensors.tmp-12345", old)                     // another target's
	notOurs := plant(".m.safetensors.tmp-notes", old)                   // not our naming
	if err := Write(path, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("the stale temporary file is still there")
	}
	for _, p := range []string{fresh, other, notOurs} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
}

// TestRemoveTemporary interrupts a write in progress: RemoveTemporary
// deletes its temporary file, and the write then fails, leaving the old
// file.
func TestRemoveTemporary(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := Write(path, writeString("old")); err != nil {
		t.Fatal(err)
	}
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		if m, _ := filepath.Glob(filepath.Join(dir, ".f.tmp-*")); len(m) != 1 {
			t.Fatalf("temporary files during the write: %v", m)
		}
		RemoveTemporary()
		if m, _ := filepath.Glob(filepath.Join(dir, ".f.tmp-*")); len(m) != 0 {
			t.Fatalf("RemoveTemporary left %v", m)
		}
		return nil
	})
	if err == nil {
		t.Error("a write whose temporary file was removed succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("file holds %q, want old", b)
	}
	if names, _ := os.ReadDir(dir); len(names) != 1 {
		t.Errorf("folder holds %d entries, want only the file", len(names))
	}
}

// TestCheck refuses what Write would refuse, before any writing.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path, want string
	}{
		{filepath.Join(dir, "new"), ""},
		{file, ""},
		{dir, "not a regular file"},
		{filepath.Join(dir, "missing", "f"), "cannot create"},
	} {
		err := Check(tt.path)
		if (tt.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Check(%s) = %v, want %q", tt.path, err, tt.want)
		}
	}
	if names, _ := os.ReadDir(dir); len(names) != 1 {
		t.Errorf("Check left %d entries, want only the file", len(names))
	}
}
