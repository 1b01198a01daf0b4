package digits_test

import (
	"errors"
	"image"
	"image/color"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/digits"
)

// These tests read MNIST and prepare pictures through package data (as
// predict and serve do), both above digits, so they live in the external
// test package.

// decode reads an image file of the corpus.
func decode(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// images lists the image files of a folder.
func images(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.png", "*.jpg", "*.gif"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	sort.Strings(out)
	return out
}

// digitPrep is the preparation of an MNIST model's pictures.
var digitPrep = mnist.DigitPrep()

// check prepares a picture as predict and /v1/predict do (the record of
// an MNIST model, whose Raw composites transparency and calls Prepare)
// and checks it; it returns the reason a picture is refused or flagged,
// or "" if it is read as a digit.
func check(img image.Image) string {
	px, err := digitPrep.Raw(img)
	if err != nil {
		return "refused: " + err.Error()
	}
	if f := digits.Implausible(img, px); f != nil {
		return f.Code + ": " + f.Reason
	}
	return ""
}

// flagRate checks every picture in dir and returns how many were refused
// or flagged, out of how many, counted by test, and the names of those
// read as digits.
func flagRate(t *testing.T, dir string) (caught, total int, codes map[string]int, missed []string) {
	t.Helper()
	codes = map[string]int{}
	files := images(t, dir)
	for _, f := range files {
		why := check(decode(t, f))
		if why == "" {
			missed = append(missed, filepath.Base(f))
			continue
		}
		caught++
		codes[strings.SplitN(why, ":", 2)[0]]++
	}
	return caught, len(files), codes, missed
}

// TestNotDigitsAreFlagged runs the detector over the committed corpus of
// pictures that are not one digit (digits/testdata/notdigits, written by
// its gen command): at least 90% must be refused (no ink found) or
// flagged. The letters and symbols in its folder letters are counted
// apart, short of the 90% (docs/security.md says so): most are
// shaped like digits beyond what the detector's statistics can tell. They
// keep a floor of their own, at the 3 of 17 caught today, so that a change
// that loses even those fails.
func TestNotDigitsAreFlagged(t *testing.T) {
	caught, total, codes, missed := flagRate(t, "testdata/notdigits")
	if total < 50 {
		t.Fatalf("the corpus holds %d images, want at least 50", total)
	}
	rate := float64(caught) / float64(total)
	t.Logf("%d of %d non-digits refused or flagged (%.1f%%), by test: %v; read as digits: %v", caught, total, 100*rate, codes, missed)
	if rate < 0.90 {
		t.Errorf("%.1f%% of non-digits refused or flagged, want ≥ 90%%", 100*rate)
	}
	lc, lt, lcodes, lmissed := flagRate(t, "testdata/notdigits/letters")
	t.Logf("letters and symbols: %d of %d flagged (%.1f%%), by test %v; read as digits: %v", lc, lt, 100*float64(lc)/float64(lt), lcodes, lmissed)
	t.Logf("all together: %d of %d (%.1f%%)", caught+lc, total+lt, 100*float64(caught+lc)/float64(total+lt))
	if lt < 17 || lc < 3 {
		t.Errorf("letters and symbols: %d of %d flagged, want at least 3 of at least 17", lc, lt)
	}
}

// TestMNISTIsRarelyFlagged checks the false alarms on MNIST's 10,000
// test digits (the limits were derived from the training digits only):
// as pixels sent directly (a client's 28×28 JSON) and as pictures
// prepared again the way predict prepares a PNG.
func TestMNISTIsRarelyFlagged(t *testing.T) {
	test, err := mnist.LoadSplit("", mnist.Test)
	if err != nil {
		t.Fatal(err)
	}
	n := len(test.Labels)
	var direct, prepared int
	codes := map[string]int{}
	for i := 0; i < n; i++ {
		px := test.Image(i)
		if f := digits.Implausible(nil, px); f != nil {
			direct++
			codes[f.Code]++
		}
		if why := check(digits.ToImage(px)); why != "" {
			prepared++
		}
	}
	t.Logf("MNIST test digits flagged: %d of %d as pixels (%.2f%%), %d prepared from pictures (%.2f%%); by test %v",
		direct, n, 100*float64(direct)/float64(n), prepared, 100*float64(prepared)/float64(n), codes)
	for _, c := range []struct {
		name string
		k    int
	}{{"as pixels", direct}, {"prepared from pictures", prepared}} {
		if float64(c.k) > 0.005*float64(n) {
			t.Errorf("%s: %d of %d MNIST test digits flagged, want ≤ 0.5%%", c.name, c.k, n)
		}
	}
}

// TestCommittedDigitsAreNotFlagged checks that no committed test digit
// is lost: the single digits as predict reads them, and every digit cut
// from the ZIP codes as /v1/zipcode reads them.
func TestCommittedDigitsAreNotFlagged(t *testing.T) {
	singles := images(t, "testdata/single")
	for _, f := range singles {
		if why := check(decode(t, f)); why != "" {
			t.Errorf("%s: %s", filepath.Base(f), why)
		}
	}
	glyphs := 0
	for _, f := range images(t, "testdata/zip") {
		gs, err := digits.Segment(digits.Ink(digits.Gray(digits.Opaque(decode(t, f)))))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, g := range gs {
			glyphs++
			px, err := digits.FromInk(g.Ink)
			if err != nil {
				t.Fatalf("%s, digit %d: %v", f, i, err)
			}
			if fl := digits.Implausible(g.Ink, px); fl != nil {
				t.Errorf("%s, digit %d: %v", filepath.Base(f), i, fl)
			}
		}
	}
	t.Logf("checked %d single digits and %d digits cut from ZIP codes", len(singles), glyphs)
}

// TestImplausibleReasons checks each test on a picture made to fail it.
func TestImplausibleReasons(t *testing.T) {
	white := func(w, h int) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for i := range g.Pix {
			g.Pix[i] = 255
		}
		return g
	}
	bar := func(g *image.Gray, x0, y0, x1, y1 int, v uint8) *image.Gray {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				g.Pix[y*g.Stride+x] = v
			}
		}
		return g
	}
	grid := white(100, 100)
	for y := 5; y < 100; y += 15 {
		for x := 5; x < 100; x += 15 {
			bar(grid, x, y, x+4, y+4, 0)
		}
	}
	faint := white(60, 60)
	bar(faint, 20, 10, 30, 50, 240) // 15 levels below the page
	seven := white(80, 100)
	bar(seven, 15, 10, 65, 20, 0) // a 7: a bar and a stroke down
	for y := 20; y < 90; y++ {
		x := 60 - (y-20)/3
		bar(seven, x, y, x+9, y+1, 0)
	}
	for _, c := range []struct {
		name string
		img  image.Image
		want string // "" for a plausible digit
	}{
		{"a seven", seven, ""},
		{"3×3", bar(white(3, 3), 1, 0, 2, 3, 0), "too-small"},
		{"faint bar", faint, "faint"},
		{"dot grid", grid, "pieces"},
		{"horizontal bar", bar(white(100, 100), 10, 45, 90, 55, 0), "row"},
		{"filled square", bar(white(100, 100), 20, 20, 80, 80, 0), "blob"},
	} {
		t.Run(c.name, func(t *testing.T) {
			px, err := digits.Prepare(c.img)
			if err != nil {
				t.Fatal(err)
			}
			f := digits.Implausible(c.img, px)
			switch {
			case c.want == "" && f != nil:
				t.Errorf("flagged: %v", f)
			case c.want != "" && f == nil:
				t.Errorf("not flagged, want %q", c.want)
			case c.want != "" && f.Code != c.want:
				t.Errorf("flagged %q (%s), want %q", f.Code, f.Reason, c.want)
			case f != nil && f.Refuse() != (c.want == "too-small" || c.want == "faint"):
				t.Errorf("%q: Refuse() = %v", f.Code, f.Refuse())
			}
		})
	}
	// Pixels with no ink strong enough, as a client might send.
	weak := make([]byte, digits.Size*digits.Size)
	for i := range weak {
		weak[i] = 20
	}
	if f := digits.Implausible(nil, weak); f == nil || f.Code != "blank" {
		t.Errorf("faint pixels: %v, want blank", f)
	}
	var err error = digits.Implausible(nil, weak)
	var fl *digits.Flag
	if !errors.As(err, &fl) || !strings.Contains(err.Error(), "not plausibly one handwritten digit") {
		t.Errorf("the flag as an error: %v", err)
	}
}

// TestOpaque checks that transparent pixels become background whatever
// the ink's colour, so that white ink on a transparent background is no
// longer read as blank.
func TestOpaque(t *testing.T) {
	test, err := mnist.LoadSplit("", mnist.Test)
	if err != nil {
		t.Fatal(err)
	}
	orig := test.Image(0)
	for _, c := range []struct {
		name string
		ink  color.NRGBA
	}{
		{"white ink", color.NRGBA{255, 255, 255, 255}},
		{"black ink", color.NRGBA{0, 0, 0, 255}},
		{"red ink", color.NRGBA{200, 20, 20, 255}},
		{"yellow ink", color.NRGBA{250, 240, 80, 255}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The MNIST digit as the alpha channel: ink opaque, the rest
			// transparent (and anti-aliased edges translucent).
			img := image.NewNRGBA(image.Rect(0, 0, 140, 140))
			big := digits.FromMNIST(orig, 140, 140, false)
			for i, a := range big.Pix {
				img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = c.ink.R, c.ink.G, c.ink.B, a
			}
			px, err := digitPrep.Raw(img)
			if err != nil {
				t.Fatal(err)
			}
			if s := digits.Similarity(px, orig); s < 0.85 {
				t.Errorf("similarity to the original %.3f, want ≥ 0.85", s)
			}
			if f := digits.Implausible(img, px); f != nil {
				t.Errorf("flagged: %v", f)
			}
		})
	}
	opaque := digits.FromMNIST(orig, 50, 50, true)
	if got := digits.Opaque(opaque); got != image.Image(opaque) {
		t.Error("an opaque image was copied")
	}
	clear := image.NewNRGBA(image.Rect(0, 0, 20, 20))
	if _, err := digitPrep.Raw(clear); !errors.Is(err, digits.ErrBlank) {
		t.Errorf("a fully transparent image: %v, want ErrBlank", err)
	}
}

// BenchmarkImplausible measures the check of one prepared MNIST digit
// and of a 400×300 picture.
func BenchmarkImplausible(b *testing.B) {
	test, err := mnist.LoadSplit("", mnist.Test)
	if err != nil {
		b.Fatal(err)
	}
	px := test.Image(0)
	b.Run("pixels", func(b *testing.B) {
		for b.Loop() {
			digits.Implausible(nil, px)
		}
	})
	pic := digits.FromMNIST(px, 400, 300, true)
	b.Run("picture", func(b *testing.B) {
		for b.Loop() {
			digits.Implausible(pic, px)
		}
	})
}
