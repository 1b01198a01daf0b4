package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
