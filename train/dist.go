package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// Comm connects the processes of data-parallel training: package
// dist/mpi provides one over MPI. Every process runs the same program on
// the same data with the same seed; Fit shards each global batch over
// them (data.Loader.Shard), sums their gradients before each step and
// their statistics after each epoch.
type Comm interface {
	// Rank is this process's number, 0 to Size()-1; rank 0 reports and
	// writes files.
	Rank() int
	// Size is the number of processes.
	Size() int
	// AllreduceSum replaces x, on every process, with the element-wise
	// sum of every process's x.
	AllreduceSum(x []float32) error
	// AllreduceSum64 is AllreduceSum for float64.
	AllreduceSum64(x []float64) error
	// Broadcast copies root's x to every process.
	Broadcast(x []float32, root int) error
}

// distributed reports whether the run is spread over several processes.
func (c *Config) distributed() bool { return c.Comm != nil && c.Comm.Size() > 1 }

// dist is the state of a data-parallel run: the flat buffers the
// gradients and the statistics travel in, and the dropout source.
type dist struct {
	comm    Comm
	params  []*autograd.Value
	grads   []*tensor.Tensor
	flat    []float32
	bufs    []*tensor.Tensor // running statistics (float32 buffers)
	bufFlat []float32
	scalars [2]float64 // the global batch's loss sum and its count of non-finite losses
}

// newDist prepares a data-parallel run of model and makes every process
// start from rank 0's parameters and buffers, so that the runs agree
// however they were initialised.
func newDist(comm Comm, model nn.Module) (*dist, error) {
	d := &dist{comm: comm}
	n := 0
	for _, p := range nn.Params(model) {
		if p.Value.Data().DType() != tensor.Float32 {
			return nil, fmt.Errorf("train: data-parallel training needs float32 parameters; %s is %v", p.Name, p.Value.Data().DType())
		}
		d.params = append(d.params, p.Value)
		n += p.Value.Data().Len()
	}
	m := 0
	for _, b := range nn.Buffers(model) {
		if b.Tensor.DType() == tensor.Float32 && !b.Int64 {
			d.bufs = append(d.bufs, b.Tensor)
			m += b.Tensor.Len()
		}
	}
	d.flat, d.bufFlat = make([]float32, n), make([]float32, m)
	d.grads = make([]*tensor.Tensor, len(d.params))
	values := make([]*tensor.Tensor, len(d.params))
	for i, p := range d.params {
		values[i] = p.Data()
	}
	tensor.PackF32(d.flat, 1, values...)
	if err := comm.Broadcast(d.flat, 0); err != nil {
		return nil, fmt.Errorf("train: broadcasting the parameters: %w", err)
	}
	tensor.UnpackF32(d.flat, 1, values...)
	tensor.PackF32(d.bufFlat, 1, d.bufs...)
	if err := comm.Broadcast(d.bufFlat, 0); err != nil {
		return nil, fmt.Errorf("train: broadcasting the buffers: %w", err)
	}
	tensor.UnpackF32(d.bufFlat, 1, d.bufs...)
	return d, nil
}

// dropoutRNG is the source of a process's dropout masks: its own, so
// that the shuffling source, which every process must draw from alike,
// is not advanced by the masks of a share of a batch.
func dropoutRNG(seed uint64, rank int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(rank)+1))
}

// step is one data-parallel training step on this process's share b of a
// global batch of b.Global examples: forward and backward on the share,
// the gradients summed over the processes weighted by the shares' sizes
// (the gradient of the global batch's mean loss), then the optimizer's
// step, identical on every process. It returns the global batch's mean
// loss. A non-finite loss on any process stops every process.
func (t *Trainer) distStep(g *autograd.Graph, b *data.Batch) (float64, *autograd.Value, error) {
	d := t.dist
	t.Opt.ZeroGrad()
	var out *autograd.Value
	var loss *autograd.Value
	local := 0.0
	if b.Size > 0 {
		out = Forward(g, t.Model, b)
		loss = t.Cfg.Loss.Loss(g, out, b)
		local = loss.Item()
	}
	bad := 0.0
	if math.IsNaN(local) || math.IsInf(local, 0) {
		bad = 1
	}
	d.scalars = [2]float64{local * float64(b.Size), bad}
	if err := d.comm.AllreduceSum64(d.scalars[:]); err != nil {
		return 0, nil, err
	}
	global := d.scalars[0] / float64(b.Global)
	if d.scalars[1] > 0 {
		return global, nil, fmt.Errorf("%w on %v of %d processes; try a lower learning rate than %g", ErrNonFinite, d.scalars[1], d.comm.Size(), t.Opt.LR())
	}
	if loss != nil {
		loss.Backward()
	}
	for i, p := range d.params {
		if p.Grad() == nil {
			p.SetGrad(tensor.New(tensor.Float32, p.Shape()...))
		}
		d.grads[i] = p.Grad()
	}
	// Each share's gradient is of its mean loss: weighted by the share's
	// size, summed, and divided by the global batch's.
	tensor.PackF32(d.flat, float32(b.Size), d.grads...)
	if err := d.comm.AllreduceSum(d.flat); err != nil {
		return 0, nil, err
	}
	tensor.UnpackF32(d.flat, 1/float32(b.Global), d.grads...)
	t.Opt.Step()
	return global, out, nil
}

// averageBuffers replaces every process's running statistics (batch
// normalisation's mean and variance) with their mean over the processes,
// once an epoch: each process's statistics followed its own shares.
func (d *dist) averageBuffers() error {
	if len(d.bufFlat) == 0 {
		return nil
	}
	tensor.PackF32(d.bufFlat, 1, d.bufs...)
	if err := d.comm.AllreduceSum(d.bufFlat); err != nil {
		return err
	}
	tensor.UnpackF32(d.bufFlat, 1/float32(d.comm.Size()), d.bufs...)
	return nil
}

// sum adds x over the processes, in place.
func (d *dist) sum(x []float64) error {
	if len(x) == 0 {
		return nil
	}
	return d.comm.AllreduceSum64(x)
}

// evaluateShared is EvaluateWith spread over the processes: each takes a
// contiguous share of ds, and the sums of the losses and of the metrics'
// statistics are added over the processes.
func evaluateShared(d *dist, model nn.Module, ds data.Dataset, loss Loss, metrics []Metric, batch int) (Scores, error) {
	n, size, rank := ds.Len(), d.comm.Size(), d.comm.Rank()
	part := data.Range(ds, n*rank/size, n*(rank+1)/size)
	lossSum, st := evalSums(model, part, loss, metrics, batch)
	buf := append([]float64{lossSum}, st.sums[:st.n]...)
	if err := d.sum(buf); err != nil {
		return Scores{}, err
	}
	copy(st.sums, buf[1:])
	if n == 0 {
		return Scores{}, errors.New("train: evaluation of an empty set")
	}
	return Scores{Loss: buf[0] / float64(n), Metrics: st.values(0)}, nil
}
