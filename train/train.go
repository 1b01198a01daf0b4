// Package train fits models: the loop of forward pass, loss, backward
// pass and optimizer step over mini-batches, with validation, early
// stopping, history, checkpoints and a report.
//
// Learning is minimising a loss by gradient descent: each step takes a
// batch, measures how wrong the model is on it, computes the gradient of
// that loss with respect to every weight by backpropagation, and moves the
// weights a little against it. An epoch is one pass over the training set.
// A validation split, held out of the training examples, tells when the
// model stops improving on data it has not trained on (early stopping) and
// which epoch's weights to keep; the test set is only ever reported.
//
// The trainer takes everything as values: the model, the optimizer (with
// its parameter groups), the loss, the metrics, the figure that picks the
// best epoch and the schedule. Classification (CrossEntropy), binary
// classification (BCEWithLogits) and regression (MSE) run through the
// same loop; names are parsed only by the command line.
package train

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// Config holds the settings of a training run. Zero values mean defaults.
type Config struct {
	Epochs int    // passes over the training set (default 10)
	Batch  int    // examples per step (default 64)
	Seed   uint64 // seeds shuffling and dropout
	// Patience stops training after this many epochs without a better
	// monitored figure (0: never).
	Patience int
	// Warmup is the number of batches at the start of the first epoch left
	// out of the examples-per-second figure (default 50).
	Warmup int
	// EvalBatch is the batch size of evaluation (default 250).
	EvalBatch int
	// Loss is minimised (default CrossEntropy{}).
	Loss Loss
	// Metrics are measured on the training batches, the validation set and
	// the test set every epoch (default: the Loss's, if it is a Task).
	Metrics []Metric
	// Monitor picks the best epoch (default: the Loss's, if it is a Task,
	// else the lowest validation loss).
	Monitor Monitor
	// Policy moves the optimizer's learning rate (and momentum): stepped
	// after every optimizer step, told the monitored figure after every
	// epoch. nil leaves the rate alone.
	Policy optim.Policy
	// Log receives one line per epoch (and progress, see Progress).
	Log io.Writer
	// Progress draws a progress bar with rate and ETA on Log, for
	// terminals; otherwise plain lines are written.
	Progress bool
	// Bucket, for sequences, batches examples of similar lengths: the
	// shuffled order is sorted by length in pools of this many batches
	// (see data.Loader.Bucket). 0 is a plain shuffle.
	Bucket int
	// Comm, when it joins more than one process, makes the run
	// data-parallel: each process trains on its share of every batch
	// (Batch stays the global batch size), the gradients are summed
	// before each step, batch normalisation's running statistics are
	// averaged after each epoch, and validation and test sets are split
	// over the processes. Every process must call Fit alike.
	Comm Comm
	// Shares, above 1, splits every batch into this many shares that
	// train at once, each a whole forward and backward pass on one core,
	// their gradients summed before the optimizer's step (see Shared):
	// faster than splitting each operation over the cores when the
	// model is small. It needs a Shareable loss and a model whose layers
	// treat every example on its own (no batch normalisation); AutoShares
	// picks it. The results depend on the number of shares (the sums run
	// in another order), not on the cores. 0 or 1: whole batches.
	Shares int
}

func (c *Config) fill() {
	if c.Epochs <= 0 {
		c.Epochs = 10
	}
	if c.Batch <= 0 {
		c.Batch = 64
	}
	if c.Warmup <= 0 {
		c.Warmup = 50
	}
	if c.EvalBatch <= 0 {
		c.EvalBatch = 250
	}
	if c.Loss == nil {
		c.Loss = CrossEntropy{}
	}
	task, isTask := c.Loss.(Task)
	if c.Metrics == nil && isTask {
		c.Metrics = task.Metrics()
	}
	if c.Monitor.Metric == "" {
		c.Monitor = Monitor{Metric: "loss"}
		if isTask {
			c.Monitor = task.Monitor()
		}
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
}

// StepsPerEpoch returns the number of batches of size batch that cover n
// examples, the last one possibly smaller: what a schedule spanning an
// epoch counts.
func StepsPerEpoch(n, batch int) int { return (n + batch - 1) / batch }

// EpochStats are the measurements of one epoch.
type EpochStats struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	ValLoss   float64 `json:"val_loss"`
	TestLoss  float64 `json:"test_loss"`
	// The accuracies repeat the "accuracy" metric, when there is one.
	TrainAccuracy float64 `json:"train_accuracy"`
	ValAccuracy   float64 `json:"val_accuracy"`
	TestAccuracy  float64 `json:"test_accuracy"`
	// Train, Val and Test hold every metric by name.
	Train   map[string]float64 `json:"train_metrics,omitempty"`
	Val     map[string]float64 `json:"val_metrics,omitempty"`
	Test    map[string]float64 `json:"test_metrics,omitempty"`
	LR      float64            `json:"lr"`
	Seconds float64            `json:"seconds"`
}

// Monitored returns the figure m watches in this epoch: on the validation
// set, or on the training batches when there was none.
func (s EpochStats) Monitored(m Monitor, hasVal bool) float64 {
	loss, metrics := s.TrainLoss, s.Train
	if hasVal {
		loss, metrics = s.ValLoss, s.Val
	}
	if m.Metric == "loss" {
		return loss
	}
	return metrics[m.Metric]
}

// Trainer holds everything a run needs and everything needed to resume
// it: the model, the optimizer and its policy, the random source, the
// epoch reached, the history and the best weights so far.
type Trainer struct {
	Model     nn.Module
	Opt       optim.Optimizer
	PCG       *rand.PCG // the state of RNG, for saving
	RNG       *rand.Rand
	Cfg       Config
	Epoch     int // epochs completed
	History   []EpochStats
	BestEpoch int              // 1-based epoch with the best monitored figure (0: none yet)
	Best      []*tensor.Tensor // copies of the parameters at BestEpoch
	BestBufs  []*tensor.Tensor // and of the buffers
	stale     int              // epochs since the best
	hasVal    bool
	dist      *dist // the data-parallel state, when Cfg.Comm joins several processes

	trainSeconds float64 // time in timed training steps
	trainImages  int     // examples in timed training steps
	allSeconds   float64 // time in all training steps, warm-up included
	allImages    int
}

// New prepares a run of cfg that trains model with opt, which must
// optimise the model's parameters (all of them, or the ones to train).
func New(model nn.Module, opt optim.Optimizer, cfg Config) (*Trainer, error) {
	if model == nil || opt == nil {
		return nil, fmt.Errorf("train: a run needs a model and an optimizer")
	}
	cfg.fill()
	names := map[string]bool{}
	for _, p := range model.Params() {
		names[p.Name] = true
	}
	for _, p := range opt.Params() {
		if !names[p.Name] {
			return nil, fmt.Errorf("train: the optimizer updates %q, which is not a parameter of the model", p.Name)
		}
	}
	if cfg.Monitor.Metric != "loss" && metricIndex(cfg.Metrics, cfg.Monitor.Metric) < 0 {
		return nil, fmt.Errorf("train: the monitor watches %q, which is not among the metrics (%s)", cfg.Monitor.Metric, metricNames(cfg.Metrics))
	}
	if cfg.Shares > 1 {
		if cfg.distributed() {
			return nil, fmt.Errorf("train: %d shares of a batch in a run over %d processes: use one or the other", cfg.Shares, cfg.Comm.Size())
		}
		if cfg.Shares > cfg.Batch {
			return nil, fmt.Errorf("train: %d shares of a batch of %d", cfg.Shares, cfg.Batch)
		}
		if _, err := shareable(model, cfg.Loss, cfg.Shares); err != nil {
			return nil, err
		}
	}
	pcg := rand.NewPCG(cfg.Seed, cfg.Seed^0x5851f42d4c957f2d)
	return &Trainer{Model: model, Opt: opt, PCG: pcg, RNG: rand.New(pcg), Cfg: cfg}, nil
}

func metricIndex(ms []Metric, name string) int {
	for i, m := range ms {
		if m.Name() == name {
			return i
		}
	}
	return -1
}

func metricNames(ms []Metric) string {
	s := "loss"
	for _, m := range ms {
		s += ", " + m.Name()
	}
	return s
}

// ErrNonFinite is wrapped by the error Fit returns when the loss becomes
// NaN or infinite.
var ErrNonFinite = optim.ErrNonFinite

// Forward runs model on a batch: its inputs in the order of the batch's
// spec (a MultiModule gets them all, any other Module its one input), and
// returns the first output. A SequenceModel given a batch of one
// sequence input gets the batch's lengths too.
func Forward(g *autograd.Graph, model nn.Module, b *data.Batch) *autograd.Value {
	if len(b.Inputs) == 1 {
		if sm, ok := model.(SequenceModel); ok && b.Lengths != nil {
			return sm.ForwardLengths(g, g.Input(b.Inputs[0]), b.Lengths)
		}
		return model.Forward(g, g.Input(b.Inputs[0]))
	}
	xs := make([]*autograd.Value, len(b.Inputs))
	for i, x := range b.Inputs {
		xs[i] = g.Input(x)
	}
	return nn.CallN(g, "", model, xs)[0]
}

// Step is one training step on a batch: optim.Step with the model's
// forward pass and the loss. It returns the loss and the model's output,
// which stay valid until g is reset.
func Step(g *autograd.Graph, model nn.Module, loss Loss, opt optim.Optimizer, b *data.Batch) (float64, *autograd.Value, error) {
	var out *autograd.Value
	l, err := optim.Step(opt, func() *autograd.Value {
		out = Forward(g, model, b)
		return loss.Loss(g, out, b)
	})
	return l, out, err
}

// Fit trains until the configured number of epochs, early stopping, an
// error, or the cancellation of ctx (checked after every batch, so Ctrl-C
// stops cleanly). Each epoch it measures the loss and metrics on the
// training batches, on val and on test (test is only reported, never used
// to choose). afterEpoch, if not nil, is called after each epoch (to save
// checkpoints); an error from it stops training. Fit returns why it
// stopped: "completed", "early stopping" or "interrupted".
func (t *Trainer) Fit(ctx context.Context, trainSet, val, test data.Dataset, afterEpoch func(*Trainer) error) (string, error) {
	cfg := t.Cfg
	loader := data.NewLoader(trainSet, cfg.Batch, true, false, t.RNG)
	loader.Prefetch(true) // the next batch is prepared while this one trains
	if err := loader.Bucket(cfg.Bucket); err != nil {
		return "", fmt.Errorf("train: %w", err)
	}
	t.hasVal = val != nil && val.Len() > 0
	g := autograd.NewGraph()
	g.Training = true
	g.RNG = t.RNG
	if cfg.distributed() {
		if cfg.Batch < cfg.Comm.Size() {
			return "", fmt.Errorf("train: a batch of %d cannot be shared by %d processes", cfg.Batch, cfg.Comm.Size())
		}
		if t.dist == nil {
			d, err := newDist(cfg.Comm, t.Model)
			if err != nil {
				return "", err
			}
			t.dist = d
		}
		loader.Shard(cfg.Comm.Rank(), cfg.Comm.Size())
		g.RNG = dropoutRNG(cfg.Seed+uint64(t.Epoch), cfg.Comm.Rank())
	}
	first := ""
	if len(cfg.Metrics) > 0 {
		first = cfg.Metrics[0].Name()
	}
	// Each step gets the shares of a batch: one, the batch itself,
	// unless Shares splits it.
	var sh *Shared
	shares := 1
	if cfg.Shares > 1 {
		var err error
		if sh, err = NewShared(t.Model, t.Opt.Params(), cfg.Loss, cfg.Shares); err != nil {
			return "", err
		}
		shares = sh.Len()
	}
	stats := newStats(cfg.Metrics, 1)
	for t.Epoch < cfg.Epochs {
		start := time.Now()
		epoch := t.Epoch + 1
		var lossSum float64
		seen, step := 0, 0
		clear(stats.sums)
		progress := newProgress(cfg.Log, cfg.Progress, epoch, cfg.Epochs, loader.Len())
		// Augmented examples are keyed by the epoch: a resumed run
		// transforms them as an uninterrupted one would.
		loader.SetEpoch(epoch)
		for bs := range loader.EpochShares(shares) {
			stepStart := time.Now()
			var l float64
			var out *autograd.Value
			var err error
			b := bs[0]
			switch {
			case sh != nil:
				l, err = sh.Step(t.Opt, bs, t.RNG.Uint64())
			case t.dist != nil:
				l, out, err = t.distStep(g, b)
			default:
				l, out, err = Step(g, t.Model, cfg.Loss, t.Opt, b)
			}
			if err != nil {
				g.Reset()
				if sh != nil {
					sh.Reset()
				}
				return "", fmt.Errorf("train: epoch %d, step %d of %d: %w", epoch, step+1, loader.Len(), err)
			}
			if cfg.Policy != nil {
				cfg.Policy.Step()
			}
			size := b.Size // this process's examples
			if sh != nil {
				size = b.Global // all of the batch, in its shares
				for k, b := range bs {
					stats.add(0, sh.Output(k).Data(), b)
				}
				sh.Reset()
			} else if out != nil {
				stats.add(0, out.Data(), b)
			}
			g.Reset()
			lossSum += l * float64(b.Global)
			seen += b.Global
			step++
			el := time.Since(stepStart).Seconds()
			if t.Epoch > 0 || step > cfg.Warmup {
				t.trainSeconds += el
				t.trainImages += size
			}
			t.allSeconds += el
			t.allImages += size
			if cfg.Progress {
				v := 0.0
				if first != "" {
					v = cfg.Metrics[0].Value(stats.of(0, 0))
				}
				progress.update(step, lossSum/float64(seen), first, v)
			}
			if ctx.Err() != nil {
				progress.done()
				return "interrupted", nil
			}
		}
		progress.done()
		if t.dist != nil {
			// The training metrics' statistics were summed on each
			// process's shares; the running statistics followed them.
			if err := t.dist.sum(stats.sums); err != nil {
				return "", err
			}
			if err := t.dist.averageBuffers(); err != nil {
				return "", err
			}
		}
		st := EpochStats{Epoch: epoch, TrainLoss: lossSum / float64(seen), Train: stats.values(0), LR: t.Opt.LR()}
		evaluate := func(ds data.Dataset) (Scores, error) {
			if t.dist != nil {
				return evaluateShared(t.dist, t.Model, ds, cfg.Loss, cfg.Metrics, cfg.EvalBatch)
			}
			return EvaluateWith(t.Model, ds, cfg.Loss, cfg.Metrics, cfg.EvalBatch), nil
		}
		if t.hasVal {
			sc, err := evaluate(val)
			if err != nil {
				return "", err
			}
			st.ValLoss, st.Val = sc.Loss, sc.Metrics
		}
		if test != nil && test.Len() > 0 {
			sc, err := evaluate(test)
			if err != nil {
				return "", err
			}
			st.TestLoss, st.Test = sc.Loss, sc.Metrics
		}
		st.TrainAccuracy, st.ValAccuracy, st.TestAccuracy = st.Train["accuracy"], st.Val["accuracy"], st.Test["accuracy"]
		st.Seconds = time.Since(start).Seconds()
		t.History = append(t.History, st)
		t.Epoch = epoch
		fmt.Fprintln(cfg.Log, epochLine(st, cfg.Epochs, cfg.Metrics))
		if t.isBest(st) {
			t.BestEpoch, t.stale = epoch, 0
			t.Best = snapshot(t.Best, paramTensors(t.Model))
			t.BestBufs = snapshot(t.BestBufs, bufferTensors(t.Model))
		} else {
			t.stale++
		}
		if cfg.Policy != nil {
			cfg.Policy.EndEpoch(st.Monitored(cfg.Monitor, t.hasVal))
		}
		if afterEpoch != nil {
			if err := afterEpoch(t); err != nil {
				return "", err
			}
		}
		if cfg.Patience > 0 && t.stale >= cfg.Patience {
			return "early stopping", nil
		}
	}
	return "completed", nil
}

// isBest reports whether st beats the best epoch so far: a better
// monitored figure, or, for a metric other than the loss, an equal one
// with a lower loss.
func (t *Trainer) isBest(st EpochStats) bool {
	if t.BestEpoch == 0 {
		return true
	}
	m := t.Cfg.Monitor
	best := t.History[t.BestEpoch-1]
	a, b := st.Monitored(m, t.hasVal), best.Monitored(m, t.hasVal)
	if m.better(a, b) {
		return true
	}
	if a == b && m.Metric != "loss" {
		loss := Monitor{Metric: "loss"}
		return loss.better(st.Monitored(loss, t.hasVal), best.Monitored(loss, t.hasVal))
	}
	return false
}

// epochLine formats an epoch's figures for the log.
func epochLine(st EpochStats, epochs int, ms []Metric) string {
	part := func(loss float64, v map[string]float64) string {
		p := fmt.Sprintf(" loss %.4f", loss)
		for _, m := range ms {
			p += fmt.Sprintf(" %s %.4f", shortName(m.Name()), v[m.Name()])
		}
		return p
	}
	s := fmt.Sprintf("epoch %2d/%d  train", st.Epoch, epochs) + part(st.TrainLoss, st.Train)
	if st.Val != nil || st.ValLoss != 0 {
		s += "  val" + part(st.ValLoss, st.Val)
	}
	if st.Test != nil || st.TestLoss != 0 {
		s += "  test" + part(st.TestLoss, st.Test)
	}
	return s + fmt.Sprintf("  %.1fs", st.Seconds)
}

// ImagesPerSecond returns the training throughput: examples over the time
// spent in training steps (batch preparation, forward, backward and
// update; evaluation excluded), leaving out the warm-up batches of the
// first epoch — unless the run was so short that nothing came after them,
// when every step counts.
func (t *Trainer) ImagesPerSecond() float64 {
	switch {
	case t.trainSeconds > 0:
		return float64(t.trainImages) / t.trainSeconds
	case t.allSeconds > 0:
		return float64(t.allImages) / t.allSeconds
	}
	return 0
}

// RestoreBest copies the best epoch's weights back into the model.
func (t *Trainer) RestoreBest() {
	if t.Best == nil {
		return
	}
	for i, p := range paramTensors(t.Model) {
		p.CopyFrom(t.Best[i])
	}
	for i, b := range bufferTensors(t.Model) {
		b.CopyFrom(t.BestBufs[i])
	}
}

func paramTensors(m nn.Module) []*tensor.Tensor {
	var out []*tensor.Tensor
	for _, p := range m.Params() {
		out = append(out, p.Value.Data())
	}
	return out
}

func bufferTensors(m nn.Module) []*tensor.Tensor {
	var out []*tensor.Tensor
	for _, b := range nn.Buffers(m) {
		out = append(out, b.Tensor)
	}
	return out
}

// snapshot copies src into dst, allocating dst the first time.
func snapshot(dst, src []*tensor.Tensor) []*tensor.Tensor {
	if dst == nil {
		dst = make([]*tensor.Tensor, len(src))
		for i, t := range src {
			dst[i] = t.Clone()
		}
		return dst
	}
	for i, t := range src {
		dst[i].CopyFrom(t)
	}
	return dst
}

// stats holds the sums of a list of metrics for a number of batches.
type stats struct {
	ms   []Metric
	off  []int // where each metric's sums start in a row
	n    int   // sums per row
	sums []float64
}

// newStats returns zero sums of the metrics for rows batches.
func newStats(ms []Metric, rows int) *stats {
	s := &stats{ms: ms}
	for _, m := range ms {
		s.off = append(s.off, s.n)
		s.n += m.Stats()
	}
	s.sums = make([]float64, rows*s.n)
	return s
}

func (s *stats) of(row, k int) []float64 {
	lo := row*s.n + s.off[k]
	return s.sums[lo : lo+s.ms[k].Stats()]
}

func (s *stats) add(row int, out *tensor.Tensor, b *data.Batch) {
	for k, m := range s.ms {
		m.Accumulate(s.of(row, k), out, b)
	}
}

// values returns every metric of row 0 by name.
func (s *stats) values(row int) map[string]float64 {
	v := make(map[string]float64, len(s.ms))
	for k, m := range s.ms {
		v[m.Name()] = m.Value(s.of(row, k))
	}
	return v
}

// total adds every row into row 0, in order.
func (s *stats) total(rows int) {
	for r := 1; r < rows; r++ {
		for j := 0; j < s.n; j++ {
			s.sums[j] += s.sums[r*s.n+j]
		}
	}
}

// Scores are the figures of an evaluation: the mean loss and the metrics
// by name.
type Scores struct {
	Loss    float64            `json:"loss"`
	Metrics map[string]float64 `json:"metrics"`
}

// EvaluateWith measures model on ds in inference mode, batch examples at a
// time spread over tensor.Threads() workers: the loss (the mean of the
// batches' mean losses, weighted by their sizes) and the metrics. The
// figures do not depend on the number of workers.
func EvaluateWith(model nn.Module, ds data.Dataset, loss Loss, metrics []Metric, batch int) Scores {
	sum, st := evalSums(model, ds, loss, metrics, batch)
	return Scores{Loss: sum / float64(ds.Len()), Metrics: st.values(0)}
}

// evalSums returns the sum over ds of the examples' losses and the
// metrics' statistics, totalled into row 0.
func evalSums(model nn.Module, ds data.Dataset, loss Loss, metrics []Metric, batch int) (float64, *stats) {
	nb := StepsPerEpoch(ds.Len(), batch)
	st := newStats(metrics, max(nb, 1))
	losses := make([]float64, nb)
	forEachBatch(model, ds, batch, func(bi int, g *autograd.Graph, out *autograd.Value, b *data.Batch) {
		if loss != nil {
			losses[bi] = loss.Loss(g, out, b).Item() * float64(b.Size)
		}
		st.add(bi, out.Data(), b)
	})
	st.total(nb)
	var sum float64
	for _, l := range losses {
		sum += l
	}
	return sum, st
}

// Evaluate returns the mean cross-entropy loss and the accuracy of a
// classifier on ds: EvaluateWith with CrossEntropy and Accuracy.
func Evaluate(model nn.Module, ds data.Dataset, batch int) (loss, accuracy float64) {
	sc := EvaluateWith(model, ds, CrossEntropy{}, []Metric{Accuracy{}}, batch)
	return sc.Loss, sc.Metrics["accuracy"]
}

// evalGraphs recycles inference graphs, and the memory of their arenas,
// from one evaluation to the next.
var evalGraphs = sync.Pool{New: func() any { return autograd.NewInferenceGraph() }}

// forEachBatch runs model on ds, batch examples at a time, over several
// goroutines each with its own inference graph and batch, and calls f
// with each batch's index, graph, output and batch (the graph is reset
// after f returns). The model is only read.
func forEachBatch(model nn.Module, ds data.Dataset, batch int, f func(bi int, g *autograd.Graph, out *autograd.Value, b *data.Batch)) {
	n := ds.Len()
	nb := StepsPerEpoch(n, batch)
	workers := min(max(tensor.Threads(), 1), nb, runtime.GOMAXPROCS(0))
	next := make(chan int, nb)
	for b := 0; b < nb; b++ {
		next <- b
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := evalGraphs.Get().(*autograd.Graph)
			defer evalGraphs.Put(g)
			b := data.NewBatch(ds.Spec(), batch)
			idx := make([]int, batch)
			for bi := range next {
				lo, hi := bi*batch, min((bi+1)*batch, n)
				for i := lo; i < hi; i++ {
					idx[i-lo] = i
				}
				b.Collate(ds, idx[:hi-lo])
				f(bi, g, Forward(g, model, b), b)
				g.Reset()
			}
		}()
	}
	wg.Wait()
}

// Predict returns, for every example of a classification dataset, the
// predicted class, the true label and the cross-entropy loss of that
// label (for per-step targets, the first step's).
func Predict(model nn.Module, ds data.Dataset, batch int) (preds, labels []int, losses []float64) {
	n := ds.Len()
	preds, labels, losses = make([]int, n), make([]int, n), make([]float64, n)
	forEachBatch(model, ds, batch, func(bi int, g *autograd.Graph, out *autograd.Value, b *data.Batch) {
		lo, hi := bi*batch, bi*batch+b.Size
		logits := out.Data()
		for i, l := range b.Target.I64()[:b.Size] {
			labels[lo+i] = int(l)
		}
		// Each batch writes its own range of the results.
		tensor.ArgMaxRows(preds[lo:hi:hi], logits)
		tensor.CrossEntropyRows(losses[lo:hi:hi], logits, labels[lo:hi])
	})
	return preds, labels, losses
}
