package train

import (
	"context"
	"math"
	"sync"
	"testing"

	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// group is an in-process Comm for tests: size goroutines that meet at
// every collective, summing in rank order as a real all-reduce would in
// some order.
type group struct {
	size int
	mu   sync.Mutex
	cond *sync.Cond
	gen  int
	n    int
	acc  []float64
	out  []float64
}

func newGroup(size int) *group {
	g := &group{size: size}
	g.cond = sync.NewCond(&g.mu)
	return g
}

type member struct {
	g    *group
	rank int
}

func (m member) Rank() int { return m.rank }
func (m member) Size() int { return m.g.size }

// reduce adds x into the group's sum; root >= 0 broadcasts root's x
// instead.
func (m member) reduce(x []float64, root int) []float64 {
	g := m.g
	g.mu.Lock()
	defer g.mu.Unlock()
	gen := g.gen
	if g.n == 0 {
		g.acc = make([]float64, len(x))
	}
	if root < 0 {
		for i, v := range x {
			g.acc[i] += v
		}
	} else if m.rank == root {
		copy(g.acc, x)
	}
	g.n++
	if g.n == g.size {
		g.out, g.n = g.acc, 0
		g.gen++
		g.cond.Broadcast()
	} else {
		for gen == g.gen {
			g.cond.Wait()
		}
	}
	return g.out
}

func (m member) AllreduceSum(x []float32) error {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	for i, v := range m.reduce(y, -1) {
		x[i] = float32(v)
	}
	return nil
}

func (m member) AllreduceSum64(x []float64) error {
	copy(x, m.reduce(x, -1))
	return nil
}

func (m member) Broadcast(x []float32, root int) error {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	for i, v := range m.reduce(y, root) {
		x[i] = float32(v)
	}
	return nil
}

// TestDataParallelMatchesOneProcess trains LeNet-5 with SGD and momentum
// on 640 MNIST images for one epoch (10 steps of a global batch of 64) in
// one process and in two in-process ranks of 32 images each: every
// parameter tensor agrees to 1e-5 relative in norm (only the summation
// order differs), and so do the reported losses and accuracies. Ranks
// start from rank 0's weights even when initialised differently.
func TestDataParallelMatchesOneProcess(t *testing.T) {
	run := func(seed uint64, comm Comm) (*Trainer, []EpochStats) {
		m, err := models.ForMNIST(tensor.NewRNG(seed), models.Config{Name: "lenet5"})
		if err != nil {
			t.Error(err)
			return nil, nil
		}
		ds, vs := subsets(t, m, 640, 200)
		opt, _ := optim.NewSGD(nn.Params(m), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
		tr, err := New(m, opt, Config{Epochs: 1, Batch: 64, Seed: 3, Comm: comm})
		if err != nil {
			t.Error(err)
			return nil, nil
		}
		if _, err := tr.Fit(context.Background(), ds, vs, nil, nil); err != nil {
			t.Error(err)
		}
		return tr, tr.History
	}
	one, hist1 := run(1, nil)
	g := newGroup(2)
	var wg sync.WaitGroup
	trs := make([]*Trainer, 2)
	hists := make([][]EpochStats, 2)
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			trs[r], hists[r] = run(uint64(1+10*r), member{g, r}) // rank 1 starts elsewhere
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	want := nn.Params(one.Model)
	for r, tr := range trs {
		for i, p := range nn.Params(tr.Model) {
			a, b := p.Value.Data(), want[i].Value.Data()
			diff := tensor.Sub(a, b)
			if rel := tensor.Norm(diff, 2) / math.Max(tensor.Norm(b, 2), 1e-12); !(rel <= 1e-5) {
				t.Errorf("rank %d, %s: relative difference %.3g from one process", r, p.Name, rel)
			}
		}
		h, w := hists[r][0], hist1[0]
		if math.Abs(h.TrainLoss-w.TrainLoss) > 1e-5 || math.Abs(h.ValLoss-w.ValLoss) > 1e-5 || h.ValAccuracy != w.ValAccuracy {
			t.Errorf("rank %d reports loss %v, val %v/%v; one process %v, %v/%v", r, h.TrainLoss, h.ValLoss, h.ValAccuracy, w.TrainLoss, w.ValLoss, w.ValAccuracy)
		}
	}
}
