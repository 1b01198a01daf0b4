package digits_test

import (
	"image"
	"testing"

	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/digits"
)

// This test reads MNIST, whose package stands above digits (the
// preprocessing record in package data prepares pictures with digits), so
// it lives in the external test package.

func TestPrepareRecoversMNISTDigits(t *testing.T) {
	test, err := mnist.LoadSplit("", mnist.Test)
	if err != nil {
		t.Fatal(err)
	}
	worst := 1.0
	for i := 0; i < 50; i++ {
		orig := test.Image(i)
		for _, darkOnLight := range []bool{false, true} {
			// Draw the digit large and off-centre on a bigger canvas.
			big := digits.FromMNIST(orig, 150+3*i, 150+3*i, darkOnLight)
			canvas := image.NewGray(image.Rect(0, 0, big.Rect.Dx()+70, big.Rect.Dy()+40))
			bg := uint8(0)
			if darkOnLight {
				bg = 255
			}
			for j := range canvas.Pix {
				canvas.Pix[j] = bg
			}
			for y := 0; y < big.Rect.Dy(); y++ {
				copy(canvas.Pix[(y+31)*canvas.Stride+55:], big.Pix[y*big.Stride:(y+1)*big.Stride])
			}
			got, err := digits.Prepare(canvas)
			if err != nil {
				t.Fatal(err)
			}
			if s := digits.Similarity(got, orig); s < worst {
				worst = s
				t.Logf("image %d: similarity %.3f", i, s)
			}
		}
	}
	// MNIST digits are already prepared this way, so re-preparing one
	// drawn at another size and place gives nearly the same image.
	if worst < 0.85 {
		t.Errorf("worst similarity to the original %.3f, want ≥ 0.85", worst)
	}
}
