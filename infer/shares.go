package infer

import (
	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// minShareRows is the fewest examples a share of an inference batch
// gets: below it a share's products are too thin for a core.
const minShareRows = 8

// Runner runs a model's inference passes on batches, each batch split
// into shares, one a thread, that run at once, each a whole pass on one
// core (tensor.Shares): the layers then hand nothing between cores
// inside the pass. Each example's output is computed as in a pass on the
// whole batch. It is not safe for concurrent use.
type Runner struct {
	model  nn.Module
	graphs []*autograd.Graph
	x      *tensor.Tensor
	n      int              // shares of the current batch
	outs   []*tensor.Tensor // the shares' outputs
	out    *tensor.Tensor   // the batch's output, when split
	run    func(k, lo, hi int)
}

// NewRunner returns a Runner of model in inference mode (dropout off,
// batch normalisation on its running statistics), whose passes release
// each layer's output once the next layer has read it
// (Graph.ReleaseIntermediates) and multiply by the weights packs holds
// (nil: none), with up to shares shares a batch (0: tensor.Threads()).
func NewRunner(model nn.Module, packs *autograd.WeightPacks, shares int) *Runner {
	if shares <= 0 {
		shares = tensor.Threads()
	}
	r := &Runner{model: model, outs: make([]*tensor.Tensor, shares)}
	for range shares {
		g := autograd.NewInferenceGraph()
		g.ReleaseIntermediates = true
		g.Packs = packs
		r.graphs = append(r.graphs, g)
	}
	r.run = r.share
	return r
}

// share runs the pass of share k.
func (r *Runner) share(k, _, _ int) {
	g := r.graphs[k]
	rows := r.x.Shape()[0]
	lo, hi := rows*k/r.n, rows*(k+1)/r.n
	r.outs[k] = r.model.Forward(g, g.Input(g.Arena().Slice(r.x, lo, hi))).Data()
}

// Forward returns the model's output for the batch x (N, …): (N, …),
// valid until the next call.
func (r *Runner) Forward(x *tensor.Tensor) *tensor.Tensor {
	for _, g := range r.graphs {
		g.Reset()
	}
	rows := x.Shape()[0]
	r.x, r.n = x, max(1, min(len(r.graphs), rows/minShareRows))
	if r.n == 1 {
		g := r.graphs[0]
		return r.model.Forward(g, g.Input(x)).Data()
	}
	tensor.Shares(r.n, r.run)
	// The shares' outputs, row after row, in one tensor kept from batch
	// to batch while its shape stays.
	first := r.outs[0]
	fs := first.Shape()
	if o := r.out; o == nil || o.DType() != first.DType() || o.Dims() != len(fs) || o.Shape()[0] != rows || o.Len() != rows*(first.Len()/fs[0]) {
		r.out = tensor.New(first.DType(), append([]int{rows}, fs[1:]...)...)
	}
	for k := range r.n {
		lo, hi := rows*k/r.n, rows*(k+1)/r.n
		r.graphs[k].Arena().Slice(r.out, lo, hi).CopyFrom(r.outs[k])
	}
	return r.out
}
