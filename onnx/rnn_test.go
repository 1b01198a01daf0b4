package onnx_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/onnx"
	"github.com/baeum-ml/baeum/onnx/internal/pb"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// recurrentCase is a recurrent network to export: kind is "rnn", "lstm"
// or "gru"; steps and batch size the input, which is (N, T, in) with
// BatchFirst and (T, N, in) otherwise.
type recurrentCase struct {
	name         string
	kind         string
	cfg          nn.RecurrentConfig
	head         bool // a Linear after the layer (with Last)
	steps, batch int
}

func (c recurrentCase) build(seed uint64) nn.Module {
	rng := tensor.NewRNG(seed)
	var m nn.Module
	switch c.kind {
	case "rnn":
		m = nn.NewRNN(rng, c.cfg)
	case "lstm":
		m = nn.NewLSTM(rng, c.cfg)
	case "gru":
		m = nn.NewGRU(rng, c.cfg)
	}
	if c.head {
		d := 1
		if c.cfg.Bidirectional {
			d = 2
		}
		return nn.NewSequential(nn.Named{Name: "rnn", Module: m}, nn.Named{Name: "fc", Module: nn.NewLinear(rng, d*c.cfg.HiddenSize, 3)})
	}
	return m
}

// example is the shape of one example as Export takes it: the input
// without its first dimension (the batch, or for a time-major layer the
// steps, dynamic in the file).
func (c recurrentCase) example() []int {
	if c.cfg.BatchFirst {
		return []int{c.steps, c.cfg.InputSize}
	}
	return []int{c.batch, c.cfg.InputSize}
}

func (c recurrentCase) first() int {
	if c.cfg.BatchFirst {
		return c.batch
	}
	return c.steps
}

var recurrentCases = []recurrentCase{
	{name: "rnn_tanh", kind: "rnn", cfg: nn.RecurrentConfig{InputSize: 4, HiddenSize: 5}, steps: 6, batch: 3},
	{name: "rnn_relu_last", kind: "rnn", cfg: nn.RecurrentConfig{InputSize: 4, HiddenSize: 5, Nonlinearity: "relu", BatchFirst: true, Last: true}, steps: 6, batch: 3},
	{name: "rnn_relu_bidirectional", kind: "rnn", cfg: nn.RecurrentConfig{InputSize: 4, HiddenSize: 5, Nonlinearity: "relu", Bidirectional: true, BatchFirst: true}, steps: 5, batch: 2},
	{name: "lstm", kind: "lstm", cfg: nn.RecurrentConfig{InputSize: 4, HiddenSize: 6}, steps: 7, batch: 3},
	{name: "lstm_batch_first_last", kind: "lstm", cfg: nn.RecurrentConfig{InputSize: 5, HiddenSize: 7, BatchFirst: true, Last: true}, head: true, steps: 6, batch: 4},
	{name: "lstm_2_layers_bidirectional", kind: "lstm", cfg: nn.RecurrentConfig{InputSize: 3, HiddenSize: 4, NumLayers: 2, Bidirectional: true, BatchFirst: true, Dropout: 0.3}, steps: 5, batch: 3},
	{name: "lstm_2_layers_last_no_bias", kind: "lstm", cfg: nn.RecurrentConfig{InputSize: 3, HiddenSize: 4, NumLayers: 2, NoBias: true, Last: true}, steps: 5, batch: 2},
	{name: "gru", kind: "gru", cfg: nn.RecurrentConfig{InputSize: 4, HiddenSize: 5}, steps: 6, batch: 3},
	{name: "gru_bidirectional_last", kind: "gru", cfg: nn.RecurrentConfig{InputSize: 4, HiddenSize: 5, Bidirectional: true, BatchFirst: true, Last: true}, head: true, steps: 6, batch: 2},
	{name: "gru_2_layers_bidirectional_time_major", kind: "gru", cfg: nn.RecurrentConfig{InputSize: 3, HiddenSize: 4, NumLayers: 2, Bidirectional: true}, steps: 4, batch: 3},
	{name: "rnn_3_layers_batch_first", kind: "rnn", cfg: nn.RecurrentConfig{InputSize: 3, HiddenSize: 4, NumLayers: 3, BatchFirst: true}, steps: 4, batch: 2},
}

// TestRecurrentRoundTrip exports RNNs, LSTMs and GRUs, one ONNX operator
// per layer, and imports them again: the imported graph gives baeum's
// outputs to 1e-6, its parameters are the ONNX operators' W, R and B, and
// ONNX Runtime gives the same outputs to 1e-5. Every other case is
// written in opset 13, the oldest Export writes, the rest in 17.
func TestRecurrentRoundTrip(t *testing.T) {
	for i, c := range recurrentCases {
		t.Run(c.name, func(t *testing.T) {
			m := c.build(uint64(i + 1))
			b, err := onnx.Marshal(m, c.example(), onnx.Options{Opset: []int{17, 13}[i%2]})
			if err != nil {
				t.Fatal(err)
			}
			im, err := onnx.ImportBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			op := strings.ToUpper(c.kind)
			if !slices.Contains(im.Operators(), op) {
				t.Errorf("operators %v have no %s", im.Operators(), op)
			}
			var names []string
			for _, p := range im.Params() {
				names = append(names, p.Name)
			}
			if want := exportedParamNames(nn.Params(m)); !slices.Equal(names, want) {
				t.Errorf("imported parameters %v, want %v", names, want)
			}
			x := randomInput(uint64(20+i), c.first(), c.example())
			want := forward(m, x)
			got := forward(im, x)
			if !tensor.EqualShapes(got.Shape(), want.Shape()) {
				t.Fatalf("imported output of shape %v, baeum's %v", got.Shape(), want.Shape())
			}
			if err := closeTo(got.F32(), want.F32(), 1e-6); err != nil {
				t.Fatalf("import against baeum: %v", err)
			}
			ort, dims := ortRun(t, b, x)
			if !tensor.EqualShapes(dims, want.Shape()) {
				t.Fatalf("ONNX Runtime's output has shape %v, baeum's %v", dims, want.Shape())
			}
			if err := closeTo(ort, want.F32(), 1e-5); err != nil {
				t.Fatalf("ONNX Runtime against baeum: %v", err)
			}
		})
	}
}

// TestRecurrentImportTrains checks that gradients reach an imported
// network's parameters in ONNX's layout: each block of W, R and B gets
// the gradient of the native layer's parameter block it came from. A
// training step later, ONNX Runtime agrees with the fine-tuned import
// exported again.
func TestRecurrentImportTrains(t *testing.T) {
	for i, c := range []recurrentCase{recurrentCases[5], recurrentCases[9], recurrentCases[2]} {
		t.Run(c.name, func(t *testing.T) {
			m := c.build(uint64(40 + i))
			b, err := onnx.Marshal(m, c.example(), onnx.Options{})
			if err != nil {
				t.Fatal(err)
			}
			im, err := onnx.ImportBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			x := randomInput(uint64(50+i), c.first(), c.example())
			shape := forward(m, x).Shape()
			weights := randomInput(uint64(60+i), shape[0], shape[1:])
			loss := func(mod nn.Module) {
				nn.ZeroGrad(mod)
				g := autograd.NewGraph()
				y := mod.Forward(g, g.Input(x))
				g.Sum(g.Mul(y, g.Input(weights))).Backward()
			}
			loss(m)
			loss(im)
			native := map[string]*tensor.Tensor{}
			for _, p := range nn.Params(m) {
				native[p.Name] = p.Value.Grad()
			}
			gates := map[string][]int{"rnn": {0}, "lstm": {0, 3, 1, 2}, "gru": {1, 0, 2}}[c.kind]
			d := 1
			if c.cfg.Bidirectional {
				d = 2
			}
			h := c.cfg.HiddenSize
			checked := 0
			for _, p := range im.Params() {
				kind, layer, _ := strings.Cut(p.Name[strings.LastIndexByte(p.Name, '.')+1:], "_l")
				if p.Value.Grad() == nil {
					t.Fatalf("%s has no gradient", p.Name)
				}
				got := p.Value.Grad().F32()
				for k := range d {
					sfx := "_l" + layer
					if k == 1 {
						sfx += "_reverse"
					}
					var parts []*tensor.Tensor
					switch kind {
					case "W":
						parts = []*tensor.Tensor{native["weight_ih"+sfx]}
					case "R":
						parts = []*tensor.Tensor{native["weight_hh"+sfx]}
					case "B":
						parts = []*tensor.Tensor{native["bias_ih"+sfx], native["bias_hh"+sfx]}
					}
					var want []float32
					for _, nt := range parts {
						cols := nt.Len() / (len(gates) * h)
						for _, j := range gates {
							want = append(want, nt.F32()[j*h*cols:(j+1)*h*cols]...)
						}
					}
					n := len(want)
					if err := closeTo(got[k*n:(k+1)*n], want, 1e-5); err != nil {
						t.Fatalf("gradient of %s, direction %d: %v", p.Name, k, err)
					}
					checked++
				}
			}
			if checked != 3*d*max(c.cfg.NumLayers, 1) {
				t.Fatalf("checked %d gradients", checked)
			}
			opt, err := optim.NewSGD(im.Params(), optim.SGDConfig{LR: 0.1})
			if err != nil {
				t.Fatal(err)
			}
			before := forward(im, x)
			opt.Step()
			after := forward(im, x)
			if closeTo(after.F32(), before.F32(), 1e-4) == nil {
				t.Fatal("a training step changed nothing")
			}
			tuned, err := onnx.Marshal(im, nil, onnx.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ort, _ := ortRun(t, tuned, x)
			if err := closeTo(ort, after.F32(), 1e-5); err != nil {
				t.Fatalf("ONNX Runtime on the tuned import: %v", err)
			}
		})
	}
}

// exportedParamNames returns the names of the parameters that an import
// of ps's export has: checkpoint names, except that each recurrent
// layer's weight_ih_l{k}, weight_hh_l{k} and biases (of both directions)
// are that layer's W_l{k}, R_l{k} and B_l{k} in ONNX's layout.
func exportedParamNames(ps []nn.Param) []string {
	var out []string
	for _, p := range ps {
		path, name := "", p.Name
		if i := strings.LastIndexByte(p.Name, '.'); i >= 0 {
			path, name = p.Name[:i+1], p.Name[i+1:]
		}
		kind, layer, ok := strings.Cut(name, "_l")
		switch {
		case !ok:
			out = append(out, p.Name)
		case strings.HasSuffix(layer, "_reverse") || kind == "bias_hh":
			// In the layer's W, R or B.
		case kind == "weight_ih":
			out = append(out, path+"W_l"+layer)
		case kind == "weight_hh":
			out = append(out, path+"R_l"+layer)
		case kind == "bias_ih":
			out = append(out, path+"B_l"+layer)
		default:
			out = append(out, p.Name)
		}
	}
	return out
}

// rnnGraph builds a model of one RNN, LSTM or GRU node on the input X
// (float, of the given shape), with the other inputs as initializers
// (nil for one left out) and the node's output number out as the graph's
// output.
func rnnGraph(op string, xShape []int, inits []*pb.TensorProto, nodeOuts int, out int, attrs ...*pb.AttributeProto) []byte {
	in := []string{"X"}
	g := &pb.GraphProto{Name: proto.String("rnn")}
	for i, tp := range inits {
		if tp == nil {
			in = append(in, "")
			continue
		}
		name := fmt.Sprintf("in%d", i+1)
		tp.Name = proto.String(name)
		g.Initializer = append(g.Initializer, tp)
		in = append(in, name)
	}
	for len(in) > 1 && in[len(in)-1] == "" {
		in = in[:len(in)-1]
	}
	outs := make([]string, nodeOuts)
	for i := range outs {
		outs[i] = []string{"Y", "Y_h", "Y_c"}[i]
	}
	g.Node = []*pb.NodeProto{{OpType: proto.String(op), Name: proto.String("rnn"), Input: in, Output: outs, Attribute: attrs}}
	vi := func(name string, shape []int) *pb.ValueInfoProto {
		var dims []*pb.TensorShapeProto_Dimension
		for _, d := range shape {
			dims = append(dims, &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
		}
		return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(pb.TensorProto_FLOAT)), Shape: &pb.TensorShapeProto{Dim: dims}}}}}
	}
	g.Input = []*pb.ValueInfoProto{vi("X", xShape)}
	g.Output = []*pb.ValueInfoProto{{Name: proto.String(outs[out]), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
		ElemType: proto.Int32(int32(pb.TensorProto_FLOAT))}}}}}
	mp := &pb.ModelProto{IrVersion: proto.Int64(8), OpsetImport: []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(14)}}, Graph: g}
	b, err := proto.Marshal(mp)
	if err != nil {
		panic(err)
	}
	return b
}

// floats is a FLOAT initializer of random numbers, N(0, scale²).
func floats(seed uint64, scale float64, shape ...int) *pb.TensorProto {
	t := randomInput(seed, 1, shape)
	dims := make([]int64, len(shape))
	for i, d := range shape {
		dims[i] = int64(d)
	}
	v := make([]float32, t.Len())
	for i, f := range t.F32() {
		v[i] = float32(float64(f) * scale)
	}
	return &pb.TensorProto{DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), Dims: dims, FloatData: v}
}

// permuted returns a FLOAT initializer of floats with its axes reordered.
func permuted(tp *pb.TensorProto, axes ...int) *pb.TensorProto {
	shape := make([]int, len(tp.GetDims()))
	for i, d := range tp.GetDims() {
		shape[i] = int(d)
	}
	p := tensor.Permute(tensor.FromFloat32(slices.Clone(tp.GetFloatData()), shape...), axes...)
	dims := make([]int64, p.Dims())
	for i, d := range p.Shape() {
		dims[i] = int64(d)
	}
	return &pb.TensorProto{DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), Dims: dims, FloatData: p.F32()}
}

func int32s(v ...int32) *pb.TensorProto {
	return &pb.TensorProto{DataType: proto.Int32(int32(pb.TensorProto_INT32)), Dims: []int64{int64(len(v))}, Int32Data: v}
}

func str(name, v string) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

func integer(name string, v int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

// TestRecurrentImportAgainstONNXRuntime builds single RNN, LSTM and GRU
// nodes with what ONNX's own test cases leave out — the reverse and
// bidirectional directions, sequence_lens, initial states, layout 1 and
// the GRU of linear_before_reset 0 and 1 — and checks every output
// (Y, Y_h, Y_c) of baeum's import against ONNX Runtime's, to 1e-5.
func TestRecurrentImportAgainstONNXRuntime(t *testing.T) {
	const tt, n, in, h = 5, 3, 4, 3
	type node struct {
		name   string
		op     string
		dir    string
		layout int
		lbr    int
		bias   bool
		lens   bool
		init   bool
		relu   bool
	}
	nodes := []node{
		{name: "rnn_reverse", op: "RNN", dir: "reverse", bias: true},
		{name: "rnn_relu_bidirectional_lens_init", op: "RNN", dir: "bidirectional", bias: true, lens: true, init: true, relu: true},
		{name: "lstm_forward_init_layout1", op: "LSTM", dir: "forward", layout: 1, bias: true, init: true},
		{name: "lstm_reverse_lens", op: "LSTM", dir: "reverse", bias: true, lens: true},
		{name: "lstm_bidirectional_lens_init_layout1", op: "LSTM", dir: "bidirectional", layout: 1, bias: true, lens: true, init: true},
		{name: "gru_early_reset_bidirectional_lens_init", op: "GRU", dir: "bidirectional", bias: true, lens: true, init: true},
		{name: "gru_early_reset_reverse_layout1", op: "GRU", dir: "reverse", layout: 1, bias: true},
		{name: "gru_late_reset_bidirectional_lens_init_layout1", op: "GRU", dir: "bidirectional", layout: 1, lbr: 1, bias: true, lens: true, init: true},
		{name: "gru_late_reset_reverse_no_bias", op: "GRU", dir: "reverse", lbr: 1},
	}
	for i, c := range nodes {
		t.Run(c.name, func(t *testing.T) {
			gates := map[string]int{"RNN": 1, "LSTM": 4, "GRU": 3}[c.op]
			d := 1
			if c.dir == "bidirectional" {
				d = 2
			}
			seed := uint64(100 * (i + 1))
			inits := []*pb.TensorProto{floats(seed+1, 0.5, d, gates*h, in), floats(seed+2, 0.5, d, gates*h, h), nil, nil, nil, nil}
			if c.bias {
				inits[2] = floats(seed+3, 0.5, d, 2*gates*h)
			}
			if c.lens {
				inits[3] = int32s(tt, 2, 4)
			}
			xShape := []int{tt, n, in}
			state := []int{d, n, h}
			if c.layout == 1 {
				xShape, state = []int{n, tt, in}, []int{n, d, h}
			}
			if c.init {
				inits[4] = floats(seed+4, 1, state...)
				if c.op == "LSTM" {
					inits[5] = floats(seed+5, 1, state...)
				}
			}
			attrs := []*pb.AttributeProto{str("direction", c.dir), integer("hidden_size", h)}
			if c.layout == 1 {
				attrs = append(attrs, integer("layout", 1))
			}
			if c.op == "GRU" {
				attrs = append(attrs, integer("linear_before_reset", int64(c.lbr)))
			}
			if c.relu {
				acts := &pb.AttributeProto{Name: proto.String("activations"), Type: pb.AttributeProto_STRINGS.Enum()}
				for range d {
					acts.Strings = append(acts.Strings, []byte("Relu"))
				}
				attrs = append(attrs, acts)
			}
			outs := 2
			if c.op == "LSTM" {
				outs = 3
			}
			x := randomInput(seed+6, xShape[0], xShape[1:])
			// ONNX Runtime refuses layout 1 ("batchwise recurrent
			// operations are not supported"): it runs the same node in
			// layout 0 on transposed inputs, and its outputs are
			// transposed back.
			ref, refX, refAttrs := inits, x, attrs
			if c.layout == 1 {
				ref = slices.Clone(inits)
				for k := 4; k < 6; k++ {
					if ref[k] != nil {
						ref[k] = permuted(inits[k], 1, 0, 2)
					}
				}
				refX = tensor.Permute(x, 1, 0, 2)
				refAttrs = slices.DeleteFunc(slices.Clone(attrs), func(a *pb.AttributeProto) bool { return a.GetName() == "layout" })
			}
			for k := range outs {
				b := rnnGraph(c.op, xShape, inits, outs, k, attrs...)
				im, err := onnx.ImportBytes(b)
				if err != nil {
					t.Fatal(err)
				}
				got := forward(im, x)
				rb := rnnGraph(c.op, refX.Shape(), ref, outs, k, refAttrs...)
				want, dims := ortRun(t, rb, refX)
				if c.layout == 1 {
					w := tensor.FromFloat32(want, dims...)
					if k == 0 {
						w = tensor.Permute(w, 2, 0, 1, 3) // (T, D, N, H) to (N, T, D, H)
					} else {
						w = tensor.Permute(w, 1, 0, 2) // (D, N, H) to (N, D, H)
					}
					want, dims = w.F32(), w.Shape()
				}
				if !tensor.EqualShapes(got.Shape(), dims) {
					t.Fatalf("output %d: baeum's shape %v, ONNX Runtime's %v", k, got.Shape(), dims)
				}
				if err := closeTo(got.F32(), want, 1e-5); err != nil {
					t.Fatalf("output %d: baeum against ONNX Runtime: %v", k, err)
				}
			}
		})
	}
}

// TestRecurrentImportRefusals names what baeum's recurrent import does
// not compute.
func TestRecurrentImportRefusals(t *testing.T) {
	w, r := floats(1, 1, 1, 12, 2), floats(2, 1, 1, 12, 3)
	strs := func(name string, v ...string) *pb.AttributeProto {
		a := &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_STRINGS.Enum()}
		for _, s := range v {
			a.Strings = append(a.Strings, []byte(s))
		}
		return a
	}
	for _, c := range []struct {
		name  string
		op    string
		inits []*pb.TensorProto
		attrs []*pb.AttributeProto
		want  string
	}{
		{"peepholes", "LSTM", []*pb.TensorProto{w, r, nil, nil, nil, nil, floats(3, 1, 1, 9)}, nil, "peepholes (input P) are not supported"},
		{"clip", "LSTM", []*pb.TensorProto{w, r}, []*pb.AttributeProto{{Name: proto.String("clip"), Type: pb.AttributeProto_FLOAT.Enum(), F: proto.Float32(1)}}, `"clip" (cell clipping) is not supported`},
		{"input_forget", "LSTM", []*pb.TensorProto{w, r}, []*pb.AttributeProto{integer("input_forget", 1)}, "input_forget 1 (coupled input and forget gates) is not supported"},
		{"lstm_activations", "LSTM", []*pb.TensorProto{w, r}, []*pb.AttributeProto{strs("activations", "HardSigmoid", "Tanh", "Tanh")}, "are not supported (only the defaults"},
		{"rnn_sigmoid", "RNN", []*pb.TensorProto{floats(1, 1, 1, 3, 2), floats(2, 1, 1, 3, 3)}, []*pb.AttributeProto{strs("activations", "Sigmoid")}, `activation "Sigmoid" is not supported (Tanh or Relu)`},
		{"activation_alpha", "RNN", []*pb.TensorProto{floats(1, 1, 1, 3, 2), floats(2, 1, 1, 3, 3)}, []*pb.AttributeProto{{Name: proto.String("activation_alpha"), Type: pb.AttributeProto_FLOATS.Enum(), Floats: []float32{0.5}}}, `"activation_alpha" is not supported`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := onnx.ImportBytes(rnnGraph(c.op, []int{2, 1, 2}, c.inits, 2, 1, c.attrs...))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.op) {
				t.Fatalf("got %v, want an error naming %s and saying %q", err, c.op, c.want)
			}
		})
	}
}

// TestRecurrentONNXCasesEveryOutput runs ONNX's own RNN, LSTM and GRU
// cases on every output they give, not only the first (which is what
// TestONNXNodeCases compares): Y and Y_h where a case has both.
func TestRecurrentONNXCasesEveryOutput(t *testing.T) {
	const dir = "/usr/share/libonnx-testdata/data/node"
	cases, _ := filepath.Glob(filepath.Join(dir, "test_*"))
	ran := 0
	for _, c := range cases {
		name := filepath.Base(c)
		if !strings.Contains(name, "rnn") && !strings.Contains(name, "lstm") && !strings.Contains(name, "gru") || name == "test_lstm_with_peepholes" {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(c, "model.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		mp := &pb.ModelProto{}
		if err := proto.Unmarshal(raw, mp); err != nil {
			t.Fatal(err)
		}
		set := filepath.Join(c, "test_data_set_0")
		read := func(file string) *pb.TensorProto {
			b, err := os.ReadFile(filepath.Join(set, file))
			if err != nil {
				t.Fatal(err)
			}
			tp := &pb.TensorProto{}
			if err := proto.Unmarshal(b, tp); err != nil {
				t.Fatal(err)
			}
			return tp
		}
		g := mp.GetGraph()
		for k := range g.GetOutput() {
			m := proto.Clone(mp).(*pb.ModelProto)
			mg := m.GetGraph()
			for i := 1; i < len(mg.GetInput()); i++ {
				tp := read(fmt.Sprintf("input_%d.pb", i))
				tp.Name = proto.String(mg.GetInput()[i].GetName())
				mg.Initializer = append(mg.Initializer, tp)
			}
			mg.Input = mg.Input[:1]
			mg.Output = mg.Output[k : k+1]
			b, err := proto.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			im, err := onnx.ImportBytes(b)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			x, want := tensorOf(t, read("input_0.pb")), tensorOf(t, read(fmt.Sprintf("output_%d.pb", k)))
			got := forward(im, x)
			if !tensor.EqualShapes(got.Shape(), want.Shape()) {
				t.Fatalf("%s output %d: shape %v, want %v", name, k, got.Shape(), want.Shape())
			}
			if err := closeTo(got.F32(), want.F32(), 1e-5); err != nil {
				t.Fatalf("%s output %d: %v", name, k, err)
			}
			ran++
		}
	}
	if len(cases) == 0 {
		t.Skipf("ONNX's test cases are not installed in %s (TestONNXNodeCases says how)", dir)
	}
	if ran != 14 {
		t.Fatalf("checked %d outputs of ONNX's recurrent cases, want 14", ran)
	}
}

// tensorOf decodes a FLOAT TensorProto of ONNX's test data.
func tensorOf(t *testing.T, tp *pb.TensorProto) *tensor.Tensor {
	t.Helper()
	if pb.TensorProto_DataType(tp.GetDataType()) != pb.TensorProto_FLOAT {
		t.Fatalf("tensor %q is %v, want FLOAT", tp.GetName(), pb.TensorProto_DataType(tp.GetDataType()))
	}
	v := slices.Clone(tp.GetFloatData())
	if raw := tp.GetRawData(); len(raw) > 0 {
		v = make([]float32, len(raw)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	}
	shape := make([]int, len(tp.GetDims()))
	for i, d := range tp.GetDims() {
		shape[i] = int(d)
	}
	return tensor.FromFloat32(v, shape...)
}

// TestImportPyTorchLSTMGradients imports PyTorch's LSTM classifier (two
// LSTM nodes, a Gather of the last step and a Gemm) and checks the
// gradients of its parameters, W, R and B in ONNX's layout included,
// against central differences of the loss.
func TestImportPyTorchLSTMGradients(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "torch_fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	var f torchFixture
	if err := json.Unmarshal(all["lstm"], &f); err != nil {
		t.Fatal(err)
	}
	m, err := onnx.ImportFile(filepath.Join("testdata", f.File))
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.FromFloat32(f.Input, f.InputShape...)
	w := randomInput(5, f.OutputShape[0], f.OutputShape[1:])
	loss := func() float64 {
		g := autograd.NewGraph()
		l := g.Sum(g.Mul(m.Forward(g, g.Input(x)), g.Input(w)))
		nn.ZeroGrad(m)
		l.Backward()
		return l.Item()
	}
	loss()
	grads := map[string][]float32{}
	for _, p := range m.Params() {
		grads[p.Name] = slices.Clone(p.Value.Grad().F32())
	}
	if len(grads) != 8 {
		t.Fatalf("parameters %v: want the Gemm's two and each LSTM's W, R and B", slices.Sorted(maps.Keys(grads)))
	}
	const eps = 1e-2
	for _, p := range m.Params() {
		d := p.Value.Data().F32()
		for _, i := range []int{0, len(d) / 3, len(d) / 2, len(d) - 1} {
			v := d[i]
			d[i] = v + eps
			up := loss()
			d[i] = v - eps
			down := loss()
			d[i] = v
			num, got := (up-down)/(2*eps), float64(grads[p.Name][i])
			if math.Abs(num-got) > 1e-3+1e-2*math.Abs(num) {
				t.Errorf("%s[%d]: gradient %v, central difference %v", p.Name, i, got, num)
			}
		}
	}
}
