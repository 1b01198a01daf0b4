package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// TestResumeIsBitIdentical stops a run after each epoch, saves, restores
// into a fresh model and trainer, and continues: the final weights equal
// those of an uninterrupted run bit for bit, also for a run whose
// batches train in shares (LeNet-5, Config.Shares).
func TestResumeIsBitIdentical(t *testing.T) {
	for _, c := range []struct {
		model, opt string
		shares     int
	}{{"mlp", "adam", 0}, {"mlp", "momentum", 0}, {"lenet5", "adam", 2}} {
		opt, model := c.opt, c.model
		cfg := Config{Epochs: 3, Seed: 5, Shares: c.shares}
		m := newModel(t, model, 9)
		trainSet, test := subsets(t, m, 900, 100)
		whole := trainerFor(t, m, trainSet.Len(), opt, 0, "", cfg)
		if _, err := whole.Fit(context.Background(), trainSet, test, nil, nil); err != nil {
			t.Fatal(err)
		}
		want := paramTensors(m)
		if c.shares > 1 {
			// The shares ran: whole batches sum in another order.
			m1 := newModel(t, model, 9)
			one := trainerFor(t, m1, trainSet.Len(), opt, 0, "", Config{Epochs: 3, Seed: 5})
			if _, err := one.Fit(context.Background(), trainSet, test, nil, nil); err != nil {
				t.Fatal(err)
			}
			if tensor.Equal(paramTensors(m1)[0], want[0]) {
				t.Fatalf("%s: %d shares gave the bits of whole batches", model, c.shares)
			}
		}

		path := filepath.Join(t.TempDir(), "state.safetensors")
		m2 := newModel(t, model, 9)
		tr := trainerFor(t, m2, trainSet.Len(), opt, 0, "", cfg)
		for tr.Epoch < cfg.Epochs {
			// Run one more epoch, save, and rebuild everything from the file.
			tr.Cfg.Epochs = tr.Epoch + 1
			if _, err := tr.Fit(context.Background(), trainSet, test, nil, nil); err != nil {
				t.Fatal(err)
			}
			tr.Cfg.Epochs = cfg.Epochs
			if err := tr.SaveState(path, nil); err != nil {
				t.Fatal(err)
			}
			_, saved, err := ReadState(path)
			if err != nil {
				t.Fatal(err)
			}
			if saved.Epochs != cfg.Epochs || saved.Seed != cfg.Seed || saved.Loss == "" {
				t.Fatalf("ReadState: %+v", saved)
			}
			// Fresh values, built as the caller built them, with different
			// initial weights: everything else must come from the file.
			m2 = newModel(t, model, 1234)
			tr = trainerFor(t, m2, trainSet.Len(), opt, 0, "", Config{Epochs: saved.Epochs, Seed: saved.Seed, Shares: c.shares})
			if err := tr.LoadState(path); err != nil {
				t.Fatal(err)
			}
		}
		got := paramTensors(m2)
		for i := range want {
			if !tensor.Equal(want[i], got[i]) {
				t.Fatalf("%s: parameter %d differs after resuming", opt, i)
			}
		}
		if len(tr.History) != 3 || tr.BestEpoch != whole.BestEpoch {
			t.Fatalf("%s: %d epochs of history, best %d; want 3 and %d", opt, len(tr.History), tr.BestEpoch, whole.BestEpoch)
		}
		for i, h := range tr.History {
			w := whole.History[i]
			if h.TrainLoss != w.TrainLoss || h.ValLoss != w.ValLoss || h.TestAccuracy != w.TestAccuracy || h.LR != w.LR {
				t.Errorf("%s: epoch %d %+v, want %+v", opt, i+1, h, w)
			}
		}
	}
}

func TestLoadStateRejectsBadFiles(t *testing.T) {
	m := newModel(t, "softmax", 1)
	tr := trainerFor(t, m, 100, "", 0, "", Config{Epochs: 2})
	dir := t.TempDir()
	path := filepath.Join(dir, "s.safetensors")
	if err := tr.SaveState(path, nil); err != nil {
		t.Fatal(err)
	}
	other := trainerFor(t, newModel(t, "softmax", 1), 100, "sgd", 0, "", Config{Epochs: 2})
	if err := other.LoadState(path); err == nil || !strings.Contains(err.Error(), "adam") {
		t.Errorf("mismatched optimizer: %v", err)
	}
	// Values the caller built differently are refused, naming the difference.
	for _, c := range []struct {
		tr   *Trainer
		want string
	}{
		{trainerFor(t, newModel(t, "softmax", 1), 100, "", 0, "", Config{Epochs: 3}), "3 of 64"},
		{trainerFor(t, newModel(t, "softmax", 1), 100, "", 0, "", Config{Epochs: 2, Loss: CrossEntropy{LabelSmoothing: 0.1}}), "LabelSmoothing:0.1"},
		{trainerFor(t, newModel(t, "softmax", 1), 100, "", 0, "none", Config{Epochs: 2}), "schedule"},
		{trainerFor(t, newModel(t, "softmax", 1), 100, "", 0, "", Config{Epochs: 2, Monitor: Monitor{Metric: "loss"}}), "monitor"},
	} {
		if err := c.tr.LoadState(path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("mismatch %q: %v", c.want, err)
		}
	}
	mlp := trainerFor(t, newModel(t, "mlp", 1), 100, "", 0, "", Config{Epochs: 2})
	if err := mlp.LoadState(path); err == nil {
		t.Error("state of another model accepted")
	}
	if err := os.WriteFile(path, []byte("not a safetensors file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tr.LoadState(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("corrupt file: %v", err)
	}
}
