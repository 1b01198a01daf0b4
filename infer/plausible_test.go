package infer

import (
	"errors"
	"testing"

	"github.com/baeum-ml/baeum/digits"
)

// TestPredictFlagsImplausibleInputs checks the one place where digit
// models ask digits.Implausible: a dot grid is read with a flag, a 3×3
// image is refused with the flag as the error, a real digit is read
// without one, and so are the same pixels sent alone.
func TestPredictFlagsImplausibleInputs(t *testing.T) {
	p, err := Load(twoEpochs)
	if err != nil {
		t.Fatal(err)
	}
	grid, err := p.PredictImage(loadPNG(t, "../digits/testdata/notdigits/01_dotgrid5x5.png"))
	if err != nil || grid.Flag == nil || grid.Flag.Code != "pieces" {
		t.Errorf("dot grid: flag %v, error %v; want the pieces flag", grid.Flag, err)
	}
	_, err = p.PredictImage(loadPNG(t, "../digits/testdata/notdigits/16_tiny3x3-random.png"))
	var flag *digits.Flag
	if !errors.As(err, &flag) || !flag.Refuse() {
		t.Errorf("3×3 image: error %v, want a refusing *digits.Flag", err)
	}
	real, err := p.PredictImage(loadPNG(t, "../digits/testdata/single/01_label0.png"))
	if err != nil || real.Flag != nil || real.Digit != 0 {
		t.Errorf("a real 0: digit %d, flag %v, error %v", real.Digit, real.Flag, err)
	}
	again, err := p.PredictPixels(real.Input)
	if err != nil || again.Flag != nil || again.Digit != 0 {
		t.Errorf("its pixels alone: digit %d, flag %v, error %v", again.Digit, again.Flag, err)
	}
	if _, err := p.PredictPixels(make([]byte, 28*28)); !errors.As(err, &flag) || flag.Code != "blank" {
		t.Errorf("blank pixels: error %v, want the blank flag", err)
	}
}
