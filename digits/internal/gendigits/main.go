// Command gendigits writes the test images of handwritten digits that
// baeum's predict and serve tests read: PNG files made from MNIST *test*
// images (never seen in training), at odd sizes, off-centre, in both
// polarities and in colour, and rows of five digits like ZIP codes: clean
// ones, then harder ones whose digits touch, whose strokes are broken, or
// which are sprinkled with specks of dirt, to test segmentation.
//
//	go run ./digits/internal/gendigits -out digits/testdata
//
// The output is deterministic for a given -seed.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"

	"golang.org/x/image/draw"

	"github.com/baeum-ml/baeum/data/mnist"
)

func main() {
	out := flag.String("out", "digits/testdata", "output folder")
	singles := flag.Int("singles", 40, "how many single-digit images")
	zips := flag.Int("zips", 12, "how many five-digit ZIP code images")
	hard := flag.Int("hardzips", 8, "how many harder ZIP code images (touching digits, broken strokes, specks)")
	seed := flag.Uint64("seed", 1998, "random seed")
	flag.Parse()
	_, test, err := mnist.Load("")
	if err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(*seed, 7))
	if err := os.MkdirAll(filepath.Join(*out, "single"), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(*out, "zip"), 0o755); err != nil {
		log.Fatal(err)
	}
	for i := 0; i < *singles; i++ {
		idx := rng.IntN(test.N)
		w, h := 40+rng.IntN(361), 40+rng.IntN(361)
		ink, bg := colours(rng, i)
		canvas := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(canvas, canvas.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
		// The digit's 28×28 field covers 50–90% of the shorter side, placed
		// anywhere it fits: off-centre as a real photo would be.
		side := int(float64(min(w, h)) * (0.5 + 0.4*rng.Float64()))
		x0, y0 := rng.IntN(w-side+1), rng.IntN(h-side+1)
		paint(canvas, test.Image(idx), image.Rect(x0, y0, x0+side, y0+side), ink)
		name := filepath.Join(*out, "single", fmt.Sprintf("%02d_label%d.png", i, test.Labels[idx]))
		save(name, canvas, i%3 == 0)
	}
	for i := 0; i < *zips; i++ {
		var label []byte
		cell := 36 + rng.IntN(40)
		gap := rng.IntN(cell / 3)
		w := 5*cell + 4*gap + 2*cell/2
		h := cell + cell/2 + rng.IntN(cell)
		ink, bg := colours(rng, i+1)
		canvas := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(canvas, canvas.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
		x := cell / 2
		for k := 0; k < 5; k++ {
			idx := rng.IntN(test.N)
			label = append(label, '0'+test.Labels[idx])
			y := rng.IntN(h - cell + 1)
			paint(canvas, test.Image(idx), image.Rect(x, y, x+cell, y+cell), ink)
			x += cell + gap
		}
		name := filepath.Join(*out, "zip", fmt.Sprintf("%02d_zip%s.png", i, label))
		save(name, canvas, i%2 == 0)
	}
	// The harder ZIP codes draw from a random stream of their own, so that
	// the images above stay the same whatever is added here.
	rng = rand.New(rand.NewPCG(*seed, 11))
	for i := 0; i < *hard; i++ {
		canvas, label := hardZip(rng, test, i)
		name := filepath.Join(*out, "zip", fmt.Sprintf("%02d_zip%s.png", *zips+i, label))
		save(name, canvas, i%2 == 0)
	}
}

// hardZip draws a row of five digits that is hard to segment: kind i%4
// picks digits that touch their neighbours (0), digits with a stroke
// broken by a gap (1), specks of dirt around the digits (2), or all three
// (3).
func hardZip(rng *rand.Rand, test *mnist.Set, i int) (*image.RGBA, []byte) {
	kind := i % 4
	touch, broken, specks := kind == 0 || kind == 3, kind == 1 || kind == 3, kind == 2 || kind == 3
	cell := 40 + rng.IntN(40)
	h := cell + cell/3
	w := 6*cell + cell/2
	ink, bg := colours(rng, i)
	canvas := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	var label []byte
	x := cell / 2
	for k := 0; k < 5; k++ {
		idx := rng.IntN(test.N)
		label = append(label, '0'+test.Labels[idx])
		px := append([]byte(nil), test.Image(idx)...)
		if broken && rng.IntN(2) == 0 {
			// Erase two rows across the middle of the digit.
			r := 11 + rng.IntN(6)
			clear(px[r*28 : (r+2)*28])
		}
		y := (h-cell)/2 + rng.IntN(cell/10+1) - cell/20
		paint(canvas, px, image.Rect(x, y, x+cell, y+cell), ink)
		gap := cell / 8
		if touch && k%2 == 0 {
			// MNIST leaves a margin of 4/28 round each digit: overlapping
			// the cells by a third brings the strokes together.
			gap = -cell/3 - rng.IntN(cell/8+1)
		}
		x += cell + gap
	}
	if specks {
		for n := 8 + rng.IntN(8); n > 0; n-- {
			sx, sy := rng.IntN(w-2), rng.IntN(h-2)
			for dy := 0; dy < 2; dy++ {
				for dx := 0; dx < 1+rng.IntN(2); dx++ {
					canvas.SetRGBA(sx+dx, sy+dy, ink)
				}
			}
		}
	}
	return canvas, label
}

// colours picks ink and background: dark on light for even i, light on
// dark for odd, sometimes in colour.
func colours(rng *rand.Rand, i int) (ink, bg color.RGBA) {
	light := color.RGBA{uint8(215 + rng.IntN(41)), uint8(215 + rng.IntN(41)), uint8(215 + rng.IntN(41)), 255}
	dark := color.RGBA{uint8(rng.IntN(60)), uint8(rng.IntN(60)), uint8(rng.IntN(60)), 255}
	if rng.IntN(3) == 0 { // coloured ink: blue or red pen
		if rng.IntN(2) == 0 {
			dark = color.RGBA{20, 40, uint8(140 + rng.IntN(80)), 255}
		} else {
			dark = color.RGBA{uint8(140 + rng.IntN(80)), 20, 30, 255}
		}
	}
	if i%2 == 0 {
		return dark, light
	}
	return light, dark
}

// paint draws an MNIST digit (ink high) scaled into r, blending ink over
// what is there by the digit's grey level.
func paint(dst *image.RGBA, pixels []byte, r image.Rectangle, ink color.RGBA) {
	src := image.NewGray(image.Rect(0, 0, 28, 28))
	copy(src.Pix, pixels)
	scaled := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.CatmullRom.Scale(scaled, scaled.Bounds(), src, src.Bounds(), draw.Src, nil)
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			a := float64(scaled.Pix[y*scaled.Stride+x]) / 255
			if a == 0 {
				continue
			}
			mix := func(f, b uint8) uint8 { return uint8(float64(b) + a*(float64(f)-float64(b)) + 0.5) }
			under := dst.RGBAAt(r.Min.X+x, r.Min.Y+y)
			dst.SetRGBA(r.Min.X+x, r.Min.Y+y, color.RGBA{mix(ink.R, under.R), mix(ink.G, under.G), mix(ink.B, under.B), 255})
		}
	}
}

// save writes img as PNG, as 8-bit grey when gray is set and the image has
// no colour.
func save(path string, img *image.RGBA, gray bool) {
	var out image.Image = img
	if gray {
		g := image.NewGray(img.Bounds())
		draw.Draw(g, g.Bounds(), img, image.Point{}, draw.Src)
		out = g
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, out); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
