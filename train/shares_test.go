package train

import (
	"math"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/text"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// shareCase is a model, a loss and a batch to train on whole and in
// shares.
type shareCase struct {
	name  string
	model func() nn.Module // the same weights at every call
	loss  Shareable
	ds    data.Dataset
	n     int // examples in the batch
	parts int // shares
}

func shareCases(t *testing.T) []shareCase {
	t.Helper()
	// A small convolutional net on 8×8 pictures, for a cross-entropy with
	// class weights and an ignored class: the shares' denominators are
	// their labels' summed weights.
	rng := tensor.NewRNG(11)
	x := tensor.RandNormal(rng, tensor.Float32, 0, 1, 10, 1, 8, 8)
	y := tensor.New(tensor.Int64, 10)
	for i := range y.I64() {
		y.I64()[i] = int64([]int{0, 3, 3, 1, 2, 3, 0, 2, 2, 1}[i])
	}
	pics, err := data.NewTensors(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	conv := func() nn.Module {
		r := tensor.NewRNG(12)
		return nn.Sequence(nn.NewConv2D(r, 1, 3, 3, 1, 1), nn.Tanh{}, nn.Flatten{}, nn.NewLinear(r, 3*8*8, 4))
	}
	// A real-valued target, for MSE.
	yr := tensor.RandNormal(rng, tensor.Float32, 0, 1, 10, 2)
	reg, err := data.NewTensors(tensor.RandNormal(rng, tensor.Float32, 0, 1, 10, 5), yr, nil)
	if err != nil {
		t.Fatal(err)
	}
	linear := func() nn.Module { return nn.NewLinear(tensor.NewRNG(13), 5, 2) }
	// Targets in [0, 1], for binary cross-entropy.
	probs, err := data.NewTensors(tensor.RandNormal(rng, tensor.Float32, 0, 1, 10, 5), tensor.RandUniform(rng, tensor.Float32, 0, 1, 10, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Lines of very different lengths, for the language model: its
	// shares' denominators are their real steps, here 5+6+4 against
	// 29+3+27+2.
	lines := []string{"abcd", "bcadc", "dab", strings.Repeat("abcd", 7), "ba", strings.Repeat("dcb", 8) + "ab", "a"}
	v, err := text.NewVocab(lines)
	if err != nil {
		t.Fatal(err)
	}
	words, err := text.NewExamples(lines, v, 0)
	if err != nil {
		t.Fatal(err)
	}
	lm := func() nn.Module { return models.NewCharLM(tensor.NewRNG(14), v.Size(), 6, 10, 2, 0) }
	return []shareCase{
		{"conv, weighted cross-entropy ignoring a class", conv, CrossEntropy{Weight: []float64{0.5, 1, 2, 4}, Ignore: true, IgnoreIndex: 3}, pics, 10, 3},
		// The second share's labels all weigh 0: a denominator of 0, but
		// label smoothing still gives it a loss.
		{"conv, smoothed cross-entropy, a share of labels weighing 0", conv, CrossEntropy{Weight: []float64{1, 0, 0, 0}, LabelSmoothing: 0.2}, pics, 10, 3},
		{"linear, MSE", linear, MSE{}, reg, 10, 2},
		{"linear, binary cross-entropy", linear, BCEWithLogits{}, probs, 10, 3},
		{"charlm, sequences of different lengths", lm, SequenceCrossEntropy{}, words, 7, 2},
	}
}

// gradsOf returns copies of the parameters' gradients.
func gradsOf(t *testing.T, ps []nn.Param) []*tensor.Tensor {
	t.Helper()
	out := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		if p.Value.Grad() == nil {
			t.Fatalf("%s has no gradient", p.Name)
		}
		out[i] = p.Value.Grad().Clone()
	}
	return out
}

// collate returns examples [lo, hi) of ds as a batch.
func collate(ds data.Dataset, lo, hi int) *data.Batch {
	idx := make([]int, hi-lo)
	for i := range idx {
		idx[i] = lo + i
	}
	b := data.NewBatch(ds.Spec(), max(hi-lo, 1))
	b.Collate(ds, idx)
	return b
}

// TestSharedMatchesWholeBatch checks that a step on shares of a batch
// gives the gradient and loss of the whole batch's mean: the shares'
// gradients weighed by their losses' denominators (class weights,
// masked steps, real steps of sequences of different lengths).
func TestSharedMatchesWholeBatch(t *testing.T) {
	for _, c := range shareCases(t) {
		t.Run(c.name, func(t *testing.T) {
			whole := c.model()
			opt, err := optim.NewSGD(whole.Params(), optim.SGDConfig{LR: 0.1})
			if err != nil {
				t.Fatal(err)
			}
			g := autograd.NewGraph()
			g.Training = true
			want, _, err := Step(g, whole, c.loss, opt, collate(c.ds, 0, c.n))
			if err != nil {
				t.Fatal(err)
			}
			wantG := gradsOf(t, whole.Params())

			m := c.model()
			opt2, _ := optim.NewSGD(m.Params(), optim.SGDConfig{LR: 0.1})
			sh, err := NewShared(m, opt2.Params(), c.loss, c.parts)
			if err != nil {
				t.Fatal(err)
			}
			bs := make([]*data.Batch, c.parts)
			for k := range bs {
				bs[k] = collate(c.ds, c.n*k/c.parts, c.n*(k+1)/c.parts)
			}
			got, err := sh.Step(opt2, bs, 1)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-want) > 1e-5*math.Abs(want) {
				t.Errorf("loss %v, want the whole batch's %v", got, want)
			}
			for i, p := range m.Params() {
				gg, wg := p.Value.Grad(), wantG[i]
				scale := 0.0
				for j := range wg.Len() {
					scale = max(scale, math.Abs(wg.Flat(j)))
				}
				for j := range wg.Len() {
					if d := math.Abs(gg.Flat(j) - wg.Flat(j)); d > 2e-5*scale {
						t.Fatalf("%s[%d] = %v, want %v", p.Name, j, gg.Flat(j), wg.Flat(j))
					}
				}
			}
			// The step was taken: the weights moved as SGD moves them.
			p0, w0 := m.Params()[0].Value.Data(), whole.Params()[0].Value.Data()
			if d := math.Abs(p0.Flat(0) - w0.Flat(0)); d > 1e-5 {
				t.Errorf("after the step %s[0] = %v, the whole batch's %v", m.Params()[0].Name, p0.Flat(0), w0.Flat(0))
			}
		})
	}
}

// TestSharedSameBitsOnAnyCores checks that a step's results depend on
// the shares, not on how many cores ran them: one thread runs the shares
// one after the other, two at once, to the same bits, dropout's and
// weight drop's masks included.
func TestSharedSameBitsOnAnyCores(t *testing.T) {
	cs := shareCases(t)
	c := cs[len(cs)-1] // the language model's
	run := func(threads int) []*tensor.Tensor {
		defer tensor.SetThreads(tensor.SetThreads(threads))
		m := models.NewCharLM(tensor.NewRNG(14), 6, 6, 10, 2, 0.3)
		m.LSTM.Config.WeightDrop = 0.2 // each share's graph drops its own W_hh
		opt, err := optim.New("adam", m.Params(), 0.01)
		if err != nil {
			t.Fatal(err)
		}
		sh, err := NewShared(m, opt.Params(), c.loss, 2)
		if err != nil {
			t.Fatal(err)
		}
		bs := []*data.Batch{collate(c.ds, 0, 3), collate(c.ds, 3, 7)}
		for range 3 {
			if _, err := sh.Step(opt, bs, 7); err != nil {
				t.Fatal(err)
			}
			sh.Reset()
		}
		out := make([]*tensor.Tensor, 0)
		for _, p := range m.Params() {
			out = append(out, p.Value.Data().Clone())
		}
		return out
	}
	one, two := run(1), run(2)
	for i := range one {
		for j := range one[i].Len() {
			if math.Float64bits(one[i].Flat(j)) != math.Float64bits(two[i].Flat(j)) {
				t.Fatalf("parameter %d [%d]: %v on one thread, %v on two", i, j, one[i].Flat(j), two[i].Flat(j))
			}
		}
	}
}

// TestSharedRefuses checks what shares cannot train: a model with batch
// normalisation, a loss whose mean cannot be rebuilt from the shares',
// and, in a Trainer, more shares than examples in a batch and shares in
// a run over several processes.
func TestSharedRefuses(t *testing.T) {
	bn := nn.Sequence(nn.NewLinear(tensor.NewRNG(1), 4, 3), nn.NewBatchNorm1d(3))
	if _, err := NewShared(bn, bn.Params(), CrossEntropy{}, 2); err == nil || !strings.Contains(err.Error(), "batch normalisation") {
		t.Errorf("batch normalisation: %v", err)
	}
	if n := AutoShares(bn, CrossEntropy{}, 64); n != 1 {
		t.Errorf("AutoShares gave %d shares to a model with batch normalisation", n)
	}
	lin := nn.NewLinear(tensor.NewRNG(1), 4, 3)
	if _, err := NewShared(lin, lin.Params(), opaqueLoss{}, 2); err == nil || !strings.Contains(err.Error(), "Shareable") {
		t.Errorf("a loss that is not Shareable: %v", err)
	}
	if n := AutoShares(lin, opaqueLoss{}, 64); n != 1 {
		t.Errorf("AutoShares gave %d shares with a loss that is not Shareable", n)
	}
	// A stack of Linear layers uses each weight once an example: whole
	// batches (see AutoShares).
	if n := AutoShares(lin, CrossEntropy{}, 64); n != 1 {
		t.Errorf("AutoShares gave %d shares to a Linear layer", n)
	}
	defer tensor.SetThreads(tensor.SetThreads(2))
	conv := nn.Sequence(nn.NewConv2D(tensor.NewRNG(1), 1, 2, 3, 1, 1), nn.Flatten{})
	if n := AutoShares(conv, CrossEntropy{}, 64); n != 2 {
		t.Errorf("AutoShares gave %d shares to a convolution on two threads, want 2", n)
	}
	if n := AutoShares(conv, CrossEntropy{}, 24); n != 1 {
		t.Errorf("AutoShares gave %d shares of fewer than 16 examples", n)
	}
	opt, _ := optim.NewSGD(lin.Params(), optim.SGDConfig{LR: 0.1})
	if _, err := New(lin, opt, Config{Batch: 4, Shares: 5, Loss: MSE{}}); err == nil {
		t.Error("5 shares of a batch of 4 were accepted")
	}
	if _, err := New(lin, opt, Config{Batch: 8, Shares: 2, Loss: MSE{}, Comm: member{g: newGroup(2)}}); err == nil || !strings.Contains(err.Error(), "processes") {
		t.Errorf("shares in a run over two processes: %v", err)
	}
}

// opaqueLoss is a Loss that does not say its denominator.
type opaqueLoss struct{ ce CrossEntropy }

func (o opaqueLoss) Loss(g *autograd.Graph, out *autograd.Value, b *data.Batch) *autograd.Value {
	return o.ce.Loss(g, out, b)
}
