package infer

import (
	"math"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// TestRunnerMatchesWholeBatch checks that a batch run in shares gives
// every example the bits a pass on the whole batch gives it, for each
// built-in model, for batches that split unevenly, one too small to
// split, and a batch size that changes from call to call.
func TestRunnerMatchesWholeBatch(t *testing.T) {
	defer tensor.SetThreads(tensor.SetThreads(2))
	for _, name := range []string{"mlp", "lenet5", "cnn", "resnet", "lstm"} {
		m, err := models.ForMNIST(tensor.NewRNG(3), models.Config{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		packs := autograd.NewWeightPacks()
		r := NewRunner(m, packs, 3)
		for _, n := range []int{41, 7, 24} {
			x := tensor.RandNormal(tensor.NewRNG(uint64(n)), tensor.Float32, 0, 1, append([]int{n}, m.InputShape()...)...)
			g := autograd.NewInferenceGraph()
			g.Packs = packs
			want := m.Forward(g, g.Input(x)).Data()
			got := r.Forward(x)
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
