package tensor

import (
	"math"
	"testing"
)

func TestBytesToFloat32(t *testing.T) {
	// Lengths around the vector width, and a whole MNIST image.
	for _, n := range []int{0, 1, 15, 16, 17, 33, 784} {
		src := make([]byte, n+3)
		for i := range src {
			src[i] = byte(i*37 + 11)
		}
		dst := make([]float32, n+4)
		for i := range dst {
			dst[i] = -7
		}
		BytesToFloat32(dst[:n], src, 0.5, -3) // exact, with or without a fused multiply-add
		for i := 0; i < n; i++ {
			if want := float32(src[i])*0.5 - 3; dst[i] != want {
				t.Fatalf("n=%d: dst[%d] = %v, want %v", n, i, dst[i], want)
			}
		}
		for i, v := range dst[n:] {
			if v != -7 {
				t.Fatalf("n=%d: wrote %v past the end, at %d", n, v, n+i)
			}
		}
	}
}

func TestBytesToFloat32Normalises(t *testing.T) {
	// MNIST's normalisation, (v/255 - mean)/std, to within a rounding.
	const mean, std = 0.1307, 0.3081
	src := make([]byte, 256)
	for i := range src {
		src[i] = byte(i)
	}
	dst := make([]float32, len(src))
	BytesToFloat32(dst, src, float32(1/(255*std)), float32(-mean/std))
	for i, v := range dst {
		want := (float64(i)/255 - mean) / std
		if math.Abs(float64(v)-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Fatalf("dst[%d] = %v, want %v", i, v, want)
		}
	}
}

func TestBytesToFloat32ShortSource(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a source shorter than the destination")
		}
	}()
	BytesToFloat32(make([]float32, 5), make([]byte, 4), 1, 0)
}
