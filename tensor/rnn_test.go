package tensor

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// refStep is one step of a cell for one example, written out from the
// formulas: xg and hg are the two projections (with biases), h and c the
// previous states. It returns the new states.
func refStep(cell Cell, xg, hg, h, c []float64) (hn, cn []float64) {
	n := len(h)
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	hn, cn = make([]float64, n), make([]float64, n)
	for j := range n {
		switch cell {
		case CellRNNTanh:
			hn[j] = math.Tanh(xg[j] + hg[j])
		case CellRNNReLU:
			hn[j] = math.Max(0, xg[j]+hg[j])
		case CellLSTM:
			i := sig(xg[j] + hg[j])
			f := sig(xg[n+j] + hg[n+j])
			g := math.Tanh(xg[2*n+j] + hg[2*n+j])
			o := sig(xg[3*n+j] + hg[3*n+j])
			cn[j] = f*c[j] + i*g
			hn[j] = o * math.Tanh(cn[j])
		case CellGRU:
			r := sig(xg[j] + hg[j])
			z := sig(xg[n+j] + hg[n+j])
			nw := math.Tanh(xg[2*n+j] + r*hg[2*n+j])
			hn[j] = (1-z)*nw + z*h[j]
		}
	}
	return hn, cn
}

// refRecurrence runs r's configuration with refStep, one example and one
// step at a time, and returns what Forward writes into y.
func refRecurrence(r *Recurrence, xp, whh, bhh, h0, c0 *Tensor) []float64 {
	n, steps, hs := r.Batch, r.Steps, whh.Shape()[1]
	gh := r.Cell.Gates() * hs
	y := make([]float64, r.OutputRows()*hs)
	for k := range n {
		h, c := make([]float64, hs), make([]float64, hs)
		for j := range hs {
			if h0 != nil {
				h[j] = h0.Flat(k*hs + j)
			}
			if c0 != nil {
				c[j] = c0.Flat(k*hs + j)
			}
		}
		for s := range steps {
			t := s
			if r.Reverse {
				t = steps - 1 - s
			}
			if r.Lengths != nil && t >= r.Lengths[k] {
				continue
			}
			xg, hg := make([]float64, gh), make([]float64, gh)
			for i := range gh {
				xg[i] = xp.Flat(r.row(k, t)*gh + i)
				if bhh != nil {
					hg[i] = bhh.Flat(i)
				}
				for j := range hs {
					hg[i] += whh.Flat(i*hs+j) * h[j]
				}
			}
			h, c = refStep(r.Cell, xg, hg, h, c)
			copy(y[r.row(k, t)*hs:], h)
		}
		copy(y[(n*steps+k)*hs:], h)
		if r.Cell == CellLSTM {
			copy(y[(n*steps+n+k)*hs:], c)
		}
	}
	return y
}

func TestRecurrenceMatchesReference(t *testing.T) {
	const n, steps, hs = 3, 4, 5
	for _, cell := range []Cell{CellRNNTanh, CellRNNReLU, CellLSTM, CellGRU} {
		for _, r := range []Recurrence{
			{},
			{Reverse: true},
			{BatchFirst: true, Lengths: []int{4, 0, 2}},
			{Reverse: true, Lengths: []int{1, 3, 4}},
		} {
			r.Cell, r.Batch, r.Steps = cell, n, steps
			t.Run(fmt.Sprintf("%v reverse=%v batch-first=%v lengths=%v", cell, r.Reverse, r.BatchFirst, r.Lengths), func(t *testing.T) {
				gh := cell.Gates() * hs
				rng := NewRNG(uint64(cell) + 1)
				xp := RandUniform(rng, Float64, -1, 1, n*steps, gh)
				whh := RandUniform(rng, Float64, -0.5, 0.5, gh, hs)
				bhh := RandUniform(rng, Float64, -0.5, 0.5, gh)
				h0 := RandUniform(rng, Float64, -1, 1, n, hs)
				var c0 *Tensor
				if cell == CellLSTM {
					c0 = RandUniform(rng, Float64, -1, 1, n, hs)
				}
				want := refRecurrence(&r, xp, whh, bhh, h0, c0)
				for _, d := range []DType{Float64, Float32} {
					y := New(d, r.OutputRows(), hs)
					rr := r
					rr.Forward(y, xp.To(d), whh.To(d), bhh.To(d), h0.To(d), toOrNil(c0, d), NewArena())
					tol := 1e-12
					if d == Float32 {
						tol = 2e-6
					}
					for i, w := range want {
						if g := y.Flat(i); math.Abs(g-w) > tol {
							t.Fatalf("%v: y[%d] = %v, want %v", d, i, g, w)
						}
					}
				}
			})
		}
	}
}

func toOrNil(t *Tensor, d DType) *Tensor {
	if t == nil {
		return nil
	}
	return t.To(d)
}

// TestRecurrenceFloat32Gradients compares the float32 backward pass with
// the float64 one.
func TestRecurrenceFloat32Gradients(t *testing.T) {
	const n, steps, hs = 2, 5, 4
	for _, cell := range []Cell{CellRNNTanh, CellRNNReLU, CellLSTM, CellGRU} {
		t.Run(cell.String(), func(t *testing.T) {
			gh := cell.Gates() * hs
			rng := NewRNG(7)
			xp := RandUniform(rng, Float64, -1, 1, n*steps, gh)
			whh := RandUniform(rng, Float64, -0.5, 0.5, gh, hs)
			bhh := RandUniform(rng, Float64, -0.5, 0.5, gh)
			h0 := RandUniform(rng, Float64, -1, 1, n, hs)
			var c0 *Tensor
			if cell == CellLSTM {
				c0 = RandUniform(rng, Float64, -1, 1, n, hs)
			}
			r0 := Recurrence{Cell: cell, Batch: n, Steps: steps, Lengths: []int{5, 3}}
			gy := RandUniform(rng, Float64, -1, 1, r0.OutputRows(), hs)
			var grads [2][]*Tensor
			for k, d := range []DType{Float64, Float32} {
				r := r0
				ar := NewArena()
				r.Forward(New(d, r.OutputRows(), hs), xp.To(d), whh.To(d), bhh.To(d), h0.To(d), toOrNil(c0, d), ar)
				gs := []*Tensor{New(d, n*steps, gh), New(d, gh, hs), New(d, gh), New(d, n, hs), nil}
				if c0 != nil {
					gs[4] = New(d, n, hs)
				}
				r.Backward(gs[0], gs[1], gs[2], gs[3], gs[4], gy.To(d), whh.To(d), ar)
				grads[k] = gs
			}
			for i, g := range grads[0] {
				if g == nil {
					continue
				}
				if !AllClose(grads[1][i], g, 1e-5, 1e-5) {
					t.Errorf("gradient %d: float32 %v, float64 %v", i, grads[1][i], g)
				}
			}
		})
	}
}

func TestCellNames(t *testing.T) {
	for c, want := range map[Cell]string{CellRNNTanh: "rnn_tanh 1", CellRNNReLU: "rnn_relu 1", CellLSTM: "lstm 4", CellGRU: "gru 3"} {
		if got := fmt.Sprintf("%v %d", c, c.Gates()); got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}

func TestConcatColumns(t *testing.T) {
	a := FromFloat32([]float32{1, 2, 3, 4}, 2, 2)
	b := FromFloat32([]float32{5, 6}, 2, 1)
	dst := New(Float32, 2, 3)
	ConcatColumnsTo(dst, a, b)
	if want := FromFloat32([]float32{1, 2, 5, 3, 4, 6}, 2, 3); !Equal(dst, want) {
		t.Errorf("joined %v, want %v", dst, want)
	}
	ga, gb := Ones(Float32, 2, 2), Ones(Float32, 2, 1)
	SplitColumnsAddTo(ga, gb, dst)
	if !Equal(ga, FromFloat32([]float32{2, 3, 4, 5}, 2, 2)) || !Equal(gb, FromFloat32([]float32{6, 7}, 2, 1)) {
		t.Errorf("split %v and %v", ga, gb)
	}
	SplitColumnsAddTo(nil, gb, dst)
	if !Equal(gb, FromFloat32([]float32{11, 13}, 2, 1)) {
		t.Errorf("split into b only: %v", gb)
	}
}

func TestRecurrencePanics(t *testing.T) {
	whh, xp := New(Float32, 4, 4), New(Float32, 6, 4)
	y := New(Float32, 8, 4)
	for name, f := range map[string]func(){
		"length": func() {
			(&Recurrence{Batch: 2, Steps: 3, Lengths: []int{4, 1}}).Forward(y, xp, whh, nil, nil, nil, nil)
		},
		"lengths count":   func() { (&Recurrence{Batch: 2, Steps: 3, Lengths: []int{1}}).Forward(y, xp, whh, nil, nil, nil, nil) },
		"c0 for an RNN":   func() { (&Recurrence{Batch: 2, Steps: 3}).Forward(y, xp, whh, nil, nil, New(Float32, 2, 4), nil) },
		"projection size": func() { (&Recurrence{Batch: 2, Steps: 2}).Forward(y, xp, whh, nil, nil, nil, nil) },
		"W_hh shape":      func() { (&Recurrence{Cell: CellLSTM, Batch: 2, Steps: 3}).Forward(y, xp, whh, nil, nil, nil, nil) },
		"float64 into float32": func() {
			(&Recurrence{Batch: 2, Steps: 3}).Forward(y, xp.To(Float64), whh, nil, nil, nil, nil)
		},
		"backward first": func() { (&Recurrence{Batch: 2, Steps: 3}).Backward(nil, nil, nil, nil, nil, y, whh, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "tensor: ") {
					t.Errorf("panic %v", r)
				}
			}()
			f()
		})
	}
}
