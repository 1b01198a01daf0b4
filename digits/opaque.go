package digits

import (
	"image"
	"image/color"
)

// Opaque returns img with its transparent and translucent pixels
// composited onto a plain background, so that a drawing exported with an
// alpha channel reads the same whatever the colour of its ink. The
// transparent pixels are the background; the background's colour is
// chosen to contrast with the ink, the visible pixels: black under light
// ink (white on transparent, as a drawing app on a dark theme exports)
// and white under dark ink. Which is which is decided by the mean
// luminance of the pixels weighted by their opacity.
//
// An image without transparency is returned as it is; any other comes
// back as a new *image.RGBA with the same bounds. A fully transparent
// image becomes plain white, which is blank.
//
// Compositing onto white alone, as Gray does, makes white ink on a
// transparent background vanish: white on white.
func Opaque(img image.Image) image.Image {
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		return img
	}
	b := img.Bounds()
	// The ink's mean luminance (0–1), weighted by opacity: RGBA's
	// colours are already multiplied by α, so Σ colour / Σ α is it.
	var lum, alpha float64
	translucent := false
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a != 0xffff {
				translucent = true
			}
			lum += 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)
			alpha += float64(a)
		}
	}
	if !translucent {
		return img
	}
	var bg uint32 = 0xffff // white under dark ink, and for no ink at all
	if alpha > 0 && lum/alpha > 0.5 {
		bg = 0 // black under light ink
	}
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			// Premultiplied colour over an opaque background: c + (1-α)·bg.
			under := bg * (0xffff - a) / 0xffff
			out.SetRGBA(x, y, color.RGBA{uint8((r + under) >> 8), uint8((g + under) >> 8), uint8((bl + under) >> 8), 0xff})
		}
	}
	return out
}
