package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainFlagBounds: a flag outside its range is an error naming the
// flag and the range, before any data is read or file written.
func TestTrainFlagBounds(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.safetensors")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--lr", "0"}, "--lr 0: want a learning rate above 0 and at most 10"},
		{[]string{"--lr", "-0.1"}, "--lr -0.1"},
		{[]string{"--lr", "NaN"}, "--lr NaN"},
		{[]string{"--lr", "+Inf"}, "--lr +Inf"},
		{[]string{"--lr", "1e308"}, "at most 10"},
		{[]string{"--epochs", "0"}, "--epochs 0: want 1 to 100000"},
		{[]string{"--epochs", "1000000"}, "--epochs 1000000"},
		{[]string{"--batch", "0"}, "--batch 0: want 1 to 65536"},
		{[]string{"--batch", "1000000000"}, "--batch 1000000000: want 1 to 65536"},
		{[]string{"--batch", "1000", "--limit", "300", "--val", "100"}, "--batch 1000 is more than the 200 training images"},
		{[]string{"--val", "-1"}, "--val -1"},
		{[]string{"--patience", "2", "--val", "0"}, "--patience 2 needs a validation set"},
		{[]string{"--limit", "-5"}, "--limit -5"},
		{[]string{"--model", "mlp", "--hidden", "100000000"}, "--hidden 100000000: a layer of 100000000 units is more than the limit of 65536"},
		{[]string{"--model", "mlp", "--hidden", "60000,60000", "--limit", "300", "--val", "100"}, "3,647,760,010 parameters, more than the limit of 100,000,000"},
	} {
		args := append([]string{"train", "--model", "softmax", "--out", out}, tt.args...)
		got, err := run(t, args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one containing %q\n%s", tt.args, err, tt.want, got)
		}
		if strings.Contains(got, "epoch") {
			t.Errorf("%v: trained before refusing:\n%s", tt.args, got)
		}
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Errorf("refused runs left %d files", len(names))
	}
}

// TestTrainResumeConflicts: --resume takes the run's options from its
// state; a flag given with another value is an error naming the flag and
// both values, and one given with the same value is fine.
func TestTrainResumeConflicts(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.safetensors")
	if got, err := run(t, "train", "--model", "softmax", "--limit", "600", "--val", "100", "--epochs", "2", "--threads", "1",
		"--out", out, "--stop-after", "1"); err != nil {
		t.Fatalf("%v\n%s", err, got)
	}
	state, _ := os.ReadFile(filepath.Join(dir, "m.state.safetensors"))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--epochs", "5"}, "--epochs 5 conflicts with the saved run's --epochs 2"},
		{[]string{"--epochs", "1"}, "--epochs 1 conflicts with the saved run's --epochs 2"},
		{[]string{"--lr", "0.01"}, "--lr 0.01 conflicts with the saved run's --lr 0.001"},
		{[]string{"--model", "mlp"}, "--model mlp conflicts with the saved run's --model softmax"},
		{[]string{"--batch", "32"}, "--batch 32 conflicts with the saved run's --batch 64"},
		{[]string{"--seed", "7"}, "--seed 7 conflicts with the saved run's --seed 1"},
		{[]string{"--optimizer", "sgd"}, "--optimizer sgd conflicts with the saved run's --optimizer adam"},
		{[]string{"--size", "32x32"}, "--size 32x32 conflicts with the saved run's --size (not given)"},
		{[]string{"--channels", "3"}, "--channels 3 conflicts with the saved run's --channels 0"},
		{[]string{"--task", "regression"}, "--task regression needs a table"},
	} {
		got, err := run(t, append([]string{"train", "--out", out, "--resume"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one containing %q\n%s", tt.args, err, tt.want, got)
		}
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "m.state.safetensors")); !bytes.Equal(now, state) {
		t.Error("a refused resume changed the state file")
	}
	got, err := run(t, "train", "--out", out, "--resume", "--epochs", "2", "--model", "softmax", "--lr", "0.001", "--task", "classification", "--threads", "1")
	if err != nil || !strings.Contains(got, "resuming from") || !strings.Contains(got, "epoch  2/2") {
		t.Errorf("resume with the saved values: %v\n%s", err, got)
	}
}

// TestTrainNeverClaimsAFailedSave fails a save part-way through a run
// (as a full disk would): the error names the file, and nothing claims
// that the files were saved.
func TestTrainNeverClaimsAFailedSave(t *testing.T) {
	full := errors.New("no space left on device")
	for _, failing := range []string{"m.safetensors", "m.last.safetensors", "m.state.safetensors"} {
		t.Run(failing, func(t *testing.T) {
			dir := t.TempDir()
			calls := 0
			failSave = func(path string) error {
				// The first epoch saves; the second fails.
				if filepath.Base(path) == failing {
					if calls++; calls == 2 {
						return full
					}
				}
				return nil
			}
			defer func() { failSave = nil }()
			got, err := run(t, "train", "--model", "softmax", "--limit", "600", "--val", "0", "--epochs", "2", "--threads", "1",
				"--out", filepath.Join(dir, "m.safetensors"))
			if !errors.Is(err, full) || !strings.Contains(err.Error(), failing) {
				t.Fatalf("error %v, want the failed save of %s\n%s", err, failing, got)
			}
			if strings.Contains(got, "saved ") {
				t.Errorf("claims a save after a failed one:\n%s", got)
			}
		})
	}
}

// TestTrainNoValidation: with --val 0 no epoch is called best; --out
// holds the last epoch, the same model as <name>.last.
func TestTrainNoValidation(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.safetensors")
	got, err := run(t, "train", "--model", "softmax", "--limit", "600", "--val", "0", "--epochs", "2", "--threads", "1", "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, got)
	}
	for _, want := range []string{"no validation set", "last epoch 2", "saved " + out + " (last epoch 2)"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "best epoch") || strings.Contains(got, "validation accuracy") {
		t.Errorf("output names a best epoch without validation:\n%s", got)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(filepath.Join(dir, "m.last.safetensors"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("--out does not hold the last epoch's model")
	}
}

// TestTrainRefusesBadOutputs: an output that cannot be written, or a
// symbolic link planted where one will be, is refused before training,
// and the link's target is untouched.
func TestTrainRefusesBadOutputs(t *testing.T) {
	for _, tt := range []struct {
		name  string
		plant func(dir string) error
		extra []string
		want  string
	}{
		{"out is a folder", func(dir string) error { return os.Mkdir(filepath.Join(dir, "m.safetensors"), 0o755) }, nil, "not a regular file"},
		{"last is a folder", func(dir string) error { return os.Mkdir(filepath.Join(dir, "m.last.safetensors"), 0o755) }, nil, "m.last.safetensors: is a folder"},
		{"out is a link", func(dir string) error { return os.Symlink("victim", filepath.Join(dir, "m.safetensors")) }, nil, "symbolic link"},
		{"last is a link", func(dir string) error { return os.Symlink("victim", filepath.Join(dir, "m.last.safetensors")) }, nil, "symbolic link"},
		{"state is a link", func(dir string) error { return os.Symlink("victim", filepath.Join(dir, "m.state.safetensors")) }, nil, "symbolic link"},
		{"report is a link", func(dir string) error { return os.Symlink("victim", filepath.Join(dir, "r.json")) }, []string{"--report", "r.json"}, "--report"},
		{"plot is a link", func(dir string) error { return os.Symlink("victim", filepath.Join(dir, "p.png")) }, []string{"--plot", "p.png"}, "--plot"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			victim := filepath.Join(dir, "victim")
			if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := tt.plant(dir); err != nil {
				t.Skip(err)
			}
			args := []string{"train", "--model", "softmax", "--limit", "300", "--val", "100", "--epochs", "1", "--threads", "1", "--out", filepath.Join(dir, "m.safetensors")}
			for i := 0; i < len(tt.extra); i += 2 {
				args = append(args, tt.extra[i], filepath.Join(dir, tt.extra[i+1]))
			}
			got, err := run(t, args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q\n%s", err, tt.want, got)
			}
			if strings.Contains(got, "epoch") {
				t.Errorf("trained before refusing:\n%s", got)
			}
			if b, _ := os.ReadFile(victim); string(b) != "precious" {
				t.Errorf("the link's target now holds %d bytes", len(b))
			}
		})
	}
}

// TestTrainIDXSizes trains on valid IDX files of 100×100 images (the
// model takes its input size from them), and refuses splits of two sizes
// naming both.
func TestTrainIDXSizes(t *testing.T) {
	fixtures := "../../testdata/hostile/cli/"
	for _, model := range []string{"mlp", "softmax", "lenet5"} {
		out := filepath.Join(t.TempDir(), "m.safetensors")
		got, err := run(t, "train", "--data", fixtures+"idx100", "--model", model, "--hidden", "16", "--val", "2", "--batch", "5", "--epochs", "1", "--threads", "1", "--out", out)
		if err != nil || !strings.Contains(got, "saved "+out) {
			t.Errorf("%s on 100×100 images: %v\n%s", model, err, got)
		}
	}
	mixed := t.TempDir()
	for _, f := range []string{"idx100/train-images-idx3-ubyte.gz", "idx100/train-labels-idx1-ubyte.gz", "idx28-test/t10k-images-idx3-ubyte.gz", "idx28-test/t10k-labels-idx1-ubyte.gz"} {
		b, err := os.ReadFile(fixtures + f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mixed, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := run(t, "train", "--data", mixed, "--model", "mlp", "--val", "2", "--batch", "2", "--epochs", "1", "--out", filepath.Join(t.TempDir(), "m.safetensors"))
	if err == nil || !strings.Contains(err.Error(), "the test images are 28×28 but the training images 100×100") {
		t.Errorf("splits of two sizes: %v", err)
	}
}

// TestUnknownSubcommands: a word that names no subcommand is an error
// naming it and the known ones; the group alone prints its help.
func TestUnknownSubcommands(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"experiment", "foo"}, `unknown experiment "foo" (want gradient, init, optimizers, rnn)`},
		{[]string{"regress", "foo"}, `unknown regression "foo" (want linear, logistic, multinomial)`},
		{[]string{"regress", "liner", "x"}, `unknown regression "liner"`},
	} {
		if _, err := run(t, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.args, err, tt.want)
		}
	}
	for _, group := range []string{"experiment", "regress"} {
		if got, err := run(t, group); err != nil || !strings.Contains(got, "Usage:") {
			t.Errorf("%s alone: %v\n%s", group, err, got)
		}
	}
}

// TestGraphBareLeaf: y = x has ∂y/∂x = 1.
func TestGraphBareLeaf(t *testing.T) {
	got, err := run(t, "graph", "--expr", "y = x", "--format", "svg", "--out-dir", t.TempDir())
	if err != nil || !strings.Contains(got, "y = 3; ∂y/∂x = 1\n") {
		t.Errorf("%v\n%s", err, got)
	}
}

// TestInterruptedCommandsFail: a command whose context is cancelled
// (Ctrl-C) fails with an "interrupted" error and status 130, as runMain
// reports it, even one that finishes its work anyway.
func TestInterruptedCommandsFail(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, args := range [][]string{
		{"regress", "linear", "--csv", testdata + "longley.csv", "--y", "TOTEMP"},
		{"experiment", "optimizers", "--skip-mnist", "--steps", "3", "--format", "svg", "--out-dir", t.TempDir()},
		{"graph", "--expr", "y = w*x", "--format", "svg", "--out-dir", t.TempDir()},
		{"version"},
	} {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(args)
		err := interruptedError(ctx, cmd.ExecuteContext(ctx))
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != 130 || !strings.Contains(err.Error(), "interrupted") {
			t.Errorf("%v: error %v, want an interruption with status 130", args, err)
		}
	}
}

// TestResumeDoesNotClaimAnUnwrittenBest resumes a run whose remaining
// epoch does not beat the best epoch saved before: --out is not written
// again, and the report must say so rather than "saved --out".
func TestResumeDoesNotClaimAnUnwrittenBest(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.safetensors")
	common := []string{"train", "--model", "softmax", "--optimizer", "sgd", "--lr", "10", "--seed", "2", "--limit", "1200", "--val", "200", "--epochs", "3", "--threads", "1", "--out", out}
	if msg, err := run(t, append(common, "--stop-after", "2")...); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	before, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := run(t, append(common, "--resume")...)
	if err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	if !strings.Contains(msg, "still holds best epoch 2, from before") || strings.Contains(msg, "saved "+out+" (") {
		t.Errorf("resumed run's report:\n%s\nwant it to say %s still holds epoch 2, not that it was saved", msg, out)
	}
	if after, err := os.ReadFile(out); err != nil || !bytes.Equal(before, after) {
		t.Errorf("%s changed (%v) though no epoch beat the saved best", out, err)
	}
}
