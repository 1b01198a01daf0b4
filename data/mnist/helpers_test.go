package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// idxImages builds a plain IDX image file of n rows×cols images whose pixel
// j of image i is byte(i*7 + j).
func idxImages(n, rows, cols int) []byte {
	b := idxHeader(ImageMagic, uint32(n), uint32(rows), uint32(cols))
	for i := 0; i < n; i++ {
		for j := 0; j < rows*cols; j++ {
			b = append(b, byte(i*7+j))
		}
	}
	return b
}

// idxLabels builds a plain IDX label file holding labels.
func idxLabels(labels ...uint8) []byte {
	return append(idxHeader(LabelMagic, uint32(len(labels))), labels...)
}

// idxHeader builds a big-endian IDX header.
func idxHeader(magic uint32, dims ...uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return b
}

// gz gzip-compresses b.
func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// writeFile writes b to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// cat concatenates byte slices into a new one.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}
