package digits

import (
	"errors"
	"image"
	"image/color"
	_ "image/png"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// similarity returns the cosine similarity of two 28×28 images as
// vectors, the best over shifts of b by up to one pixel each way: a
// digit's centre of mass lands on a whole pixel, so re-centring may move a
// thin stroke by one.
func similarity(a, b []byte) float64 {
	best := -1.0
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			var ab, aa, bb float64
			for y := 0; y < Size; y++ {
				for x := 0; x < Size; x++ {
					u := float64(a[y*Size+x])
					v := 0.0
					if sy, sx := y+dy, x+dx; sy >= 0 && sy < Size && sx >= 0 && sx < Size {
						v = float64(b[sy*Size+sx])
					}
					ab += u * v
					aa += u * u
					bb += v * v
				}
			}
			best = math.Max(best, ab/math.Sqrt(aa*bb))
		}
	}
	return best
}

func TestPrepareCentresAndScales(t *testing.T) {
	// A 10×40 dark bar on white, far from the centre of a 300×200 image.
	img := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 20; y < 60; y++ {
		for x := 250; x < 260; x++ {
			img.Set(x, y, color.RGBA{0, 0, 120, 255})
		}
	}
	px, err := Prepare(img)
	if err != nil {
		t.Fatal(err)
	}
	// The bar is scaled to 20 rows and 5 columns, centred at (14, 14).
	rows, cols := map[int]bool{}, map[int]bool{}
	var mass, cx, cy float64
	for y := 0; y < Size; y++ {
		for x := 0; x < Size; x++ {
			if v := float64(px[y*Size+x]); v > 100 {
				rows[y], cols[x] = true, true
				mass += v
				cx += v * (float64(x) + 0.5)
				cy += v * (float64(y) + 0.5)
			}
		}
	}
	if len(rows) != 20 || len(cols) < 4 || len(cols) > 6 {
		t.Errorf("bar covers %d rows and %d columns, want 20 and about 5", len(rows), len(cols))
	}
	if math.Abs(cx/mass-14) > 1 || math.Abs(cy/mass-14) > 1 {
		t.Errorf("centre of mass (%.1f, %.1f), want (14, 14)", cx/mass, cy/mass)
	}
}

func TestPrepareErrors(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 50, 50))
	if _, err := Prepare(blank); !errors.Is(err, ErrBlank) {
		t.Errorf("blank image: %v", err)
	}
	if _, err := Prepare(image.NewGray(image.Rect(0, 0, 0, 5))); err == nil {
		t.Error("empty image accepted")
	}
}

// TestGeneratedImagesDecode checks that the committed test images are
// there, decode, and hold ink that Prepare finds.
func TestGeneratedImagesDecode(t *testing.T) {
	for _, dir := range []string{"testdata/single", "testdata/zip"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) < 10 {
			t.Fatalf("%s holds %d images", dir, len(entries))
		}
		for _, e := range entries {
			f, err := os.Open(dir + "/" + e.Name())
			if err != nil {
				t.Fatal(err)
			}
			img, _, err := image.Decode(f)
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			if b := img.Bounds(); b.Dx() < 40 || b.Dy() < 40 || b.Dx() > 600 {
				t.Errorf("%s is %v", e.Name(), b)
			}
			if _, err := Prepare(img); err != nil {
				t.Errorf("%s: %v", e.Name(), err)
			}
		}
	}
}

// grayRef is Gray pixel by pixel through img.At, as Gray was before its
// fast paths: composite over white, then ITU-R 601 luminance.
func grayRef(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, gg, bb, a := img.At(x, y).RGBA()
			white := 0xffff - a
			lum := (299*(r+white) + 587*(gg+white) + 114*(bb+white)) / 1000
			g.Pix[(y-b.Min.Y)*g.Stride+(x-b.Min.X)] = uint8(lum >> 8)
		}
	}
	return g
}

// TestGrayFastPaths: Gray's paths for *image.Gray, *image.NRGBA and
// *image.RGBA give the pixel-by-pixel answer, for pictures whose bounds
// do not start at the origin, translucent pixels included.
func TestGrayFastPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	r := image.Rect(3, -2, 40, 31)
	gray, nrgba, rgba, cmyk := image.NewGray(r), image.NewNRGBA(r), image.NewRGBA(r), image.NewCMYK(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			v := uint8(rng.IntN(256))
			gray.SetGray(x, y, color.Gray{Y: v})
			nrgba.SetNRGBA(x, y, color.NRGBA{R: v, G: uint8(rng.IntN(256)), B: uint8(rng.IntN(256)), A: uint8(rng.IntN(256))})
			a := uint8(rng.IntN(256))
			rgba.SetRGBA(x, y, color.RGBA{R: uint8(rng.IntN(int(a) + 1)), G: uint8(rng.IntN(int(a) + 1)), B: uint8(rng.IntN(int(a) + 1)), A: a})
			cmyk.SetCMYK(x, y, color.CMYK{C: v, M: 3, Y: 200, K: 9})
		}
	}
	for _, img := range []image.Image{gray, nrgba, rgba, cmyk, gray.SubImage(image.Rect(5, 0, 20, 10))} {
		got, want := Gray(img), grayRef(img)
		if !got.Bounds().Eq(want.Bounds()) || string(got.Pix) != string(want.Pix) {
			t.Errorf("%T %v: Gray differs from the pixel-by-pixel reference", img, img.Bounds())
		}
	}
}
