package autograd

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// The losses' options against PyTorch 1.13: testdata/loss_options.json
// comes from testdata/loss_options_fixture.py, whose doc comment lists the
// cases and how each reference is computed.

// lossNum is a number of loss_options.json, where NaN and ±Inf are the
// strings "nan", "inf" and "-inf".
type lossNum float64

func (n *lossNum) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"nan"`:
		*n = lossNum(math.NaN())
	case `"inf"`:
		*n = lossNum(math.Inf(1))
	case `"-inf"`:
		*n = lossNum(math.Inf(-1))
	default:
		return json.Unmarshal(b, (*float64)(n))
	}
	return nil
}

func lossNums(v []lossNum) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

type lossResult struct {
	Out   []lossNum            `json:"out"`
	Grads map[string][]lossNum `json:"grads"`
}

type lossCase struct {
	Name           string               `json:"name"`
	Op             string               `json:"op"`
	Reduction      string               `json:"reduction"`
	Inputs         map[string][]lossNum `json:"inputs"`
	Shapes         map[string][]int     `json:"shapes"`
	Formula        bool                 `json:"formula"`
	FormulaWeight  bool                 `json:"formula_weight"`
	GradIndex      []int                `json:"grad_index"`
	Labels         []int64              `json:"labels"`
	Weight         []float64            `json:"weight"`
	LabelSmoothing float64              `json:"label_smoothing"`
	IgnoreIndex    *int64               `json:"ignore_index"`
	PosWeight      []float64            `json:"pos_weight"`
	Mask           []lossNum            `json:"mask"`
	MaskShape      []int                `json:"mask_shape"`
	Gout           []lossNum            `json:"gout"`
	Float64        lossResult           `json:"float64"`
	Float32        lossResult           `json:"float32"`
}

// formulaLogits and formulaWeights repeat the fixture script's rules for
// its big (C = 1000) inputs, exactly.
func formulaLogits(n, c int) []float64 {
	x := make([]float64, 0, n*c)
	for i := 0; i < n; i++ {
		for k := 0; k < c; k++ {
			x = append(x, float64((i*7919+k*104729+13)%8191)/1024-4)
		}
	}
	return x
}

func formulaWeights(c int) []float64 {
	w := make([]float64, c)
	for k := range w {
		w[k] = 0.25 + float64((k*37+5)%101)/64
	}
	return w
}

func parseReduction(t *testing.T, s string) Reduction {
	switch s {
	case "mean":
		return ReduceMean
	case "sum":
		return ReduceSum
	case "none":
		return ReduceNone
	}
	t.Fatalf("unknown reduction %q", s)
	return 0
}

func loadLossCases(t *testing.T) []lossCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "loss_options.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Torch string     `json:"torch"`
		Cases []lossCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatalf("testdata/loss_options.json: %v", err)
	}
	if len(fx.Cases) < 40 {
		t.Fatalf("only %d cases in testdata/loss_options.json", len(fx.Cases))
	}
	return fx.Cases
}

// lossClose reports whether got is PyTorch's want: NaN for NaN, the same
// infinity, and otherwise within rtol of |want| or, for elements near 0,
// of a hundredth of the largest |want| of their array (floor), which
// forgives float32 cancellation in PyTorch's own arithmetic.
func lossClose(got, want, rtol, floor float64) bool {
	switch {
	case math.IsNaN(want):
		return math.IsNaN(got)
	case math.IsInf(want, 0):
		return got == want
	}
	return math.Abs(got-want) <= rtol*math.Max(math.Abs(want), floor)
}

func checkLossNums(t *testing.T, what string, got []float64, want []lossNum, rtol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d numbers, PyTorch has %d", what, len(got), len(want))
	}
	var big float64
	for _, w := range want {
		if !math.IsNaN(float64(w)) && !math.IsInf(float64(w), 0) {
			big = math.Max(big, math.Abs(float64(w)))
		}
	}
	bad := 0
	for i, w := range want {
		if !lossClose(got[i], float64(w), rtol, big/100) {
			if bad < 5 {
				t.Errorf("%s[%d] = %.10g, PyTorch %.10g", what, i, got[i], float64(w))
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d numbers differ in all", what, bad)
	}
}

// buildLoss makes the case's loss in dtype from its inputs, returning the
// loss and the parameters whose gradients PyTorch recorded, by name.
func buildLoss(t *testing.T, g *Graph, c *lossCase, dtype tensor.DType) (*Value, map[string]*Value) {
	t.Helper()
	param := func(name string, data []float64, shape []int) *Value {
		return NewParam(name, tensor.FromFloat64(data, shape...).To(dtype))
	}
	var mask *tensor.Tensor
	if c.Mask != nil {
		mask = tensor.FromFloat64(lossNums(c.Mask), c.MaskShape...).To(dtype)
	}
	red := parseReduction(t, c.Reduction)
	switch c.Op {
	case "cross_entropy":
		data := lossNums(c.Inputs["x"])
		if c.Formula {
			data = formulaLogits(c.Shapes["x"][0], c.Shapes["x"][1])
		}
		x := param("x", data, c.Shapes["x"])
		o := CrossEntropyOptions{Weight: c.Weight, LabelSmoothing: c.LabelSmoothing}
		if c.FormulaWeight {
			o.Weight = formulaWeights(c.Shapes["x"][1])
		}
		if c.IgnoreIndex != nil {
			o.IgnoreIndex, o.UseIgnoreIndex = *c.IgnoreIndex, true
		}
		return g.CrossEntropyWith(x, c.Labels, o, red), map[string]*Value{"x": x}
	case "bce_with_logits", "mse_masked":
		x := param("x", lossNums(c.Inputs["x"]), c.Shapes["x"])
		y := param("y", lossNums(c.Inputs["y"]), c.Shapes["y"])
		ps := map[string]*Value{"x": x, "y": y}
		if c.Op == "mse_masked" {
			return g.MSELossMasked(x, y, mask), ps
		}
		return g.BCEWithLogitsWith(x, y, BCEOptions{PosWeight: c.PosWeight, Mask: mask}, red), ps
	}
	t.Fatalf("unknown op %q", c.Op)
	return nil, nil
}

func TestLossOptionsAgainstTorch(t *testing.T) {
	for _, c := range loadLossCases(t) {
		for _, dtype := range []tensor.DType{tensor.Float64, tensor.Float32} {
			want, rtol := c.Float64, 1e-6
			if dtype == tensor.Float32 {
				want, rtol = c.Float32, 1e-5
			}
			t.Run(c.Name+"/"+dtype.String(), func(t *testing.T) {
				g := NewGraph()
				loss, params := buildLoss(t, g, &c, dtype)
				checkLossNums(t, "loss", loss.Data().Float64s(), want.Out, rtol)
				gout := tensor.FromFloat64(lossNums(c.Gout), loss.Shape()...).To(dtype)
				g.Sum(g.Mul(loss, g.Input(gout))).Backward()
				for name, w := range want.Grads {
					p := params[name]
					if p.Grad() == nil {
						t.Fatalf("no gradient for %s", name)
					}
					got := p.Grad().Float64s()
					if c.GradIndex != nil {
						picked := make([]float64, len(c.GradIndex))
						for i, j := range c.GradIndex {
							picked[i] = got[j]
						}
						got = picked
					}
					checkLossNums(t, "d/d"+name, got, w, rtol)
				}
			})
		}
	}
}

func TestGradCheckLossOptions(t *testing.T) {
	logits := randParam(41, "logits", -2, 2, 6, 4)
	w4 := []float64{0.5, 2, 1.25, 3}
	labels := []int64{0, 3, 1, 2, 2, 1}
	padded := []int64{0, -100, 1, 2, -100, 3}
	withOne := []int64{1, 3, 1, 0, 2, 1} // class 1 is the ignored label below
	ignore1 := CrossEntropyOptions{IgnoreIndex: 1, UseIgnoreIndex: true}
	all := CrossEntropyOptions{Weight: w4, LabelSmoothing: 0.2, IgnoreIndex: 1, UseIgnoreIndex: true}
	ceCases := []struct {
		name   string
		labels []int64
		o      CrossEntropyOptions
	}{
		{"plain", labels, CrossEntropyOptions{}},
		{"weight", labels, CrossEntropyOptions{Weight: w4}},
		{"smoothing", labels, CrossEntropyOptions{LabelSmoothing: 0.1}},
		{"smoothing 1", labels, CrossEntropyOptions{LabelSmoothing: 1}},
		{"weight smoothing", labels, CrossEntropyOptions{Weight: w4, LabelSmoothing: 0.3}},
		{"default ignore", padded, CrossEntropyOptions{}},
		{"weight smoothing default ignore", padded, CrossEntropyOptions{Weight: w4, LabelSmoothing: 0.25}},
		{"ignore class 1", withOne, ignore1},
		{"weight smoothing ignore class 1", withOne, all},
	}
	type check struct {
		name string
		f    func(g *Graph) *Value
		wrt  []*Value
	}
	var checks []check
	for _, cc := range ceCases {
		for _, red := range []Reduction{ReduceMean, ReduceSum, ReduceNone} {
			checks = append(checks, check{"cross entropy " + cc.name + " " + red.String(), func(g *Graph) *Value {
				return weighted(g, g.CrossEntropyWith(logits, cc.labels, cc.o, red))
			}, []*Value{logits}})
		}
	}
	x := randParam(42, "x", -3, 3, 3, 4)
	y := randParam(43, "y", 0, 1, 3, 4)
	x3 := randParam(44, "x3", -3, 3, 2, 3, 4)
	y3 := randParam(45, "y3", 0, 1, 2, 3, 4)
	m := tensor.FromFloat64([]float64{1, 1, 0, 1, 0, 0, 0, 0, 1, 0.5, 2, 1}, 3, 4)
	rows := tensor.FromFloat64([]float64{1, 0, 1}, 3, 1)
	steps := tensor.FromFloat64([]float64{1, 1, 0, 1, 0, 0}, 2, 3)
	pw := []float64{1, 2.5, 0.5, 4}
	bceCases := []struct {
		name string
		x, y *Value
		o    BCEOptions
	}{
		{"plain", x, y, BCEOptions{}},
		{"pos weight", x, y, BCEOptions{PosWeight: pw}},
		{"mask", x, y, BCEOptions{Mask: m}},
		{"pos weight mask", x, y, BCEOptions{PosWeight: pw, Mask: m}},
		{"row mask", x, y, BCEOptions{PosWeight: pw, Mask: rows}},
		{"step mask", x3, y3, BCEOptions{PosWeight: pw, Mask: steps}},
	}
	for _, bc := range bceCases {
		for _, red := range []Reduction{ReduceMean, ReduceSum, ReduceNone} {
			checks = append(checks, check{"bce with logits " + bc.name + " " + red.String(), func(g *Graph) *Value {
				return weighted(g, g.BCEWithLogitsWith(bc.x, bc.y, bc.o, red))
			}, []*Value{bc.x, bc.y}})
		}
	}
	checks = append(checks,
		check{"bce with logits masked", func(g *Graph) *Value { return g.BCEWithLogitsMasked(x, y, m) }, []*Value{x, y}},
		check{"mse masked 0/1", func(g *Graph) *Value {
			return g.MSELossMasked(x, y, tensor.FromFloat64([]float64{1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1}, 3, 4))
		}, []*Value{x, y}},
		check{"mse masked weights", func(g *Graph) *Value { return g.MSELossMasked(x, y, m) }, []*Value{x, y}},
		check{"mse masked rows", func(g *Graph) *Value { return g.MSELossMasked(x, y, rows) }, []*Value{x, y}},
		check{"mse masked steps", func(g *Graph) *Value { return g.MSELossMasked(x3, y3, steps) }, []*Value{x3, y3}},
		check{"mse masked nil", func(g *Graph) *Value { return g.MSELossMasked(x3, y3, nil) }, []*Value{x3, y3}},
	)
	for _, tt := range checks {
		t.Run(tt.name, func(t *testing.T) {
			res := GradCheck(tt.f, tt.wrt...)
			if res.MaxError > gradTol || math.IsNaN(res.MaxError) {
				t.Errorf("%s", res)
			}
		})
	}
}

// TestCrossEntropyWithPlainIsCrossEntropy: with no options the new loss is
// the old one, to the bit, in value and gradient.
func TestCrossEntropyWithPlainIsCrossEntropy(t *testing.T) {
	for _, dtype := range []tensor.DType{tensor.Float64, tensor.Float32} {
		for _, red := range []Reduction{ReduceMean, ReduceSum} {
			data := tensor.RandNormal(tensor.NewRNG(7), dtype, 0, 3, 5, 7)
			a, b := NewParam("a", data.Clone()), NewParam("b", data.Clone())
			g := NewGraph()
			la := g.CrossEntropy(a, []int{6, 0, 3, 3, 1}, red)
			lb := g.CrossEntropyWith(b, []int64{6, 0, 3, 3, 1}, CrossEntropyOptions{}, red)
			la.Backward()
			lb.Backward()
			if la.Item() != lb.Item() {
				t.Errorf("%v %v: CrossEntropy %v, CrossEntropyWith %v", dtype, red, la.Item(), lb.Item())
			}
			if !tensor.AllClose(a.Grad(), b.Grad(), 0, 0) {
				t.Errorf("%v %v: gradients differ:\n%v\n%v", dtype, red, a.Grad(), b.Grad())
			}
		}
	}
}

// TestCrossEntropyWithByHand checks the formula on numbers worked out by
// hand, independently of PyTorch: uniform logits over 4 classes make every
// log-probability -ln 4, so each row's loss is ln 4 times (1-ε)·w[t] +
// (ε/4)·Σw, and the mean divides by Σ w[t] over the rows kept.
func TestCrossEntropyWithByHand(t *testing.T) {
	g := NewGraph()
	x := g.Input(tensor.New(tensor.Float64, 3, 4))
	w := []float64{1, 2, 3, 4} // Σw = 10
	o := CrossEntropyOptions{Weight: w, LabelSmoothing: 0.5}
	labels := []int64{1, -100, 3}
	ln4 := math.Log(4)
	row := func(t int) float64 { return ln4 * (0.5*w[t] + 0.125*10) }
	none := g.CrossEntropyWith(x, labels, o, ReduceNone)
	for i, want := range []float64{row(1), 0, row(3)} {
		if got := none.Data().Flat(i); math.Abs(got-want) > 1e-12 {
			t.Errorf("row %d: loss %v, want %v", i, got, want)
		}
	}
	if got, want := g.CrossEntropyWith(x, labels, o, ReduceSum).Item(), row(1)+row(3); math.Abs(got-want) > 1e-12 {
		t.Errorf("sum %v, want %v", got, want)
	}
	if got, want := g.CrossEntropyWith(x, labels, o, ReduceMean).Item(), (row(1)+row(3))/(w[1]+w[3]); math.Abs(got-want) > 1e-12 {
		t.Errorf("mean %v, want %v (divided by the kept rows' weights, 6)", got, want)
	}
	if got := g.CrossEntropyWith(x, []int64{-100, -100, -100}, o, ReduceMean).Item(); !math.IsNaN(got) {
		t.Errorf("mean over ignored rows only = %v, want NaN as in PyTorch", got)
	}
	if got := g.CrossEntropyWith(x, []int64{-100, -100, -100}, o, ReduceSum).Item(); got != 0 {
		t.Errorf("sum over ignored rows only = %v, want 0", got)
	}
}

func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestLossOptionsPanics(t *testing.T) {
	x := NewConst("x", tensor.New(tensor.Float64, 3, 5))
	x3 := NewConst("x3", tensor.New(tensor.Float64, 2, 3, 4))
	tests := []struct {
		name string
		f    func(g *Graph)
		want []string // the message must hold each
	}{
		{"label above range", func(g *Graph) {
			g.CrossEntropyWith(x, []int64{0, 4, 7}, CrossEntropyOptions{}, ReduceMean)
		}, []string{"label 7", "row 2", "0..4", "-100"}},
		{"negative label", func(g *Graph) {
			g.CrossEntropyWith(x, []int64{-3, 0, 0}, CrossEntropyOptions{}, ReduceSum)
		}, []string{"label -3", "row 0"}},
		{"-100 when another label is ignored", func(g *Graph) {
			g.CrossEntropyWith(x, []int64{1, -100, 0}, CrossEntropyOptions{IgnoreIndex: 0, UseIgnoreIndex: true}, ReduceMean)
		}, []string{"label -100", "row 1", "ignore index 0"}},
		{"label C", func(g *Graph) {
			g.CrossEntropyWith(x, []int64{5, 0, 0}, CrossEntropyOptions{}, ReduceNone)
		}, []string{"label 5", "row 0"}},
		{"too few labels", func(g *Graph) {
			g.CrossEntropyWith(x, []int64{0, 1}, CrossEntropyOptions{}, ReduceMean)
		}, []string{"2 labels for 3 rows"}},
		{"weights per class", func(g *Graph) {
			g.CrossEntropyWith(x, []int64{0, 1, 2}, CrossEntropyOptions{Weight: []float64{1, 2}}, ReduceMean)
		}, []string{"2 class weights for 5 classes"}},
		{"smoothing above 1", func(g *Graph) {
			g.CrossEntropyWith(x, []int64{0, 1, 2}, CrossEntropyOptions{LabelSmoothing: 1.5}, ReduceMean)
		}, []string{"label smoothing 1.5"}},
		{"smoothing NaN", func(g *Graph) {
			g.CrossEntropyWith(x, []int64{0, 1, 2}, CrossEntropyOptions{LabelSmoothing: math.NaN()}, ReduceMean)
		}, []string{"label smoothing NaN"}},
		{"mask shape", func(g *Graph) {
			g.MSELossMasked(x3, x3, tensor.New(tensor.Float64, 3, 2))
		}, []string{"mask shape [3 2]", "[2 3 4]"}},
		{"mask dtype", func(g *Graph) {
			g.BCEWithLogitsMasked(x3, x3, tensor.New(tensor.Float32, 2, 3))
		}, []string{"mask of dtype float32"}},
		{"pos weight per column", func(g *Graph) {
			g.BCEWithLogitsWith(x3, x3, BCEOptions{PosWeight: []float64{1, 2, 3}}, ReduceMean)
		}, []string{"3 positive weights", "[2 3 4]"}},
		{"none for a scalar loss", func(g *Graph) { g.MSELoss(x, x, ReduceNone) }, []string{"mse_loss", "ReduceNone"}},
		{"none for cross entropy", func(g *Graph) { g.CrossEntropy(x, []int{0, 1, 2}, ReduceNone) }, []string{"cross_entropy", "CrossEntropyWith"}},
		{"none for bce with logits", func(g *Graph) { g.BCEWithLogitsLoss(x, x, ReduceNone) }, []string{"bce_with_logits", "BCEWithLogitsWith"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := panicMessage(func() { tt.f(NewGraph()) })
			if msg == "" {
				t.Fatal("did not panic")
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("panic %q does not say %q", msg, w)
				}
			}
		})
	}
	// The ignored label and PyTorch's default do not panic.
	g := NewGraph()
	g.CrossEntropyWith(x, []int64{-100, 4, 0}, CrossEntropyOptions{}, ReduceMean)
	g.CrossEntropyWith(x, []int64{-1, 4, 0}, CrossEntropyOptions{IgnoreIndex: -1, UseIgnoreIndex: true}, ReduceMean)
	g.CrossEntropyWith(x, []int64{0, 1, 2}, CrossEntropyOptions{LabelSmoothing: 1}, ReduceMean)
}

func TestMasksOfOnesAreThePlainMeans(t *testing.T) {
	for _, dtype := range []tensor.DType{tensor.Float64, tensor.Float32} {
		rng := tensor.NewRNG(3)
		x := NewParam("x", tensor.RandNormal(rng, dtype, 0, 2, 2, 3, 4))
		y := NewParam("y", tensor.RandUniform(rng, dtype, 0, 1, 2, 3, 4))
		ones := tensor.Ones(dtype, 2, 3)
		g := NewGraph()
		pairs := []struct {
			name         string
			plain, extra *Value
		}{
			{"mse", g.MSELoss(x, y, ReduceMean), g.MSELossMasked(x, y, ones)},
			{"bce", g.BCEWithLogitsLoss(x, y, ReduceMean), g.BCEWithLogitsMasked(x, y, ones)},
			{"bce options", g.BCEWithLogitsLoss(x, y, ReduceSum), g.BCEWithLogitsWith(x, y, BCEOptions{PosWeight: []float64{1, 1, 1, 1}}, ReduceSum)},
		}
		for _, p := range pairs {
			a, b := p.plain.Item(), p.extra.Item()
			if math.Abs(a-b) > 1e-6*math.Abs(a) {
				t.Errorf("%v %s: plain %v, with a neutral option %v", dtype, p.name, a, b)
			}
		}
		// A mask that drops half the steps is not the plain mean.
		half := tensor.FromFloat64([]float64{1, 1, 1, 0, 0, 0}, 2, 3).To(dtype)
		if a, b := g.MSELoss(x, y, ReduceMean).Item(), g.MSELossMasked(x, y, half).Item(); a == b {
			t.Errorf("%v: a mask that drops steps changes nothing (%v)", dtype, a)
		}
	}
}

func TestReductionString(t *testing.T) {
	for r, want := range map[Reduction]string{ReduceMean: "mean", ReduceSum: "sum", ReduceNone: "none"} {
		if r.String() != want {
			t.Errorf("%d.String() = %q, want %q", r, r.String(), want)
		}
	}
}

// TestLossOptionsWarmStepAllocations: a warm step of each loss, plain or
// with options, allocates nothing. (The plain MSE and BCE with logits are
// the options' ops with no options, so comparing the two alone would pass
// whatever they allocate.)
func TestLossOptionsWarmStepAllocations(t *testing.T) {
	rng := tensor.NewRNG(5)
	logits := NewParam("logits", tensor.RandNormal(rng, tensor.Float32, 0, 1, 8, 1000))
	x := NewParam("x", tensor.RandNormal(rng, tensor.Float32, 0, 1, 8, 6, 3))
	y := NewParam("y", tensor.RandUniform(rng, tensor.Float32, 0, 1, 8, 6, 3))
	mask := tensor.Ones(tensor.Float32, 8, 6)
	labels := []int{3, 999, 0, 5, 5, 17, 400, 2}
	labels64 := []int64{3, 999, -100, 5, 5, 17, 400, 2}
	w := make([]float64, 1000)
	for i := range w {
		w[i] = 1 + float64(i%3)
	}
	o := CrossEntropyOptions{Weight: w, LabelSmoothing: 0.1}
	pw := []float64{2, 1, 0.5}
	g := NewGraph()
	allocs := func(step func()) float64 {
		step()
		g.Reset()
		return testing.AllocsPerRun(20, func() { step(); g.Reset() })
	}
	pairs := []struct {
		name        string
		plain, with func()
	}{
		{"cross entropy", func() { g.CrossEntropy(logits, labels, ReduceMean).Backward() }, func() {
			g.CrossEntropyWith(logits, labels64, o, ReduceMean).Backward()
			g.Sum(g.CrossEntropyWith(logits, labels64, o, ReduceNone)).Backward()
		}},
		{"mse", func() { g.MSELoss(x, y, ReduceMean).Backward() }, func() { g.MSELossMasked(x, y, mask).Backward() }},
		{"bce with logits", func() { g.BCEWithLogitsLoss(x, y, ReduceMean).Backward() }, func() {
			g.BCEWithLogitsWith(x, y, BCEOptions{PosWeight: pw, Mask: mask}, ReduceMean).Backward()
			g.Sum(g.BCEWithLogitsWith(x, y, BCEOptions{PosWeight: pw}, ReduceNone)).Backward()
		}},
	}
	for _, p := range pairs {
		a, b := allocs(p.plain), allocs(p.with)
		t.Logf("%s: %v allocations per warm step with options, %v without", p.name, b, a)
		if a != 0 || b != 0 {
			t.Errorf("%s: a warm step allocates %v times with options, %v without; want 0", p.name, b, a)
		}
	}
}
