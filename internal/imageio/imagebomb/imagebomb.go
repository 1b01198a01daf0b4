// Package imagebomb builds hostile images for tests, benchmarks and the
// hostile-input corpus: small files that cost a decoder or a segmenter
// far more than their size suggests. They are valid enough that
// image/jpeg and image/png decode them, slowly.
package imagebomb

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// ScanBomb returns a progressive greyscale JPEG of width×height pixels
// with the given number of scans (at least 1): one DC scan, then scans−1
// AC scans that hold nothing but end-of-band runs. Each AC scan is about
// 16 bytes, yet image/jpeg walks every 8×8 block of the image for it: at
// 2048×2048 and 54,000 scans (under 1 MiB) that is a minute of CPU — a
// decompression-time bomb inside any pixel limit.
func ScanBomb(width, height, scans int) []byte {
	var b bytes.Buffer
	seg := func(marker byte, payload ...byte) {
		n := len(payload) + 2
		b.Write([]byte{0xff, marker, byte(n >> 8), byte(n)})
		b.Write(payload)
	}
	b.Write([]byte{0xff, 0xd8}) // SOI
	dqt := make([]byte, 65)     // table 0, 8-bit, all ones
	for i := 1; i < len(dqt); i++ {
		dqt[i] = 1
	}
	seg(0xdb, dqt...)
	// SOF2: progressive, 8-bit, one component (id 1, 1×1, table 0).
	seg(0xc2, 8, byte(height>>8), byte(height), byte(width>>8), byte(width), 1, 1, 0x11, 0)
	// DC table 0: one code, "0", for category 0 (no change).
	dc := make([]byte, 18)
	dc[0], dc[1], dc[17] = 0x00, 1, 0x00
	seg(0xc4, dc...)
	// AC table 0: fifteen 4-bit codes 0000–1110 for EOBRUN classes
	// r = 0–14 (symbol r<<4).
	ac := make([]byte, 17, 32)
	ac[0], ac[4] = 0x10, 15
	for r := range 15 {
		ac = append(ac, byte(r<<4))
	}
	seg(0xc4, ac...)
	blocks := ((width + 7) / 8) * ((height + 7) / 8)
	// The DC scan: every block's difference is 0.
	seg(0xda, 1, 1, 0x00, 0, 0, 0x00)
	var w bitWriter
	for range blocks {
		w.put(0, 1)
	}
	b.Write(w.flush())
	// The AC scans: runs of empty bands over all the blocks.
	w = bitWriter{}
	for n := blocks; n > 0; {
		run := min(n, 32767)
		r := 0
		for 1<<(r+1) <= run {
			r++
		}
		w.put(uint32(r), 4)
		w.put(uint32(run-1<<r), r)
		n -= run
	}
	acData := w.flush()
	for range scans - 1 {
		seg(0xda, 1, 1, 0x00, 1, 63, 0x00)
		b.Write(acData)
	}
	b.Write([]byte{0xff, 0xd9}) // EOI
	return b.Bytes()
}

// bitWriter writes Huffman-coded bits, most significant first, with
// JPEG's byte stuffing and padding.
type bitWriter struct {
	out  []byte
	acc  uint64
	nacc int
}

func (w *bitWriter) put(v uint32, n int) {
	w.acc = w.acc<<n | uint64(v)&(1<<n-1)
	w.nacc += n
	for w.nacc >= 8 {
		c := byte(w.acc >> (w.nacc - 8))
		w.out = append(w.out, c)
		if c == 0xff {
			w.out = append(w.out, 0)
		}
		w.nacc -= 8
	}
}

// flush pads the last byte with ones and returns the bytes.
func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.put(1<<(8-w.nacc)-1, 8-w.nacc)
	}
	return w.out
}

// DotGrid returns a PNG of width×height white pixels with a black dot
// every step pixels in both directions: a few KiB that fall apart into
// (width/step)×(height/step) connected components, each of which a
// segmenter that works per component pays for.
func DotGrid(width, height, step int) []byte {
	g := image.NewGray(image.Rect(0, 0, width, height))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	for y := step / 2; y < height; y += step {
		for x := step / 2; x < width; x += step {
			g.SetGray(x, y, color.Gray{})
		}
	}
	return encode(g)
}

// Gray16 returns a 16-bit greyscale PNG of width×height pixels, white
// with a dark square in the middle: a small file that takes 2 bytes a
// pixel to decode (8 for 16-bit colour).
func Gray16(width, height int) []byte {
	g := image.NewGray16(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			v := uint16(0xffff)
			if x > width/3 && x < 2*width/3 && y > height/3 && y < 2*height/3 {
				v = 0
			}
			g.SetGray16(x, y, color.Gray16{Y: v})
		}
	}
	return encode(g)
}

func encode(img image.Image) []byte {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		panic(err) // an in-memory image always encodes
	}
	return b.Bytes()
}
