package digits

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"image"
	"math"
	"sync"
)

// A Flag says why a picture is not plausibly one handwritten digit. It
// is an error, so that a caller that refuses such pictures can return it.
type Flag struct {
	// Code names the test that failed, briefly and stably: "blank",
	// "too-small", "faint", "pieces", "row", "pattern", "blob", "filled",
	// "ink" or "unlike-mnist".
	Code string `json:"code"`
	// Reason says what was measured and what a digit would show, for
	// people.
	Reason string `json:"reason"`
}

// Error returns the reason, prefixed like the package's other errors.
func (f *Flag) Error() string { return "digits: not plausibly one handwritten digit: " + f.Reason }

// Refuse reports whether the picture should be refused rather than read
// with a flag: when there is no digit to read at all (blank, too small,
// too faint), as opposed to the statistical tests, which also flag a few
// real digits in a thousand (see Limits) and so should not hide the
// reading.
func (f *Flag) Refuse() bool {
	switch f.Code {
	case "blank", "too-small", "faint":
		return true
	}
	return false
}

// Source-picture limits, which MNIST cannot give (its images are all
// 28×28 and of full contrast). They are round numbers chosen by
// judgement, not measured.
const (
	// MinSide is the smallest longer side, in pixels, of a picture in
	// which a digit can be drawn legibly.
	MinSide = 8
	// MinContrast is the least difference, in grey levels of 255, between
	// the background (the median of the border) and the strongest ink: a
	// blank page photographed or saved with a little noise has less.
	MinContrast = 32
)

// inkLevel is the level (of 255) from which a prepared pixel counts as
// ink, as in Prepare's crop.
const inkLevel = 51

// Measures are simple statistics of a prepared 28×28 image (see Prepare),
// the numbers Implausible compares with those of MNIST's training digits.
type Measures struct {
	// Ink is the mean level over the 28×28 field, 0–1.
	Ink float64
	// Pieces counts the 8-connected pieces of ink (pixels ≥ 51) of two
	// pixels or more.
	Pieces int
	// Height and Width are the sides of the ink's bounding box, in pixels.
	Height, Width int
	// Fill is the fraction of the bounding box covered by ink, for a box
	// of at least 8×8 pixels; 0 for a narrower one (a thin 1 fills its
	// box and is no blob).
	Fill float64
	// Stroke is the mean width of the strokes, 2·area / outline length.
	Stroke float64
	// Crossing is the mean number of separate strokes that a row or a
	// column crosses, over those that cross any: about 1.5 for a digit,
	// more for a grid, stripes or noise.
	Crossing float64
	// Residual is the distance (in units of full ink, over the 784 pixels
	// scaled to 0–1) from the image to its projection on the space of
	// MNIST's training digits: their mean plus their first principal
	// components. Shapes unlike any digit lie far from that space.
	Residual float64
}

// Measure computes the measures of 28×28 prepared pixels (0 background,
// 255 ink). It panics if px does not hold Size×Size bytes.
func Measure(px []byte) Measures {
	if len(px) != Size*Size {
		panic(fmt.Sprintf("digits: measuring %d pixels, want %d×%d", len(px), Size, Size))
	}
	var m Measures
	var sum, area, perim int
	minX, minY, maxX, maxY := Size, Size, -1, -1
	for y := 0; y < Size; y++ {
		for x := 0; x < Size; x++ {
			v := px[y*Size+x]
			sum += int(v)
			if v < inkLevel {
				continue
			}
			area++
			minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
			// A pixel of the outline has a 4-neighbour of background.
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				nx, ny := x+d[0], y+d[1]
				if nx < 0 || nx >= Size || ny < 0 || ny >= Size || px[ny*Size+nx] < inkLevel {
					perim++
					break
				}
			}
		}
	}
	m.Ink = float64(sum) / (255 * Size * Size)
	m.Residual = residual(px)
	if area == 0 {
		return m
	}
	m.Height, m.Width = maxY-minY+1, maxX-minX+1
	if m.Height >= 8 && m.Width >= 8 {
		m.Fill = float64(area) / float64(m.Height*m.Width)
	}
	m.Stroke = 2 * float64(area) / float64(perim)
	// Crossings: runs of ink along each row and each column.
	runs, lines := 0, 0
	for i := 0; i < Size; i++ {
		var rr, rc int
		inR, inC := false, false
		for j := 0; j < Size; j++ {
			r, c := px[i*Size+j] >= inkLevel, px[j*Size+i] >= inkLevel
			if r && !inR {
				rr++
			}
			if c && !inC {
				rc++
			}
			inR, inC = r, c
		}
		for _, n := range [2]int{rr, rc} {
			if n > 0 {
				runs += n
				lines++
			}
		}
	}
	m.Crossing = float64(runs) / float64(lines)
	m.Pieces = pieces(px)
	return m
}

// pieces counts the 8-connected pieces of ink of two pixels or more, by
// flood fill.
func pieces(px []byte) int {
	var seen [Size * Size]bool
	var stack [Size * Size]int
	count := 0
	for i := range px {
		if seen[i] || px[i] < inkLevel {
			continue
		}
		n, top := 0, 0
		seen[i] = true
		stack[top] = i
		top++
		for top > 0 {
			top--
			p := stack[top]
			n++
			x, y := p%Size, p/Size
			for ny := max(0, y-1); ny <= min(Size-1, y+1); ny++ {
				for nx := max(0, x-1); nx <= min(Size-1, x+1); nx++ {
					if q := ny*Size + nx; !seen[q] && px[q] >= inkLevel {
						seen[q] = true
						stack[top] = q
						top++
					}
				}
			}
		}
		if n >= 2 {
			count++
		}
	}
	return count
}

// The principal subspace of MNIST's training digits, written by
// digits/internal/plausiblegen: little-endian float32s, the mean image
// (784 numbers, pixels scaled to 0–1) and then pcaRank orthonormal
// principal components (784 numbers each), the largest first.
//
//go:embed plausible_pca.bin
var pcaData []byte

// pcaRank is the number of principal components in pcaData.
const pcaRank = 10

// pca decodes pcaData once, when first needed (the command that writes
// it runs before it exists).
var pca = sync.OnceValues(func() ([]float32, [][]float32) { return loadPCA(pcaData) })

func loadPCA(b []byte) (mean []float32, basis [][]float32) {
	const n = Size * Size
	if len(b) != 4*n*(1+pcaRank) {
		panic(fmt.Sprintf("digits: plausible_pca.bin holds %d bytes, want %d", len(b), 4*n*(1+pcaRank)))
	}
	f := make([]float32, n*(1+pcaRank))
	for i := range f {
		f[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	mean = f[:n]
	for k := 0; k < pcaRank; k++ {
		basis = append(basis, f[n*(k+1):n*(k+2)])
	}
	return mean, basis
}

// residual returns the distance from px (scaled to 0–1) to MNIST's
// principal subspace.
func residual(px []byte) float64 {
	mean, basis := pca()
	var d [Size * Size]float32
	for i, v := range px {
		d[i] = float32(v)/255 - mean[i]
	}
	for _, u := range basis {
		var c float32
		for i, x := range d {
			c += x * u[i]
		}
		for i := range d {
			d[i] -= c * u[i]
		}
	}
	var s float64
	for _, x := range d {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// Implausible says why a picture is not plausibly one handwritten digit,
// or returns nil if it is. px is the 28×28 image prepared from it (by
// Prepare, FromInk, or data.ImagePrep.Raw with resize "digit"); src is
// the picture it was prepared from, or a Glyph's ink map for a digit cut
// from a row, or nil when only the 28×28 pixels are known (as when a
// client sends them). It panics if px does not hold Size×Size bytes.
//
// The tests, in order, the first that fails giving the flag:
//
//   - blank: no prepared pixel reaches a fifth of full ink;
//   - too-small: src is under MinSide pixels on its longer side;
//   - faint: src's strongest ink differs from its background by less
//     than MinContrast grey levels (noise on a blank page, stretched);
//   - pieces, row, pattern, blob, filled, ink: a measure (see Measures)
//     lies beyond the limits in Limits: too many pieces, a box much
//     wider than tall (a row of characters), strokes that repeat like a
//     grid, stripes or noise, strokes as thick as a blob, a box filled
//     solid, too little or too much ink;
//   - unlike-mnist: the out-of-distribution score, Measures.Residual,
//     the distance from MNIST's principal subspace, exceeds its limit.
//
// The limits are quantiles of the measures over MNIST's 60,000 training
// digits, chosen so that together they flag about 0.2% of them; see
// Limits for the numbers and the command that derives them. It takes
// some 20 µs for px, plus a pass over at most 256×256 sampled pixels of
// src (about half a millisecond), and a copy of src if it has
// transparent pixels.
//
// Flag.Refuse tells the flags for which nothing should be read (blank,
// too small, faint) from those that qualify a reading.
func Implausible(src image.Image, px []byte) *Flag {
	if len(px) != Size*Size {
		panic(fmt.Sprintf("digits: checking %d pixels, want %d×%d", len(px), Size, Size))
	}
	strong := false
	for _, v := range px {
		if v >= inkLevel {
			strong = true
			break
		}
	}
	if !strong {
		return &Flag{"blank", "no ink: no pixel of the prepared 28×28 image reaches a fifth of full ink"}
	}
	if src != nil {
		b := src.Bounds()
		if max(b.Dx(), b.Dy()) < MinSide {
			return &Flag{"too-small", fmt.Sprintf("the picture is %d×%d pixels, too small to hold a legible digit (at least %d on its longer side)", b.Dx(), b.Dy(), MinSide)}
		}
		if c := contrast(src); c < MinContrast {
			return &Flag{"faint", fmt.Sprintf("the strongest ink differs from the background by %d grey levels of 255, less than %d: a blank page with noise?", c, MinContrast)}
		}
	}
	return Limits.check(Measure(px))
}

// contrast returns the largest difference, in grey levels, between a
// pixel of img (composited as Opaque does) and its background, the
// median of its border, sampling at most 256×256 pixels.
func contrast(img image.Image) int {
	img = Opaque(img)
	b := img.Bounds()
	sx, sy := (b.Dx()+255)/256, (b.Dy()+255)/256
	grey := func(x, y int) int {
		r, g, bl, _ := img.At(x, y).RGBA()
		return int((299*r + 587*g + 114*bl) / 1000 >> 8)
	}
	if gi, ok := img.(*image.Gray); ok {
		// The same level, without a color.Color for every pixel.
		grey = func(x, y int) int { return int(gi.GrayAt(x, y).Y) }
	}
	var hist [256]int
	n := 0
	for x := b.Min.X; x < b.Max.X; x += sx {
		hist[grey(x, b.Min.Y)]++
		hist[grey(x, b.Max.Y-1)]++
		n += 2
	}
	for y := b.Min.Y; y < b.Max.Y; y += sy {
		hist[grey(b.Min.X, y)]++
		hist[grey(b.Max.X-1, y)]++
		n += 2
	}
	bg, seen := 0, 0
	for v, c := range hist {
		seen += c
		if 2*seen >= n {
			bg = v
			break
		}
	}
	most := 0
	for y := b.Min.Y; y < b.Max.Y; y += sy {
		for x := b.Min.X; x < b.Max.X; x += sx {
			d := grey(x, y) - bg
			most = max(most, d, -d)
		}
	}
	return most
}

// MeasureLimits bounds the measures of a plausible digit. A measure
// beyond its bound flags the picture.
type MeasureLimits struct {
	MaxPieces   int     // pieces of ink
	MinHeight   int     // rows of the ink's box
	MaxCrossing float64 // strokes crossed per row or column
	MaxStroke   float64 // stroke width
	MaxFill     float64 // fraction of the box covered
	MinInk      float64 // mean level
	MaxInk      float64
	MaxResidual float64 // distance from MNIST's principal subspace
}

// check returns the flag for the first measure beyond its limit, or nil.
func (l MeasureLimits) check(m Measures) *Flag {
	switch {
	case m.Pieces > l.MaxPieces:
		return &Flag{"pieces", fmt.Sprintf("the ink falls into %d separate pieces; a digit has at most %d", m.Pieces, l.MaxPieces)}
	case m.Height < l.MinHeight:
		return &Flag{"row", fmt.Sprintf("the ink is %d pixels wide and only %d tall once scaled; a digit stands at least %d tall: a row of characters, or a line?", m.Width, m.Height, l.MinHeight)}
	case m.Crossing > l.MaxCrossing:
		return &Flag{"pattern", fmt.Sprintf("a row or column crosses %.2f strokes on average, more than a digit's %.2f: a grid, stripes or noise?", m.Crossing, l.MaxCrossing)}
	case m.Stroke > l.MaxStroke:
		return &Flag{"blob", fmt.Sprintf("the strokes are %.1f pixels thick once scaled, more than a digit's %.1f: a filled shape?", m.Stroke, l.MaxStroke)}
	case m.Fill > l.MaxFill:
		return &Flag{"filled", fmt.Sprintf("ink covers %.0f%% of its box, more than a digit's %.0f%%: a filled shape?", 100*m.Fill, 100*l.MaxFill)}
	case m.Ink < l.MinInk || m.Ink > l.MaxInk:
		return &Flag{"ink", fmt.Sprintf("ink covers %.1f%% of the prepared image; a digit covers %.1f–%.1f%%", 100*m.Ink, 100*l.MinInk, 100*l.MaxInk)}
	case m.Residual > l.MaxResidual:
		return &Flag{"unlike-mnist", fmt.Sprintf("out-of-distribution score %.2f (distance from the space of MNIST's digits) above %.2f: the shape is unlike any digit", m.Residual, l.MaxResidual)}
	}
	return nil
}
