package infer

import (
	"math"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// TestRunnerMatchesWholeBatch checks that a batch run in shares gives
// every example the bits a pass on the whole batch gives it, for each
// built-in model, for batches that split unevenly, one too small to
// split, a batch size that changes from call to call, and batches whose
// shares would run their dense layers on other GEMM kernels than the
// whole batch (300 and 600 rows on AVX-512: fewer shares run).
func TestRunnerMatchesWholeBatch(t *testing.T) {
	defer tensor.SetThreads(tensor.SetThreads(2))
	for _, name := range []string{"mlp", "lenet5", "cnn", "resnet", "lstm"} {
		m, err := models.ForMNIST(tensor.NewRNG(3), models.Config{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		packs := autograd.NewWeightPacks()
		r := NewRunner(m, packs, 3)
		for _, n := range []int{41, 7, 24, 300, 600} {
			x := tensor.RandNormal(tensor.NewRNG(uint64(n)), tensor.Float32, 0, 1, append([]int{n}, m.InputShape()...)...)
			g := autograd.NewInferenceGraph()
			g.Packs = packs
			want := m.Forward(g, g.Input(x)).Data()
			got := r.Forward(x)
			wantN := 1 // three shares need 8 examples each
			if n >= 3*minShareRows {
				wantN = 3
			}
			for wantN > 1 && !tensor.SameBitsRows(n, n/wantN) {
				wantN-- // AVX-512: 300 runs whole, 600 in two shares
			}
			if r.n != wantN {
				t.Errorf("%s, batch %d: %d shares ran, want %d", name, n, r.n, wantN)
			}
			if !tensor.Equal(got, want) {
				worst := 0.0
				for i := range want.Len() {
					worst = max(worst, math.Abs(got.Flat(i)-want.Flat(i)))
				}
				t.Errorf("%s, batch %d: shapes %v and %v, outputs differ by up to %g", name, n, got.Shape(), want.Shape(), worst)
			}
		}
	}
}

// panicky panics on a batch whose first input is negative, and passes
// any other through.
type panicky struct{}

func (panicky) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if x.Data().Flat(0) < 0 {
		panic("panicky: a negative input")
	}
	return x
}

func (panicky) Params() []nn.Param { return nil }

// TestRunnerPanics checks that a panic in any share's pass is raised on
// the caller's goroutine, where it can be recovered, once every share has
// stopped, and that the Runner works afterwards.
func TestRunnerPanics(t *testing.T) {
	r := NewRunner(panicky{}, nil, 2)
	for _, row := range []int{0, 20} { // the first share's first row, then the second's
		x := tensor.New(tensor.Float32, 40, 3)
		x.F32()[row*3] = -1
		func() {
			defer func() {
				if p := recover(); p == nil || !strings.Contains(p.(string), "negative") {
					t.Errorf("row %d: recovered %v, want the model's panic", row, p)
				}
			}()
			r.Forward(x)
		}()
	}
	x := tensor.New(tensor.Float32, 40, 3)
	x.F32()[25*3+1] = 7
	if got := r.Forward(x); !tensor.Equal(got, x) {
		t.Error("after the panics, the Runner's output is not the identity's")
	}
}
