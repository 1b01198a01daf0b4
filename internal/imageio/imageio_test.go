package imageio

import (
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/internal/imageio/imagebomb"
)

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func encodeJPEG(img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func encodeGIF(img image.Image) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// encodeGIFFrames writes an animated GIF whose frames are grey levels.
func encodeGIFFrames(levels ...uint8) []byte {
	g := &gif.GIF{}
	for _, l := range levels {
		p := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Gray{Y: l}, color.Black})
		g.Image = append(g.Image, p)
		g.Delay = append(g.Delay, 1)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// pngHeader is a PNG signature and an IHDR chunk declaring w×h pixels of
// the given depth and colour type, and nothing else.
func pngHeader(w, h uint32, depth, ctype byte) []byte {
	b := append([]byte(nil), pngMagic...)
	b = append(b, 0, 0, 0, 13, 'I', 'H', 'D', 'R',
		byte(w>>24), byte(w>>16), byte(w>>8), byte(w),
		byte(h>>24), byte(h>>16), byte(h>>8), byte(h), depth, ctype, 0, 0, 0)
	return appendCRC(b)
}

// appendCRC appends the CRC of the chunk that ends b (an IHDR after the
// signature).
func appendCRC(b []byte) []byte {
	c := crc32.ChecksumIEEE(b[12:29])
	return append(b, byte(c>>24), byte(c>>16), byte(c>>8), byte(c))
}

func gray(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	return g
}

// countDecodes swaps the decoders for ones that count their calls, for
// the test's duration.
func countDecodes(t *testing.T) *int {
	t.Helper()
	n := new(int)
	saved := decoders
	decoders = map[string]func(io.Reader) (image.Image, error){}
	for f, d := range saved {
		decoders[f] = func(r io.Reader) (image.Image, error) {
			*n++
			return d(r)
		}
	}
	t.Cleanup(func() { decoders = saved })
	return n
}

func TestDecode(t *testing.T) {
	rgba64 := image.NewRGBA64(image.Rect(0, 0, 1000, 1000))
	rgba64.Pix[1] = 1 // not opaque grey, so that png keeps 16-bit colour
	tests := []struct {
		name   string
		data   []byte
		lim    Limits
		format string
		bounds image.Rectangle
		limit  string // the LimitError's Limit, or ""
		want   string // in the error, or "" for success
	}{
		{name: "PNG", data: encodePNG(gray(30, 20)), format: PNG, bounds: image.Rect(0, 0, 30, 20)},
		{name: "JPEG", data: encodeJPEG(gray(30, 20)), format: JPEG, bounds: image.Rect(0, 0, 30, 20)},
		{name: "GIF", data: encodeGIF(gray(30, 20)), format: GIF, bounds: image.Rect(0, 0, 30, 20)},
		{name: "GIF, first frame of three", data: encodeGIFFrames(10, 20, 30), format: GIF, bounds: image.Rect(0, 0, 4, 4)},
		{name: "a small progressive JPEG", data: imagebomb.ScanBomb(64, 64, 12), format: JPEG, bounds: image.Rect(0, 0, 64, 64)},
		{name: "empty", data: nil, want: "not a PNG, JPEG or GIF image"},
		{name: "text", data: []byte("hello, world"), want: "(it starts with 68 65 6c 6c 6f 2c 20 77)"},
		{name: "BMP", data: []byte("BM\x00\x00"), want: "not a PNG, JPEG or GIF"},
		{name: "truncated PNG", data: encodePNG(gray(30, 20))[:60], format: PNG, want: "corrupt PNG image"},
		{name: "truncated JPEG", data: encodeJPEG(gray(30, 20))[:200], format: JPEG, want: "corrupt JPEG image"},
		{name: "GIF header only", data: []byte("GIF89a\x01\x00\x01\x00"), format: GIF, want: "corrupt GIF image"},
		{name: "empty PNG", data: pngHeader(0, 5, 8, 0), format: PNG, want: "corrupt PNG image"},
		{name: "too many pixels", data: pngHeader(100000, 100000, 8, 0), format: PNG, limit: "pixels",
			want: "the PNG image is 100000×100000 pixels, over the limit of 4194304 pixels"},
		{name: "pixel limit set", data: encodeGIF(gray(30, 20)), lim: Limits{MaxPixels: 599}, format: GIF, limit: "pixels", want: "over the limit of 599 pixels"},
		{name: "16-bit RGBA over memory", data: pngHeader(2000, 2000, 16, 6), format: PNG, limit: "memory",
			want: "the PNG image (2000×2000, 16-bit) would take 30.5 MiB to decode, over the limit of 16 MiB", lim: Limits{MaxMemory: 16 << 20}},
		{name: "16-bit counts 8 bytes a pixel", data: encodePNG(rgba64), lim: Limits{MaxMemory: 8e6 - 1}, format: PNG, limit: "memory", want: "16-bit"},
		{name: "8-bit fits where 16-bit does not", data: encodePNG(gray(1000, 1000)), lim: Limits{MaxMemory: 8e6 - 1}, format: PNG, bounds: image.Rect(0, 0, 1000, 1000)},
		{name: "interlaced counts twice", data: pngInterlaced(), lim: Limits{MaxMemory: 4*16*16*2 - 1}, format: PNG, limit: "memory", want: "interlaced"},
		{name: "progressive JPEG coefficients", data: imagebomb.ScanBomb(1024, 1024, 2), lim: Limits{MaxMemory: 5 << 20}, format: JPEG, limit: "memory", want: "progressive, 1 components"},
		{name: "file over the byte limit", data: encodePNG(gray(30, 20)), lim: Limits{MaxBytes: 100}, limit: "bytes", want: "over the limit of 100 bytes"},
		{name: "101 scans", data: imagebomb.ScanBomb(64, 64, 101), format: JPEG, limit: "scans", want: "the JPEG image has over 100 scans, the limit"},
		{name: "100 scans", data: imagebomb.ScanBomb(64, 64, 100), format: JPEG, bounds: image.Rect(0, 0, 64, 64)},
		{name: "scan limit set", data: imagebomb.ScanBomb(64, 64, 12), lim: Limits{MaxScans: 11}, format: JPEG, limit: "scans", want: "over 11 scans"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := countDecodes(t)
			img, format, err := Decode(bytes.NewReader(tt.data), tt.lim)
			if format != tt.format {
				t.Errorf("format %q, want %q", format, tt.format)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if img.Bounds() != tt.bounds {
					t.Errorf("bounds %v, want %v", img.Bounds(), tt.bounds)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			var le *LimitError
			if errors.As(err, &le) != (tt.limit != "") || (le != nil && le.Limit != tt.limit) {
				t.Errorf("error %#v, want a LimitError on %q", err, tt.limit)
			}
			if tt.limit != "" && *calls != 0 {
				t.Errorf("refused by the %s limit after decoding started", tt.limit)
			}
		})
	}
}

// pngInterlaced is a 16×16 Adam7-interlaced 8-bit RGBA PNG (image/png
// writes no interlaced files, so this one is built by hand).
func pngInterlaced() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	b := encodePNG(img)
	// Flip IHDR's interlace byte and mend its CRC: DecodeConfig and Check
	// read only the header, which is all this needs.
	b[28] = 1
	return append(appendCRC(append([]byte(nil), b[:29]...)), b[33:]...)
}

// TestScanBombRefusedBeforeDecoding builds the decompression-time bomb
// of issue #16 — a progressive 2048×2048 JPEG of 54,000 scans, under 1
// MiB and inside every pixel limit, which costs image/jpeg about a
// minute — and checks that it is refused by counting its scans, with no
// decoder ever called.
func TestScanBombRefusedBeforeDecoding(t *testing.T) {
	bomb := imagebomb.ScanBomb(2048, 2048, 54000)
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes, want at most 1 MiB", len(bomb))
	}
	calls := countDecodes(t)
	cfg, err := Check(bomb, Limits{})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "scans" || le.Max != DefaultMaxScans {
		t.Fatalf("Check: %v, want a LimitError on scans", err)
	}
	if cfg.Width != 2048 || cfg.Height != 2048 || cfg.Scans != DefaultMaxScans+1 {
		t.Errorf("config %+v: want 2048×2048, counting stopped at %d scans", cfg, DefaultMaxScans+1)
	}
	if _, _, err := DecodeBytes(context.Background(), bomb, Limits{}); !errors.As(err, &le) || le.Limit != "scans" {
		t.Fatalf("Decode: %v, want a LimitError on scans", err)
	}
	if *calls != 0 {
		t.Fatalf("the decoder was called %d times for a refused bomb", *calls)
	}
	// With the scans allowed, the same bytes are a JPEG the decoder takes:
	// the refusal is by count, not because the file is malformed.
	cfg, err = Check(bomb, Limits{MaxScans: 60000})
	if err != nil || cfg.Scans != 54000 {
		t.Fatalf("Check with 60,000 scans allowed: %+v, %v", cfg, err)
	}
}

// TestScanCounting checks the marker walk against files whose scans are
// known, including entropy-coded data with stuffed bytes and restart
// markers that must not be taken for segments.
func TestScanCounting(t *testing.T) {
	baseline := encodeJPEG(image.NewRGBA(image.Rect(0, 0, 33, 17)))
	noisy := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range noisy.Pix {
		noisy.Pix[i] = uint8(i*131 + i/7)
	}
	tests := []struct {
		name  string
		data  []byte
		scans int
	}{
		{"baseline", baseline, 1},
		{"baseline, noisy (0xff00 in the data)", encodeJPEG(noisy), 1},
		{"progressive, 40 scans", imagebomb.ScanBomb(300, 200, 40), 40},
		{"restart markers", withRestarts(), 1},
		{"fill bytes before a marker", fill(baseline), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "baseline, noisy (0xff00 in the data)" && !bytes.Contains(tt.data, []byte{0xff, 0}) {
				t.Fatal("no stuffed byte in the test file")
			}
			cfg, err := Check(tt.data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Scans != tt.scans {
				t.Errorf("%d scans, want %d", cfg.Scans, tt.scans)
			}
			if _, _, err := Decode(bytes.NewReader(tt.data), Limits{}); err != nil {
				t.Errorf("Decode: %v", err)
			}
		})
	}
}

// withRestarts is a baseline JPEG whose entropy-coded data is cut by
// RST0–RST7 markers (image/jpeg writes none, so they are spliced into a
// copy of a grey 8×8 JPEG's scan by hand: the scan of one block, then
// RSTn markers, which the walk must step over as part of the scan).
func withRestarts() []byte {
	b := encodeJPEG(gray(8, 8))
	eoi := len(b) - 2
	out := append([]byte(nil), b[:eoi]...)
	for n := range 3 {
		out = append(out, 0xff, byte(0xd0+n))
	}
	return append(out, b[eoi:]...)
}

// fill inserts fill bytes (0xff 0xff) before the first segment after SOI.
func fill(b []byte) []byte {
	out := append([]byte(nil), b[:2]...)
	out = append(out, 0xff, 0xff)
	return append(out, b[2:]...)
}

// TestDecodeContext stops decoding once the context is done: at once
// for a context done before, and within the next read for one done while
// decoding (the test's context says done after its first few checks).
func TestDecodeContext(t *testing.T) {
	data := imagebomb.ScanBomb(512, 512, 90)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := countDecodes(t)
	if _, _, err := DecodeBytes(ctx, data, Limits{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: %v", err)
	}
	if *calls != 0 {
		t.Error("decoding started under a cancelled context")
	}
	late := &doneAfter{Context: context.Background(), n: 3}
	if _, _, err := DecodeBytes(late, data, Limits{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline while decoding: %v, want context.DeadlineExceeded", err)
	}
	if *calls != 1 || late.checks > 6 {
		t.Errorf("%d decodes, %d checks of the context: want 1 decode stopped soon after the deadline", *calls, late.checks)
	}
}

// doneAfter is a context whose Err turns to DeadlineExceeded after n
// checks.
type doneAfter struct {
	context.Context
	n, checks int
}

func (d *doneAfter) Err() error {
	d.checks++
	if d.checks > d.n {
		return context.DeadlineExceeded
	}
	return nil
}

func TestSizeString(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{100, "100 bytes"}, {2048, "2 KiB"}, {1 << 20, "1 MiB"}, {3 << 19, "1.5 MiB"}} {
		if got := SizeString(tt.n); got != tt.want {
			t.Errorf("SizeString(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// FuzzDecode feeds arbitrary bytes to Decode with small limits: it must
// return an image within the limits or an error, never panic, and never
// start decoding what Check refuses.
func FuzzDecode(f *testing.F) {
	for _, seed := range [][]byte{
		encodePNG(gray(9, 7)), encodeJPEG(gray(9, 7)), encodeGIF(gray(9, 7)), encodeGIFFrames(1, 2),
		encodeJPEG(gray(9, 7))[:100], encodePNG(gray(9, 7))[:40],
		imagebomb.ScanBomb(16, 16, 3), imagebomb.ScanBomb(16, 16, 40), withRestarts(), pngInterlaced(),
		pngHeader(1<<16, 1<<16, 16, 6), pngHeader(0, 5, 8, 0), imagebomb.Gray16(5, 5),
		[]byte("GIF89a"), []byte("\xff\xd8\xff"), []byte("\xff\xd8\xff\xda\x00\x02\xff"), pngMagic, {},
	} {
		f.Add(seed)
	}
	lim := Limits{MaxPixels: 1 << 14, MaxMemory: 1 << 18, MaxScans: 20, MaxBytes: 1 << 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, cerr := Check(data, lim)
		img, format, err := Decode(bytes.NewReader(data), lim)
		if cerr != nil {
			if err == nil && len(data) <= int(lim.MaxBytes) {
				t.Fatalf("Check refused (%v) what Decode took", cerr)
			}
			return
		}
		if err != nil {
			return // corrupt beyond the header
		}
		if format != cfg.Format {
			t.Fatalf("format %q, Check said %q", format, cfg.Format)
		}
		b := img.Bounds()
		if b.Dx()*b.Dy() > lim.MaxPixels || cfg.Scans > lim.MaxScans {
			t.Fatalf("decoded %v (%d scans) over the limits", b, cfg.Scans)
		}
	})
}
