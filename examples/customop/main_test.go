package main

import (
	"io"
	"math"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

func TestGradientsAgreeWithCentralDifferences(t *testing.T) {
	swish, scaleShift := gradChecks()
	for name, r := range map[string]autograd.GradCheckResult{"swish": swish, "scale_shift": scaleShift} {
		if r.MaxError > 1e-7 {
			t.Errorf("%s: %v", name, r)
		}
	}
}

func TestSwishValues(t *testing.T) {
	g := autograd.NewGraph()
	x := autograd.NewParam("x", tensor.FromFloat64([]float64{-2, 0, 1.5}))
	y := Swish(g, x)
	g.Sum(y).Backward()
	for i, xv := range []float64{-2, 0, 1.5} {
		sig := 1 / (1 + math.Exp(-xv))
		if want := xv * sig; math.Abs(y.Data().At(i)-want) > 1e-12 {
			t.Errorf("swish(%v) = %v, want %v", xv, y.Data().At(i), want)
		}
		if want := sig + xv*sig*(1-sig); math.Abs(x.Grad().At(i)-want) > 1e-12 {
			t.Errorf("swish'(%v) = %v, want %v", xv, x.Grad().At(i), want)
		}
	}
}

func TestCustomPiecesTrainTogether(t *testing.T) {
	var out strings.Builder
	res, err := run(&out, 300)
	if err != nil {
		t.Fatal(err)
	}
	if res.LastLoss > res.FirstLoss/4 || res.Accuracy < 0.95 {
		t.Errorf("loss %.3f → %.3f, accuracy %.3f: the spirals were not learned", res.FirstLoss, res.LastLoss, res.Accuracy)
	}
	if !strings.Contains(out.String(), "SignSGD") {
		t.Errorf("report %q", out.String())
	}
}

func TestSignSGDState(t *testing.T) {
	s := NewScaleShift(2)
	o, err := NewSignSGD(s.Params(), 0.1)
	if err != nil {
		t.Fatal(err)
	}
	o.SetLR(0.05)
	o2, _ := NewSignSGD(s.Params(), 0.1)
	if err := o2.LoadState(o.State()); err != nil || o2.LR() != 0.05 {
		t.Errorf("state round trip: lr %v, error %v", o2.LR(), err)
	}
	if err := o2.LoadState(o.State().Clone()); err != nil {
		t.Error(err)
	}
	bad := o.State()
	bad.Optimizer = "adam"
	if o2.LoadState(bad) == nil {
		t.Error("loaded an Adam state")
	}
	if _, err := NewSignSGD(s.Params(), -1); err == nil {
		t.Error("accepted a negative learning rate")
	}
}

func TestWarmStepAllocatesNothing(t *testing.T) {
	x := autograd.NewParam("x", tensor.RandNormal(tensor.NewRNG(1), tensor.Float32, 0, 1, 8, 16))
	s := NewScaleShift(16)
	g := autograd.NewGraph()
	step := func() {
		g.Sum(s.Forward(g, Swish(g, x))).Backward()
		g.Reset()
	}
	step()
	if n := testing.AllocsPerRun(20, step); n != 0 {
		t.Errorf("a warm step allocates %v times, want 0", n)
	}
}

func TestMainReports(t *testing.T) {
	if _, err := run(io.Discard, 1); err != nil {
		t.Fatal(err)
	}
}
