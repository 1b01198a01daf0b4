package imagefolder

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
)

// exifSegment builds an APP1 Exif segment whose IFD0 holds the given
// entries (tag, type, count, value), in byte order bo.
func exifSegment(bo binary.AppendByteOrder, entries ...[4]uint32) []byte {
	var t []byte
	if bo == binary.AppendByteOrder(binary.LittleEndian) {
		t = []byte("II")
	} else {
		t = []byte("MM")
	}
	t = bo.AppendUint16(t, 42)
	t = bo.AppendUint32(t, 8)
	t = bo.AppendUint16(t, uint16(len(entries)))
	for _, e := range entries {
		t = bo.AppendUint16(t, uint16(e[0]))
		t = bo.AppendUint16(t, uint16(e[1]))
		t = bo.AppendUint32(t, e[2])
		v := bo.AppendUint16(nil, uint16(e[3]))
		t = append(t, v[0], v[1], 0, 0)
	}
	t = bo.AppendUint32(t, 0) // no next IFD
	seg := append([]byte("Exif\x00\x00"), t...)
	return append([]byte{0xff, 0xe1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}, seg...)
}

// withSegment inserts seg after a JPEG's SOI marker.
func withSegment(jpg, seg []byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// smallJPEG encodes a w×h picture.
func smallJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 30), uint8(y * 30), 100, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestOrientation(t *testing.T) {
	base := smallJPEG(t, 4, 2)
	le, be := binary.LittleEndian, binary.BigEndian
	for _, tt := range []struct {
		name string
		in   []byte
		want int
		err  string
	}{
		{"no EXIF", base, 1, ""},
		{"rotated, little-endian", withSegment(base, exifSegment(le, [4]uint32{tagOrientation, typeShort, 1, 6})), 6, ""},
		{"mirrored, big-endian", withSegment(base, exifSegment(be, [4]uint32{0x010f, 2, 1, 0}, [4]uint32{tagOrientation, typeShort, 1, 2})), 2, ""},
		{"no orientation tag", withSegment(base, exifSegment(le, [4]uint32{0x010f, 2, 1, 0})), 1, ""},
		{"orientation 9", withSegment(base, exifSegment(le, [4]uint32{tagOrientation, typeShort, 1, 9})), 0, "orientation 9, want 1 to 8"},
		{"orientation 0", withSegment(base, exifSegment(be, [4]uint32{tagOrientation, typeShort, 1, 0})), 0, "orientation 0, want 1 to 8"},
		{"orientation as LONG", withSegment(base, exifSegment(le, [4]uint32{tagOrientation, 4, 1, 6})), 0, "want one SHORT"},
		{"orientation twice", withSegment(base, exifSegment(le, [4]uint32{tagOrientation, typeShort, 1, 6}, [4]uint32{tagOrientation, typeShort, 1, 3})), 0, "given twice"},
		{"not a JPEG", []byte("\x89PNG\r\n"), 0, "no SOI marker"},
		{"segment past the end", []byte{0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 'E'}, 0, "past the end"},
		{"junk between segments", []byte{0xff, 0xd8, 0x00}, 0, "where a marker was expected"},
		{"bad byte order", withSegment(base, bytes.Replace(exifSegment(le), []byte("II"), []byte("XX"), 1)), 0, `byte order "XX"`},
		{"IFD0 past the block", withSegment(base, []byte("\xff\xe1\x00\x10Exif\x00\x00II\x2a\x00\xff\x00\x00\x00")), 0, "IFD0 offset 255"},
		{"entry count past the block", withSegment(base, []byte("\xff\xe1\x00\x12Exif\x00\x00II\x2a\x00\x08\x00\x00\x00\xff\xff")), 0, "IFD0 of 65535 entries"},
		{"only SOI", []byte{0xff, 0xd8}, 1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Orientation(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Orientation = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

// FuzzOrientation checks that Orientation never panics and returns 1 to
// 8 whenever it has no error.
func FuzzOrientation(f *testing.F) {
	base := smallJPEG(f, 4, 2)
	f.Add(base)
	f.Add(withSegment(base, exifSegment(binary.LittleEndian, [4]uint32{tagOrientation, typeShort, 1, 6})))
	f.Add(withSegment(base, exifSegment(binary.BigEndian, [4]uint32{tagOrientation, typeShort, 1, 8})))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x08, 'E', 'x', 'i', 'f', 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		o, err := Orientation(in)
		if err == nil && (o < 1 || o > 8) {
			t.Fatalf("orientation %d without an error", o)
		}
	})
}

// TestOrient checks each orientation on a 3×2 picture whose pixels are
// numbered: the upright picture of orientation o, stored as o says.
func TestOrient(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 3, 2))
	for i := range src.Pix {
		src.Pix[i] = uint8(i + 1) // 1 2 3 / 4 5 6
	}
	for _, tt := range []struct {
		o    int
		want [][]uint8
	}{
		{1, [][]uint8{{1, 2, 3}, {4, 5, 6}}},
		{2, [][]uint8{{3, 2, 1}, {6, 5, 4}}},
		{3, [][]uint8{{6, 5, 4}, {3, 2, 1}}},
		{4, [][]uint8{{4, 5, 6}, {1, 2, 3}}},
		{5, [][]uint8{{1, 4}, {2, 5}, {3, 6}}},
		{6, [][]uint8{{4, 1}, {5, 2}, {6, 3}}},
		{7, [][]uint8{{6, 3}, {5, 2}, {4, 1}}},
		{8, [][]uint8{{3, 6}, {2, 5}, {1, 4}}},
	} {
		img := Orient(src, tt.o)
		b := img.Bounds()
		if b.Dy() != len(tt.want) || b.Dx() != len(tt.want[0]) {
			t.Fatalf("orientation %d: %v", tt.o, b)
		}
		for y, row := range tt.want {
			for x, v := range row {
				if got := img.At(x, y).(color.Gray).Y; got != v {
					t.Errorf("orientation %d: (%d,%d) = %d, want %d", tt.o, x, y, got, v)
				}
			}
		}
	}
}
