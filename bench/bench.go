// Package bench measures baeum's training and inference throughput and
// sets it beside PyTorch's, run the same way in the same invocation.
//
// Every figure is images per second over timed steps only, after a
// warm-up, with SGD with momentum 0.9 on cross-entropy for training, the
// same batch size and thread count on both sides and the data in memory.
// Each configuration runs in a child process of its own, so that its peak
// resident memory is its own too.
package bench

import (
	_ "embed"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
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

// Result is what one side measured for a Case.
type Result struct {
	ImagesPerSec float64 `json:"images_per_sec"`
	PeakRSSMB    float64 `json:"peak_rss_mb"`
	Threads      int     `json:"threads"`
	Config       string  `json:"config,omitempty"`
	Error        string  `json:"error,omitempty"`
}

// Options set how long each measurement runs.
type Options struct {
	Warmup int // untimed batches first (default 50)
	Steps  int // timed batches (default 300 for training, 200 for inference)
}

func (o *Options) fill(mode string) {
	if o.Warmup <= 0 {
		o.Warmup = 50
	}
	if o.Steps <= 0 {
		o.Steps = 300
		if mode == "infer" {
			o.Steps = 200
		}
	}
}

// Run measures c in this process on the given MNIST images, prepared
// for the model as its record says.
func Run(c Case, images *data.Images, opts Options) (float64, error) {
	opts.fill(c.Mode)
	m, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: c.Model})
	if err != nil {
		return 0, err
	}
	ds, err := images.WithPrep(*m.Image())
	if err != nil {
		return 0, err
	}
	if c.Batch <= 0 || c.Batch > ds.Len() {
		return 0, fmt.Errorf("batch %d for %d images", c.Batch, ds.Len())
	}
	rng := rand.New(rand.NewPCG(1, 2))
	switch c.Mode {
	case "train":
		opt, err := optim.NewSGD(m.Params(), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
		if err != nil {
			return 0, err
		}
		loader := data.NewLoader(ds, c.Batch, true, true, rng)
		var loss train.Loss = train.CrossEntropy{}
		g := autograd.NewGraph()
		g.Training = true
		// The clock runs from the end of the warm-up to the last step, so it
		// includes making each batch from the stored bytes.
		step, start := 0, time.Now()
		for step < opts.Warmup+opts.Steps {
			for b := range loader.Epoch() {
				if _, _, err := train.Step(g, m, loss, opt, b); err != nil {
					return 0, err
				}
				g.Reset()
				step++
				if step == opts.Warmup {
					start = time.Now()
				}
				if step == opts.Warmup+opts.Steps {
					break
				}
			}
		}
		return float64(opts.Steps*c.Batch) / time.Since(start).Seconds(), nil
	case "infer":
		g := autograd.NewInferenceGraph()
		loader := data.NewLoader(ds, c.Batch, false, true, nil)
		step, start := 0, time.Now()
		for step < opts.Warmup+opts.Steps {
			for b := range loader.Epoch() {
				logits := train.Forward(g, m, b).Data()
				tensor.ArgMax(logits, 1)
				g.Reset()
				step++
				if step == opts.Warmup {
					start = time.Now()
				}
				if step == opts.Warmup+opts.Steps {
					break
				}
			}
		}
		return float64(opts.Steps*c.Batch) / time.Since(start).Seconds(), nil
	}
	return 0, fmt.Errorf("unknown mode %q (want train or infer)", c.Mode)
}

// TorchScript is the PyTorch side of the benchmark (torch_bench.py), kept
// in the binary so that `baeum bench` runs from any folder.
//
//go:embed torch_bench.py
var TorchScript []byte
