package bench

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/data/mnist"
)

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := m[k]; dup {
			m[k] = "DUPLICATE"
			continue
		}
		m[k] = v
	}
	return m
}

// TestTorchEnv checks PyTorch's environment: OpenBLAS's CPU-type
// variables gone, the thread count set once, OpenBLAS's OpenMP build first
// on the library path and jemalloc first in the preload list, what was
// there kept behind them, and the rest of the environment untouched.
func TestTorchEnv(t *testing.T) {
	base := []string{"PATH=/bin", "OPENBLAS_CORETYPE=Haswell", "OPENBLAS_L2_SIZE=1048576", "OMP_NUM_THREADS=8",
		"OPENBLAS_NUM_THREADS=4", "LD_LIBRARY_PATH=/opt/lib", "LD_PRELOAD=/opt/libfoo.so", "HOME=/root"}
	full := TorchSetup{OpenBLASDir: "/o/openblas-openmp", Jemalloc: "/o/libjemalloc.so.2"}
	got := envMap(full.Env(base, 2))
	want := map[string]string{"PATH": "/bin", "HOME": "/root", "OMP_NUM_THREADS": "2",
		"LD_LIBRARY_PATH": "/o/openblas-openmp:/opt/lib", "LD_PRELOAD": "/o/libjemalloc.so.2 /opt/libfoo.so"}
	if !maps.Equal(got, want) {
		t.Errorf("full setup: env %v, want %v", got, want)
	}
	if len(base) != 8 || base[1] != "OPENBLAS_CORETYPE=Haswell" {
		t.Errorf("Env changed its argument: %v", base)
	}
	// Without the packages: no preload, and OpenBLAS (pthreads, if any)
	// kept to one thread so that it does not fight OpenMP's.
	got = envMap(TorchSetup{}.Env([]string{"PATH=/bin", "OPENBLAS_CORETYPE=Haswell"}, 3))
	want = map[string]string{"PATH": "/bin", "OMP_NUM_THREADS": "3", "OPENBLAS_NUM_THREADS": "1"}
	if !maps.Equal(got, want) {
		t.Errorf("empty setup: env %v, want %v", got, want)
	}
	if m := (TorchSetup{}).Missing(); !slices.Equal(m, []string{"libopenblas0-openmp", "libjemalloc2"}) {
		t.Errorf("Missing = %v", m)
	}
	if m := full.Missing(); len(m) != 0 {
		t.Errorf("full setup: Missing = %v", m)
	}
	got = envMap(ORTEnv([]string{"PATH=/bin", "NODE_PATH=/old", "OPENBLAS_CORETYPE=Haswell"}, "/ort/node_modules"))
	want = map[string]string{"PATH": "/bin", "NODE_PATH": "/ort/node_modules"}
	if !maps.Equal(got, want) {
		t.Errorf("ORTEnv: %v, want %v", got, want)
	}
}

// TestScripts checks that every rival script is embedded under the name
// the others import it by.
func TestScripts(t *testing.T) {
	s := Scripts()
	for _, name := range []string{"torch_bench.py", "onnx_export.py", "ort_bench.js", "torch_plain.py"} {
		if len(s[name]) == 0 {
			t.Errorf("%s missing", name)
		}
	}
	for _, name := range []string{"onnx_export.py", "torch_plain.py"} {
		if !strings.Contains(string(s[name]), "from torch_bench import") {
			t.Errorf("%s does not share torch_bench.py's models", name)
		}
	}
	if !strings.Contains(string(s["torch_bench.py"]), "zero_grad(set_to_none=True)") {
		t.Error("torch_bench.py does not set gradients to None between steps")
	}
}

func TestSpreadAndPairRatios(t *testing.T) {
	if s := SpreadOf([]float64{3, 1, 2}); s != (Spread{Median: 2, Min: 1, Max: 3, N: 3}) {
		t.Errorf("SpreadOf odd = %+v", s)
	}
	if s := SpreadOf([]float64{4, 1, 2, 3}); s != (Spread{Median: 2.5, Min: 1, Max: 4, N: 4}) {
		t.Errorf("SpreadOf even = %+v", s)
	}
	if s := SpreadOf(nil); s != (Spread{}) {
		t.Errorf("SpreadOf(nil) = %+v", s)
	}
	a := []Result{{ImagesPerSec: 100}, {ImagesPerSec: 90}, {Error: "x"}, {ImagesPerSec: 120}}
	b := []Result{{ImagesPerSec: 50}, {Error: "y"}, {ImagesPerSec: 40}, {ImagesPerSec: 40}, {ImagesPerSec: 10}}
	// Pairs 1 and 2 lose a side, and b's fifth run has no partner.
	if r := PairRatios(a, b); !slices.Equal(r, []float64{2, 3}) {
		t.Errorf("PairRatios = %v, want [2 3]", r)
	}
	if v := Values(a, func(r Result) float64 { return r.ImagesPerSec }); !slices.Equal(v, []float64{100, 90, 120}) {
		t.Errorf("Values = %v", v)
	}
	if c := (Result{WallSec: 2, CPUSec: 3}).Cores(); c != 1.5 {
		t.Errorf("Cores = %v", c)
	}
	if c := (Result{}).Cores(); c != 0 {
		t.Errorf("Cores of nothing = %v", c)
	}
}

// TestFLOPsPerImage checks the arithmetic counts against sums worked out
// by hand from the layer sizes.
func TestFLOPsPerImage(t *testing.T) {
	mlp := 784*256 + 256*128 + 128*10                                // 234,752
	lenet := 6*28*28*25 + 16*10*10*6*25 + 120*16*25 + 120*84 + 84*10 // 416,520
	for _, tt := range []struct {
		c    Case
		want int
	}{
		{Case{"mlp", "infer", 64}, 2 * mlp},
		{Case{"mlp", "train", 64}, 2 * (3*mlp - 784*256)},
		{Case{"lenet5", "infer", 1000}, 2 * lenet},
		{Case{"lenet5", "train", 64}, 2 * (3*lenet - 6*28*28*25)},
		// An LSTM of 128 over 28 steps of 28 inputs, and a Linear of 10.
		{Case{"lstm", "infer", 64}, 2 * (28*4*128*(28+128) + 128*10)},
		// Training: only the input projection (28·4·128·28) needs no
		// input gradient; the recurrent products do.
		{Case{"lstm", "train", 64}, 2 * (3*(28*4*128*(28+128)+128*10) - 28*4*128*28)},
	} {
		got, err := FLOPsPerImage(tt.c)
		if err != nil || got != float64(tt.want) {
			t.Errorf("%v: %v, %v; want %d", tt.c, got, err, tt.want)
		}
	}
	if _, err := FLOPsPerImage(Case{"mlp", "sing", 1}); err == nil {
		t.Error("unknown mode accepted")
	}
}

func TestOptionsFor(t *testing.T) {
	for _, tt := range []struct {
		in   Options
		c    Case
		want Options
	}{
		{Options{}, Case{"mlp", "train", 64}, Options{50, 300}},
		{Options{}, Case{"mlp", "infer", 64}, Options{50, 1563}},
		{Options{}, Case{"mlp", "infer", 1000}, Options{50, 200}},
		{Options{Warmup: 500, Steps: 7}, Case{"mlp", "infer", 64}, Options{500, 7}},
	} {
		if got := tt.in.For(tt.c); got != tt.want {
			t.Errorf("%+v.For(%v) = %+v, want %+v", tt.in, tt.c, got, tt.want)
		}
	}
}

// TestRun runs both modes for a few steps on MNIST's test images and
// checks what the timing counts.
func TestRun(t *testing.T) {
	set, err := mnist.LoadSplit("", mnist.Test)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := set.Dataset(set.Prep())
	if err != nil {
		t.Fatal(err)
	}
	// cnn's dropout needs the graph's random source in training.
	for _, c := range []Case{{"mlp", "train", 16}, {"lenet5", "infer", 32}, {"cnn", "train", 4}, {"lstm", "train", 8}} {
		tm, err := Run(c, ds, Options{Warmup: 2, Steps: 5})
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		if tm.Images != 5*c.Batch || tm.Wall <= 0 || tm.CPU < 0 || math.IsInf(tm.ImagesPerSec(), 0) {
			t.Errorf("%v: timing %+v", c, tm)
		}
	}
	if _, err := Run(Case{"mlp", "infer", 20000}, ds, Options{}); err == nil {
		t.Error("a batch larger than the data was accepted")
	}
	if _, err := Run(Case{"mlp", "sing", 8}, ds, Options{Warmup: 1, Steps: 1}); err == nil {
		t.Error("an unknown mode was accepted")
	}
}
