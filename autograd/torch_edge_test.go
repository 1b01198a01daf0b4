package autograd_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// The edge cases of issue #13 (point 4), against PyTorch 1.13: gradients
// of powers at a zero base, NaN through ReLU, ELU, max pooling and Max,
// and ELU's gradient far below zero. testdata/torch_edge.json comes from
// testdata/make_edge_fixtures.py, whose doc comment says what PyTorch does
// in each case and why.

// edgeNum is a number of torch_edge.json, where NaN and ±Inf are the
// strings "nan", "inf" and "-inf".
type edgeNum float64

func (n *edgeNum) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"nan"`:
		*n = edgeNum(math.NaN())
	case `"inf"`:
		*n = edgeNum(math.Inf(1))
	case `"-inf"`:
		*n = edgeNum(math.Inf(-1))
	default:
		return json.Unmarshal(b, (*float64)(n))
	}
	return nil
}

type edgeResult struct {
	Out      []edgeNum            `json:"out"`
	OutShape []int                `json:"out_shape"`
	Grads    map[string][]edgeNum `json:"grads"`
}

type edgeCase struct {
	Name    string               `json:"name"`
	Op      string               `json:"op"`
	Params  map[string]float64   `json:"params"`
	Inputs  map[string][]edgeNum `json:"inputs"`
	Shapes  map[string][]int     `json:"shapes"`
	Float64 edgeResult           `json:"float64"`
	Float32 edgeResult           `json:"float32"`
}

// edgeTol is how close a result must be to PyTorch's: NaN must be NaN,
// ±Inf the same infinity, and a finite value within rtol·|want| (so 0
// must be exactly 0).
type edgeTol struct{ rtol32, rtol64 float64 }

// edgeOps builds each op of the fixtures from the inputs (in the
// fixture's order of names) and the case's parameters, and states its
// tolerance. Ops that pick or pass values (ReLU, pooling, Max) must match
// exactly. Powers and ELU allow a few units in the last place: PyTorch
// computes float32 in float32. For ELU far below zero, rtol 1e-6 (float32)
// and 1e-14 (float64) hold for α·eˣ but not for α + elu(x), which has
// lost all its digits by x = -15 in float32 and x = -30 in float64.
var edgeOps = map[string]struct {
	inputs []string
	build  func(g *autograd.Graph, in []*autograd.Value, p map[string]float64) *autograd.Value
	tol    edgeTol
}{
	"pow": {[]string{"x", "y"}, func(g *autograd.Graph, in []*autograd.Value, p map[string]float64) *autograd.Value {
		return g.Pow(in[0], in[1])
	}, edgeTol{1e-6, 1e-14}},
	"pow_scalar": {[]string{"x"}, func(g *autograd.Graph, in []*autograd.Value, p map[string]float64) *autograd.Value {
		return g.PowScalar(in[0], p["exponent"])
	}, edgeTol{1e-6, 1e-14}},
	"relu": {[]string{"x"}, func(g *autograd.Graph, in []*autograd.Value, p map[string]float64) *autograd.Value {
		return g.ReLU(in[0])
	}, edgeTol{0, 0}},
	"elu": {[]string{"x"}, func(g *autograd.Graph, in []*autograd.Value, p map[string]float64) *autograd.Value {
		return g.ELU(in[0], p["alpha"])
	}, edgeTol{1e-6, 1e-14}},
	"maxpool2d": {[]string{"x"}, func(g *autograd.Graph, in []*autograd.Value, p map[string]float64) *autograd.Value {
		return g.MaxPool2D(in[0], int(p["kernel"]), int(p["stride"]))
	}, edgeTol{0, 0}},
	"max": {[]string{"x"}, func(g *autograd.Graph, in []*autograd.Value, p map[string]float64) *autograd.Value {
		return g.Max(in[0], int(p["axis"]))
	}, edgeTol{0, 0}},
}

func TestTorchEdgeCases(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "torch_edge.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Torch string     `json:"torch"`
		Cases []edgeCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatalf("testdata/torch_edge.json: %v", err)
	}
	if len(fx.Cases) < 30 {
		t.Fatalf("only %d cases in testdata/torch_edge.json", len(fx.Cases))
	}
	for _, c := range fx.Cases {
		op, ok := edgeOps[c.Op]
		if !ok {
			t.Fatalf("case %q: unknown op %q", c.Name, c.Op)
		}
		for _, dtype := range []tensor.DType{tensor.Float64, tensor.Float32} {
			want, rtol := c.Float64, op.tol.rtol64
			if dtype == tensor.Float32 {
				want, rtol = c.Float32, op.tol.rtol32
			}
			t.Run(c.Name+"/"+dtype.String(), func(t *testing.T) {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				g := autograd.NewGraph()
				var in []*autograd.Value
				for _, name := range op.inputs {
					in = append(in, g.Var(edgeTensor(dtype, c.Inputs[name], c.Shapes[name])))
				}
				out := op.build(g, in, c.Params)
				g.Sum(out).Backward()
				if !slices.Equal(out.Data().Shape(), want.OutShape) {
					t.Fatalf("output shape %v, PyTorch %v", out.Data().Shape(), want.OutShape)
				}
				checkEdge(t, "output", out.Data(), want.Out, rtol)
				for i, name := range op.inputs {
					checkEdge(t, "gradient for "+name, in[i].Grad(), want.Grads[name], rtol)
				}
			})
		}
	}
}

// edgeTensor makes a tensor of the given dtype from fixture numbers, which
// float32 holds exactly.
func edgeTensor(dtype tensor.DType, v []edgeNum, shape []int) *tensor.Tensor {
	if dtype == tensor.Float32 {
		d := make([]float32, len(v))
		for i, x := range v {
			d[i] = float32(x)
		}
		return tensor.FromFloat32(d, shape...)
	}
	d := make([]float64, len(v))
	for i, x := range v {
		d[i] = float64(x)
	}
	return tensor.FromFloat64(d, shape...)
}

func checkEdge(t *testing.T, what string, got *tensor.Tensor, want []edgeNum, rtol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: none, PyTorch %v", what, fmtEdge(want))
		return
	}
	if got.Len() != len(want) {
		t.Errorf("%s: %d elements, PyTorch %d", what, got.Len(), len(want))
		return
	}
	bad := 0
	for i, w := range want {
		g, w := got.Flat(i), float64(w)
		var ok bool
		switch {
		case math.IsNaN(w):
			ok = math.IsNaN(g)
		case math.IsInf(w, 0):
			ok = g == w
		default:
			ok = math.Abs(g-w) <= rtol*math.Abs(w)
		}
		if !ok {
			if bad++; bad <= 8 {
				t.Errorf("%s[%d] = %.9g, PyTorch %.9g (rtol %g)", what, i, g, w, rtol)
			}
		}
	}
	if bad > 8 {
		t.Errorf("%s: %d elements wrong in all", what, bad)
	}
}

func fmtEdge(v []edgeNum) string {
	s := "["
	for i, x := range v {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprint(float64(x))
	}
	return s + "]"
}
