package nn

import (
	"math"
	"slices"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

func TestEmbeddingForwardBackward(t *testing.T) {
	e := NewEmbedding(tensor.NewRNG(1), 5, 3)
	if e.String() != "Embedding(5, 3)" || !slices.Equal(e.Weight.Shape(), []int{5, 3}) {
		t.Fatalf("%v with weight %v", e, e.Weight.Shape())
	}
	if ps := e.Params(); len(ps) != 1 || ps[0].Name != "weight" || ps[0].Role != Other {
		t.Errorf("params %+v", ps)
	}
	ids := []int64{4, 0, 4, 2, 1, 4}
	g := autograd.NewGraph()
	y := e.Forward(g, g.Input(tensor.FromInt64(ids, 2, 3)))
	if !slices.Equal(y.Shape(), []int{2, 3, 3}) {
		t.Fatalf("output %v, want (2, 3, 3)", y.Shape())
	}
	w := e.Weight.Data()
	for i, id := range ids {
		for j := range 3 {
			if got, want := y.Data().Flat(i*3+j), w.At(int(id), j); got != want {
				t.Fatalf("output[%d][%d] = %v, want row %d: %v", i, j, got, id, want)
			}
		}
	}
	r := tensor.RandNormal(tensor.NewRNG(2), tensor.Float32, 0, 1, 2, 3, 3)
	g.Sum(g.Mul(y, g.Input(r))).Backward()
	// Row k of the gradient is the sum of r's rows at the positions of id k.
	for k := range 5 {
		for j := range 3 {
			want := 0.0
			for i, id := range ids {
				if int(id) == k {
					want += r.Flat(i*3 + j)
				}
			}
			if got := e.Weight.Grad().At(k, j); math.Abs(got-want) > 1e-6 {
				t.Errorf("gradient[%d][%d] = %v, want %v", k, j, got, want)
			}
		}
	}
}

func TestEmbeddingGradCheck(t *testing.T) {
	e := NewEmbedding(tensor.NewRNG(1), 6, 4)
	Convert(e, tensor.Float64)
	ids := tensor.FromInt64([]int64{1, 5, 1, 0, 3, 1}, 3, 2)
	f := func(g *autograd.Graph) *autograd.Value {
		return weightedSum(g, g.Square(e.Forward(g, g.Input(ids))), 5)
	}
	if res := autograd.GradCheck(f, e.Weight); res.MaxError > 1e-6 {
		t.Errorf("%v", res)
	}
}

func TestEmbeddingInitialization(t *testing.T) {
	w := NewEmbedding(tensor.NewRNG(3), 1000, 20).Weight.Data()
	var sum, sq float64
	for i := range w.Len() {
		v := w.Flat(i)
		sum, sq = sum+v, sq+v*v
	}
	n := float64(w.Len())
	if mean, std := sum/n, math.Sqrt(sq/n-sum*sum/n/n); math.Abs(mean) > 0.03 || math.Abs(std-1) > 0.03 {
		t.Errorf("weights have mean %v and deviation %v, want N(0, 1)", mean, std)
	}
}

// TestEmbeddingIntoLSTM builds a text classifier: token ids, an
// embedding, an LSTM reading them and a Linear layer on its last state.
func TestEmbeddingIntoLSTM(t *testing.T) {
	rng := tensor.NewRNG(1)
	model := Sequence(NewEmbedding(rng, 50, 8), NewLSTM(rng, RecurrentConfig{InputSize: 8, HiddenSize: 6, BatchFirst: true, Last: true, Bidirectional: true}), NewLinear(rng, 12, 2))
	g := autograd.NewGraph()
	ids := g.Input(tensor.FromInt64([]int64{3, 14, 15, 9, 2, 6, 5, 3, 5, 0, 0, 0}, 2, 6))
	lengths := g.Input(tensor.FromInt64([]int64{6, 3}, 2))
	// The embedding passes the lengths on to the LSTM.
	y := model.ForwardN(g, []*autograd.Value{ids, lengths})[0]
	if !slices.Equal(y.Shape(), []int{2, 2}) {
		t.Fatalf("logits %v, want (2, 2)", y.Shape())
	}
	x := model.Children()[0].Module.Forward(g, ids)
	last := recurrentOf(model.Children()[1].Module).Unroll(g, x, nil, nil, []int{6, 3}).Last
	near(t, "logits", y.Data(), model.Children()[2].Module.Forward(g, last).Data(), 0)
	// The padding tokens make a difference only without the lengths.
	if tensor.AllClose(y.Data(), model.Forward(g, ids).Data(), 1e-4, 1e-4) {
		t.Error("lengths made no difference")
	}
	if !tensor.AllClose(g.Slice(y, 0, 1).Data(), g.Slice(model.Forward(g, ids), 0, 1).Data(), 1e-6, 1e-6) {
		t.Error("the full-length sequence changed with lengths")
	}
	g.CrossEntropy(y, []int{0, 1}, autograd.ReduceMean).Backward()
	for _, p := range Params(model) {
		if p.Value.Grad() == nil {
			t.Errorf("%s got no gradient", p.Name)
		}
	}
	s := Summarize(model, 1, 6)
	if len(s.Rows) != 3 || !slices.Equal(s.Rows[1].Output, []int{1, 12}) {
		t.Errorf("summary rows %+v", s.Rows)
	}
}
