package mnist

import (
	"bytes"
	"testing"
)

// FuzzReadImages checks that ReadImages never panics, and that whatever it
// accepts is consistent: n·rows·cols pixels that re-encode to the input.
func FuzzReadImages(f *testing.F) {
	seeds := [][]byte{
		idxImages(3, 2, 4),
		gz(idxImages(2, 28, 28)),
		idxImages(0, 0, 0),
		idxImages(3, 2, 4)[:20],
		cat(idxImages(1, 1, 1), []byte{9}),
		idxHeader(ImageMagic, 60000, 28, 28),
		idxHeader(ImageMagic, 1<<20, 1<<12, 1<<12),
		idxLabels(1, 2, 3),
		cat(gz(idxImages(1, 2, 2)), gz(nil)),
		cat(gz(idxImages(1, 2, 2)), []byte{0x1f}),
		corruptGzip(idxImages(1, 2, 2)),
		{0x1f, 0x8b},
		{},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		data, n, rows, cols, err := ReadImages(bytes.NewReader(in))
		if err != nil {
			if data != nil || n != 0 {
				t.Fatalf("error %v with %d images returned", err, n)
			}
			return
		}
		if n < 0 || rows < 0 || cols < 0 || len(data) != n*rows*cols {
			t.Fatalf("%d pixels for %d of %dx%d", len(data), n, rows, cols)
		}
		if len(in) >= 2 && in[0] == 0x1f && in[1] == 0x8b {
			return
		}
		re := append(idxHeader(ImageMagic, uint32(n), uint32(rows), uint32(cols)), data...)
		if !bytes.Equal(re, in) {
			t.Fatalf("accepted input does not re-encode to itself")
		}
	})
}

// FuzzReadLabels checks that ReadLabels never panics and accepts only
// digits that re-encode to the input.
func FuzzReadLabels(f *testing.F) {
	seeds := [][]byte{
		idxLabels(5, 0, 4, 1, 9),
		gz(idxLabels(7, 2, 1)),
		idxLabels(),
		idxLabels(1, 2, 10),
		idxLabels(1, 2, 3)[:9],
		cat(idxLabels(1), []byte{0}),
		idxHeader(LabelMagic, MaxCount),
		idxImages(1, 2, 2),
		corruptGzip(idxLabels(3)),
		{},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		labels, err := ReadLabels(bytes.NewReader(in))
		if err != nil {
			if labels != nil {
				t.Fatalf("error %v with labels returned", err)
			}
			return
		}
		for i, l := range labels {
			if l > 9 {
				t.Fatalf("label %d at %d accepted", l, i)
			}
		}
		if len(in) >= 2 && in[0] == 0x1f && in[1] == 0x8b {
			return
		}
		if !bytes.Equal(idxLabels(labels...), in) {
			t.Fatalf("accepted input does not re-encode to itself")
		}
	})
}
