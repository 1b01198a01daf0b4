// Package bench measures baeum's training and inference throughput and
// sets it beside its strongest rivals, run the same way in the same
// invocation: PyTorch in its fastest CPU configuration (OpenBLAS's OpenMP
// build, jemalloc preloaded, OpenBLAS's CPU-type overrides removed:
// TorchSetup), and ONNX Runtime for inference through its Node binding.
//
// Every figure is images per second over timed steps only, after a
// warm-up, with SGD with momentum 0.9 on cross-entropy for training, the
// same batch size and thread count on every side and the data in memory.
// Each configuration runs in a child process of its own, so that its peak
// resident memory and CPU time are its own too. The rivals' scripts are
// embedded (Scripts); SpreadOf and PairRatios summarise interleaved runs,
// and FLOPsPerImage the arithmetic that a side's share of the machine's
// FMA peak (tensor.MeasurePeak) is computed from.
package bench

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
	"github.com/baeum-ml/baeum/train"
)

// Case is one measurement: a model, training or inference, a batch size.
type Case struct {
	Model string `json:"model"` // mlp or lenet5
	Mode  string `json:"mode"`  // train or infer
	Batch int    `json:"batch"`
}

func (c Case) String() string { return fmt.Sprintf("%s %s batch %d", c.Model, c.Mode, c.Batch) }

// Result is what one side measured for a Case, in one process.
type Result struct {
	ImagesPerSec float64 `json:"images_per_sec"`
	// WallSec is the timed region's wall time and CPUSec the CPU time
	// (user and system, all threads) the process spent in it; their ratio
	// is the number of cores the side kept busy.
	WallSec   float64 `json:"wall_sec"`
	CPUSec    float64 `json:"cpu_sec"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	Threads   int     `json:"threads"`
	// Config describes how the side ran, as the side itself observed it
	// (for PyTorch: the BLAS and allocator actually loaded).
	Config string `json:"config,omitempty"`
	// CallOverheadUS is the time of one call of the runtime's run function
	// on a trivial model (ONNX Runtime only), in microseconds.
	CallOverheadUS float64 `json:"call_overhead_us,omitempty"`
	Error          string  `json:"error,omitempty"`
}

// Cores returns the number of cores the side kept busy on average in
// the timed region (CPU time over wall time), or 0 if unknown.
func (r Result) Cores() float64 {
	if r.WallSec <= 0 || r.CPUSec <= 0 {
		return 0
	}
	return r.CPUSec / r.WallSec
}

// Timing is what Run measured: images processed in the timed region, its
// wall time and the CPU time the process spent in it.
type Timing struct {
	Images    int
	Wall, CPU time.Duration
}

// ImagesPerSec returns the throughput.
func (t Timing) ImagesPerSec() float64 { return float64(t.Images) / t.Wall.Seconds() }

// Options set how long each measurement runs.
type Options struct {
	Warmup int // untimed batches first (default 50)
	// Steps counts the timed batches: by default 300 for training, and
	// for inference 200 or enough batches for 100,000 images, whichever
	// is more, so that a fast small-batch case is timed for long enough.
	Steps int
}

// For returns the options with the defaults for c filled in; every side
// of the benchmark runs c with these.
func (o Options) For(c Case) Options {
	if o.Warmup <= 0 {
		o.Warmup = 50
	}
	if o.Steps <= 0 {
		o.Steps = 300
		if c.Mode == "infer" {
			o.Steps = 200
			if c.Batch > 0 {
				o.Steps = max(200, (100000+c.Batch-1)/c.Batch)
			}
		}
	}
	return o
}

// Run measures c in this process on the given MNIST images, prepared
// for the model as its record says. The clock runs from the end of the
// warm-up to the last step. In training it includes making each batch
// from the stored bytes (shuffled, as PyTorch's side gathers its batches
// from a float tensor); in inference, as on the rivals' sides, the images
// are prepared once before the clock and each batch is a view of them,
// so that only the model is timed.
func Run(c Case, images *data.Images, opts Options) (Timing, error) {
	opts = opts.For(c)
	m, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: c.Model})
	if err != nil {
		return Timing{}, err
	}
	ds, err := images.WithPrep(*m.Image())
	if err != nil {
		return Timing{}, err
	}
	if c.Batch <= 0 || c.Batch > ds.Len() {
		return Timing{}, fmt.Errorf("batch %d for %d images", c.Batch, ds.Len())
	}
	var clock stopwatch
	rng := rand.New(rand.NewPCG(1, 2))
	switch c.Mode {
	case "train":
		opt, err := optim.NewSGD(m.Params(), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
		if err != nil {
			return Timing{}, err
		}
		loader := data.NewLoader(ds, c.Batch, true, true, rng)
		loader.Prefetch(true) // as baeum train does
		var loss train.Loss = train.CrossEntropy{}
		g := autograd.NewGraph()
		g.Training = true
		g.RNG = tensor.NewRNG(3) // dropout's masks (cnn)
		// As baeum train does: the shares AutoShares picks.
		var sh *train.Shared
		shares := train.AutoShares(m, loss, c.Batch)
		if shares > 1 {
			if sh, err = train.NewShared(m, opt.Params(), loss, shares); err != nil {
				return Timing{}, err
			}
		}
		step := 0
		clock.start()
		for step < opts.Warmup+opts.Steps {
			for bs := range loader.EpochShares(shares) {
				if sh != nil {
					if _, err := sh.Step(opt, bs, uint64(step)); err != nil {
						return Timing{}, err
					}
					sh.Reset()
				} else {
					if _, _, err := train.Step(g, m, loss, opt, bs[0]); err != nil {
						return Timing{}, err
					}
					g.Reset()
				}
				step++
				if step == opts.Warmup {
					clock.start()
				}
				if step == opts.Warmup+opts.Steps {
					break
				}
			}
		}
		return clock.stop(opts.Steps * c.Batch), nil
	case "infer":
		// As a runtime packs the weights once, when it opens the model,
		// and frees activations it no longer needs; each batch in shares,
		// one a thread, as infer.Predictor runs it.
		r := infer.NewRunner(m, autograd.NewWeightPacks(), 0)
		g := autograd.NewInferenceGraph()
		all, err := inferenceImages(ds)
		if err != nil {
			return Timing{}, err
		}
		batches := all.Shape()[0] / c.Batch
		clock.start()
		for step := range opts.Warmup + opts.Steps {
			if step == opts.Warmup {
				clock.start()
			}
			lo := step % batches * c.Batch
			logits := r.Forward(g.Arena().Slice(all, lo, lo+c.Batch))
			tensor.ArgMax(logits, 1)
			g.Reset()
		}
		return clock.stop(opts.Steps * c.Batch), nil
	}
	return Timing{}, fmt.Errorf("unknown mode %q (want train or infer)", c.Mode)
}

// inferenceImages prepares every image of ds at once, as one float
// tensor (N, …), outside the clock.
func inferenceImages(ds data.Dataset) (*tensor.Tensor, error) {
	for b := range data.NewLoader(ds, ds.Len(), false, false, nil).Epoch() {
		if len(b.Inputs) != 1 {
			return nil, fmt.Errorf("bench: a model of %d inputs", len(b.Inputs))
		}
		return b.Inputs[0], nil
	}
	return nil, errors.New("bench: no images")
}

// stopwatch measures wall time and this process's CPU time together.
type stopwatch struct {
	wall time.Time
	cpu  time.Duration
}

func (s *stopwatch) start() { s.wall, s.cpu = time.Now(), processCPU() }

func (s *stopwatch) stop(images int) Timing {
	return Timing{Images: images, Wall: time.Since(s.wall), CPU: processCPU() - s.cpu}
}

// processCPU returns the CPU time (user and system) this process has
// used so far, on all its threads; 0 where the system does not say.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// PeakRSSMB returns this process's peak resident memory in MiB.
func PeakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}
