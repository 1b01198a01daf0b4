package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/augment"
)

func TestAugmentFor(t *testing.T) {
	grey := data.ImagePrep{Height: 28, Width: 28, Channels: 1, Pad: 2, Mean: []float64{0.13}, Std: []float64{0.31}}
	colour := data.ImagePrep{Height: 32, Width: 32, Channels: 3}
	tests := []struct {
		spec string
		base data.ImagePrep
		want augment.Config // zero: no augmenter
	}{
		{"", grey, augment.Config{}},
		{"none", grey, augment.Config{}},
		{"digits", grey, augment.Config{Shift: 2, Rotate: 10, Scale: 0.1, Shear: 0.1, Alpha: 34, Sigma: 4}},
		{"affine,elastic", grey, augment.Config{Shift: 2, Rotate: 10, Scale: 0.1, Shear: 0.1, Alpha: 34, Sigma: 4}},
		{"affine(rotate=15)", grey, augment.Config{Shift: 2, Rotate: 15, Scale: 0.1, Shear: 0.1}},
		{"flip,crop", colour, augment.Config{Flip: true, Crop: 4}},
		{"natural", colour, augment.Config{Flip: true, Crop: 4}},
	}
	for _, tc := range tests {
		a, err := augmentFor(&trainOptions{Augment: tc.spec, Seed: 3}, tc.base)
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if tc.want == (augment.Config{}) {
			if a != nil {
				t.Errorf("%q: an augmenter, want none", tc.spec)
			}
			continue
		}
		aa, ok := a.(*augment.Augmenter)
		if !ok {
			t.Fatalf("%q: %T", tc.spec, a)
		}
		if aa.Config() != tc.want {
			t.Errorf("%q: %+v, want %+v", tc.spec, aa.Config(), tc.want)
		}
		if c, h, w := aa.Shape(); c != tc.base.Channels || h != tc.base.Height || w != tc.base.Width {
			t.Errorf("%q: an augmenter of %d×%d×%d images", tc.spec, c, h, w)
		}
	}
}

func TestAugmentForSeed(t *testing.T) {
	base := data.ImagePrep{Height: 28, Width: 28, Channels: 1}
	src := make([]byte, 28*28)
	for i := range src {
		src[i] = byte(i * 7)
	}
	image := func(seed uint64) []byte {
		a, err := augmentFor(&trainOptions{Augment: "digits", Seed: seed}, base)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]byte, len(src))
		a.Augment(dst, src, 1, 0)
		return dst
	}
	if !bytes.Equal(image(1), image(1)) || bytes.Equal(image(1), image(2)) {
		t.Errorf("the transforms do not follow --seed")
	}
}

func TestAugmentForErrors(t *testing.T) {
	base := data.ImagePrep{Height: 28, Width: 28, Channels: 1}
	for _, tc := range []struct{ spec, want string }{
		{"blur", `--augment "blur": unknown transform "blur"`},
		{"affine(rotate=400)", "rotate 400 outside"},
		{"elastic(sigma=x)", "want a number"},
	} {
		_, err := augmentFor(&trainOptions{Augment: tc.spec}, base)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error containing %q", tc.spec, err, tc.want)
		}
	}
}

// TestAugmentAlone checks what --augment given without a value means:
// affine distortions for digits, a crop and a flip for other pictures,
// and that an explicit value is kept.
func TestAugmentAlone(t *testing.T) {
	digit := data.ImagePrep{Height: 28, Width: 28, Channels: 1, Resize: "digit"}
	photo := data.ImagePrep{Height: 32, Width: 32, Channels: 3, Resize: "stretch"}
	for _, tt := range []struct {
		spec string
		base data.ImagePrep
		want string
	}{
		{augmentAuto, digit, "affine"},
		{augmentAuto, photo, "natural"},
		{"digits", digit, "digits"},
		{"", photo, ""},
	} {
		if got := augmentSpec(tt.spec, tt.base); got != tt.want {
			t.Errorf("augmentSpec(%q, resize %q) = %q, want %q", tt.spec, tt.base.Resize, got, tt.want)
		}
	}
	a, err := augmentFor(&trainOptions{Augment: augmentAuto, Seed: 1}, digit)
	if err != nil || a == nil {
		t.Fatalf("--augment alone for digits: %v, %v", a, err)
	}
}

// TestAugmentValueNeedsEquals checks the message for "--augment affine":
// a flag that may stand alone takes its value only after "=", and the
// error says so instead of cobra's "unknown command".
func TestAugmentValueNeedsEquals(t *testing.T) {
	_, err := run(t, "train", "--augment", "affine", "--limit", "100")
	if err == nil || !strings.Contains(err.Error(), "--augment=affine") {
		t.Errorf("train --augment affine: %v, want the hint to write --augment=affine", err)
	}
	_, err = run(t, "train", "stray")
	if err == nil || !strings.Contains(err.Error(), `unexpected argument "stray"`) {
		t.Errorf("train stray: %v", err)
	}
}

// TestDefaultAugment checks which runs augment without --augment: LeNet-5
// on MNIST only.
func TestDefaultAugment(t *testing.T) {
	for _, tt := range []struct {
		o     trainOptions
		given bool
		want  bool
	}{
		{trainOptions{Model: "lenet5"}, false, true},
		{trainOptions{Model: "lenet5-relu", dataDir: "mnist"}, false, true},
		{trainOptions{Model: "lenet5"}, true, false},
		{trainOptions{Model: "mlp"}, false, false},
		{trainOptions{Model: "lenet5", dataDir: "fashion-mnist"}, false, false},
		{trainOptions{Model: "lenet5", Target: "y"}, false, false},
	} {
		if got := defaultAugment(&tt.o, tt.given); got != tt.want {
			t.Errorf("defaultAugment(model %s, data %q, given %v) = %v, want %v", tt.o.Model, tt.o.dataDir, tt.given, got, tt.want)
		}
	}
}
