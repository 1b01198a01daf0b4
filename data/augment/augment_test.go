package augment

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// digit returns a c×h×w image of random bytes with a blank border, like
// a handwritten digit's.
func digit(c, h, w int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	img := make([]byte, c*h*w)
	for ch := 0; ch < c; ch++ {
		for y := 4; y < h-4; y++ {
			for x := 4; x < w-4; x++ {
				img[ch*h*w+y*w+x] = byte(r.IntN(256))
			}
		}
	}
	return img
}

func TestIdentity(t *testing.T) {
	src := digit(3, 20, 17, 1)
	tests := []struct {
		name string
		tr   Transform
		disp []float32
	}{
		{"zero transform", Transform{}, nil},
		{"scale 1", Transform{Scale: 1}, nil},
		{"zero field", Transform{Scale: 1}, make([]float32, 2*20*17)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]byte, len(src))
			tc.tr.Warp(dst, src, 3, 20, 17, tc.disp, 9)
			if !bytes.Equal(dst, src) {
				t.Errorf("the image changed")
			}
		})
	}
}

// TestConfigsThatChangeNothing checks that configurations whose draws are
// all identities give the image back, through every path of Augment.
func TestConfigsThatChangeNothing(t *testing.T) {
	src := digit(1, 28, 28, 2)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"zero config", Config{}},
		{"elastic with alpha 0", Config{Sigma: 4}},
		{"only a fill", Config{Fill: 200}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(1, 28, 28, 1, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			for index := range 5 {
				dst := make([]byte, len(src))
				a.Augment(dst, src, 3, index)
				if !bytes.Equal(dst, src) {
					t.Fatalf("example %d changed", index)
				}
			}
		})
	}
}

// shifted returns src moved by (dx, dy) pixels, mirrored first if flip,
// the uncovered pixels set to fill: the reference for integer shifts.
func shifted(src []byte, c, h, w, dx, dy int, flip bool, fill byte) []byte {
	out := make([]byte, len(src))
	for ch := 0; ch < c; ch++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				sx, sy := x-dx, y-dy
				if flip {
					sx = w - 1 - sx
				}
				v := fill
				if sx >= 0 && sx < w && sy >= 0 && sy < h {
					v = src[ch*h*w+sy*w+sx]
				}
				out[ch*h*w+y*w+x] = v
			}
		}
	}
	return out
}

func TestShiftAndFlipExact(t *testing.T) {
	const c, h, w = 3, 12, 15
	src := digit(c, h, w, 3)
	for i := range src {
		src[i] |= 1 // no pixel equals the fill
	}
	tests := []struct {
		dx, dy int
		flip   bool
	}{
		{2, 0, false}, {0, -3, false}, {-1, 4, false}, {5, 5, false},
		{0, 0, true}, {2, -1, true}, {-20, 0, false},
	}
	for _, tc := range tests {
		want := shifted(src, c, h, w, tc.dx, tc.dy, tc.flip, 0)
		tr := Transform{DX: float64(tc.dx), DY: float64(tc.dy), Flip: tc.flip}
		got := make([]byte, len(src))
		tr.Warp(got, src, c, h, w, nil, 0)
		if !bytes.Equal(got, want) {
			t.Errorf("Warp by (%d, %d) flip %v: wrong pixels", tc.dx, tc.dy, tc.flip)
		}
		got2 := make([]byte, len(src))
		tr.shiftFlip(got2, src, c, h, w, 0)
		if !bytes.Equal(got2, want) {
			t.Errorf("shiftFlip by (%d, %d) flip %v: wrong pixels", tc.dx, tc.dy, tc.flip)
		}
	}
}

// TestHalfPixelShift checks bilinear interpolation: half a pixel to the
// right averages neighbours.
func TestHalfPixelShift(t *testing.T) {
	src := []byte{0, 100, 200, 50}
	got := make([]byte, 4)
	Transform{DX: 0.5}.Warp(got, src, 1, 1, 4, nil, 0)
	want := []byte{0, 50, 150, 125} // the first samples x = -0.5: half background
	if !bytes.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestRotate90 checks the direction of rotation: a quarter turn
// clockwise on the screen (y down) takes the top row to the right column.
func TestRotate90(t *testing.T) {
	src := []byte{
		1, 2, 3,
		0, 0, 0,
		0, 0, 0,
	}
	got := make([]byte, 9)
	Transform{Rotate: 90}.Warp(got, src, 1, 3, 3, nil, 0)
	want := []byte{
		0, 0, 1,
		0, 0, 2,
		0, 0, 3,
	}
	if !bytes.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestFillOutside(t *testing.T) {
	src := digit(1, 10, 10, 4)
	got := make([]byte, 100)
	Transform{DX: 50}.Warp(got, src, 1, 10, 10, nil, 77)
	for i, v := range got {
		if v != 77 {
			t.Fatalf("pixel %d is %d, want the fill 77", i, v)
		}
	}
}

// TestRange checks that strong transforms of a saturated image stay in
// 0…255: interpolation between 0 and 255 neither wraps nor overflows.
func TestRange(t *testing.T) {
	src := make([]byte, 28*28)
	for i := range src {
		if (i/28+i%28)%2 == 0 {
			src[i] = 255
		}
	}
	a, err := New(1, 28, 28, 5, Config{Shift: 3, Rotate: 30, Scale: 0.3, Shear: 0.5, Alpha: 60, Sigma: 3, Fill: 255})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, len(src))
	sum := 0
	for index := range 50 {
		a.Augment(dst, src, 1, index)
		for _, v := range dst {
			sum += int(v)
		}
	}
	// A wrap-around (255.6 → 0) would pull the mean far below half.
	if mean := float64(sum) / (50 * 28 * 28); mean < 100 || mean > 255 {
		t.Errorf("mean pixel %.1f of a half-white image", mean)
	}
}

// TestKeyed checks that the transform depends only on (seed, epoch,
// index): the same key gives the same bytes from any goroutine, in any
// order, and different keys give different images.
func TestKeyed(t *testing.T) {
	const n = 64
	src := digit(1, 28, 28, 6)
	for _, spec := range []string{"digits", "natural", "affine", "elastic"} {
		t.Run(spec, func(t *testing.T) {
			cfg, err := Parse(spec, 28, 28)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := New(1, 28, 28, 11, cfg)
			want := make([][]byte, n)
			for i := range want {
				want[i] = make([]byte, len(src))
				a.Augment(want[i], src, 2, i)
			}
			for _, workers := range []int{1, 3, 8} {
				got := make([][]byte, n)
				var wg sync.WaitGroup
				for w := range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := n - 1 - w; i >= 0; i -= workers { // backwards, interleaved
							got[i] = make([]byte, len(src))
							a.Augment(got[i], src, 2, i)
						}
					}()
				}
				wg.Wait()
				for i := range got {
					if !bytes.Equal(got[i], want[i]) {
						t.Fatalf("%d workers: example %d differs", workers, i)
					}
				}
			}
			differ := func(seed uint64, epoch, index int) bool {
				b, _ := New(1, 28, 28, seed, cfg)
				d := make([]byte, len(src))
				b.Augment(d, src, epoch, index)
				return !bytes.Equal(d, want[0])
			}
			if !differ(11, 3, 0) || !differ(11, 2, 1) || !differ(12, 2, 0) {
				t.Errorf("another seed, epoch or index gives the same image")
			}
		})
	}
}

// TestElasticMagnitude checks the smoothed field against Simard et al.'s
// scale: uniform noise smoothed by a normalised Gaussian of σ has a
// standard deviation of about 1/(√3·2√π·σ) inside the image, so α=34,
// σ=4 displaces pixels by about 1.4 pixels.
func TestElasticMagnitude(t *testing.T) {
	const h, w = 64, 64
	k := gaussian(4)
	f := make([]float32, 2*h*w)
	tmp := make([]float32, 2*h*w)
	r := keyed(1, 1, 1)
	var ss float64
	count := 0
	for range 20 {
		for i := range f {
			f[i] = float32(2*unit(&r) - 1)
		}
		smooth(f[:h*w], f[h*w:], tmp, h, w, k, 34)
		for y := 16; y < h-16; y++ {
			for x := 16; x < w-16; x++ {
				v := float64(f[y*w+x])
				ss += v * v
				count++
			}
		}
	}
	rms := math.Sqrt(ss / float64(count))
	if rms < 1.1 || rms > 1.7 {
		t.Errorf("displacement rms %.3f pixels, want about 1.38", rms)
	}
}

func TestAugmentAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items at random")
	}
	src := digit(1, 28, 28, 7)
	dst := make([]byte, len(src))
	for _, spec := range []string{"affine", "elastic", "digits", "natural"} {
		cfg, err := Parse(spec, 28, 28)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := New(1, 28, 28, 1, cfg)
		a.Augment(dst, src, 1, 0)
		i := 0
		if n := testing.AllocsPerRun(50, func() { i++; a.Augment(dst, src, 1, i) }); n != 0 {
			t.Errorf("%s: a warm Augment allocates %v times", spec, n)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		spec string
		h, w int
		want Config
	}{
		{"", 28, 28, Config{}},
		{"none", 28, 28, Config{}},
		{"digits", 28, 28, Config{Shift: 2, Rotate: 10, Scale: 0.1, Shear: 0.1, Alpha: 34, Sigma: 4}},
		{"affine,elastic", 28, 28, Config{Shift: 2, Rotate: 10, Scale: 0.1, Shear: 0.1, Alpha: 34, Sigma: 4}},
		{"natural", 32, 32, Config{Flip: true, Crop: 4}},
		{"flip, crop", 32, 32, Config{Flip: true, Crop: 4}},
		{"crop(pad=2)", 32, 32, Config{Crop: 2}},
		{"elastic", 56, 56, Config{Alpha: 136, Sigma: 8}},
		{"affine(rotate=15, shift=1),elastic(alpha=36,sigma=6)", 28, 28, Config{Shift: 1, Rotate: 15, Scale: 0.1, Shear: 0.1, Alpha: 36, Sigma: 6}},
		{"affine(shear=0,scale=0,rotate=0)", 28, 28, Config{Shift: 2}},
		{"flip,fill(value=128)", 28, 28, Config{Flip: true, Fill: 128}},
		{"affine()", 28, 28, Config{Shift: 2, Rotate: 10, Scale: 0.1, Shear: 0.1}},
	}
	for _, tc := range tests {
		got, err := Parse(tc.spec, tc.h, tc.w)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.spec, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.spec, got, tc.want)
		}
		// The description parses back to the same configuration.
		if back, err := Parse(got.String(), tc.h, tc.w); err != nil || back != got {
			t.Errorf("Parse(%q).String() = %q parses to %+v, %v", tc.spec, got.String(), back, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"blur", `unknown transform "blur"`},
		{"affine(spin=3)", `affine has no parameter "spin"`},
		{"affine(shift=x)", "want a number"},
		{"affine(shift=NaN)", "want a number"},
		{"affine(shift=-1)", "shift -1 outside"},
		{"affine(scale=1)", "scale 1 outside"},
		{"elastic(sigma=0,alpha=3)", "needs a sigma"},
		{"affine(shift=2", "unclosed parenthesis"},
		{"affine(shift)", "want key=value"},
		{"affine,,flip", "empty transform"},
		{"affine,", "empty transform"},
		{"digits,affine", `"affine" given twice`},
		{"digits(alpha=3)", "takes no parameters"},
		{"crop(pad=1.5)", "whole number"},
		{"crop(pad=0)", "whole number"},
		{"fill(value=256)", "0…255"},
		{"flip(x=1)", `flip has no parameter "x"`},
		{"affine(shift=1)x", "unexpected"},
		{strings.Repeat("flip,", 20) + "flip", "more than 16"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.spec, 28, 28)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.spec, err, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"digits", "affine(shift=2,rotate=10)", "crop(pad=4),flip", "elastic(alpha=1e9)", "((,))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		cfg, err := Parse(spec, 28, 28)
		if err != nil {
			return
		}
		a, err := New(1, 28, 28, 1, cfg)
		if err != nil {
			t.Fatalf("Parse(%q) accepted %+v, New refuses it: %v", spec, cfg, err)
		}
		src := digit(1, 28, 28, 1)
		a.Augment(make([]byte, len(src)), src, 1, 0)
	})
}

func BenchmarkAugment(b *testing.B) {
	src := digit(1, 28, 28, 7)
	dst := make([]byte, len(src))
	for _, spec := range []string{"natural", "affine", "elastic", "digits"} {
		b.Run(spec, func(b *testing.B) {
			cfg, _ := Parse(spec, 28, 28)
			a, _ := New(1, 28, 28, 1, cfg)
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				a.Augment(dst, src, 1, i)
			}
		})
	}
}
