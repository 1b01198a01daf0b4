package data

import (
	"math"
	"testing"
	"unsafe"
)

// TestChannelStats compares each channel's statistics with a direct
// computation, and gives a constant channel a deviation of 1.
func TestChannelStats(t *testing.T) {
	prep := ImagePrep{Height: 2, Width: 2, Channels: 3}
	pixels := []byte{
		0, 255, 0, 255, 7, 7, 7, 7, 10, 20, 30, 40, // image 0: R, G, B planes
		255, 255, 0, 0, 7, 7, 7, 7, 50, 60, 70, 80, // image 1
	}
	d, err := NewImages(pixels, []int{0, 1}, prep, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	mean, std := d.ChannelStats()
	for c := range 3 {
		var s, ss float64
		for i := range 2 {
			for _, v := range pixels[i*12+c*4 : i*12+(c+1)*4] {
				x := float64(v) / 255
				s += x
				ss += x * x
			}
		}
		m := s / 8
		sd := math.Sqrt(ss/8 - m*m)
		if c == 1 {
			sd = 1
		}
		if math.Abs(mean[c]-m) > 1e-12 || math.Abs(std[c]-sd) > 1e-9 {
			t.Errorf("channel %d: mean %v std %v, want %v %v", c, mean[c], std[c], m, sd)
		}
	}
	if err := (&ImagePrep{Height: 2, Width: 2, Channels: 3, Mean: mean, Std: std}).Validate(); err != nil {
		t.Errorf("the statistics do not make a valid record: %v", err)
	}
	empty := d.Slice(0, 0)
	if m, s := empty.ChannelStats(); m[0] != 0 || s[0] != 1 {
		t.Errorf("no images: %v %v", m, s)
	}
}

// TestTouchReadsEveryLine checks that Images.touch reads a byte of every
// 64-byte cache line an image spans, wherever the image starts, and its
// label: with one line's bytes set to 1 and the rest 0, what it returns
// (a sum of the bytes it read) is not 0.
func TestTouchReadsEveryLine(t *testing.T) {
	const per = 28 * 28
	buf := make([]byte, 8*per+64)
	off := (64 - int(uintptr(unsafe.Pointer(&buf[0]))%64)) % 64
	pix := buf[off : off+8*per] // lines of pix are the machine's cache lines
	d, err := NewImages(pix, make([]int, 8), ImagePrep{Height: 28, Width: 28, Channels: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []int{0, 3, 7} { // at 0, 2352 and 5488 bytes: three alignments
		base := img * per
		for line := base / 64; line*64 < base+per; line++ {
			lo, hi := max(line*64, base), min(line*64+64, base+per)
			for i := lo; i < hi; i++ {
				pix[i] = 1
			}
			if d.touch([]int{img}) == 0 {
				t.Errorf("image %d: touch does not read bytes %d–%d", img, lo-base, hi-1-base)
			}
			clear(pix)
		}
	}
	d.labels[3] = 1
	if d.touch([]int{3}) == 0 {
		t.Error("touch does not read the label")
	}
}
