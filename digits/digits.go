// Package digits turns photographs and drawings of handwritten digits
// into the 28×28 images that MNIST is made of, and cuts a row of digits
// (a ZIP code) into single ones.
//
// MNIST's images were made by a fixed procedure, and a model trained on
// them expects its inputs made the same way: the digit is white on black,
// its bounding box scaled (keeping the aspect ratio) to fit 20×20 pixels
// with anti-aliasing, and the result placed in a 28×28 field so that its
// centre of mass sits at the centre. Prepare follows that procedure for
// an image of any size, polarity and colour model.
package digits

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"

	"golang.org/x/image/draw"
)

// Size is the side of an MNIST image, and Box the side of the square its
// digit is scaled into.
const (
	Size = 28
	Box  = 20
)

// ErrBlank is returned for an image with no ink to find.
var ErrBlank = errors.New("digits: the image is blank: no digit found")

// Gray converts img to 8-bit grey levels (ink or background, whatever its
// colours), compositing transparent pixels onto white, as a drawing on
// paper would look.
func Gray(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch src := img.(type) {
	case *image.Gray:
		// An opaque grey's luminance is its own level: the formula
		// below gives (1000·257·v/1000)>>8 = v.
		for y := b.Min.Y; y < b.Max.Y; y++ {
			i := src.PixOffset(b.Min.X, y)
			copy(g.Pix[(y-b.Min.Y)*g.Stride:], src.Pix[i:i+b.Dx()])
		}
		return g
	case *image.NRGBA:
		// The same arithmetic on the concrete colours, without a
		// color.Color for every pixel.
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				g.Pix[(y-b.Min.Y)*g.Stride+(x-b.Min.X)] = lum8(src.NRGBAAt(x, y).RGBA())
			}
		}
		return g
	case *image.RGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				g.Pix[(y-b.Min.Y)*g.Stride+(x-b.Min.X)] = lum8(src.RGBAAt(x, y).RGBA())
			}
		}
		return g
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Pix[(y-b.Min.Y)*g.Stride+(x-b.Min.X)] = lum8(img.At(x, y).RGBA())
		}
	}
	return g
}

// lum8 composites a colour (16-bit, alpha-premultiplied) over white and
// returns its luminance (ITU-R 601) in 8 bits.
func lum8(r, gg, bb, a uint32) uint8 {
	white := 0xffff - a
	lum := (299*(r+white) + 587*(gg+white) + 114*(bb+white)) / 1000
	return uint8(lum >> 8)
}

// Ink returns an ink map of g: 0 for background, up to 255 for full ink,
// inverting dark-on-light images (decided by the border, which is
// background in any sensible picture of a digit) and stretching the
// contrast so that the background is 0 and the darkest ink 255.
func Ink(g *image.Gray) *image.Gray {
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	if w == 0 || h == 0 {
		return out
	}
	// The background level is the median of the border pixels.
	var border []uint8
	for x := 0; x < w; x++ {
		border = append(border, g.GrayAt(x, 0).Y, g.GrayAt(x, h-1).Y)
	}
	for y := 0; y < h; y++ {
		border = append(border, g.GrayAt(0, y).Y, g.GrayAt(w-1, y).Y)
	}
	var hist [256]int
	for _, v := range border {
		hist[v]++
	}
	bg, seen := 0, 0
	for v, c := range hist {
		seen += c
		if seen*2 >= len(border) {
			bg = v
			break
		}
	}
	invert := bg > 127
	peak := 0
	origin := b.Min == (image.Point{}) // then (x, y) is Pix[y·Stride + x]
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var v int
			if origin {
				v = int(g.Pix[y*g.Stride+x])
			} else {
				v = int(g.GrayAt(x, y).Y)
			}
			d := v - bg // ink is brighter than the background
			if invert {
				d = bg - v // ink is darker
			}
			d = max(d, 0)
			out.Pix[y*out.Stride+x] = uint8(d)
			peak = max(peak, d)
		}
	}
	if peak == 0 {
		return out
	}
	for i, v := range out.Pix {
		out.Pix[i] = uint8(min(255, int(v)*255/peak))
	}
	return out
}

// inkBounds returns the bounding box of the pixels of ink brighter than a
// threshold (a fifth of full ink, so that faint noise and anti-aliasing
// fringes do not widen the box).
func inkBounds(ink *image.Gray) (image.Rectangle, bool) {
	b := ink.Bounds()
	minX, minY, maxX, maxY := b.Max.X, b.Max.Y, b.Min.X-1, b.Min.Y-1
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if ink.GrayAt(x, y).Y > 50 {
				minX, minY = min(minX, x), min(minY, y)
				maxX, maxY = max(maxX, x), max(maxY, y)
			}
		}
	}
	if maxX < minX {
		return image.Rectangle{}, false
	}
	return image.Rect(minX, minY, maxX+1, maxY+1), true
}

// Prepare makes the MNIST image (28×28 bytes, row-major, 0 background and
// 255 ink) of the digit in img: grey levels, inverted if it is dark on
// light, cropped to the digit, scaled into 20×20 keeping its aspect ratio,
// and centred by its centre of mass in 28×28.
func Prepare(img image.Image) ([]byte, error) {
	if b := img.Bounds(); b.Dx() == 0 || b.Dy() == 0 {
		return nil, fmt.Errorf("digits: the image is empty (%d×%d)", b.Dx(), b.Dy())
	}
	return FromInk(Ink(Gray(img)))
}

// FromInk is Prepare for an ink map (see Ink) or a region of one.
func FromInk(ink *image.Gray) ([]byte, error) {
	box, ok := inkBounds(ink)
	if !ok {
		return nil, ErrBlank
	}
	// Scale the longer side to Box pixels.
	w, h := box.Dx(), box.Dy()
	sw, sh := Box, Box
	if w > h {
		sh = max(1, int(math.Round(float64(h)*Box/float64(w))))
	} else {
		sw = max(1, int(math.Round(float64(w)*Box/float64(h))))
	}
	small := image.NewGray(image.Rect(0, 0, sw, sh))
	// Catmull-Rom resampling anti-aliases like the original's smoothing.
	draw.CatmullRom.Scale(small, small.Bounds(), ink, box, draw.Src, nil)
	// Centre of mass of the scaled digit, in pixel indices: MNIST puts it
	// at pixel (14, 14) of the field (its test images average 14.00 and
	// 13.99).
	var mass, cx, cy float64
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			v := float64(small.Pix[y*small.Stride+x])
			mass += v
			cx += v * float64(x)
			cy += v * float64(y)
		}
	}
	if mass == 0 {
		return nil, ErrBlank
	}
	cx, cy = cx/mass, cy/mass
	// Place it so the centre of mass lands at the centre of the field,
	// keeping the whole box inside.
	ox := clamp(int(math.Round(Size/2-cx)), 0, Size-sw)
	oy := clamp(int(math.Round(Size/2-cy)), 0, Size-sh)
	out := make([]byte, Size*Size)
	for y := 0; y < sh; y++ {
		copy(out[(y+oy)*Size+ox:(y+oy)*Size+ox+sw], small.Pix[y*small.Stride:y*small.Stride+sw])
	}
	return out, nil
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// ToImage wraps 28×28 MNIST bytes as an image (white ink on black).
func ToImage(pixels []byte) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, Size, Size))
	copy(g.Pix, pixels)
	return g
}

// FromMNIST draws MNIST bytes (ink high) as a w×h picture of dark ink on
// a light background or light on dark, for tests and examples.
func FromMNIST(pixels []byte, w, h int, darkOnLight bool) *image.Gray {
	src := ToImage(pixels)
	dst := image.NewGray(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	if darkOnLight {
		for i, v := range dst.Pix {
			dst.Pix[i] = 255 - v
		}
	}
	return dst
}

var _ color.Model = color.GrayModel
