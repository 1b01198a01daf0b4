// Package train fits models: the loop of forward pass, loss, backward
// pass and optimizer step over mini-batches, with validation, early
// stopping, history and a report.
//
// Learning is minimising a loss by gradient descent: each step takes a
// batch, measures how wrong the model is on it, computes the gradient of
// that loss with respect to every weight by backpropagation, and moves the
// weights a little against it. An epoch is one pass over the training set.
// A validation split, held out of the training images, tells when the
// model stops improving on data it has not trained on (early stopping) and
// which epoch's weights to keep; the test set is only ever reported.
package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
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
	Epochs    int     // passes over the training set (default 10)
	Batch     int     // examples per step (default 64)
	Optimizer string  // sgd, momentum, nesterov, adagrad, rmsprop, adam or adamw (default adam)
	LR        float64 // learning rate (default: DefaultLR of the optimizer)
	Schedule  string  // none, cosine or step (default cosine, over all steps)
	Seed      uint64  // seeds shuffling and dropout (and, in the CLI, initialization)
	Patience  int     // stop after this many epochs without a better validation accuracy (0: never)
	// Warmup is the number of batches at the start of the first epoch left
	// out of the images-per-second figure (default 50).
	Warmup int
	// Log receives one line per epoch (and progress, see Progress).
	Log io.Writer `json:"-"`
	// Progress draws a progress bar with rate and ETA on Log, for
	// terminals; otherwise plain lines are written.
	Progress bool `json:"-"`
}

// DefaultLR returns the conventional learning rate for an optimizer: 0.05
// for the SGD family, 0.01 for AdaGrad and 0.001 for RMSProp, Adam and
// AdamW.
func DefaultLR(optimizer string) float64 {
	switch optimizer {
	case "sgd", "momentum", "nesterov":
		return 0.05
	case "adagrad":
		return 0.01
	}
	return 0.001
}

func (c *Config) fill() {
	if c.Epochs <= 0 {
		c.Epochs = 10
	}
	if c.Batch <= 0 {
		c.Batch = 64
	}
	if c.Optimizer == "" {
		c.Optimizer = "adam"
	}
	if c.LR <= 0 {
		c.LR = DefaultLR(c.Optimizer)
	}
	if c.Schedule == "" {
		c.Schedule = "cosine"
	}
	if c.Warmup <= 0 {
		c.Warmup = 50
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
}

// EpochStats are the measurements of one epoch.
type EpochStats struct {
	Epoch         int     `json:"epoch"`
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	ValLoss       float64 `json:"val_loss"`
	ValAccuracy   float64 `json:"val_accuracy"`
	TestLoss      float64 `json:"test_loss"`
	TestAccuracy  float64 `json:"test_accuracy"`
	LR            float64 `json:"lr"`
	Seconds       float64 `json:"seconds"`
}

// Trainer holds everything a run needs and everything needed to resume
// it: the model, the optimizer and its schedule, the random source, the
// epoch reached, the history and the best weights so far.
type Trainer struct {
	Model     nn.Module
	Opt       optim.Optimizer
	Sched     *optim.Scheduler
	PCG       *rand.PCG // the state of RNG, for saving
	RNG       *rand.Rand
	Cfg       Config
	Epoch     int // epochs completed
	History   []EpochStats
	BestEpoch int              // 1-based epoch with the best validation accuracy (0: none yet)
	Best      []*tensor.Tensor // copies of the parameters at BestEpoch
	BestBufs  []*tensor.Tensor // and of the buffers
	stale     int              // epochs since the best

	trainSeconds float64 // time in timed training steps
	trainImages  int     // images in timed training steps
	allSeconds   float64 // time in all training steps, warm-up included
	allImages    int
}

// NewTrainer prepares a run of cfg for model over a training set of n
// examples (the schedule spans every step of every epoch).
func NewTrainer(model nn.Module, n int, cfg Config) (*Trainer, error) {
	cfg.fill()
	opt, err := optim.New(cfg.Optimizer, model.Params(), cfg.LR)
	if err != nil {
		return nil, err
	}
	steps := cfg.Epochs * ((n + cfg.Batch - 1) / cfg.Batch)
	var sched optim.Schedule
	switch cfg.Schedule {
	case "none", "constant":
		sched = optim.Constant{}
	case "cosine":
		sched = optim.Cosine{TMax: max(steps, 1)}
	case "step":
		// A tenth of the rate for the last third of the run, and again for the last sixth.
		sched = optim.StepDecay{StepSize: max(steps/3, 1), Gamma: 0.3}
	default:
		return nil, fmt.Errorf("unknown schedule %q (want none, cosine or step)", cfg.Schedule)
	}
	s, err := optim.NewScheduler(opt, sched)
	if err != nil {
		return nil, err
	}
	pcg := rand.NewPCG(cfg.Seed, cfg.Seed^0x5851f42d4c957f2d)
	return &Trainer{Model: model, Opt: opt, Sched: s, PCG: pcg, RNG: rand.New(pcg), Cfg: cfg}, nil
}

// ErrNonFinite is wrapped by the error Fit returns when the loss becomes
// NaN or infinite.
var ErrNonFinite = errors.New("loss is not finite")

// Fit trains until the configured number of epochs, early stopping, an
// error, or the cancellation of ctx (checked after every batch, so Ctrl-C
// stops cleanly). Each epoch it measures the loss and accuracy on the
// training batches, on val and on test (test is only reported, never used
// to choose). afterEpoch, if not nil, is called after each epoch (to save
// checkpoints); an error from it stops training. Fit returns why it
// stopped: "completed", "early stopping" or "interrupted".
func (t *Trainer) Fit(ctx context.Context, trainSet, val, test data.Dataset, afterEpoch func(*Trainer) error) (string, error) {
	cfg := t.Cfg
	loader := data.NewLoader(trainSet, cfg.Batch, true, false, t.RNG)
	g := autograd.NewGraph()
	g.Training = true
	g.RNG = t.RNG
	for t.Epoch < cfg.Epochs {
		start := time.Now()
		epoch := t.Epoch + 1
		var lossSum float64
		var preds []int // the arg-max of each batch's rows, reused
		correct, seen, step := 0, 0, 0
		progress := newProgress(cfg.Log, cfg.Progress, epoch, cfg.Epochs, loader.Len())
		for x, labels := range loader.Epoch() {
			stepStart := time.Now()
			t.Opt.ZeroGrad()
			logits := t.Model.Forward(g, g.Input(x))
			loss := g.CrossEntropy(logits, labels, autograd.ReduceMean)
			l := loss.Item()
			if math.IsNaN(l) || math.IsInf(l, 0) {
				return "", fmt.Errorf("train: epoch %d, step %d of %d: %w (%v); try a lower learning rate than %g", epoch, step+1, loader.Len(), ErrNonFinite, l, t.Opt.LR())
			}
			loss.Backward()
			t.Opt.Step()
			t.Sched.Step()
			preds = tensor.ArgMaxRows(preds, logits.Data())
			correct += countEqual(preds, labels)
			g.Reset()
			lossSum += l * float64(len(labels))
			seen += len(labels)
			step++
			el := time.Since(stepStart).Seconds()
			if t.Epoch > 0 || step > cfg.Warmup {
				t.trainSeconds += el
				t.trainImages += len(labels)
			}
			t.allSeconds += el
			t.allImages += len(labels)
			progress.update(step, lossSum/float64(seen), float64(correct)/float64(seen))
			if ctx.Err() != nil {
				progress.done()
				return "interrupted", nil
			}
		}
		progress.done()
		st := EpochStats{Epoch: epoch, TrainLoss: lossSum / float64(seen), TrainAccuracy: float64(correct) / float64(seen), LR: t.Opt.LR()}
		if val != nil && val.Len() > 0 {
			st.ValLoss, st.ValAccuracy = Evaluate(t.Model, val, 250)
		}
		if test != nil && test.Len() > 0 {
			st.TestLoss, st.TestAccuracy = Evaluate(t.Model, test, 250)
		}
		st.Seconds = time.Since(start).Seconds()
		t.History = append(t.History, st)
		t.Epoch = epoch
		fmt.Fprintf(cfg.Log, "epoch %2d/%d  train loss %.4f acc %.4f  val loss %.4f acc %.4f  test loss %.4f acc %.4f  %.1fs\n",
			epoch, cfg.Epochs, st.TrainLoss, st.TrainAccuracy, st.ValLoss, st.ValAccuracy, st.TestLoss, st.TestAccuracy, st.Seconds)
		if t.BestEpoch == 0 || st.ValAccuracy > t.History[t.BestEpoch-1].ValAccuracy ||
			(st.ValAccuracy == t.History[t.BestEpoch-1].ValAccuracy && st.ValLoss < t.History[t.BestEpoch-1].ValLoss) {
			t.BestEpoch, t.stale = epoch, 0
			t.Best = snapshot(t.Best, paramTensors(t.Model))
			t.BestBufs = snapshot(t.BestBufs, bufferTensors(t.Model))
		} else {
			t.stale++
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

// ImagesPerSecond returns the training throughput: images over the time
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

// countEqual returns how many predictions equal their labels.
func countEqual(preds, labels []int) int {
	n := 0
	for i, p := range preds {
		if p == labels[i] {
			n++
		}
	}
	return n
}

// Evaluate returns the mean cross-entropy loss and the accuracy of model
// on ds, in inference mode, batch examples at a time, spread over
// tensor.Threads() workers.
func Evaluate(model nn.Module, ds data.Dataset, batch int) (loss, accuracy float64) {
	preds, labels, losses := Predict(model, ds, batch)
	correct := countEqual(preds, labels)
	var s float64
	for _, l := range losses {
		s += l
	}
	n := float64(ds.Len())
	return s / n, float64(correct) / n
}

// evalGraphs recycles inference graphs, and the memory of their arenas,
// from one evaluation to the next.
var evalGraphs = sync.Pool{New: func() any { return autograd.NewInferenceGraph() }}

// Predict returns, for every example of ds, the predicted class, the true
// label and the cross-entropy loss of that label. Batches are spread over
// goroutines, each with its own inference graph; the model is only read.
func Predict(model nn.Module, ds data.Dataset, batch int) (preds, labels []int, losses []float64) {
	n := ds.Len()
	preds, labels, losses = make([]int, n), make([]int, n), make([]float64, n)
	nb := (n + batch - 1) / batch
	workers := min(max(tensor.Threads(), 1), nb, runtime.GOMAXPROCS(0))
	per := tensor.Numel(ds.Shape())
	next := make(chan int, nb)
	for b := 0; b < nb; b++ {
		next <- b
	}
	close(next)
	done := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			g := evalGraphs.Get().(*autograd.Graph)
			defer evalGraphs.Put(g)
			x := g.Arena().Empty(tensor.Float32, append([]int{batch}, ds.Shape()...)...)
			for b := range next {
				lo, hi := b*batch, min((b+1)*batch, n)
				xb := x.Slice(0, hi-lo)
				for i := lo; i < hi; i++ {
					labels[i] = ds.Load(i, xb.F32()[(i-lo)*per:(i-lo+1)*per])
				}
				logits := model.Forward(g, g.Input(xb)).Data()
				// Each batch writes its own range of the results.
				tensor.ArgMaxRows(preds[lo:hi:hi], logits)
				tensor.CrossEntropyRows(losses[lo:hi:hi], logits, labels[lo:hi])
				g.Reset()
				x = g.Arena().Empty(tensor.Float32, append([]int{batch}, ds.Shape()...)...)
			}
		}()
	}
	for w := 0; w < workers; w++ {
		<-done
	}
	return preds, labels, losses
}
