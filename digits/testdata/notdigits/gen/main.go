// Command gen writes the corpus of pictures that are not one handwritten
// digit, which digits.Implausible must refuse or flag: dot grids, noise
// of several densities, tiny images, blank ones, white ink on a
// transparent background, stripes, checkerboards, gradients, filled
// shapes, rows of several digits, textures like photographs, and
// drawings; and, in the folder letters, single letters and symbols.
// Nothing was left out or redrawn after the detector was run on it; the
// letters were moved to their own folder, and are measured apart,
// because most of them are shaped like digits (an A like a 4, a + like a
// 4 or a 7) beyond what simple statistics of the image can tell.
//
// Run it from the repository's root:
//
//	go run ./digits/testdata/notdigits/gen -out digits/testdata/notdigits
//
// The output is deterministic for a given -seed. It reads MNIST's test
// images (for rows of handwritten digits) from the GoMNIST module.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/baeum-ml/baeum/data/mnist"
)

var (
	rng   *rand.Rand
	out   string
	sub   string // a folder under out for the images being written, or ""
	count int
)

var (
	white = color.Gray{255}
	black = color.Gray{0}
)

func main() {
	flag.StringVar(&out, "out", "digits/testdata/notdigits", "output folder")
	seed := flag.Uint64("seed", 16, "random seed")
	flag.Parse()
	rng = rand.New(rand.NewPCG(*seed, 9))
	if err := os.MkdirAll(filepath.Join(out, "letters"), 0o755); err != nil {
		log.Fatal(err)
	}
	_, test, err := mnist.Load("")
	if err != nil {
		log.Fatal(err)
	}

	// Dot grids: regular dots, dark on light and light on dark.
	for i, g := range []struct{ n, side, r int }{{5, 120, 5}, {8, 160, 4}, {12, 150, 2}, {4, 90, 8}, {10, 200, 6}} {
		img := canvas(g.side, g.side, i%2 == 0)
		ink := inkFor(i%2 == 0)
		step := float64(g.side) / float64(g.n)
		for y := 0; y < g.n; y++ {
			for x := 0; x < g.n; x++ {
				disk(img, step*(float64(x)+0.5), step*(float64(y)+0.5), float64(g.r), ink)
			}
		}
		save(fmt.Sprintf("dotgrid%dx%d", g.n, g.n), img)
	}
	// A jittered dot pattern, like a dice face of many pips.
	{
		img := canvas(140, 140, true)
		for k := 0; k < 20; k++ {
			disk(img, 10+120*rng.Float64(), 10+120*rng.Float64(), 4+3*rng.Float64(), black)
		}
		save("scattered-dots", img)
	}

	// Noise of several densities: salt on black, pepper on white.
	for i, p := range []float64{0.01, 0.05, 0.2, 0.5, 0.8} {
		light := i%2 == 1
		img := canvas(96, 96, light)
		for y := 0; y < 96; y++ {
			for x := 0; x < 96; x++ {
				if rng.Float64() < p {
					img.Set(x, y, inkFor(light))
				}
			}
		}
		save(fmt.Sprintf("noise%02.0f", 100*p), img)
	}
	// Grey noise: uniform and Gaussian, and colour noise as a JPEG.
	{
		img := image.NewGray(image.Rect(0, 0, 80, 80))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.IntN(256))
		}
		save("noise-uniform-grey", img)
		g := image.NewGray(image.Rect(0, 0, 100, 70))
		for i := range g.Pix {
			g.Pix[i] = uint8(max(0, min(255, 128+40*rng.NormFloat64())))
		}
		save("noise-gaussian", g)
		c := image.NewRGBA(image.Rect(0, 0, 120, 90))
		for i := range c.Pix {
			c.Pix[i] = uint8(rng.IntN(256))
			if i%4 == 3 {
				c.Pix[i] = 255
			}
		}
		saveJPEG("noise-colour", c)
	}
	// Noise at low contrast: a white page with faint grey speckle.
	{
		img := canvas(150, 150, true)
		for y := 0; y < 150; y++ {
			for x := 0; x < 150; x++ {
				if rng.Float64() < 0.1 {
					img.Set(x, y, color.Gray{uint8(150 + rng.IntN(80))})
				}
			}
		}
		save("speckle-faint", img)
	}

	// Tiny images.
	for _, s := range []struct {
		w, h int
		name string
	}{{3, 3, "tiny3x3-random"}, {5, 5, "tiny5x5-random"}, {2, 7, "tiny2x7-random"}, {4, 4, "tiny4x4-random"}} {
		img := image.NewGray(image.Rect(0, 0, s.w, s.h))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.IntN(256))
		}
		save(s.name, img)
	}
	{
		// A 3×3 image with one dark pixel in the middle, and a 5×5 one
		// with a plus sign: the smallest "drawings".
		img := canvas(3, 3, true)
		img.Set(1, 1, black)
		save("tiny3x3-dot", img)
		p := canvas(5, 5, true)
		for k := 0; k < 5; k++ {
			p.Set(2, k, black)
			p.Set(k, 2, black)
		}
		save("tiny5x5-plus", p)
		// A tiny dot on a large page.
		d := canvas(200, 160, true)
		disk(d, 120, 70, 1.5, black)
		save("speck-on-page", d)
	}

	// Blank pictures.
	for _, b := range []struct {
		name string
		c    color.Color
	}{{"blank-white", white}, {"blank-black", black}, {"blank-grey", color.Gray{128}}, {"blank-transparent", color.NRGBA{}}, {"blank-blue", color.RGBA{30, 60, 200, 255}}} {
		img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
		draw.Draw(img, img.Bounds(), image.NewUniform(b.c), image.Point{}, draw.Src)
		save(b.name, img)
	}
	{
		// Nearly blank: a grey page with a jitter of ±2 levels.
		img := image.NewGray(image.Rect(0, 0, 90, 90))
		for i := range img.Pix {
			img.Pix[i] = uint8(200 + rng.IntN(5) - 2)
		}
		save("blank-jitter", img)
	}

	// White ink on a transparent background (as a drawing app exports).
	{
		img := image.NewNRGBA(image.Rect(0, 0, 120, 120))
		ink := color.NRGBA{255, 255, 255, 255}
		disk(img, 60, 60, 35, ink)
		save("alpha-white-disk", img)
		g := image.NewNRGBA(image.Rect(0, 0, 120, 120))
		for y := 0; y < 6; y++ {
			for x := 0; x < 6; x++ {
				disk(g, 10+20*float64(x), 10+20*float64(y), 4, ink)
			}
		}
		save("alpha-white-dotgrid", g)
		t := image.NewNRGBA(image.Rect(0, 0, 160, 80))
		text(t, "ABC", gobold.TTF, 50, 10, 65, ink)
		save("alpha-white-text", t)
		s := image.NewNRGBA(image.Rect(0, 0, 100, 100))
		for y := 0; y < 100; y++ {
			if (y/8)%2 == 0 {
				for x := 0; x < 100; x++ {
					s.Set(x, y, ink)
				}
			}
		}
		save("alpha-white-stripes", s)
	}

	// Stripes.
	for i, s := range []struct {
		period  int
		dir     string
		w, h    int
		inkFrac float64
	}{{16, "h", 120, 120, 0.5}, {10, "v", 100, 140, 0.3}, {24, "d", 150, 150, 0.5}, {6, "v", 90, 90, 0.5}, {40, "h", 160, 160, 0.25}} {
		img := canvas(s.w, s.h, i%2 == 0)
		ink := inkFor(i%2 == 0)
		for y := 0; y < s.h; y++ {
			for x := 0; x < s.w; x++ {
				t := y
				switch s.dir {
				case "v":
					t = x
				case "d":
					t = x + y
				}
				if float64(t%s.period) < s.inkFrac*float64(s.period) {
					img.Set(x, y, ink)
				}
			}
		}
		save(fmt.Sprintf("stripes-%s%d", s.dir, s.period), img)
	}

	// Checkerboards.
	for i, cell := range []int{4, 12, 30} {
		img := canvas(120, 120, i%2 == 0)
		ink := inkFor(i%2 == 0)
		for y := 0; y < 120; y++ {
			for x := 0; x < 120; x++ {
				if (x/cell+y/cell)%2 == 1 {
					img.Set(x, y, ink)
				}
			}
		}
		save(fmt.Sprintf("checker%d", cell), img)
	}

	// Gradients.
	{
		h := image.NewGray(image.Rect(0, 0, 128, 96))
		v := image.NewGray(image.Rect(0, 0, 96, 128))
		r := image.NewGray(image.Rect(0, 0, 120, 120))
		for y := 0; y < 128; y++ {
			for x := 0; x < 128; x++ {
				if x < 128 && y < 96 {
					h.Pix[y*h.Stride+x] = uint8(x * 2)
				}
				if x < 96 {
					v.Pix[y*v.Stride+x] = uint8(255 - y*2)
				}
				if x < 120 && y < 120 {
					d := math.Hypot(float64(x-60), float64(y-60))
					r.Pix[y*r.Stride+x] = uint8(max(0, 255-d*4))
				}
			}
		}
		save("gradient-horizontal", h)
		save("gradient-vertical", v)
		save("gradient-radial", r)
		c := image.NewRGBA(image.Rect(0, 0, 140, 100))
		for y := 0; y < 100; y++ {
			for x := 0; x < 140; x++ {
				c.Set(x, y, color.RGBA{uint8(x * 255 / 140), uint8(y * 255 / 100), 128, 255})
			}
		}
		saveJPEG("gradient-colour", c)
	}

	// Filled shapes.
	{
		img := canvas(140, 120, true)
		rect(img, 30, 25, 110, 95, black)
		save("filled-rectangle", img)
		c := canvas(130, 130, false)
		disk(c, 65, 65, 40, white)
		save("filled-circle", c)
		t := canvas(140, 140, true)
		for y := 20; y < 120; y++ {
			half := float64(y-20) / 2
			for x := int(70 - half); x <= int(70+half); x++ {
				t.Set(x, y, color.Gray{40})
			}
		}
		save("filled-triangle", t)
		e := image.NewRGBA(image.Rect(0, 0, 160, 100))
		draw.Draw(e, e.Bounds(), image.NewUniform(color.RGBA{250, 240, 200, 255}), image.Point{}, draw.Src)
		for y := 0; y < 100; y++ {
			for x := 0; x < 160; x++ {
				if dx, dy := float64(x-80)/60, float64(y-50)/30; dx*dx+dy*dy <= 1 {
					e.Set(x, y, color.RGBA{200, 30, 30, 255})
				}
			}
		}
		saveGIF("filled-ellipse", e)
		s := canvas(120, 120, true)
		rect(s, 20, 20, 100, 100, black)
		rect(s, 35, 35, 85, 85, white)
		save("square-frame", s)
	}

	// Rows of several digits: typed and handwritten.
	for _, s := range []string{"123", "2024", "98765"} {
		img := canvas(40*len(s)+20, 80, true)
		text(img, s, goregular.TTF, 56, 10, 62, black)
		save("typed-"+s, img)
	}
	for k, n := range []int{2, 3, 6} {
		img := canvas(28*n+8, 36, k%2 == 1)
		for j := 0; j < n; j++ {
			idx := rng.IntN(test.N)
			paintMNIST(img, test.Image(idx), image.Rect(4+28*j, 4, 32+28*j, 32), k%2 == 1)
		}
		save(fmt.Sprintf("handwritten-row%d", n), img)
	}

	// Letters and symbols, in a TrueType face and in the fixed 7×13
	// bitmap face scaled up. They go to a folder of their own: simple
	// statistics cannot tell most of them from digits (an A from a 4, a
	// + from a 4 or a 7), and the tests report their rate apart.
	sub = "letters"
	for i, s := range []string{"A", "W", "M", "K", "R", "H", "x", "#", "@", "%", "&", "*", "?", "+"} {
		light := i%3 != 0
		img := canvas(90, 90, light)
		text(img, s, goregular.TTF, 64, 20, 70, inkFor(light))
		save("glyph-"+name(s), img)
	}
	for _, s := range []string{"Hi", "ok", "$"} {
		small := canvas(7*len(s), 13, true)
		d := font.Drawer{Dst: small, Src: image.NewUniform(black), Face: basicfont.Face7x13, Dot: fixed.P(0, 11)}
		d.DrawString(s)
		big := image.NewGray(image.Rect(0, 0, 7*len(s)*6, 13*6))
		draw.NearestNeighbor.Scale(big, big.Bounds(), small, small.Bounds(), draw.Src, nil)
		save("bitmap-"+name(s), big)
	}
	sub = ""
	{
		img := canvas(300, 60, true)
		text(img, "hello world", goregular.TTF, 36, 8, 42, black)
		save("text-line", img)
	}

	// Textures like photographs: smooth value noise, wood rings, a
	// landscape, as JPEG.
	for k, oct := range []int{2, 4} {
		img := image.NewRGBA(image.Rect(0, 0, 128, 128))
		n := valueNoise(128, oct)
		for y := 0; y < 128; y++ {
			for x := 0; x < 128; x++ {
				v := n[y*128+x]
				img.Set(x, y, color.RGBA{uint8(60 + 150*v), uint8(90 + 120*v), uint8(40 + 100*v), 255})
			}
		}
		saveJPEG(fmt.Sprintf("texture-clouds%d", k), img)
	}
	{
		img := image.NewRGBA(image.Rect(0, 0, 128, 128))
		for y := 0; y < 128; y++ {
			for x := 0; x < 128; x++ {
				d := math.Hypot(float64(x-20), float64(y-110)) + 6*math.Sin(float64(x)/9)
				v := 0.5 + 0.5*math.Sin(d/3)
				img.Set(x, y, color.RGBA{uint8(120 + 80*v), uint8(70 + 50*v), uint8(30 + 20*v), 255})
			}
		}
		saveJPEG("texture-wood", img)
		l := image.NewRGBA(image.Rect(0, 0, 160, 110))
		n := valueNoise(160, 3)
		for y := 0; y < 110; y++ {
			for x := 0; x < 160; x++ {
				ground := 60 + 15*math.Sin(float64(x)/17) + 10*n[y*160+x]
				if float64(y) > ground {
					l.Set(x, y, color.RGBA{40, uint8(80 + 60*n[y*160+x]), 30, 255})
				} else {
					l.Set(x, y, color.RGBA{uint8(120 + y), uint8(170 + y/2), 240, 255})
				}
			}
		}
		saveJPEG("photo-landscape", l)
	}

	// Drawings: a smiley, a scribble, a spiral, cross-hatching, a star.
	{
		img := canvas(140, 140, true)
		ring(img, 70, 70, 55, 4, black)
		disk(img, 50, 55, 7, black)
		disk(img, 90, 55, 7, black)
		for a := 0.2; a < math.Pi-0.2; a += 0.01 {
			disk(img, 70+35*math.Cos(a), 80+25*math.Sin(a), 2.5, black)
		}
		save("smiley", img)
		s := canvas(150, 150, true)
		x, y, dir := 75.0, 75.0, 0.0
		for k := 0; k < 900; k++ {
			dir += 0.5 * rng.NormFloat64()
			x = math.Max(10, math.Min(140, x+2*math.Cos(dir)))
			y = math.Max(10, math.Min(140, y+2*math.Sin(dir)))
			disk(s, x, y, 2, black)
		}
		save("scribble", s)
		sp := canvas(150, 150, false)
		for a := 0.0; a < 8*math.Pi; a += 0.01 {
			r := 4 * a
			disk(sp, 75+r*math.Cos(a), 75+r*math.Sin(a), 2, white)
		}
		save("spiral", sp)
		h := canvas(130, 130, true)
		for k := -130; k < 130; k += 12 {
			line(h, float64(k), 0, float64(k+130), 130, 1.5, black)
			line(h, float64(k), 130, float64(k+130), 0, 1.5, black)
		}
		save("crosshatch", h)
		st := canvas(140, 140, true)
		for k := 0; k < 5; k++ {
			a1 := -math.Pi/2 + float64(k)*4*math.Pi/5
			a2 := a1 + 4*math.Pi/5
			line(st, 70+55*math.Cos(a1), 70+55*math.Sin(a1), 70+55*math.Cos(a2), 70+55*math.Sin(a2), 3, black)
		}
		save("star", st)
	}
	log.Printf("wrote %d images to %s", count, out)
}

// canvas returns a grey image of light or dark background.
func canvas(w, h int, light bool) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	if light {
		for i := range img.Pix {
			img.Pix[i] = 255
		}
	}
	return img
}

// inkFor returns the ink that contrasts with a light or dark background.
func inkFor(light bool) color.Color {
	if light {
		return black
	}
	return white
}

type settable interface {
	draw.Image
}

func disk(img settable, cx, cy, r float64, c color.Color) {
	b := img.Bounds()
	for y := int(cy - r - 1); y <= int(cy+r+1); y++ {
		for x := int(cx - r - 1); x <= int(cx+r+1); x++ {
			if image.Pt(x, y).In(b) && math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) <= r {
				img.Set(x, y, c)
			}
		}
	}
}

func ring(img settable, cx, cy, r, w float64, c color.Color) {
	for a := 0.0; a < 2*math.Pi; a += 0.005 {
		disk(img, cx+r*math.Cos(a), cy+r*math.Sin(a), w/2, c)
	}
}

func line(img settable, x0, y0, x1, y1, w float64, c color.Color) {
	n := int(math.Hypot(x1-x0, y1-y0)) + 1
	for k := 0; k <= n; k++ {
		t := float64(k) / float64(n)
		disk(img, x0+t*(x1-x0), y0+t*(y1-y0), w/2, c)
	}
}

func rect(img settable, x0, y0, x1, y1 int, c color.Color) {
	draw.Draw(img, image.Rect(x0, y0, x1, y1), image.NewUniform(c), image.Point{}, draw.Src)
}

// text draws s in a TrueType face of the given size, its baseline at
// (x, y).
func text(img settable, s string, ttf []byte, size float64, x, y int, c color.Color) {
	f, err := opentype.Parse(ttf)
	if err != nil {
		log.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		log.Fatal(err)
	}
	defer face.Close()
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// paintMNIST draws a 28×28 MNIST digit into r, dark on light or light on
// dark.
func paintMNIST(img *image.Gray, px []byte, r image.Rectangle, light bool) {
	for y := 0; y < 28; y++ {
		for x := 0; x < 28; x++ {
			v := px[y*28+x]
			if light {
				v = 255 - v
			}
			img.SetGray(r.Min.X+x, r.Min.Y+y, color.Gray{v})
		}
	}
}

// valueNoise returns side×side smooth noise in [0, 1]: random values on
// coarse grids, interpolated and summed over octaves.
func valueNoise(side, octaves int) []float64 {
	out := make([]float64, side*side)
	amp, total := 1.0, 0.0
	for o := 0; o < octaves; o++ {
		cells := 4 << o
		grid := make([]float64, (cells+1)*(cells+1))
		for i := range grid {
			grid[i] = rng.Float64()
		}
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				fx, fy := float64(x)*float64(cells)/float64(side), float64(y)*float64(cells)/float64(side)
				ix, iy := int(fx), int(fy)
				tx, ty := fx-float64(ix), fy-float64(iy)
				tx, ty = tx*tx*(3-2*tx), ty*ty*(3-2*ty)
				g := func(i, j int) float64 { return grid[j*(cells+1)+i] }
				top := g(ix, iy)*(1-tx) + g(ix+1, iy)*tx
				bot := g(ix, iy+1)*(1-tx) + g(ix+1, iy+1)*tx
				out[y*side+x] += amp * (top*(1-ty) + bot*ty)
			}
		}
		total += amp
		amp /= 2
	}
	for i := range out {
		out[i] /= total
	}
	return out
}

// name turns a symbol into a file-name part.
func name(s string) string {
	m := map[rune]string{'#': "hash", '@': "at", '%': "percent", '&': "ampersand", '*': "star", '?': "question", '+': "plus", '$': "dollar"}
	var b []byte
	for _, r := range s {
		if n, ok := m[r]; ok {
			b = append(b, n...)
		} else {
			b = append(b, byte(r))
		}
	}
	return string(b)
}

func path(base, ext string) string {
	count++
	return filepath.Join(out, sub, fmt.Sprintf("%02d_%s.%s", count, base, ext))
}

func save(base string, img image.Image) {
	write(path(base, "png"), func(f *os.File) error { return png.Encode(f, img) })
}

func saveJPEG(base string, img image.Image) {
	write(path(base, "jpg"), func(f *os.File) error { return jpeg.Encode(f, img, &jpeg.Options{Quality: 85}) })
}

func saveGIF(base string, img image.Image) {
	pal := image.NewPaletted(img.Bounds(), palette.Plan9)
	draw.FloydSteinberg.Draw(pal, pal.Bounds(), img, image.Point{})
	write(path(base, "gif"), func(f *os.File) error { return gif.Encode(f, pal, nil) })
}

func write(p string, enc func(*os.File) error) {
	f, err := os.Create(p)
	if err != nil {
		log.Fatal(err)
	}
	if err := enc(f); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
