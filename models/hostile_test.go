package models

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/internal/safetensors"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// TestSpecIsTheBuiltModel checks that the tensors Spec works out
// arithmetically are those New builds: the same names, in the same order
// (parameters, then buffers), with the same shapes, and the same number
// of parameters.
func TestSpecIsTheBuiltModel(t *testing.T) {
	colour := data.ImagePrep{Height: 40, Width: 36, Channels: 3}
	digits := mnist.DigitPrep()
	three := []string{"a", "b", "c"}
	tests := []struct {
		cfg     Config
		prep    data.ImagePrep
		classes []string
	}{
		{Config{}, digits, mnist.Classes},
		{Config{Name: "lenet5-relu"}, colour, three},
		{Config{Name: "lenet5", Activation: "sigmoid"}, data.ImagePrep{Height: 28, Width: 61, Channels: 1}, three},
		{Config{Name: "mlp"}, digits, mnist.Classes},
		{Config{Name: "mlp", Hidden: []int{7, 5, 3}, Activation: "tanh"}, colour, three},
		{Config{Name: "softmax"}, colour, mnist.Classes},
		{Config{Name: "cnn"}, digits, mnist.Classes},
		{Config{Name: "cnn"}, colour, three},
		{Config{Name: "cnn", Activation: "relu"}, data.ImagePrep{Height: 5, Width: 7, Channels: 1}, three},
		{Config{Name: "resnet"}, digits, mnist.Classes},
		{Config{Name: "resnet"}, colour, three},
	}
	for _, tt := range tests {
		spec, params, err := Spec(tt.cfg, tt.prep, tt.classes)
		if err != nil {
			t.Fatalf("Spec(%+v): %v", tt.cfg, err)
		}
		m, err := New(tensor.NewRNG(1), tt.cfg, tt.prep, tt.classes)
		if err != nil {
			t.Fatal(err)
		}
		var built []checkpoint.TensorSpec
		for _, p := range m.Params() {
			built = append(built, checkpoint.TensorSpec{Name: p.Name, Shape: p.Value.Data().Shape()})
		}
		for _, b := range nn.Buffers(m) {
			built = append(built, checkpoint.TensorSpec{Name: b.Name, Shape: b.Tensor.Shape(), Int64: b.Int64})
		}
		if !reflect.DeepEqual(spec, built) {
			t.Errorf("%v: Spec gives %v, New builds %v", m, spec, built)
		}
		if n := nn.CountParams(m); n != params {
			t.Errorf("%v: Spec counts %d parameters, New builds %d", m, params, n)
		}
	}
}

// TestLimits checks that configurations beyond the limits are errors
// that say the limit, from Spec and from New alike, before anything is
// allocated (an MLP of 2^63 units would panic, one of 40,000×40,000 would
// exhaust memory).
func TestLimits(t *testing.T) {
	digits := mnist.DigitPrep()
	big := data.ImagePrep{Height: 4096, Width: 4096, Channels: 3}
	tests := []struct {
		name    string
		cfg     Config
		prep    data.ImagePrep
		classes int
		want    string
	}{
		{"hidden 2^63-1", Config{Name: "mlp", Hidden: []int{1<<63 - 1}}, digits, 10, "mlp hidden layer 1 has 9223372036854775807 units, more than the limit of 65536"},
		{"hidden 40000×40000", Config{Name: "mlp", Hidden: []int{40000, 40000}}, digits, 10, "1,631,840,010 parameters, more than the limit of 100,000,000"},
		{"second layer too wide", Config{Name: "mlp", Hidden: []int{8, MaxHidden + 1}}, digits, 10, "mlp hidden layer 2 has 65537 units"},
		{"too many layers", Config{Name: "mlp", Hidden: make([]int, MaxLayers+1)}, digits, 10, "65 hidden layers, more than the limit of 64"},
		{"negative", Config{Name: "mlp", Hidden: []int{-1}}, digits, 10, "must be positive"},
		{"lenet5 on 4096×4096", Config{Name: "lenet5"}, big, 10, "more than the limit of 100,000,000"},
		{"softmax on 4096×4096", Config{Name: "softmax"}, big, 10, "more than the limit of 100,000,000"},
		{"too many classes", Config{Name: "softmax"}, data.ImagePrep{Height: 2, Width: 2, Channels: 1}, MaxClasses + 1, "1048577 classes, more than the limit of 1048576"},
		{"output too large", Config{Name: "mlp", Hidden: []int{256}}, digits, MaxClasses, "more than the limit of 100,000,000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			classes := make([]string, tt.classes)
			if _, _, err := Spec(tt.cfg, tt.prep, classes); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Spec: %v, want an error containing %q", err, tt.want)
			}
			if _, err := New(tensor.NewRNG(1), tt.cfg, tt.prep, classes); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// mlpTensors returns the tensors of an MLP 784-2-10 whose elements are
// all v.
func mlpTensors(v float32) []safetensors.Tensor {
	t := func(name string, shape ...int) safetensors.Tensor {
		n := 1
		for _, d := range shape {
			n *= d
		}
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = v
		}
		return safetensors.FromFloat32(name, shape, vals)
	}
	return []safetensors.Tensor{t("fc1.weight", 2, 784), t("fc1.bias", 2), t("output.weight", 10, 2), t("output.bias", 10)}
}

// TestLoadRefusesHostileCheckpoints loads crafted files, built here: each
// is refused with an error saying why, and none is built before its
// header has been checked.
func TestLoadRefusesHostileCheckpoints(t *testing.T) {
	dir := t.TempDir()
	const small = `{"name":"mlp","hidden":[2]}`
	tests := []struct {
		name    string
		model   string // the baeum.model metadata
		extra   map[string]string
		tensors []safetensors.Tensor
		want    string
		is      error
	}{
		{name: "hidden 2^63-1, no tensors", model: `{"name":"mlp","hidden":[9223372036854775807]}`, want: "more than the limit of 65536"},
		{name: "hidden 40000×40000, no tensors", model: `{"name":"mlp","hidden":[40000,40000]}`, want: "more than the limit of 100,000,000"},
		{name: "hidden too large for JSON's int", model: `{"name":"mlp","hidden":[1e30]}`, want: `bad "baeum.model" metadata`},
		{name: "within the limits, no tensors", model: `{"name":"mlp","hidden":[60000]}`, want: "missing fc1.weight, fc1.bias, output.weight, output.bias"},
		{name: "wrong shape", model: `{"name":"mlp","hidden":[3]}`, tensors: mlpTensors(0.1), want: "fc1.weight has shape [2 784], the model needs [3 784]"},
		{name: "huge image", model: `{"name":"lenet5"}`, extra: map[string]string{data.KeyPreprocess: `{"inputs":[{"name":"image","image":{"height":4096,"width":4096,"channels":3}}],"classes":["a","b"]}`}, want: "10,446,197,166 parameters, more than the limit"},
		{name: "weights of 3e38", model: small, tensors: mlpTensors(3e38), want: "not finite", is: ErrNonFinite},
		{name: "weights of -3e38", model: small, tensors: mlpTensors(-3e38), want: "not finite", is: ErrNonFinite},
		{name: "accuracy 1.5", model: small, tensors: mlpTensors(0.1), extra: map[string]string{checkpoint.KeyTraining: `{"test_accuracy":1.5}`}, want: `bad "baeum.training" metadata: test_accuracy is 1.5, but an accuracy lies between 0 and 1`},
		{name: "accuracy negative, deep", model: small, tensors: mlpTensors(0.1), extra: map[string]string{checkpoint.KeyTraining: `{"history":[{"train_metrics":{"accuracy":-0.5}}]}`}, want: "history[0].train_metrics.accuracy is -0.5"},
		{name: "accuracy a string", model: small, tensors: mlpTensors(0.1), extra: map[string]string{checkpoint.KeyTraining: `{"val_accuracy":"99%"}`}, want: "val_accuracy is a string, want a number between 0 and 1"},
		{name: "accuracy 1e999", model: small, tensors: mlpTensors(0.1), extra: map[string]string{checkpoint.KeyTraining: `{"test_accuracy":1e999}`}, want: "test_accuracy is 1e999"},
		{name: "training not JSON", model: small, tensors: mlpTensors(0.1), extra: map[string]string{checkpoint.KeyTraining: `150%`}, want: `bad "baeum.training" metadata`},
		{name: "training a list", model: small, tensors: mlpTensors(0.1), extra: map[string]string{checkpoint.KeyTraining: `[1.5]`}, want: "want a JSON object"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta := map[string]string{checkpoint.KeyModel: tt.model}
			for k, v := range tt.extra {
				meta[k] = v
			}
			path := filepath.Join(dir, strings.Repeat("x", i+1)+".safetensors")
			if err := safetensors.WriteFile(path, tt.tensors, meta); err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := Load(path)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Load: %v, want an error naming the file and containing %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			// The model of hidden [60000] holds 47 million parameters
			// (190 MB): the header must be refused before it is built.
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
				t.Errorf("Load allocated %d MB before refusing the file", grew>>20)
			}
		})
	}
}

// TestLoadRefusesWhatIsNotACheckpoint checks paths that are not
// checkpoint files: refused at once, without blocking or reading them.
func TestLoadRefusesWhatIsNotACheckpoint(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.safetensors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes: %v", err)
	}
	big := filepath.Join(dir, "big.safetensors")
	f, err := os.Create(big)
	if err == nil {
		err = f.Truncate(2 << 30) // sparse: 2 GB of zeros that take no room
		f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "digit.safetensors")
	if err := os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, want string }{
		{fifo, "is a named pipe"},
		{"/dev/zero", "is a device"},
		{dir, "is a directory"},
		{big, "not a safetensors file: header length 0"},
		{png, "not a safetensors file: header length 727905341920923785 is larger than the limit"},
	}
	for _, tt := range tests {
		if _, err := os.Stat(tt.path); err != nil {
			continue // no /dev/zero here
		}
		if _, _, err := Load(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%s): %v, want an error containing %q", tt.path, err, tt.want)
		}
	}
}

// TestCheckFinite checks the smoke pass on a sound model and on one
// whose weights overflow.
func TestCheckFinite(t *testing.T) {
	for _, name := range Names {
		m, err := ForMNIST(tensor.NewRNG(1), Config{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.CheckFinite(); err != nil {
			t.Errorf("%v: %v", m, err)
		}
		for _, p := range m.Params() {
			p.Value.Data().Fill(3e38)
		}
		if err := m.CheckFinite(); !errors.Is(err, ErrNonFinite) {
			t.Errorf("%v with weights of 3e38: %v, want ErrNonFinite", m, err)
		}
	}
}

// TestOldCheckpointsStillLoad loads the checkpoints of earlier versions,
// which the new checks must accept: their metadata and shapes are sound.
func TestOldCheckpointsStillLoad(t *testing.T) {
	for _, path := range []string{"../testdata/lenet5-2epochs.safetensors", "../testdata/mlp-0.2.0.safetensors", "../checkpoint/testdata/torch_lenet5.safetensors"} {
		if _, _, err := Load(path); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}
