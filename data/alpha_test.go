package data

import (
	"errors"
	"image"
	"image/color"
	"testing"

	"github.com/baeum-ml/baeum/digits"
)

// TestRawCompositesTransparency checks that a digit drawn on a
// transparent background is read whatever its ink: white ink on
// transparent used to composite onto white and vanish.
func TestRawCompositesTransparency(t *testing.T) {
	// A 7 as an alpha mask: a bar and a slanted stroke, with a
	// translucent fringe.
	mask := image.NewAlpha(image.Rect(0, 0, 60, 80))
	for y := 0; y < 80; y++ {
		for x := 0; x < 60; x++ {
			onBar := y >= 8 && y < 16 && x >= 8 && x < 52
			sx := 50 - (y-16)/3
			onStroke := y >= 16 && y < 72 && x >= sx-4 && x < sx+4
			switch {
			case onBar || onStroke:
				mask.SetAlpha(x, y, color.Alpha{255})
			case y >= 7 && y < 73 && x >= sx-5 && x < sx+5 && y >= 16:
				mask.SetAlpha(x, y, color.Alpha{100})
			}
		}
	}
	paint := func(ink color.NRGBA) image.Image {
		img := image.NewNRGBA(mask.Bounds())
		for i, a := range mask.Pix {
			img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = ink.R, ink.G, ink.B, a
		}
		return img
	}
	// The reference: black ink on opaque white.
	ref := image.NewGray(mask.Bounds())
	for i, a := range mask.Pix {
		ref.Pix[i] = 255 - a
	}
	prep := ImagePrep{Height: 28, Width: 28, Channels: 1, Resize: "digit"}
	want, err := prep.Raw(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		img  image.Image
	}{
		{"white on transparent", paint(color.NRGBA{255, 255, 255, 255})},
		{"black on transparent", paint(color.NRGBA{0, 0, 0, 255})},
		{"blue on transparent", paint(color.NRGBA{20, 40, 220, 255})},
		{"light grey on transparent", paint(color.NRGBA{220, 220, 220, 255})},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := prep.Raw(c.img)
			if err != nil {
				t.Fatal(err)
			}
			// The same pixels up to rounding of the translucent fringe.
			diff := 0
			for i := range got {
				diff = max(diff, int(got[i])-int(want[i]), int(want[i])-int(got[i]))
			}
			if diff > 40 {
				t.Errorf("differs from black on white by up to %d levels", diff)
			}
		})
	}
	if _, err := prep.Raw(image.NewNRGBA(image.Rect(0, 0, 30, 30))); !errors.Is(err, digits.ErrBlank) {
		t.Errorf("fully transparent: %v, want %v", err, digits.ErrBlank)
	}
}
