package mnist

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadImages(t *testing.T) {
	tests := []struct {
		name             string
		in               []byte
		n, rows, cols    int
		firstPix, lastPx byte
	}{
		{"plain 3 of 2x4", idxImages(3, 2, 4), 3, 2, 4, 0, byte(2*7 + 7)},
		{"gzip 3 of 2x4", gz(idxImages(3, 2, 4)), 3, 2, 4, 0, byte(2*7 + 7)},
		{"gzip in 3 members", cat(gz(idxImages(3, 2, 4)[:5]), gz(idxImages(3, 2, 4)[5:20]), gz(idxImages(3, 2, 4)[20:])), 3, 2, 4, 0, byte(2*7 + 7)},
		{"plain 1 of 1x1", idxImages(1, 1, 1), 1, 1, 1, 0, 0},
		{"plain 5 of 28x28", idxImages(5, 28, 28), 5, 28, 28, 0, byte((4*7 + 783) % 256)},
		{"gzip 5 of 28x28", gz(idxImages(5, 28, 28)), 5, 28, 28, 0, byte((4*7 + 783) % 256)},
		{"no images", idxImages(0, 28, 28), 0, 28, 28, 0, 0},
		{"no images, zero size", idxImages(0, 0, 0), 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte per Read exercises the buffer growth and gzip paths.
			for _, one := range []bool{false, true} {
				data, n, rows, cols, err := ReadImages(iotestReader(tt.in, one))
				if err != nil {
					t.Fatalf("oneByte=%v: %v", one, err)
				}
				if n != tt.n || rows != tt.rows || cols != tt.cols {
					t.Fatalf("got %d of %dx%d, want %d of %dx%d", n, rows, cols, tt.n, tt.rows, tt.cols)
				}
				if len(data) != n*rows*cols {
					t.Fatalf("len(data) = %d, want %d", len(data), n*rows*cols)
				}
				if len(data) > 0 && (data[0] != tt.firstPix || data[len(data)-1] != tt.lastPx) {
					t.Fatalf("first/last pixel = %d/%d, want %d/%d", data[0], data[len(data)-1], tt.firstPix, tt.lastPx)
				}
			}
		})
	}
}

// iotestReader reads b whole, or one byte per Read call.
func iotestReader(b []byte, oneByte bool) io.Reader {
	if oneByte {
		return iotest.OneByteReader(bytes.NewReader(b))
	}
	return bytes.NewReader(b)
}

func TestReadLabels(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []uint8
	}{
		{"plain", idxLabels(5, 0, 4, 1, 9), []uint8{5, 0, 4, 1, 9}},
		{"gzip", gz(idxLabels(7, 2, 1, 0)), []uint8{7, 2, 1, 0}},
		{"empty", idxLabels(), []uint8{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, one := range []bool{false, true} {
				got, err := ReadLabels(iotestReader(tt.in, one))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// corruptGzip returns a gzip stream of b whose CRC-32 is wrong.
func corruptGzip(b []byte) []byte {
	z := gz(b)
	z[len(z)-8] ^= 0xff
	return z
}

func TestReadImagesErrors(t *testing.T) {
	good := idxImages(3, 2, 4)
	tests := []struct {
		name string
		in   []byte
		want string // a substring of the error
	}{
		{"empty", nil, "truncated: 0 bytes, too short for an IDX header"},
		{"short magic", []byte{0, 0, 8}, "too short for an IDX header"},
		{"short dims", good[:10], "truncated: header needs 16 bytes, file holds 10"},
		{"bad magic", cat([]byte{0x12, 0x34, 0x56, 0x78}, good[4:]), "bad magic number 0x12345678: not an IDX file"},
		{"text file", []byte("hello, world, this is text"), "not an IDX file"},
		{"float type code", cat(idxHeader(0x00000d03, 3, 2, 4), good[16:]), "type code 0x0d, want 0x08 (unsigned byte)"},
		{"label file", idxLabels(1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2), "1 dimensions, want 3 for images (is this a label file?)"},
		{"truncated body", good[:len(good)-3], "truncated: header says 3 images of 2x4 (24 bytes), file holds 21 bytes (2 whole images)"},
		{"truncated gzip body", gz(good[:len(good)-8]), "truncated: header says 3 images of 2x4 (24 bytes), file holds 16 bytes (2 whole images)"},
		{"cut gzip stream", gz(idxImages(3, 28, 28))[:40], "truncated"},
		{"trailing bytes", cat(good, []byte{1, 2}), "trailing data: 2 bytes after the 3 images the header declares"},
		{"trailing bytes gzip", gz(cat(good, []byte{1})), "trailing data: 1 bytes after the 3 images"},
		{"garbage after gzip stream", cat(gz(good), []byte("junk")), "trailing data: data after the end of the gzip stream, after the 3 images"},
		{"one byte after gzip stream", cat(gz(good), []byte{0}), "trailing data: data after the end of the gzip stream"},
		{"zeros after gzip stream", cat(gz(good), make([]byte, 100)), "trailing data: data after the end of the gzip stream"},
		{"bad second gzip member", cat(gz(good), []byte{0x1f, 0x8b, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0}), "corrupt gzip header of a further member"},
		{"bad gzip checksum", corruptGzip(good), "corrupt gzip data after 3 of 3 images: gzip: invalid checksum"},
		{"bad gzip header", []byte{0x1f, 0x8b, 0, 0, 0}, "corrupt gzip header"},
		{"too many images", idxHeader(ImageMagic, MaxCount+1, 28, 28), "header declares 268435457 images, more than the limit"},
		{"too many rows", idxHeader(ImageMagic, 1, MaxSide+1, 28), "larger than the limit of 16384x16384"},
		{"too many bytes", idxHeader(ImageMagic, 1<<20, 1<<12, 1<<12), "more than the limit of 2147483647 bytes"},
		{"zero-pixel images", idxHeader(ImageMagic, 5, 0, 28), "an image must have at least one pixel"},
		{"huge header, no data", idxHeader(ImageMagic, 60000, 1000, 30), "truncated: header says 60000 images of 1000x30 (1800000000 bytes), file holds 0 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, _, err := ReadImages(bytes.NewReader(tt.in))
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "mnist: ") {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error", err)
			}
		})
	}
}

func TestReadLabelsErrors(t *testing.T) {
	good := idxLabels(5, 0, 4, 1, 9)
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "too short for an IDX header"},
		{"short count", good[:6], "truncated: header needs 8 bytes, file holds 6"},
		{"bad magic", cat(idxHeader(0x00000802, 5), good[8:]), "2 dimensions, want 1 for labels"},
		{"image file", idxImages(1, 2, 2), "3 dimensions, want 1 for labels (is this an image file?)"},
		{"int type code", cat(idxHeader(0x00000c01, 5), good[8:]), "type code 0x0c"},
		{"truncated", good[:len(good)-2], "truncated: header says 5 labels, file holds 3"},
		{"truncated gzip", gz(good[:len(good)-2]), "truncated: header says 5 labels, file holds 3"},
		{"cut gzip stream", gz(good)[:len(gz(good))-6], "truncated: compressed data ends after 5 of the 5 labels"},
		{"trailing", cat(good, []byte{0}), "trailing data: 1 bytes after the 5 labels the header declares"},
		{"label out of range", idxLabels(1, 2, 10, 3), "label 10 at index 2 is not a digit 0-9"},
		{"label 255", idxLabels(255), "label 255 at index 0"},
		{"too many labels", idxHeader(LabelMagic, MaxCount+1), "more than the limit"},
		{"bad checksum", corruptGzip(good), "gzip: invalid checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadLabels(bytes.NewReader(tt.in))
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "mnist: ") {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// TestHugeHeaderAllocatesLittle checks that a header declaring far more
// data than follows costs only the growth chunk, not what it declares.
func TestHugeHeaderAllocatesLittle(t *testing.T) {
	in := idxHeader(ImageMagic, 60000, 1000, 30) // claims 1.8 GB
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, _, _, err := ReadImages(bytes.NewReader(in))
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("no error for a header with no data")
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4*growChunk {
		t.Fatalf("reading a lying header allocated %d bytes", grew)
	}
}
