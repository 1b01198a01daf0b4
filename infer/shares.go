package infer

import (
	"slices"

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
// whole batch: a batch is split into fewer shares, or none, where shares
// of its size would run their products of one row an example (dense
// layers) on other GEMM kernels than the whole batch (tensor.SameBitsRows;
// on AVX-512, batches of 257 to 512 rows run in one pass on two threads).
// A batch too small for every thread to get at least 8
// examples runs as one pass, split operation by operation as usual. The
// model's input and output must hold one example a row of their first
// dimension (batch first). A Runner is not safe for concurrent use.
type Runner struct {
	model  nn.Module
	packs  *autograd.WeightPacks
	limit  int // the most shares (0: tensor.Threads())
	graphs []*autograd.Graph
	x      *tensor.Tensor
	n      int              // shares of the current batch
	outs   []*tensor.Tensor // the shares' outputs
	panics []any            // a share's panic, re-raised on the caller
	out    *tensor.Tensor   // the batch's output, when split
	run    func(k, lo, hi int)
}

// NewRunner returns a Runner of model in inference mode (dropout off,
// batch normalisation on its running statistics), whose passes release
// each layer's output once the next layer has read it
// (Graph.ReleaseIntermediates) and multiply by the weights packs holds
// (nil: none), with up to shares shares a batch (0: tensor.Threads() at
// each pass).
func NewRunner(model nn.Module, packs *autograd.WeightPacks, shares int) *Runner {
	r := &Runner{model: model, packs: packs, limit: shares}
	r.run = r.share
	return r
}

// newGraph returns an inference graph that releases each layer's output
// once the next layer has read it, which baeum's layers allow, and
// multiplies by the weights packs holds (nil: none).
func newGraph(packs *autograd.WeightPacks) *autograd.Graph {
	g := autograd.NewInferenceGraph()
	g.ReleaseIntermediates = true
	g.Packs = packs
	return g
}

// graph returns the graph of share k, made on first use.
func (r *Runner) graph(k int) *autograd.Graph {
	for len(r.graphs) <= k {
		r.graphs = append(r.graphs, newGraph(r.packs))
		r.outs = append(r.outs, nil)
		r.panics = append(r.panics, nil)
	}
	return r.graphs[k]
}

// share runs the pass of share k.
func (r *Runner) share(k, _, _ int) {
	defer func() {
		if p := recover(); p != nil {
			r.panics[k] = p
		}
	}()
	g := r.graphs[k]
	rows := r.x.Shape()[0]
	lo, hi := rows*k/r.n, rows*(k+1)/r.n
	r.outs[k] = r.model.Forward(g, g.Input(g.Arena().Slice(r.x, lo, hi))).Data()
}

// Forward returns the model's output for the batch x (N, …): (N, …),
// valid until the next call. A panic in the model's pass is raised on the
// caller's goroutine once every share has stopped.
func (r *Runner) Forward(x *tensor.Tensor) *tensor.Tensor {
	for _, g := range r.graphs {
		g.Reset()
	}
	rows := x.Shape()[0]
	n := r.limit
	if n <= 0 {
		n = tensor.Threads() // 1 while another goroutine runs shares
	}
	if rows < n*minShareRows {
		n = 1
	}
	// A share's dense products have its rows; they must choose the
	// kernels the whole batch's products do (tensor.SameBitsRows). The
	// smallest share has rows/n.
	for n > 1 && !tensor.SameBitsRows(rows, rows/n) {
		n--
	}
	r.x, r.n = x, n
	if n == 1 {
		return r.whole(x)
	}
	r.graph(n - 1)
	tensor.Shares(n, r.run)
	for k := range n {
		if p := r.panics[k]; p != nil {
			clear(r.panics)
			panic(p)
		}
	}
	// The shares' outputs, row after row, in one tensor kept from batch
	// to batch while its shape stays.
	first := r.outs[0]
	fs := first.Shape()
	for k := range n {
		s := r.outs[k].Shape()
		if len(s) == 0 || s[0] != rows*(k+1)/n-rows*k/n || !slices.Equal(s[1:], fs[1:]) {
			return r.whole(x) // not one output row an example
		}
	}
	if o := r.out; o == nil || o.DType() != first.DType() || o.Shape()[0] != rows || !slices.Equal(o.Shape()[1:], fs[1:]) {
		r.out = tensor.New(first.DType(), append([]int{rows}, fs[1:]...)...)
	}
	for k := range n {
		lo, hi := rows*k/n, rows*(k+1)/n
		r.graphs[k].Arena().Slice(r.out, lo, hi).CopyFrom(r.outs[k])
	}
	return r.out
}

// whole runs one pass on the whole batch x, split operation by operation
// over the threads as usual.
func (r *Runner) whole(x *tensor.Tensor) *tensor.Tensor {
	for _, g := range r.graphs {
		g.Reset()
	}
	r.n = 1
	g := r.graph(0)
	return r.model.Forward(g, g.Input(x)).Data()
}
