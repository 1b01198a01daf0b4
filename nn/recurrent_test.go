package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// rnnFixture is one case of testdata/rnn_fixtures.json, made by
// testdata/rnn_fixtures.py.
type rnnFixture struct {
	Name       string               `json:"name"`
	Kind       string               `json:"kind"`
	Config     json.RawMessage      `json:"config"`
	Lengths    []int                `json:"lengths"`
	Input      fixTensor            `json:"input"`
	H0         *fixTensor           `json:"h0"`
	C0         *fixTensor           `json:"c0"`
	Params     map[string]fixTensor `json:"params"`
	ParamOrder []string             `json:"param_order"`
	R          fixTensor            `json:"r"`
	RH         fixTensor            `json:"rh"`
	RC         *fixTensor           `json:"rc"`
	Output     fixTensor            `json:"output"`
	HN         fixTensor            `json:"h_n"`
	CN         *fixTensor           `json:"c_n"`
	GradInput  fixTensor            `json:"grad_input"`
	GradH0     *fixTensor           `json:"grad_h0"`
	GradC0     *fixTensor           `json:"grad_c0"`
	GradParams map[string]fixTensor `json:"grad_params"`
}

func loadRNNFixtures(t *testing.T) []rnnFixture {
	t.Helper()
	raw, err := os.ReadFile("testdata/rnn_fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []rnnFixture `json:"cases"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 12 {
		t.Fatalf("fixtures hold %d cases, expected the full set", len(f.Cases))
	}
	return f.Cases
}

// recurrentOf returns the Recurrent inside an RNN, LSTM or GRU.
func recurrentOf(m Module) *Recurrent {
	switch m := m.(type) {
	case *RNN:
		return &m.Recurrent
	case *LSTM:
		return &m.Recurrent
	case *GRU:
		return &m.Recurrent
	}
	panic(fmt.Sprintf("%T is not recurrent", m))
}

func newRecurrentKind(kind string, seed uint64, cfg RecurrentConfig) Module {
	rng := tensor.NewRNG(seed)
	switch kind {
	case "rnn":
		return NewRNN(rng, cfg)
	case "lstm":
		return NewLSTM(rng, cfg)
	case "gru":
		return NewGRU(rng, cfg)
	}
	panic("unknown kind " + kind)
}

func TestRecurrentMatchesPyTorch(t *testing.T) {
	for _, f := range loadRNNFixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			var cfg RecurrentConfig
			if err := json.Unmarshal(f.Config, &cfg); err != nil {
				t.Fatal(err)
			}
			m := newRecurrentKind(f.Kind, 1, cfg)
			r := recurrentOf(m)
			var names []string
			for _, p := range m.Params() {
				names = append(names, p.Name)
				want, ok := f.Params[p.Name]
				if !ok {
					t.Fatalf("PyTorch has no parameter %q", p.Name)
				}
				p.Value.Data().CopyFrom(want.tensor())
			}
			if !slices.Equal(names, f.ParamOrder) {
				t.Fatalf("parameters %v, PyTorch's state_dict %v", names, f.ParamOrder)
			}
			g := autograd.NewGraph()
			x := g.Var(f.Input.tensor())
			var h0, c0 *autograd.Value
			if f.H0 != nil {
				h0 = g.Var(f.H0.tensor())
			}
			if f.C0 != nil {
				c0 = g.Var(f.C0.tensor())
			}
			o := r.Unroll(g, x, h0, c0, f.Lengths)
			loss := g.Add(g.Sum(g.Mul(o.Out, g.Input(f.R.tensor()))), g.Sum(g.Mul(o.H, g.Input(f.RH.tensor()))))
			if f.RC != nil {
				loss = g.Add(loss, g.Sum(g.Mul(o.C, g.Input(f.RC.tensor()))))
			}
			loss.Backward()
			closeTo(t, "output", o.Out.Data(), f.Output)
			closeTo(t, "h_n", o.H.Data(), f.HN)
			if f.CN != nil {
				closeTo(t, "c_n", o.C.Data(), *f.CN)
			} else if o.C != nil {
				t.Error("c_n for a layer without a cell state")
			}
			closeTo(t, "input gradient", x.Grad(), f.GradInput)
			if f.GradH0 != nil {
				closeTo(t, "h0 gradient", h0.Grad(), *f.GradH0)
			}
			if f.GradC0 != nil {
				closeTo(t, "c0 gradient", c0.Grad(), *f.GradC0)
			}
			for _, p := range m.Params() {
				closeTo(t, p.Name+" gradient", p.Value.Grad(), f.GradParams[p.Name])
			}
			// Last is the last layer's h_n, directions side by side.
			d, n, h := 1, f.HN.Shape[1], f.HN.Shape[2]
			if cfg.Bidirectional {
				d = 2
			}
			last := fixTensor{Shape: []int{n, d * h}}
			top := f.HN.Data[(f.HN.Shape[0]-d)*n*h:]
			for i := range n {
				for k := range d {
					last.Data = append(last.Data, top[(k*n+i)*h:(k*n+i+1)*h]...)
				}
			}
			closeTo(t, "last state", o.Last.Data(), last)
		})
	}
}

// gradCheckConfigs are the networks the float64 gradient checks cover.
var gradCheckConfigs = []struct {
	name    string
	cfg     RecurrentConfig
	lengths []int
	states  bool
}{
	{name: "one layer", cfg: RecurrentConfig{InputSize: 3, HiddenSize: 4, BatchFirst: true}},
	{name: "bidirectional", cfg: RecurrentConfig{InputSize: 3, HiddenSize: 4, Bidirectional: true, BatchFirst: true}, states: true},
	{name: "two layers", cfg: RecurrentConfig{InputSize: 3, HiddenSize: 4, NumLayers: 2}, states: true},
	{name: "padded", cfg: RecurrentConfig{InputSize: 3, HiddenSize: 4, BatchFirst: true}, lengths: []int{5, 2, 3}, states: true},
	{name: "padded two layers bidirectional", cfg: RecurrentConfig{InputSize: 3, HiddenSize: 3, NumLayers: 2, Bidirectional: true}, lengths: []int{1, 5, 3}, states: true},
}

func TestRecurrentGradCheck(t *testing.T) {
	for _, kind := range []string{"rnn", "rnn_relu", "lstm", "gru"} {
		for i, c := range gradCheckConfigs {
			t.Run(kind+" "+c.name, func(t *testing.T) {
				cfg := c.cfg
				k := kind
				if kind == "rnn_relu" {
					k, cfg.Nonlinearity = "rnn", "relu"
				}
				m := newRecurrentKind(k, uint64(i+1), cfg)
				Convert(m, tensor.Float64)
				r := recurrentOf(m)
				const n, steps = 3, 5
				d := r.directions()
				shape := []int{steps, n, cfg.InputSize}
				if cfg.BatchFirst {
					shape = []int{n, steps, cfg.InputSize}
				}
				rng := tensor.NewRNG(uint64(40 + i))
				x := autograd.NewParam("x", tensor.RandUniform(rng, tensor.Float64, -1, 1, shape...))
				wrt := []*autograd.Value{x}
				var h0, c0 *autograd.Value
				if c.states {
					ls := []int{r.Config.NumLayers * d, n, cfg.HiddenSize}
					h0 = autograd.NewParam("h0", tensor.RandUniform(rng, tensor.Float64, -1, 1, ls...))
					wrt = append(wrt, h0)
					if r.Cell == tensor.CellLSTM {
						c0 = autograd.NewParam("c0", tensor.RandUniform(rng, tensor.Float64, -1, 1, ls...))
						wrt = append(wrt, c0)
					}
				}
				for _, p := range m.Params() {
					wrt = append(wrt, p.Value)
				}
				loss := func(g *autograd.Graph) *autograd.Value {
					o := r.Unroll(g, x, h0, c0, c.lengths)
					l := g.Add(weightedSum(g, o.Out, 1), weightedSum(g, o.H, 2))
					if o.C != nil {
						l = g.Add(l, weightedSum(g, o.C, 3))
					}
					return g.Add(l, weightedSum(g, o.Last, 4))
				}
				if res := autograd.GradCheck(loss, wrt...); res.MaxError > 1e-6 {
					t.Errorf("%v", res)
				}
			})
		}
	}
}

// weightedSum reduces y with fixed random weights, so that every element
// gets its own gradient.
func weightedSum(g *autograd.Graph, y *autograd.Value, seed uint64) *autograd.Value {
	w := tensor.RandUniform(tensor.NewRNG(seed), y.Data().DType(), -1, 1, y.Shape()...)
	return g.Sum(g.Mul(y, g.Input(w)))
}

// TestRecurrentPaddingMatchesAlone runs a padded batch of sequences of
// different lengths and each sequence alone: outputs, final states and
// parameter gradients must agree.
func TestRecurrentPaddingMatchesAlone(t *testing.T) {
	lengths := []int{6, 2, 0, 4}
	const steps, in, hid = 6, 3, 5
	for _, kind := range []string{"rnn", "lstm", "gru"} {
		for _, bidir := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s bidirectional=%v", kind, bidir), func(t *testing.T) {
				cfg := RecurrentConfig{InputSize: in, HiddenSize: hid, NumLayers: 2, Bidirectional: bidir, BatchFirst: true}
				m := newRecurrentKind(kind, 3, cfg)
				r := recurrentOf(m)
				n, d := len(lengths), r.directions()
				rng := tensor.NewRNG(9)
				x := tensor.RandNormal(rng, tensor.Float32, 0, 1, n, steps, in)
				h0 := tensor.RandNormal(rng, tensor.Float32, 0, 1, 2*d, n, hid)
				c0 := tensor.RandNormal(rng, tensor.Float32, 0, 1, 2*d, n, hid)
				wOut := tensor.RandNormal(rng, tensor.Float32, 0, 1, n, steps, d*hid)
				wH := tensor.RandNormal(rng, tensor.Float32, 0, 1, 2*d, n, hid)
				isLSTM := kind == "lstm"

				// The batch.
				g := autograd.NewGraph()
				var c0v *autograd.Value
				if isLSTM {
					c0v = g.Input(c0)
				}
				o := r.Unroll(g, g.Input(x), g.Input(h0), c0v, lengths)
				loss := g.Add(g.Sum(g.Mul(o.Out, g.Input(wOut))), g.Sum(g.Mul(o.H, g.Input(wH))))
				if isLSTM {
					loss = g.Add(loss, g.Sum(o.C))
				}
				ZeroGrad(m)
				loss.Backward()
				batchGrads := map[string]*tensor.Tensor{}
				for _, p := range m.Params() {
					batchGrads[p.Name] = p.Value.Grad().Clone()
				}
				ZeroGrad(m)

				// Each sequence alone, its gradients summed.
				for i, l := range lengths {
					gi := autograd.NewGraph()
					xi := pick(x, i, l, true)
					hi, ci := pick(h0, i, 0, false), pick(c0, i, 0, false)
					var civ *autograd.Value
					if isLSTM {
						civ = gi.Input(ci)
					}
					// The padded steps' outputs are zero.
					pad := pick(o.Out.Data(), i, steps, true)
					for k := l * d * hid; k < pad.Len(); k++ {
						if pad.Flat(k) != 0 {
							t.Fatalf("seq %d: padded output %v is not zero", i, pad)
						}
					}
					if l == 0 {
						// No step: the states stay h0 and c0.
						near(t, fmt.Sprintf("seq %d h_n", i), pick(o.H.Data(), i, 0, false), hi, 0)
						continue
					}
					oi := r.Unroll(gi, gi.Input(xi), gi.Input(hi), civ, nil)
					li := gi.Add(gi.Sum(gi.Mul(oi.Out, gi.Input(pick(wOut, i, l, true)))), gi.Sum(gi.Mul(oi.H, gi.Input(pick(wH, i, 0, false)))))
					if isLSTM {
						li = gi.Add(li, gi.Sum(oi.C))
						near(t, fmt.Sprintf("seq %d c_n", i), pick(o.C.Data(), i, 0, false), oi.C.Data(), 2e-6)
					}
					li.Backward()
					near(t, fmt.Sprintf("seq %d output", i), pick(o.Out.Data(), i, l, true), oi.Out.Data(), 2e-6)
					near(t, fmt.Sprintf("seq %d h_n", i), pick(o.H.Data(), i, 0, false), oi.H.Data(), 2e-6)
				}
				for _, p := range m.Params() {
					near(t, p.Name+" gradient", batchGrads[p.Name], p.Value.Grad(), 1e-5)
				}
			})
		}
	}
}

// pick returns sequence i of a batch-first (N, T, F) tensor cut to its
// first l steps, as (1, l, F), or with states set, entry i of an (L, N, H)
// tensor of states, as (L, 1, H).
func pick(x *tensor.Tensor, i, l int, seq bool) *tensor.Tensor {
	s := x.Shape()
	if seq {
		out := tensor.New(x.DType(), 1, l, s[2])
		for k := range l * s[2] {
			out.SetFlat(k, x.At(i, k/s[2], k%s[2]))
		}
		return out
	}
	out := tensor.New(x.DType(), s[0], 1, s[2])
	for a := range s[0] {
		for k := range s[2] {
			out.Set(x.At(a, i, k), a, 0, k)
		}
	}
	return out
}

// near fails unless got and want agree to tol relative to the largest
// element of want.
func near(t *testing.T, what string, got, want *tensor.Tensor, tol float64) {
	t.Helper()
	if got.Len() != want.Len() {
		t.Fatalf("%s: %d elements, want %d", what, got.Len(), want.Len())
	}
	scale := 1.0
	for i := range want.Len() {
		scale = math.Max(scale, math.Abs(want.Flat(i)))
	}
	for i := range want.Len() {
		if math.Abs(got.Flat(i)-want.Flat(i)) > tol*scale {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got.Flat(i), want.Flat(i))
		}
	}
}

func TestRecurrentParams(t *testing.T) {
	m := NewGRU(tensor.NewRNG(1), RecurrentConfig{InputSize: 3, HiddenSize: 4, NumLayers: 2, Bidirectional: true})
	want := []struct {
		name  string
		shape []int
		role  Role
	}{
		{"weight_ih_l0", []int{12, 3}, Weight}, {"weight_hh_l0", []int{12, 4}, RecurrentWeight}, {"bias_ih_l0", []int{12}, Bias}, {"bias_hh_l0", []int{12}, Bias},
		{"weight_ih_l0_reverse", []int{12, 3}, Weight}, {"weight_hh_l0_reverse", []int{12, 4}, RecurrentWeight}, {"bias_ih_l0_reverse", []int{12}, Bias}, {"bias_hh_l0_reverse", []int{12}, Bias},
		{"weight_ih_l1", []int{12, 8}, Weight}, {"weight_hh_l1", []int{12, 4}, RecurrentWeight}, {"bias_ih_l1", []int{12}, Bias}, {"bias_hh_l1", []int{12}, Bias},
		{"weight_ih_l1_reverse", []int{12, 8}, Weight}, {"weight_hh_l1_reverse", []int{12, 4}, RecurrentWeight}, {"bias_ih_l1_reverse", []int{12}, Bias}, {"bias_hh_l1_reverse", []int{12}, Bias},
	}
	ps := m.Params()
	if len(ps) != len(want) {
		t.Fatalf("%d parameters, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		w := want[i]
		if p.Name != w.name || !slices.Equal(p.Value.Shape(), w.shape) || p.Role != w.role {
			t.Errorf("parameter %d: %s %v %v, want %s %v %v", i, p.Name, p.Value.Shape(), p.Role, w.name, w.shape, w.role)
		}
		// PyTorch's initialization: U(-1/√H, 1/√H).
		lo, hi := 0.0, 0.0
		for k := range p.Value.Data().Len() {
			v := p.Value.Data().Flat(k)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		if lo < -0.5 || hi > 0.5 || hi-lo < 0.5 {
			t.Errorf("%s drawn in [%v, %v], want U(-0.5, 0.5)", p.Name, lo, hi)
		}
	}
	// Inside a Sequential the names get the child's prefix once.
	s := Sequence(m, NewLinear(tensor.NewRNG(2), 8, 2))
	if got := Params(s)[0].Name; got != "0.weight_ih_l0" {
		t.Errorf("first parameter of a Sequential is %q, want 0.weight_ih_l0", got)
	}
	if got := m.Params()[0].Name; got != "weight_ih_l0" {
		t.Errorf("after naming by a Sequential, the layer's own name is %q", got)
	}
	lstm := NewLSTM(tensor.NewRNG(1), RecurrentConfig{InputSize: 3, HiddenSize: 4, NoBias: true})
	if n := CountParams(lstm); n != 16*3+16*4 {
		t.Errorf("LSTM without bias has %d parameters, want %d", n, 16*7)
	}
}

func TestRecurrentConfig(t *testing.T) {
	for _, c := range []struct {
		cell tensor.Cell
		cfg  RecurrentConfig
		err  string
	}{
		{tensor.CellLSTM, RecurrentConfig{InputSize: 0, HiddenSize: 4}, "positive"},
		{tensor.CellLSTM, RecurrentConfig{InputSize: 3, HiddenSize: 4, NumLayers: -1}, "positive"},
		{tensor.CellGRU, RecurrentConfig{InputSize: 3, HiddenSize: 4, Dropout: 1.5}, "dropout"},
		{tensor.CellLSTM, RecurrentConfig{InputSize: 3, HiddenSize: 4, WeightDrop: 1}, "weight drop 1"},
		{tensor.CellLSTM, RecurrentConfig{InputSize: 3, HiddenSize: 4, WeightDrop: math.NaN()}, "weight drop NaN"},
		{tensor.CellLSTM, RecurrentConfig{InputSize: 3, HiddenSize: 4, Nonlinearity: "relu"}, "only an RNN"},
		{tensor.CellRNNTanh, RecurrentConfig{InputSize: 3, HiddenSize: 4, Nonlinearity: "sigmoid"}, "nonlinearity"},
	} {
		if _, err := c.cfg.Normalize(c.cell); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%v %+v: error %v, want one about %q", c.cell, c.cfg, err, c.err)
		}
	}
	cfg, err := RecurrentConfig{InputSize: 3, HiddenSize: 4}.Normalize(tensor.CellRNNTanh)
	if err != nil || cfg.NumLayers != 1 || cfg.Nonlinearity != "tanh" {
		t.Errorf("normalized %+v, %v", cfg, err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("NewLSTM accepted a hidden size of 0")
			}
		}()
		NewLSTM(tensor.NewRNG(1), RecurrentConfig{InputSize: 3})
	}()
	if r := NewRNN(tensor.NewRNG(1), RecurrentConfig{InputSize: 3, HiddenSize: 4, Nonlinearity: "relu"}); r.Cell != tensor.CellRNNReLU {
		t.Errorf("relu RNN has cell %v", r.Cell)
	}
	for _, c := range []struct {
		m    Module
		want string
	}{
		{NewLSTM(tensor.NewRNG(1), RecurrentConfig{InputSize: 28, HiddenSize: 128}), "LSTM(28→128)"},
		{NewRNN(tensor.NewRNG(1), RecurrentConfig{InputSize: 3, HiddenSize: 4, Nonlinearity: "relu", NumLayers: 2, Bidirectional: true, NoBias: true, BatchFirst: true, Dropout: 0.25, Last: true}),
			"RNN(3→4, relu, 2 layers, bidirectional, no bias, batch first, dropout 0.25, last state)"},
		{NewGRU(tensor.NewRNG(1), RecurrentConfig{InputSize: 3, HiddenSize: 4}), "GRU(3→4)"},
		{NewLSTM(tensor.NewRNG(1), RecurrentConfig{InputSize: 3, HiddenSize: 4, WeightDrop: 0.3}), "LSTM(3→4, weight drop 0.3)"},
	} {
		if got := fmt.Sprint(c.m); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

// TestRecurrentClassifier builds the sequential-MNIST model, an LSTM that
// gives its last state to a Linear layer, and checks its shapes, its
// summary and that lengths pass through a Sequential.
func TestRecurrentClassifier(t *testing.T) {
	rng := tensor.NewRNG(1)
	lstm := NewLSTM(rng, RecurrentConfig{InputSize: 28, HiddenSize: 16, BatchFirst: true, Last: true})
	model := Sequence(lstm, NewLinear(rng, 16, 10))
	g := autograd.NewGraph()
	x := g.Input(tensor.RandNormal(rng, tensor.Float32, 0, 1, 3, 28, 28))
	if y := model.Forward(g, x); !slices.Equal(y.Shape(), []int{3, 10}) {
		t.Fatalf("logits %v, want (3, 10)", y.Shape())
	}
	s := Summarize(model, 1, 28, 28)
	if want := 28 * 4 * 16 * (28 + 16); s.Rows[0].MultiplyAdds != want {
		t.Errorf("LSTM row counts %d multiply-adds, want %d (28 steps, though the last state hides them)", s.Rows[0].MultiplyAdds, want)
	}
	seq := NewGRU(rng, RecurrentConfig{InputSize: 5, HiddenSize: 6, BatchFirst: true, Bidirectional: true})
	if s := Summarize(seq, 1, 7, 5); s.MultiplyAdds != 7*2*3*6*(5+6) || !slices.Equal(s.Rows[0].Output, []int{1, 7, 12}) {
		t.Errorf("bidirectional GRU: %d multiply-adds, output %v; want %d, (1, 7, 12)", s.MultiplyAdds, s.Rows[0].Output, 7*2*3*6*11)
	}
	if want := 28 * 4 * 16 * 28; s.Rows[0].InputMultiplyAdds != want || s.Rows[1].InputMultiplyAdds != s.Rows[1].MultiplyAdds {
		t.Errorf("input multiply-adds: LSTM %d (want %d, its input projection), Linear %d of %d (want all)", s.Rows[0].InputMultiplyAdds, want, s.Rows[1].InputMultiplyAdds, s.Rows[1].MultiplyAdds)
	}
	if s := Summarize(seq, 1, 7, 5); s.Rows[0].InputMultiplyAdds != 7*2*3*6*5 {
		t.Errorf("bidirectional GRU: %d input multiply-adds, want %d", s.Rows[0].InputMultiplyAdds, 7*2*3*6*5)
	}

	// Lengths through ForwardN: the same as Unroll with them, and
	// different from the full length.
	lengths := []int{28, 5, 17}
	lv := g.Input(tensor.FromInt64([]int64{28, 5, 17}, 3))
	got := model.ForwardN(g, []*autograd.Value{x, lv})[0]
	want := model.Forward(g, x)
	last := lstm.Unroll(g, x, nil, nil, lengths).Last
	wantPadded := g.Linear(last, model.Children()[1].Module.(*Linear).Weight, model.Children()[1].Module.(*Linear).Bias)
	near(t, "logits with lengths", got.Data(), wantPadded.Data(), 0)
	if tensor.AllClose(got.Data(), want.Data(), 1e-4, 1e-4) {
		t.Error("lengths made no difference")
	}
	// Row 0 has the full length: the same logits either way.
	near(t, "full-length row", g.Slice(got, 0, 1).Data(), g.Slice(want, 0, 1).Data(), 1e-6)
	floats := g.Input(tensor.FromFloat32([]float32{28, 5, 17}, 3))
	near(t, "float lengths", model.ForwardN(g, []*autograd.Value{x, floats})[0].Data(), got.Data(), 0)
}

func TestRecurrentDropout(t *testing.T) {
	cfg := RecurrentConfig{InputSize: 3, HiddenSize: 4, NumLayers: 2, BatchFirst: true}
	plain := NewLSTM(tensor.NewRNG(1), cfg)
	cfg.Dropout = 0.5
	drop := NewLSTM(tensor.NewRNG(1), cfg)
	x := tensor.RandNormal(tensor.NewRNG(2), tensor.Float32, 0, 1, 2, 5, 3)
	run := func(m Module, training bool) *tensor.Tensor {
		g := autograd.NewGraph()
		g.Training, g.RNG = training, tensor.NewRNG(3)
		return m.Forward(g, g.Input(x)).Data()
	}
	near(t, "inference ignores dropout", run(drop, false), run(plain, false), 0)
	if tensor.AllClose(run(drop, true), run(plain, true), 1e-3, 1e-3) {
		t.Error("dropout in training changed nothing")
	}
	near(t, "same RNG, same masks", run(drop, true), run(drop, true), 0)
	defer func() {
		if recover() == nil {
			t.Error("dropout in training without Graph.RNG did not panic")
		}
	}()
	g := autograd.NewGraph()
	g.Training = true
	drop.Forward(g, g.Input(x))
}

// TestRecurrentWeightDrop checks DropConnect on W_hh: in training, the
// layer computes what the same layer computes with W_hh times one mask
// (the same at every step and for every sequence), and W_hh's gradient
// is the masked weights' gradient times the mask, zero where it dropped;
// inference ignores it. The mask comes from Graph.RNG, so the test draws
// it again from the same seed.
func TestRecurrentWeightDrop(t *testing.T) {
	const p = 0.4
	for _, cell := range []tensor.Cell{tensor.CellLSTM, tensor.CellGRU} {
		cfg := RecurrentConfig{InputSize: 3, HiddenSize: 4, NumLayers: 2, BatchFirst: true, Bidirectional: true}
		newLayer := func(cfg RecurrentConfig) *Recurrent {
			if cell == tensor.CellGRU {
				return &NewGRU(tensor.NewRNG(1), cfg).Recurrent
			}
			return &NewLSTM(tensor.NewRNG(1), cfg).Recurrent
		}
		plain := newLayer(cfg)
		cfg.WeightDrop = p
		drop := newLayer(cfg)
		x := tensor.RandNormal(tensor.NewRNG(2), tensor.Float32, 0, 1, 2, 5, 3)
		lengths := []int{5, 3}
		run := func(r *Recurrent, training bool) *tensor.Tensor {
			g := autograd.NewGraph()
			g.Training, g.RNG = training, tensor.NewRNG(3)
			y := r.Unroll(g, g.Input(x), nil, nil, lengths).Out
			g.Sum(g.Mul(y, y)).Backward()
			return y.Data()
		}
		near(t, cell.Family()+": inference ignores weight drop", run(drop, false), run(plain, false), 0)

		// The masks, drawn as Unroll draws them: one per W_hh, in order.
		rng := tensor.NewRNG(3)
		masks := make([]*tensor.Tensor, len(plain.Weights))
		for i, w := range plain.Weights {
			masks[i] = tensor.New(tensor.Float32, w.HH.Shape()...)
			tensor.DropoutMask(rng, masks[i], p)
			tensor.MulTo(w.HH.Data(), w.HH.Data(), masks[i])
		}
		for _, r := range []*Recurrent{drop, plain} {
			for _, prm := range r.Params() {
				prm.Value.ZeroGrad()
			}
		}
		got, want := run(drop, true), run(plain, true)
		near(t, cell.Family()+": training output", got, want, 0)
		zeros := 0
		for i := range drop.Weights {
			g, gm, m := drop.Weights[i].HH.Grad().F32(), plain.Weights[i].HH.Grad().F32(), masks[i].F32()
			for j := range g {
				if g[j] != gm[j]*m[j] {
					t.Fatalf("%s: W_hh %d's gradient [%d] = %v, want %v × mask %v", cell.Family(), i, j, g[j], gm[j], m[j])
				}
				if m[j] == 0 {
					zeros++
				}
			}
			near(t, cell.Family()+": W_ih's gradient", drop.Weights[i].IH.Grad(), plain.Weights[i].IH.Grad(), 0)
		}
		if zeros == 0 {
			t.Errorf("%s: the masks dropped nothing at p = %v", cell.Family(), p)
		}
	}
}

func TestRecurrentWrongInput(t *testing.T) {
	m := NewRNN(tensor.NewRNG(1), RecurrentConfig{InputSize: 3, HiddenSize: 4})
	for name, x := range map[string]*tensor.Tensor{"2-D": tensor.New(tensor.Float32, 5, 3), "features": tensor.New(tensor.Float32, 5, 2, 4)} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "expects input (T, N, 3)") {
					t.Errorf("%s: panic %v", name, r)
				}
			}()
			g := autograd.NewGraph()
			m.Forward(g, g.Input(x))
		}()
	}
}

// lstmStep is one training step of the sequential-MNIST classifier: an
// LSTM (28→128) reading 28 rows of 28 pixels, its last state into a
// Linear layer, cross-entropy, backward.
type lstmStep struct {
	model  Module
	g      *autograd.Graph
	x      *tensor.Tensor
	labels []int
}

func newLSTMStep(batch int) *lstmStep {
	rng := tensor.NewRNG(1)
	s := &lstmStep{
		model: Sequence(NewLSTM(rng, RecurrentConfig{InputSize: 28, HiddenSize: 128, BatchFirst: true, Last: true}), NewLinear(rng, 128, 10)),
		g:     autograd.NewGraph(),
		x:     tensor.RandNormal(rng, tensor.Float32, 0, 1, batch, 28, 28),
	}
	s.g.Training = true
	for i := range batch {
		s.labels = append(s.labels, i%10)
	}
	return s
}

func (s *lstmStep) run() {
	g := s.g
	g.CrossEntropy(s.model.Forward(g, g.Input(s.x)), s.labels, autograd.ReduceMean).Backward()
	g.Reset()
}

func TestLSTMWarmStepAllocatesNothing(t *testing.T) {
	s := newLSTMStep(8)
	s.run()
	if n := testing.AllocsPerRun(5, s.run); n != 0 {
		t.Errorf("a warm training step allocates %v times, want 0", n)
	}
	// With weight drop: the masks come from the arena, and the dropped
	// weights' list is reused.
	s.model.(*Sequential).Children()[0].Module.(*LSTM).Config.WeightDrop = 0.3
	s.g.RNG = tensor.NewRNG(2)
	s.run()
	if n := testing.AllocsPerRun(5, s.run); n != 0 {
		t.Errorf("a warm training step with weight drop allocates %v times, want 0", n)
	}
}

// BenchmarkLSTMStep times one training step (forward and backward) of an
// LSTM with hidden size 128 over 28 steps of 28 inputs, batch 64, and a
// Linear classifier on its last state: sequential MNIST.
func BenchmarkLSTMStep(b *testing.B) {
	s := newLSTMStep(64)
	s.run()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s.run()
	}
}

// A classifier of sequences: an LSTM reads each image of a batch row by
// row (28 steps of 28 pixels) and a Linear layer classifies its last
// hidden state. With the lengths of a padded batch, ForwardN passes them
// to the LSTM.
func ExampleNewLSTM() {
	rng := tensor.NewRNG(1)
	model := Sequence(
		NewLSTM(rng, RecurrentConfig{InputSize: 28, HiddenSize: 64, BatchFirst: true, Last: true}),
		NewLinear(rng, 64, 10),
	)
	g := autograd.NewInferenceGraph()
	x := g.Input(tensor.New(tensor.Float32, 2, 28, 28))
	fmt.Println(model.Forward(g, x).Shape())

	lengths := g.Input(tensor.FromInt64([]int64{28, 20}, 2))
	fmt.Println(model.ForwardN(g, []*autograd.Value{x, lengths})[0].Shape())
	for _, p := range Params(model)[:4] {
		fmt.Println(p.Name, p.Value.Shape())
	}
	// Output:
	// [2 10]
	// [2 10]
	// 0.weight_ih_l0 [256 28]
	// 0.weight_hh_l0 [256 64]
	// 0.bias_ih_l0 [256]
	// 0.bias_hh_l0 [256]
}

// Run gives PyTorch's results: the output at every step and the final
// states of every layer and direction.
func ExampleLSTM_Run() {
	lstm := NewLSTM(tensor.NewRNG(1), RecurrentConfig{InputSize: 3, HiddenSize: 4, NumLayers: 2, Bidirectional: true})
	g := autograd.NewInferenceGraph()
	x := g.Input(tensor.New(tensor.Float32, 5, 2, 3)) // (T, N, in)
	out, hN, cN := lstm.Run(g, x, nil, nil, []int{5, 3})
	fmt.Println(out.Shape(), hN.Shape(), cN.Shape())
	// Output:
	// [5 2 8] [4 2 4] [4 2 4]
}
