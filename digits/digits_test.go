package digits

import (
	"errors"
	"image"
	"image/color"
	_ "image/png"
	"math"
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
