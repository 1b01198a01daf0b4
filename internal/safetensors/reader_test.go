package safetensors

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// countingReaderAt serves data and records the largest offset read.
type countingReaderAt struct {
	data []byte
	end  int64 // one past the last byte read
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	r := bytes.NewReader(c.data)
	n, err := r.ReadAt(p, off)
	c.end = max(c.end, off+int64(n))
	return n, err
}

// TestReaderReadsHeaderOnly checks that newReader reads the 8-byte length
// and nothing else when the length cannot be right, and the header but no
// tensor bytes when it is.
func TestReaderReadsHeaderOnly(t *testing.T) {
	valid := encode(t, []Tensor{FromFloat32("w", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})}, map[string]string{"k": "v"})
	headerEnd := 8 + int64(binary.LittleEndian.Uint64(valid))
	big := make([]byte, 1<<16) // stands for a large file that is not safetensors
	copy(big, "\x89PNG\r\n\x1a\n")
	tests := []struct {
		name    string
		data    []byte
		want    string // error, or "" for success
		maxRead int64
	}{
		{"PNG signature", big, "not a safetensors file: header length", 8},
		{"zeros", make([]byte, 1<<16), "not a safetensors file: header length 0", 8},
		{"length past the end", raw("{}", nil)[:8:8], "not a safetensors file: header length 2 runs past the end", 8},
		{"length beyond the limit", binary.LittleEndian.AppendUint64(nil, MaxHeaderSize+1), "larger than the limit", 8},
		{"valid", valid, "", headerEnd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &countingReaderAt{data: tt.data}
			r, err := newReader(src, int64(len(tt.data)))
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if src.end > tt.maxRead {
				t.Errorf("read up to byte %d, want at most %d", src.end, tt.maxRead)
			}
			if r == nil {
				return
			}
			if len(r.Tensors) != 1 || r.Tensors[0].Data != nil || !reflect.DeepEqual(r.Tensors[0].Shape, []int{2, 3}) || r.Metadata["k"] != "v" {
				t.Errorf("header read as %+v, %v", r.Tensors, r.Metadata)
			}
			f, err := r.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			want, _ := Decode(tt.data)
			if !reflect.DeepEqual(f, want) {
				t.Errorf("ReadAll = %+v, Decode = %+v", f, want)
			}
		})
	}
}

// TestOpenRefusesWhatIsNotARegularFile checks that named pipes, devices
// and folders are refused (a pipe without a writer would block Open
// forever, /dev/zero would be read forever), and that a file shortened
// after Open is reported.
func TestOpenRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.safetensors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	link := filepath.Join(dir, "link.safetensors")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, want string }{
		{fifo, "is a named pipe (FIFO), not a regular file"},
		{link, "is a named pipe (FIFO), not a regular file"},
		{os.DevNull, "is a device, not a regular file"},
		{"/dev/zero", "is a device, not a regular file"},
		{dir, "is a directory"},
		{filepath.Join(dir, "missing"), "no such file or directory"},
	}
	for _, tt := range tests {
		if _, err := os.Lstat(tt.path); err != nil && !strings.Contains(tt.want, "no such") {
			continue // no /dev/zero here
		}
		for name, open := range map[string]func(string) error{
			"Open": func(p string) error {
				r, err := Open(p)
				if r != nil {
					r.Close()
				}
				return err
			},
			"ReadFile": func(p string) error { _, err := ReadFile(p); return err },
		} {
			err := open(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("%s(%s) = %v, want an error naming the file with %q", name, tt.path, err, tt.want)
			}
		}
	}

	// A file shortened between Open and ReadAll.
	path := filepath.Join(dir, "short.safetensors")
	if err := os.WriteFile(path, encode(t, []Tensor{FromFloat32("w", []int{4}, []float32{1, 2, 3, 4})}, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := os.Truncate(path, 20); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadAll(); err == nil || !strings.Contains(err.Error(), "ended early") {
		t.Errorf("ReadAll of a shortened file: %v", err)
	}
}
