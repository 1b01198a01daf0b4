package tensor

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestEmbedding(t *testing.T) {
	w := FromFloat32([]float32{0, 1, 10, 11, 20, 21}, 3, 2)
	ids := FromInt64([]int64{2, 0, 2, 1}, 2, 2)
	out := New(Float32, 2, 2, 2)
	EmbeddingTo(out, w, ids)
	if want := FromFloat32([]float32{20, 21, 0, 1, 20, 21, 10, 11}, 2, 2, 2); !Equal(out, want) {
		t.Errorf("looked up %v, want %v", out, want)
	}
	gw := New(Float32, 3, 2)
	EmbeddingBackward(gw, FromFloat32([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2), ids)
	if want := FromFloat32([]float32{3, 4, 7, 8, 6, 8}, 3, 2); !Equal(gw, want) {
		t.Errorf("gradient %v, want %v", gw, want)
	}
	EmbeddingTo(out, w, FromFloat64([]float64{2, 0, 2, 1}, 2, 2))
	if want := FromFloat32([]float32{20, 21, 0, 1, 20, 21, 10, 11}, 2, 2, 2); !Equal(out, want) {
		t.Errorf("float ids: %v, want %v", out, want)
	}
	for name, ids := range map[string]*Tensor{
		"negative":  FromInt64([]int64{0, -1, 0, 0}, 2, 2),
		"too large": FromInt64([]int64{0, 3, 0, 0}, 2, 2),
		"fraction":  FromFloat32([]float32{0, 1.5, 0, 0}, 2, 2),
		"NaN":       FromFloat64([]float64{0, math.NaN(), 0, 0}, 2, 2),
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "at position 1") {
					t.Errorf("%s: panic %v", name, r)
				}
			}()
			EmbeddingTo(out, w, ids)
		}()
	}
}
