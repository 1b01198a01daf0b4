package nn

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// basicBlock is ResNet's basic block written as its own container, with
// torchvision's names (the package documentation's example).
type basicBlock struct {
	conv1, bn1, conv2, bn2 Module
	down                   Module // nil when the shapes match
}

func newBasicBlock(rng *rand.Rand, in, out, stride int) *basicBlock {
	b := &basicBlock{conv1: NewConv2D(rng, in, out, 3, stride, 1), bn1: NewBatchNorm2d(out),
		conv2: NewConv2D(rng, out, out, 3, 1, 1), bn2: NewBatchNorm2d(out)}
	if stride != 1 || in != out {
		b.down = Sequence(NewConv2D(rng, in, out, 1, stride, 0), NewBatchNorm2d(out))
	}
	return b
}

func (b *basicBlock) Children() []Named {
	c := []Named{{"conv1", b.conv1}, {"bn1", b.bn1}, {"conv2", b.conv2}, {"bn2", b.bn2}}
	if b.down != nil {
		c = append(c, Named{"downsample", b.down})
	}
	return c
}

func (b *basicBlock) Params() []Param { return Params(b) }

func (b *basicBlock) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	y := g.ReLU(Call(g, "bn1", b.bn1, Call(g, "conv1", b.conv1, x)))
	y = Call(g, "bn2", b.bn2, Call(g, "conv2", b.conv2, y))
	if b.down != nil {
		x = Call(g, "downsample", b.down, x)
	}
	return g.ReLU(g.Add(y, x))
}

// forgetful is a container whose Params method forgets its child: the
// mistake that made a child neither trained nor saved when containers
// listed their children twice. Every walk reads Children instead.
type forgetful struct{ inner Module }

func (f forgetful) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return Call(g, "inner", f.inner, x)
}
func (forgetful) Params() []Param     { return nil }
func (f forgetful) Children() []Named { return []Named{{"inner", f.inner}} }

// scaled is a container that owns a parameter directly: y = alpha·body(x).
type scaled struct {
	alpha *autograd.Value
	body  Module
}

func (s *scaled) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Mul(Call(g, "body", s.body, x), s.alpha)
}
func (s *scaled) Params() []Param      { return Params(s) }
func (s *scaled) Children() []Named    { return []Named{{"body", s.body}} }
func (s *scaled) LocalParams() []Param { return []Param{{Name: "alpha", Value: s.alpha, Role: Scale}} }

// wrapper presents another module as itself, as models.Model does.
type wrapper struct{ Module }

func (w wrapper) Children() []Named { return []Named{{"", w.Module}} }

// cell is a recurrent cell, a MultiModule of two inputs: h′ = tanh(x·Wᵀ +
// h·Uᵀ + b).
type cell struct{ w, u, b *autograd.Value }

func newCell(rng *rand.Rand, in, hidden int) *cell {
	c := &cell{w: newParam("weight_ih", hidden, in), u: newParam("weight_hh", hidden, hidden), b: newParam("bias", hidden)}
	for _, p := range []*autograd.Value{c.w, c.u, c.b} {
		uniform(rng, p.Data(), 0.5)
	}
	return c
}

func (c *cell) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return ForwardOne(g, c, x)
}

func (c *cell) ForwardN(g *autograd.Graph, xs []*autograd.Value) []*autograd.Value {
	if len(xs) != 2 {
		panic(fmt.Sprintf("cell takes (x, h), got %d inputs", len(xs)))
	}
	return []*autograd.Value{g.Tanh(g.Add(g.Linear(xs[0], c.w, c.b), g.Linear(xs[1], c.u, nil)))}
}

func (c *cell) Params() []Param {
	return []Param{{Name: "weight_ih", Value: c.w, Role: Weight}, {Name: "weight_hh", Value: c.u, Role: RecurrentWeight}, {Name: "bias", Value: c.b, Role: Bias}}
}

func paramNames(ps []Param) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Name)
	}
	return strings.Join(s, " ")
}

func TestParamAndBufferNames(t *testing.T) {
	rng := tensor.NewRNG(1)
	bn := NewBatchNorm1d(3)
	tests := []struct {
		name            string
		m               Module
		params, buffers string
		roles           string // roles of the parameters, in order
	}{
		{"chain", Sequence(NewLinear(rng, 2, 3), ReLU{}, NewLinear(rng, 3, 1)), "0.weight 0.bias 2.weight 2.bias", "", "weight bias weight bias"},
		{"residual, identity shortcut", NewResidual(Sequence(NewLinear(rng, 3, 3), Tanh{}), nil), "body.0.weight body.0.bias", "", "weight bias"},
		{"residual, projection shortcut",
			NewResidual(Sequence(NewConv2D(rng, 2, 4, 3, 2, 1), NewBatchNorm2d(4)), Sequence(NewConv2D(rng, 2, 4, 1, 2, 0), NewBatchNorm2d(4))),
			"body.0.weight body.0.bias body.1.weight body.1.bias shortcut.0.weight shortcut.0.bias shortcut.1.weight shortcut.1.bias",
			"body.1.running_mean body.1.running_var body.1.num_batches_tracked shortcut.1.running_mean shortcut.1.running_var shortcut.1.num_batches_tracked",
			"weight bias scale shift weight bias scale shift"},
		{"branches", NewBranches(Concat{Axis: 1}, Named{"a", NewLinear(rng, 2, 3)}, Named{"b", Sequence(Tanh{}, NewLinear(rng, 2, 1))}),
			"a.weight a.bias b.1.weight b.1.bias", "", "weight bias weight bias"},
		{"parallel then add", Sequence(NewParallel(Named{"img", NewLinear(rng, 4, 2)}, Named{"vec", NewLinear(rng, 3, 2)}), Add{}),
			"0.img.weight 0.img.bias 0.vec.weight 0.vec.bias", "", "weight bias weight bias"},
		{"torchvision basic block", NewSequential(Named{"layer1", Sequence(newBasicBlock(rng, 2, 4, 2))}),
			"layer1.0.conv1.weight layer1.0.conv1.bias layer1.0.bn1.weight layer1.0.bn1.bias layer1.0.conv2.weight layer1.0.conv2.bias layer1.0.bn2.weight layer1.0.bn2.bias layer1.0.downsample.0.weight layer1.0.downsample.0.bias layer1.0.downsample.1.weight layer1.0.downsample.1.bias",
			"layer1.0.bn1.running_mean layer1.0.bn1.running_var layer1.0.bn1.num_batches_tracked layer1.0.bn2.running_mean layer1.0.bn2.running_var layer1.0.bn2.num_batches_tracked layer1.0.downsample.1.running_mean layer1.0.downsample.1.running_var layer1.0.downsample.1.num_batches_tracked",
			"weight bias scale shift weight bias scale shift weight bias scale shift"},
		{"container whose Params forgets its child", NewSequential(Named{"f", forgetful{NewLinear(rng, 2, 2)}}), "f.inner.weight f.inner.bias", "", "weight bias"},
		{"container with its own parameter", NewSequential(Named{"s", &scaled{alpha: newParam("alpha", 1), body: NewLinear(rng, 2, 2)}}), "s.alpha s.body.weight s.body.bias", "", "scale weight bias"},
		{"transparent wrapper", wrapper{NewSequential(Named{"bn", bn})}, "bn.weight bn.bias", "bn.running_mean bn.running_var bn.num_batches_tracked", "scale shift"},
		{"multi-input leaf", NewSequential(Named{"rnn", newCell(rng, 3, 2)}), "rnn.weight_ih rnn.weight_hh rnn.bias", "", "weight recurrent weight bias"},
	}
	// The numbers of parameters, counted by hand from the layers' shapes.
	counts := map[string]int{
		"chain": 2*3 + 3 + 3*1 + 1, "residual, identity shortcut": 3*3 + 3,
		"residual, projection shortcut": (4*2*9 + 4) + 8 + (4*2 + 4) + 8,
		"branches":                      (2*3 + 3) + (2*1 + 1), "parallel then add": (4*2 + 2) + (3*2 + 2),
		"torchvision basic block":                  (4*2*9 + 4) + 8 + (4*4*9 + 4) + 8 + (4*2 + 4) + 8,
		"container whose Params forgets its child": 2*2 + 2, "container with its own parameter": 1 + 2*2 + 2,
		"transparent wrapper": 3 + 3, "multi-input leaf": 2*3 + 2*2 + 2,
	}
	for _, tt := range tests {
		ps := Params(tt.m)
		if got := paramNames(ps); got != tt.params {
			t.Errorf("%s: parameters\n got %s\nwant %s", tt.name, got, tt.params)
		}
		if got := paramNames(tt.m.Params()); got != tt.params && tt.name != "container whose Params forgets its child" {
			t.Errorf("%s: the Params method gives %s, the walk %s", tt.name, got, tt.params)
		}
		var roles []string
		for _, p := range ps {
			roles = append(roles, p.Role.String())
		}
		if got := strings.Join(roles, " "); got != tt.roles {
			t.Errorf("%s: roles %s, want %s", tt.name, got, tt.roles)
		}
		var bufs []string
		for _, b := range Buffers(tt.m) {
			bufs = append(bufs, b.Name)
		}
		if got := strings.Join(bufs, " "); got != tt.buffers {
			t.Errorf("%s: buffers\n got %s\nwant %s", tt.name, got, tt.buffers)
		}
		if c := CountParams(tt.m); c != counts[tt.name] {
			t.Errorf("%s: CountParams %d, want %d", tt.name, c, counts[tt.name])
		}
	}
}

func TestWalkPaths(t *testing.T) {
	rng := tensor.NewRNG(1)
	m := NewSequential(
		Named{"block", NewResidual(Sequence(NewLinear(rng, 2, 2), ReLU{}), NewLinear(rng, 2, 2))},
		Named{"w", wrapper{Sequence(Tanh{})}},
	)
	var got []string
	Walk(m, func(path string, m Module) { got = append(got, fmt.Sprintf("%s:%s", path, typeName(m))) })
	want := ":Sequential block:Residual block.body:Sequential block.body.0:Linear block.body.1:ReLU block.shortcut:Linear w:wrapper w:Sequential w.0:Tanh"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("walk\n got %s\nwant %s", s, want)
	}
}

func TestStructuralMistakesPanic(t *testing.T) {
	rng := tensor.NewRNG(1)
	tests := []struct {
		name, want string
		f          func()
	}{
		{"repeated child name", "repeated", func() { NewSequential(Named{"a", Tanh{}}, Named{"a", ReLU{}}) }},
		{"dotted child name", "dotted", func() { NewBranches(Add{}, Named{"a.b", Tanh{}}) }},
		{"nil child", "nil", func() { NewParallel(Named{"a", nil}) }},
		{"no branches", "at least one", func() { NewBranches(Add{}) }},
		{"residual without body", "body", func() { NewResidual(nil, nil) }},
		{"own parameter not in LocalParams", `"gain"`, func() {
			NewSequential(Named{"h", hoarder{newParam("gain", 1), NewLinear(rng, 1, 1)}})
		}},
		{"two transparent children with the same names", `"weight"`, func() {
			Params(wrapperPair{NewLinear(rng, 1, 1), NewLinear(rng, 1, 1)})
		}},
	}
	for _, tt := range tests {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), tt.want) {
					t.Errorf("%s: panic %v, want one mentioning %s", tt.name, r, tt.want)
				}
			}()
			tt.f()
		}()
	}
}

// wrapperPair has two transparent children, whose names collide.
type wrapperPair struct{ a, b Module }

func (w wrapperPair) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return x }
func (w wrapperPair) Params() []Param                                              { return Params(w) }
func (w wrapperPair) Children() []Named                                            { return []Named{{"", w.a}, {"", w.b}} }

// gradCheckN checks a module of several inputs and outputs in float64:
// the gradients of Σᵢ sum(yᵢ·rᵢ) with respect to every input and
// parameter.
func gradCheckN(t *testing.T, name string, m Module, training bool, shapes ...[]int) {
	t.Helper()
	Convert(m, tensor.Float64)
	var wrt, xs []*autograd.Value
	for i, s := range shapes {
		x := autograd.NewParam(fmt.Sprint("x", i), tensor.RandUniform(tensor.NewRNG(uint64(7+i)), tensor.Float64, -1, 1, s...))
		xs = append(xs, x)
		wrt = append(wrt, x)
	}
	for _, p := range Params(m) {
		wrt = append(wrt, p.Value)
	}
	var rs []*tensor.Tensor
	res := autograd.GradCheck(func(g *autograd.Graph) *autograd.Value {
		g.Training = training
		ys := CallN(g, name, m, xs)
		var loss *autograd.Value
		for i, y := range ys {
			if len(rs) <= i {
				rs = append(rs, tensor.RandUniform(tensor.NewRNG(uint64(20+i)), tensor.Float64, -1, 1, y.Shape()...))
			}
			term := g.Sum(g.Mul(y, g.Input(rs[i])))
			if loss == nil {
				loss = term
			} else {
				loss = g.Add(loss, term)
			}
		}
		return loss
	}, wrt...)
	if res.MaxError > 1e-6 {
		t.Errorf("%s: %s", name, res)
	}
	if len(wrt) == len(shapes) {
		t.Errorf("%s: no parameters were checked", name)
	}
}

func TestContainerGradients(t *testing.T) {
	rng := tensor.NewRNG(3)
	tests := []struct {
		name     string
		m        Module
		training bool
		inputs   [][]int
	}{
		{"residual, identity", NewResidual(Sequence(NewLinear(rng, 4, 4), Tanh{}, NewLinear(rng, 4, 4)), nil), true, [][]int{{3, 4}}},
		{"residual, projection with batch norm", NewResidual(
			Sequence(NewConv2D(rng, 2, 3, 3, 2, 1), NewBatchNorm2d(3), ReLU{}, NewConv2D(rng, 3, 3, 3, 1, 1)),
			Sequence(NewConv2D(rng, 2, 3, 1, 2, 0), NewBatchNorm2d(3))), true, [][]int{{2, 2, 5, 5}}},
		{"residual in inference", NewResidual(Sequence(NewConv2D(rng, 2, 2, 3, 1, 1), NewBatchNorm2d(2)), nil), false, [][]int{{2, 2, 4, 4}}},
		{"branches joined by concat on channels", NewBranches(Concat{Axis: 1},
			Named{"a", NewConv2D(rng, 2, 1, 1, 1, 0)}, Named{"b", Sequence(NewConv2D(rng, 2, 3, 3, 1, 1), Tanh{})}), true, [][]int{{2, 2, 4, 4}}},
		{"branches joined by add", NewBranches(Add{},
			Named{"a", NewLinear(rng, 3, 2)}, Named{"b", Sequence(NewLinear(rng, 3, 2), Sigmoid{})}, Named{"id", Sequence(NewLinear(rng, 3, 2))}), true, [][]int{{4, 3}}},
		{"fork: branches without a join", NewBranches(nil, Named{"a", NewLinear(rng, 3, 2)}, Named{"b", Sequence(NewLinear(rng, 3, 4), Tanh{})}), true, [][]int{{2, 3}}},
		{"two inputs: parallel, concat, head", Sequence(
			NewParallel(Named{"img", Sequence(NewConv2D(rng, 1, 2, 3, 1, 0), Flatten{})}, Named{"vec", NewLinear(rng, 3, 4)}),
			Concat{Axis: 1}, NewLinear(rng, 8, 2)), true, [][]int{{2, 1, 3, 4}, {2, 3}}},
		{"recurrent cell", Sequence(newCell(rng, 3, 2)), true, [][]int{{2, 3}, {2, 2}}},
		{"custom block with torchvision names", newBasicBlock(rng, 2, 3, 2), true, [][]int{{2, 2, 4, 4}}},
		{"container with its own parameter", &scaled{alpha: autograd.NewParam("alpha", tensor.FromFloat64([]float64{0.7}, 1)), body: NewLinear(rng, 3, 3)}, true, [][]int{{2, 3}}},
	}
	for _, tt := range tests {
		gradCheckN(t, tt.name, tt.m, tt.training, tt.inputs...)
	}
}

func TestResidualShapeMismatchPanics(t *testing.T) {
	rng := tensor.NewRNG(1)
	for _, tt := range []struct {
		r    *Residual
		want string
	}{
		{NewResidual(NewLinear(rng, 3, 4), nil), "projection shortcut"},
		{NewResidual(NewLinear(rng, 3, 4), NewLinear(rng, 3, 5)), "[2 5]"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tt.want) || !strings.Contains(fmt.Sprint(r), "[2 4]") {
					t.Errorf("%v: panic %v, want the shapes and %q", tt.r, r, tt.want)
				}
			}()
			g := autograd.NewInferenceGraph()
			tt.r.Forward(g, g.Input(tensor.New(tensor.Float32, 2, 3)))
		}()
	}
}

func TestMultiModuleAdapters(t *testing.T) {
	rng := tensor.NewRNG(1)
	g := autograd.NewInferenceGraph()
	x := g.Input(tensor.Ones(tensor.Float32, 2, 3))
	lin := NewLinear(rng, 3, 2)
	tests := []struct {
		name  string
		f     func() []*autograd.Value
		want  [][]int // output shapes; nil: must panic with panicWant
		panic string
	}{
		{"CallN runs a plain module on one input", func() []*autograd.Value { return CallN(g, "l", lin, []*autograd.Value{x}) }, [][]int{{2, 2}}, ""},
		{"CallN refuses two inputs for a plain module", func() []*autograd.Value { return CallN(g, "l", lin, []*autograd.Value{x, x}) }, nil, "takes one input, got 2"},
		{"fork gives every output", func() []*autograd.Value {
			return NewBranches(nil, Named{"a", lin}, Named{"b", Tanh{}}).ForwardN(g, []*autograd.Value{x})
		}, [][]int{{2, 2}, {2, 3}}, ""},
		{"fork's Forward refuses two outputs", func() []*autograd.Value {
			return []*autograd.Value{NewBranches(nil, Named{"a", lin}, Named{"b", Tanh{}}).Forward(g, x)}
		}, nil, "2 outputs for one input"},
		{"Parallel needs one input per child", func() []*autograd.Value {
			return NewParallel(Named{"a", lin}, Named{"b", Tanh{}}).ForwardN(g, []*autograd.Value{x})
		}, nil, "2 modules got 1 inputs"},
		{"Add refuses different shapes", func() []*autograd.Value { return Add{}.ForwardN(g, []*autograd.Value{x, lin.Forward(g, x)}) }, nil, "[[2 3] [2 2]]"},
		{"Add of one value is the value", func() []*autograd.Value { return []*autograd.Value{Add{}.Forward(g, x)} }, [][]int{{2, 3}}, ""},
		{"Sequential passes slices on", func() []*autograd.Value {
			return Sequence(NewParallel(Named{"a", lin}, Named{"b", Tanh{}}), Concat{Axis: 1}).ForwardN(g, []*autograd.Value{x, x})
		}, [][]int{{2, 5}}, ""},
	}
	for _, tt := range tests {
		func() {
			defer func() {
				r := recover()
				if tt.want == nil {
					if r == nil || !strings.Contains(fmt.Sprint(r), tt.panic) {
						t.Errorf("%s: panic %v, want %q", tt.name, r, tt.panic)
					}
				} else if r != nil {
					t.Errorf("%s: panic %v", tt.name, r)
				}
			}()
			ys := tt.f()
			if len(ys) != len(tt.want) {
				t.Fatalf("%s: %d outputs, want %d", tt.name, len(ys), len(tt.want))
			}
			for i, y := range ys {
				if !tensor.EqualShapes(y.Shape(), tt.want[i]) {
					t.Errorf("%s: output %d has shape %v, want %v", tt.name, i, y.Shape(), tt.want[i])
				}
			}
		}()
	}
}

func TestRoleNames(t *testing.T) {
	for r, want := range map[Role]string{NoRole: "no role", Weight: "weight", RecurrentWeight: "recurrent weight", Bias: "bias", Scale: "scale", Shift: "shift", Other: "other", Role(99): "Role(99)"} {
		if got := r.String(); got != want {
			t.Errorf("Role %d is %q, want %q", r, got, want)
		}
	}
}

// TestContainerOutputs checks what the containers compute, against the
// same computation written out by hand.
func TestContainerOutputs(t *testing.T) {
	rng := tensor.NewRNG(4)
	a, b, p := NewLinear(rng, 3, 3), NewLinear(rng, 3, 2), NewLinear(rng, 3, 3)
	g := autograd.NewInferenceGraph()
	x := g.Input(tensor.RandNormal(rng, tensor.Float32, 0, 1, 4, 3))
	x2 := g.Input(tensor.RandNormal(rng, tensor.Float32, 0, 1, 4, 3))
	h := g.Input(tensor.RandNormal(rng, tensor.Float32, 0, 1, 4, 2))
	c := newCell(rng, 3, 2)
	tests := []struct {
		name      string
		got, want *autograd.Value
	}{
		{"residual", NewResidual(a, nil).Forward(g, x), g.Add(a.Forward(g, x), x)},
		{"residual with projection", NewResidual(a, p).Forward(g, x), g.Add(a.Forward(g, x), p.Forward(g, x))},
		{"branches, concat", NewBranches(Concat{Axis: 1}, Named{"a", a}, Named{"b", b}).Forward(g, x), g.Concat(1, a.Forward(g, x), b.Forward(g, x))},
		{"branches, add", NewBranches(Add{}, Named{"a", a}, Named{"p", p}, Named{"id", Sequence()}).Forward(g, x), g.Add(g.Add(a.Forward(g, x), p.Forward(g, x)), x)},
		{"parallel", NewParallel(Named{"a", a}, Named{"b", b}).ForwardN(g, []*autograd.Value{x, x2})[1], b.Forward(g, x2)},
		{"cell", Sequence(c).ForwardN(g, []*autograd.Value{x, h})[0], g.Tanh(g.Add(g.Linear(x, c.w, c.b), g.Linear(h, c.u, nil)))},
	}
	for _, tt := range tests {
		if !tensor.EqualShapes(tt.got.Shape(), tt.want.Shape()) {
			t.Errorf("%s: shape %v, want %v", tt.name, tt.got.Shape(), tt.want.Shape())
			continue
		}
		for i := 0; i < tt.want.Data().Len(); i++ {
			if g, w := tt.got.Data().Flat(i), tt.want.Data().Flat(i); g != w {
				t.Errorf("%s: element %d is %v, want %v", tt.name, i, g, w)
				break
			}
		}
	}
}

// smallResNet is a stem, a residual block with a projection shortcut,
// Inception-style branches and a classifier, for 1×8×8 images.
func smallResNet() *Sequential {
	rng := tensor.NewRNG(5)
	return NewSequential(
		Named{"stem", NewConv2D(rng, 1, 4, 3, 1, 1)},
		Named{"block", NewResidual(
			Sequence(NewConv2D(rng, 4, 8, 3, 2, 1), NewBatchNorm2d(8), ReLU{}, NewConv2D(rng, 8, 8, 3, 1, 1)),
			Sequence(NewConv2D(rng, 4, 8, 1, 2, 0), NewBatchNorm2d(8)))},
		Named{"inc", NewBranches(Concat{Axis: 1}, Named{"a", NewConv2D(rng, 8, 2, 1, 1, 0)}, Named{"b", NewConv2D(rng, 8, 3, 3, 1, 1)})},
		Named{"flatten", Flatten{}},
		Named{"out", NewLinear(rng, 5*4*4, 3)},
	)
}

func TestSummaryOfResidualAndBranches(t *testing.T) {
	s := Summarize(smallResNet(), 2, 1, 8, 8)
	want := []SummaryRow{
		{Name: "stem", Layer: "Conv2D(1→4, 3×3, stride 1, pad 1)", Output: []int{2, 4, 8, 8}, Params: 40},
		{Name: "block", Layer: "Residual", Output: []int{2, 8, 4, 4}, Group: true},
		{Name: "block.body", Layer: "Sequential", Output: []int{2, 8, 4, 4}, Group: true},
		{Name: "block.body.0", Layer: "Conv2D(4→8, 3×3, stride 2, pad 1)", Output: []int{2, 8, 4, 4}, Params: 296},
		{Name: "block.body.1", Layer: "BatchNorm2d(8)", Output: []int{2, 8, 4, 4}, Params: 16},
		{Name: "block.body.2", Layer: "ReLU", Output: []int{2, 8, 4, 4}},
		{Name: "block.body.3", Layer: "Conv2D(8→8, 3×3, stride 1, pad 1)", Output: []int{2, 8, 4, 4}, Params: 584},
		{Name: "block.shortcut", Layer: "Sequential", Output: []int{2, 8, 4, 4}, Group: true},
		{Name: "block.shortcut.0", Layer: "Conv2D(4→8, 1×1, stride 2, pad 0)", Output: []int{2, 8, 4, 4}, Params: 40},
		{Name: "block.shortcut.1", Layer: "BatchNorm2d(8)", Output: []int{2, 8, 4, 4}, Params: 16},
		{Name: "inc", Layer: "Branches", Output: []int{2, 5, 4, 4}, Group: true},
		{Name: "inc.a", Layer: "Conv2D(8→2, 1×1, stride 1, pad 0)", Output: []int{2, 2, 4, 4}, Params: 18},
		{Name: "inc.b", Layer: "Conv2D(8→3, 3×3, stride 1, pad 1)", Output: []int{2, 3, 4, 4}, Params: 219},
		{Name: "flatten", Layer: "Flatten", Output: []int{2, 80}},
		{Name: "out", Layer: "Linear(80→3)", Output: []int{2, 3}, Params: 243},
	}
	if len(s.Rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(s.Rows), len(want), s)
	}
	sum := 0
	for i, w := range want {
		r := s.Rows[i]
		if r.Name != w.Name || r.Layer != w.Layer || !tensor.EqualShapes(r.Output, w.Output) || r.Params != w.Params || r.Group != w.Group {
			t.Errorf("row %d: %+v\nwant %+v", i, r, w)
		}
		sum += r.Params
	}
	if s.Total != 1472 || sum != s.Total || s.Buffers != 34 {
		t.Errorf("total %d, rows add up to %d, buffers %d; want 1,472 twice and 34", s.Total, sum, s.Buffers)
	}
	text := s.String()
	for _, w := range []string{
		"block             Residual                           (2, 8, 4, 4)               --\n",
		"inc.b             Conv2D(8→3, 3×3, stride 1, pad 1)  (2, 3, 4, 4)              219\n",
		"Total params: 1,472\n", "Buffers (running statistics): 34\n",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("summary text lacks %q:\n%s", w, text)
		}
	}
}

func TestSummaryOfSeveralInputsAndOutputs(t *testing.T) {
	rng := tensor.NewRNG(6)
	net := Sequence(
		NewParallel(Named{"img", Sequence(NewConv2D(rng, 1, 2, 3, 1, 0), Flatten{})}, Named{"vec", NewLinear(rng, 3, 4)}),
		NewBranches(nil, Named{"keep", Sequence()}, Named{"sum", Add{}}),
	)
	s := SummarizeN(net, []int{1, 1, 3, 4}, []int{1, 3})
	if len(s.Rows) != 8 {
		t.Errorf("%d rows, want 8:\n%s", len(s.Rows), s)
	}
	got := map[string]string{}
	for _, r := range s.Rows {
		got[r.Name] = fmt.Sprint(r.Outputs)
	}
	want := map[string]string{
		"0": "[[1 4] [1 4]]", "0.img": "[[1 4]]", "0.img.0": "[[1 2 1 2]]", "0.vec": "[[1 4]]",
		"1": "[[1 4] [1 4] [1 4]]", "1.keep": "[[1 4] [1 4]]", "1.sum": "[[1 4]]",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("row %q outputs %s, want %s", name, got[name], w)
		}
	}
	if text := s.String(); !strings.HasPrefix(text, "Inputs: (1, 1, 3, 4), (1, 3)\n") || !strings.Contains(text, "(1, 4), (1, 4), (1, 4)") {
		t.Errorf("summary text:\n%s", text)
	}
}

func TestSummaryOfOneLeaf(t *testing.T) {
	s := Summarize(NewLinear(tensor.NewRNG(1), 3, 2), 5, 3)
	if len(s.Rows) != 1 || s.Rows[0].Name != "" || s.Rows[0].Layer != "Linear(3→2)" || s.Rows[0].Params != 8 || !tensor.EqualShapes(s.Rows[0].Output, []int{5, 2}) {
		t.Errorf("rows %+v", s.Rows)
	}
}

// misnamed runs its child under a name that its Children does not list.
type misnamed struct{ inner Module }

func (m misnamed) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return Call(g, "typo", m.inner, x)
}
func (m misnamed) Params() []Param   { return Params(m) }
func (m misnamed) Children() []Named { return []Named{{"inner", m.inner}} }

func TestSummaryRefusesACallNameThatChildrenDoesNotList(t *testing.T) {
	m := misnamed{NewLinear(tensor.NewRNG(1), 3, 2)}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `"typo"`) {
			t.Errorf("panic %v, want one naming the child \"typo\"", r)
		}
	}()
	Summarize(m, 1, 3)
}

func TestSummaryRowsAddUpWithTheModelsOwnParameters(t *testing.T) {
	m := &scaled{alpha: newParam("alpha", 1), body: NewLinear(tensor.NewRNG(1), 3, 2)}
	s := Summarize(m, 5, 3)
	want := []SummaryRow{
		{Name: "", Layer: "scaled", Output: []int{5, 2}, Params: 1, Group: true},
		{Name: "body", Layer: "Linear(3→2)", Output: []int{5, 2}, Params: 8},
	}
	if len(s.Rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(s.Rows), len(want), s)
	}
	for i, w := range want {
		r := s.Rows[i]
		if r.Name != w.Name || r.Layer != w.Layer || !tensor.EqualShapes(r.Output, w.Output) || r.Params != w.Params || r.Group != w.Group {
			t.Errorf("row %d: %+v\nwant %+v", i, r, w)
		}
	}
	if s.Total != 9 {
		t.Errorf("total %d, want 9", s.Total)
	}
}

// hoarder holds a parameter of its own but lists it only in its Params
// method, not in LocalParams: the walk cannot see it.
type hoarder struct {
	gain  *autograd.Value
	inner Module
}

func (h hoarder) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Mul(Call(g, "inner", h.inner, x), h.gain)
}
func (h hoarder) Params() []Param {
	return append([]Param{{Name: "gain", Value: h.gain}}, Params(h)...)
}
func (h hoarder) Children() []Named { return []Named{{"inner", h.inner}} }
