package optim_test

import (
	"math"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// surface is a function of two variables to minimise, built from graph
// operations so that autograd computes its gradient.
type surface struct {
	name     string
	f        func(g *autograd.Graph, x, y *autograd.Value) *autograd.Value
	start    [2]float64
	min      [2]float64
	tol      float64 // distance from min that counts as arrived
	maxSteps int
}

// quadratic is f(x, y) = x²/20 + y²: a valley 20 times steeper across (y)
// than along (x), with curvatures 1/10 and 2.
var quadratic = surface{
	name: "quadratic",
	f: func(g *autograd.Graph, x, y *autograd.Value) *autograd.Value {
		return g.Add(g.MulScalar(g.Square(x), 1.0/20), g.Square(y))
	},
	start: [2]float64{-7, 2}, tol: 1e-3, maxSteps: 500,
}

// rosenbrock is (1-x)² + 100(y-x²)², whose minimum at (1, 1) lies at the
// end of a long, curved, flat-bottomed valley.
var rosenbrock = surface{
	name: "rosenbrock",
	f: func(g *autograd.Graph, x, y *autograd.Value) *autograd.Value {
		a := g.Square(g.AddScalar(g.Neg(x), 1))
		b := g.Square(g.Sub(y, g.Square(x)))
		return g.Add(a, g.MulScalar(b, 100))
	},
	start: [2]float64{-1.5, 2}, min: [2]float64{1, 1}, tol: 1e-2, maxSteps: 20000,
}

// descend runs opt on s from its start for at most maxSteps steps and
// returns the number of steps after which (x, y) first lay within s.tol of
// the minimum (0 if it never did) and where it ended.
func descend(t testing.TB, s surface, newOpt func([]nn.Param) (optim.Optimizer, error), maxSteps int) (int, [2]float64) {
	t.Helper()
	x := autograd.NewParam("x", tensor.FromFloat64([]float64{s.start[0]}))
	y := autograd.NewParam("y", tensor.FromFloat64([]float64{s.start[1]}))
	opt, err := newOpt([]nn.Param{{Name: "x", Value: x}, {Name: "y", Value: y}})
	if err != nil {
		t.Fatal(err)
	}
	g := autograd.NewGraph()
	at := func() [2]float64 { return [2]float64{x.Data().Item(), y.Data().Item()} }
	for step := 1; step <= maxSteps; step++ {
		g.Reset()
		opt.ZeroGrad()
		s.f(g, x, y).Backward()
		opt.Step()
		p := at()
		if math.Hypot(p[0]-s.min[0], p[1]-s.min[1]) < s.tol {
			return step, p
		}
		if math.IsNaN(p[0]) || math.IsInf(p[0], 0) {
			return 0, p
		}
	}
	return 0, at()
}

// TestConvergence runs every optimizer (by its name in New, so with
// PyTorch's default hyper-parameters) on both surfaces. The learning rates
// were found by sweeping 1e-4 … 5; steps is what each run took when they
// were chosen (on amd64; other machines may fuse multiply-adds and differ
// by a few steps), and the test only requires the surface's budget: 500
// steps for the quadratic, 20,000 for Rosenbrock.
//
// What the sweep showed:
//
//   - Plain SGD's learning rate is capped by the steepest direction: on the
//     quadratic (curvatures 2 across the valley, 1/10 along it) any η ≥ 1 =
//     2/2 makes y grow or oscillate forever, while the progress along x
//     shrinks x by only 1 - η/10 per step. At η = 0.9 y flips sign every
//     step (the zig-zag), shrinking by 0.8 each time, and x takes 94 steps;
//     at η = 0.1 it needs 881, beyond the budget. On Rosenbrock the
//     curvature across the valley near the start is about 1900, so η must
//     stay near 1e-3 (2e-3 happens to work, 3e-3 diverges) and the walk
//     along the flat valley floor takes 11,942 steps.
//   - Momentum 0.9 lets speed build up along the valley: Rosenbrock at the
//     same η = 1e-3 takes 1,125 steps, Nesterov 1,018.
//   - AdaGrad, RMSProp and Adam scale each coordinate by its own gradient
//     history, so x and y advance at similar speeds whatever the
//     curvature; their learning rate is roughly a step length, so it can
//     be much larger than SGD's.
//   - AdamW's default weight decay (0.01) pulls the weights towards 0,
//     which moves its fixed point away from Rosenbrock's minimum (1, 1)
//     by an amount that grows with η: at η = 0.1 it settles more than
//     1e-2 away, at η = 0.01 it arrives in 5,902 steps. On the quadratic,
//     whose minimum is at 0, the decay does no harm.
func TestConvergence(t *testing.T) {
	tests := []struct {
		surface surface
		name    string
		lr      float64
		steps   int // steps taken when the learning rate was chosen
	}{
		{quadratic, "sgd", 0.9, 94},
		{quadratic, "momentum", 0.1, 160},
		{quadratic, "nesterov", 0.1, 98},
		{quadratic, "adagrad", 1.5, 69},
		{quadratic, "rmsprop", 0.1, 107},
		{quadratic, "adam", 0.1, 164},
		{quadratic, "adamw", 0.1, 155},

		{rosenbrock, "sgd", 1e-3, 11942},
		{rosenbrock, "momentum", 1e-3, 1125},
		{rosenbrock, "nesterov", 1e-3, 1018},
		{rosenbrock, "adagrad", 1.5, 6425},
		{rosenbrock, "rmsprop", 1e-3, 6460},
		{rosenbrock, "adam", 0.1, 846},
		{rosenbrock, "adamw", 0.01, 5902},
	}
	for _, tc := range tests {
		t.Run(tc.surface.name+"/"+tc.name, func(t *testing.T) {
			n, at := descend(t, tc.surface, func(p []nn.Param) (optim.Optimizer, error) {
				return optim.New(tc.name, p, tc.lr)
			}, tc.surface.maxSteps)
			if n == 0 {
				t.Fatalf("η = %g: after %d steps at (%.6g, %.6g), not within %g of (%g, %g)",
					tc.lr, tc.surface.maxSteps, at[0], at[1], tc.surface.tol, tc.surface.min[0], tc.surface.min[1])
			}
			t.Logf("η = %g: within %g of the minimum after %d steps (table says %d)", tc.lr, tc.surface.tol, n, tc.steps)
		})
	}
}

// On the quadratic with a learning rate near plain SGD's limit, y changes
// sign at every step: the zig-zag across the valley.
func TestSGDZigZag(t *testing.T) {
	signChanges := func(name string) int {
		x := autograd.NewParam("x", tensor.FromFloat64([]float64{quadratic.start[0]}))
		y := autograd.NewParam("y", tensor.FromFloat64([]float64{quadratic.start[1]}))
		opt, err := optim.New(name, []nn.Param{{Name: "x", Value: x}, {Name: "y", Value: y}}, 0.9)
		if err != nil {
			t.Fatal(err)
		}
		g := autograd.NewGraph()
		changes, prev := 0, y.Data().Item()
		for range 20 {
			g.Reset()
			opt.ZeroGrad()
			quadratic.f(g, x, y).Backward()
			opt.Step()
			if cur := y.Data().Item(); cur*prev < 0 {
				changes++
			}
			prev = y.Data().Item()
		}
		return changes
	}
	if n := signChanges("sgd"); n != 20 {
		t.Errorf("plain SGD at η = 0.9: y changed sign %d times in 20 steps, want every step", n)
	}
}
