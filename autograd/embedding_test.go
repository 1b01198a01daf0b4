package autograd

import (
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

func TestGradCheckEmbedding(t *testing.T) {
	w := randParam(41, "w", -1, 1, 5, 3)
	ids := tensor.FromInt64([]int64{4, 0, 4, 2, 4, 1}, 2, 3)
	f := func(g *Graph) *Value { return weighted(g, g.Square(g.Embedding(w, g.Input(ids)))) }
	if r := GradCheck(f, w); r.MaxError > gradTol {
		t.Errorf("%v", r)
	}
	g := NewGraph()
	if y := g.Embedding(w, g.Input(ids)); !tensor.EqualShapes(y.Shape(), []int{2, 3, 3}) {
		t.Errorf("shape %v, want (2, 3, 3)", y.Shape())
	}
}
