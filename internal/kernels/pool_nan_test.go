package kernels

import (
	"math"
	"testing"
)

// TestMaxPoolNaN checks max pooling on windows holding NaN against what
// PyTorch 1.13's CPU kernel does (see autograd/testdata/torch_edge.json,
// which compares the same image through autograd): a window with NaN
// gives NaN, and its gradient goes to the window's LAST NaN in row-major
// order; otherwise to the first largest element, even when every element
// is -Inf.
func TestMaxPoolNaN(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	img := []float64{ // one 4×4 channel
		1, nan, nan, 5,
		3, 2, 7, nan,
		4, inf, -1, -2,
		nan, -inf, -3, -0.5,
	}
	img2 := []float64{ // a second channel
		nan, nan, -inf, -inf,
		nan, 0, -inf, -inf,
		2, 2, nan, 9,
		2, 1, 8, 7,
	}
	tests := []struct {
		name     string
		src      []float64
		k, s     int
		want     []float64 // pooled values
		wantFrom []int     // the offset each window's gradient goes to
	}{
		{"2x2 one NaN, two NaNs, NaN after +Inf, none", img, 2, 2,
			[]float64{nan, nan, nan, -0.5}, []int{1, 7, 12, 15}},
		{"2x2 three NaNs, all -Inf, tie, NaN before larger", img2, 2, 2,
			[]float64{nan, -inf, 2, nan}, []int{4, 2, 8, 10}},
		{"3x3 stride 1, overlapping NaN windows", img, 3, 1,
			[]float64{nan, nan, nan, nan}, []int{2, 7, 12, 7}},
		{"3x3 stride 1, second channel", img2, 3, 1,
			[]float64{nan, nan, nan, nan}, []int{10, 10, 10, 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := ConvGeom{C: 1, H: 4, W: 4, KH: tc.k, KW: tc.k, StrideH: tc.s, StrideW: tc.s}
			checkMaxPoolNaN[float64](t, tc.src, g, tc.want, tc.wantFrom)
			checkMaxPoolNaN[float32](t, tc.src, g, tc.want, tc.wantFrom)
		})
	}
}

func checkMaxPoolNaN[T float32 | float64](t *testing.T, src64 []float64, g ConvGeom, want []float64, from []int) {
	t.Helper()
	src := make([]T, len(src64))
	for i, v := range src64 {
		src[i] = T(v)
	}
	n := g.OutH() * g.OutW()
	if n != len(want) {
		t.Fatalf("%d windows, want %d", n, len(want))
	}
	dst := make([]T, n)
	MaxPool(dst, src, g)
	gdst := make([]T, n)
	wantGrad := make([]T, len(src))
	for i := range dst {
		if got := float64(dst[i]); got != want[i] && !(math.IsNaN(got) && math.IsNaN(want[i])) {
			t.Errorf("%T: window %d: max %v, want %v", src, i, got, want[i])
		}
		gdst[i] = T(int(1) << i) // distinct powers of two show where each went
		wantGrad[from[i]] += gdst[i]
	}
	gsrc := make([]T, len(src))
	MaxPoolBackward(gsrc, gdst, src, g)
	for i := range gsrc {
		if gsrc[i] != wantGrad[i] {
			t.Errorf("%T: gradient %v, want %v (window i sends 2^i)", src, gsrc, wantGrad)
			break
		}
	}
}
