package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// Shareable is a Loss whose mean over a batch can be rebuilt from shares
// of the batch: LossSum is the loss summed over b (the mean times
// Denominator, right also where Denominator is 0 but the sum is not, as
// with class weights of 0 under label smoothing), and Denominator what
// the mean over b divides that sum by (the examples, the real steps of
// sequences, the summed class weights of the labels, the mask's sum).
// The batch's mean is then Σ sumₖ / Σ dₖ over its shares, and so is its
// gradient. Training on shares at once (Config.Shares) needs it.
type Shareable interface {
	Loss
	LossSum(g *autograd.Graph, out *autograd.Value, b *data.Batch) *autograd.Value
	Denominator(b *data.Batch) float64
}

// minShare is the fewest examples AutoShares gives a share: below it a
// share's matrix products are too thin to keep a core busy.
const minShare = 16

// AutoShares returns how many shares to split each batch of the given
// size into (Config.Shares): one per thread (tensor.Threads), when each
// gets at least 16 examples (fewer shares than threads would leave cores
// idle, since a share runs on one), and
//   - the model treats every example on its own (nn.CouplesBatch is
//     false: no batch normalisation) and the loss is Shareable, and
//   - a layer of the model applies its weights at many places of each
//     example: a convolution (nn.Conv2D) or a recurrent layer (nn.RNN,
//     nn.LSTM, nn.GRU).
//
// Otherwise it returns 1, the whole batch at once. The second condition
// is measured: every share reads all the weights, which pays where each
// weight does many multiply-adds per example, and does not in a stack of
// Linear layers, where it does one. On two cores (2026-12-02, training
// steps at batch 64, medians of interleaved runs), two shares made
// LeNet-5 30% faster, the sequential-MNIST LSTM 17% and the character
// LSTM of 384 units 12%, and the MLP 11% slower.
func AutoShares(model nn.Module, loss Loss, batch int) int {
	if _, err := shareable(model, loss, 1); err != nil || !reusesWeights(model) {
		return 1
	}
	if n := tensor.Threads(); n > 1 && batch >= n*minShare {
		return n
	}
	return 1
}

// reusesWeights reports whether a layer of m applies its weights at many
// places of each example: a convolution or a recurrent layer.
func reusesWeights(m nn.Module) bool {
	found := false
	nn.Walk(m, func(_ string, m nn.Module) {
		switch m.(type) {
		case *nn.Conv2D, *nn.RNN, *nn.LSTM, *nn.GRU:
			found = true
		}
	})
	return found
}

// Shared runs training steps with each batch split into shares that run
// at once, one goroutine and one core each, every share a whole forward
// and backward pass (tensor.Shares): the graph's operations then need no
// hand-off between cores, which costs more than it saves on models this
// small. Each share has its own graph, which keeps its own gradients
// (autograd.Graph.SetLocalGrads) of its summed loss over the whole
// batch's denominator; after the passes they are summed, in share order,
// into the parameters' gradients: the gradient of the whole batch's mean
// loss. A step's results depend only on the number of
// shares, never on which core ran which.
type Shared struct {
	n      int
	model  nn.Module
	loss   Shareable
	params []*autograd.Value
	parts  []*tensor.Tensor // one parameter's gradients from the shares
	graphs []*autograd.Graph
	pcgs   []*rand.PCG

	// One step's shares, outputs, summed losses and denominator, and a
	// share's panic, re-raised on the caller's goroutine.
	batches []*data.Batch
	outs    []*autograd.Value
	sums    []float64 // the shares' summed losses
	den     float64   // the batch's denominator
	panics  []any
	run     func(k, lo, hi int)
}

// NewShared prepares steps of n shares for model, whose parameters params
// (the optimizer's) get the summed gradients. It refuses a loss that is
// not Shareable and a model whose layers couple a batch's examples.
func NewShared(model nn.Module, params []nn.Param, loss Loss, n int) (*Shared, error) {
	sl, err := shareable(model, loss, n)
	if err != nil {
		return nil, err
	}
	s := &Shared{n: n, model: model, loss: sl, batches: make([]*data.Batch, n), outs: make([]*autograd.Value, n),
		sums: make([]float64, n), panics: make([]any, n)}
	for _, p := range params {
		s.params = append(s.params, p.Value)
	}
	for k := range n {
		g := autograd.NewGraph()
		g.Training = true
		g.SetLocalGrads(true)
		pcg := rand.NewPCG(0, uint64(k))
		g.RNG = rand.New(pcg)
		s.graphs = append(s.graphs, g)
		s.pcgs = append(s.pcgs, pcg)
	}
	s.run = s.share
	return s, nil
}

// shareable returns the loss as a Shareable, or why model and loss
// cannot train in n shares.
func shareable(model nn.Module, loss Loss, n int) (Shareable, error) {
	sl, ok := loss.(Shareable)
	switch {
	case n < 1:
		return nil, fmt.Errorf("train: %d shares of a batch", n)
	case !ok:
		return nil, fmt.Errorf("train: %d shares of a batch need a loss whose mean can be rebuilt from the shares' (Shareable); %T is not", n, loss)
	case nn.CouplesBatch(model):
		return nil, fmt.Errorf("train: %d shares of a batch: the model has a layer that couples a batch's examples (batch normalisation); train it on whole batches", n)
	}
	return sl, nil
}

// Len returns the number of shares.
func (s *Shared) Len() int { return s.n }

// share runs the forward and backward pass of share k.
func (s *Shared) share(k, _, _ int) {
	defer func() {
		if r := recover(); r != nil {
			s.panics[k] = r
		}
	}()
	g, b := s.graphs[k], s.batches[k]
	g.ZeroLocalGrads()
	out := Forward(g, s.model, b)
	s.outs[k] = out
	// The share's part of the batch's mean, its sum over the batch's
	// denominator: its gradients come out weighed, and the batch's
	// gradient is their sum.
	sum := s.loss.LossSum(g, out, b)
	s.sums[k] = sum.Item()
	g.MulScalar(sum, 1/s.den).Backward()
}

// Step is one training step on the shares bs of a batch (at most Len of
// them, as data.Loader.EpochShares gives): the shares' passes at once,
// their gradients summed into the parameters', then opt's step. seed
// seeds the shares' random sources (dropout), share k's from (seed, k).
// It returns the batch's mean loss; with a non-finite loss it returns
// ErrNonFinite and leaves the parameters and their gradients alone. The
// outputs (Output) stay valid until Reset.
func (s *Shared) Step(opt optim.Optimizer, bs []*data.Batch, seed uint64) (float64, error) {
	if len(bs) == 0 || len(bs) > s.n {
		panic(fmt.Sprintf("train: %d shares for a step of %d", len(bs), s.n))
	}
	m := len(bs)
	s.den = 0
	for k, b := range bs {
		s.batches[k] = b
		s.den += s.loss.Denominator(b)
		s.pcgs[k].Seed(seed, uint64(k))
	}
	tensor.Shares(m, s.run)
	for k := range m {
		if r := s.panics[k]; r != nil {
			clear(s.panics)
			panic(r)
		}
	}
	loss := 0.0
	for k := range m {
		loss += s.sums[k]
	}
	loss /= s.den // 0/0, NaN, when the whole batch's mean is too
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("%w (%v); try a lower learning rate than %g", ErrNonFinite, loss, opt.LR())
	}
	// Each parameter's gradient is set to the sum of the shares' weighed
	// ones, in share order, in its own buffer; one that no share reached
	// is zero, as after ZeroGrad.
	for _, p := range s.params {
		parts := s.parts[:0]
		for k := range m {
			if gk := s.graphs[k].LocalGrad(p); gk != nil {
				parts = append(parts, gk)
			}
		}
		s.parts = parts[:0]
		if len(parts) == 0 {
			p.ZeroGrad()
			continue
		}
		sum := p.Grad()
		if sum == nil {
			sum = tensor.New(p.Data().DType(), p.Shape()...)
			p.SetGrad(sum)
		}
		if len(parts) == 1 {
			sum.CopyFrom(parts[0])
			continue
		}
		tensor.AddTo(sum, parts[0], parts[1])
		for _, gk := range parts[2:] {
			tensor.AddTo(sum, sum, gk)
		}
	}
	opt.Step()
	return loss, nil
}

// Output returns share k's output of the last Step, valid until Reset.
func (s *Shared) Output(k int) *autograd.Value { return s.outs[k] }

// Reset takes back the memory of the last step's passes.
func (s *Shared) Reset() {
	for k, g := range s.graphs {
		g.Reset()
		s.outs[k] = nil
	}
}
