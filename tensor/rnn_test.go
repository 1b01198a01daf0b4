package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/internal/kernels"
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
				xp, whh, bhh, h0, c0 := randRecurrence(NewRNG(uint64(cell)+1), Float64, cell, n, steps, hs)
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

// TestRecurrenceSharesMatchAlone runs a batch of sequences of mixed
// lengths, longer than one worker's share, on four workers: each share
// holds examples sorted longest first and runs only those still going.
// The outputs, final states and every gradient must be those of each
// example run alone.
func TestRecurrenceSharesMatchAlone(t *testing.T) {
	defer kernels.SetThreads(kernels.SetThreads(4))
	const n, steps, hs = 70, 6, 3
	rng := NewRNG(5)
	lengths := make([]int, n)
	for i := range lengths {
		lengths[i] = int(rng.Uint64() % (steps + 1))
	}
	for _, cell := range []Cell{CellRNNTanh, CellLSTM, CellGRU} {
		for _, r0 := range []Recurrence{{}, {Reverse: true, BatchFirst: true}} {
			r0.Cell, r0.Steps = cell, steps
			t.Run(fmt.Sprintf("%v reverse=%v", cell, r0.Reverse), func(t *testing.T) {
				gh := cell.Gates() * hs
				xp := RandUniform(rng, Float64, -1, 1, n*steps, gh)
				whh := RandUniform(rng, Float64, -0.5, 0.5, gh, hs)
				bhh := RandUniform(rng, Float64, -0.5, 0.5, gh)
				h0 := RandUniform(rng, Float64, -1, 1, n, hs)
				c0 := RandUniform(rng, Float64, -1, 1, n, hs)
				if cell != CellLSTM {
					c0 = nil
				}
				r := r0
				r.Batch, r.Lengths = n, lengths
				gy := RandUniform(rng, Float64, -1, 1, r.OutputRows(), hs)
				ar := NewArena()
				y := New(Float64, r.OutputRows(), hs)
				r.Forward(y, xp, whh, bhh, h0, c0, ar)
				if r.shares != 4 {
					t.Fatalf("%d shares, want 4", r.shares)
				}
				gxp, gwhh, gbhh, gh0, gc0 := New(Float64, n*steps, gh), New(Float64, gh, hs), New(Float64, gh), New(Float64, n, hs), New(Float64, n, hs)
				if c0 == nil {
					gc0 = nil
				}
				r.Backward(gxp, gwhh, gbhh, gh0, gc0, gy, whh, ar)

				// Each example alone, its real steps only, without lengths;
				// the weights' gradients summed.
				sw, sb := New(Float64, gh, hs), New(Float64, gh)
				check := func(k int, what string, got, want float64) {
					t.Helper()
					if math.Abs(got-want) > 1e-12 {
						t.Fatalf("example %d (length %d): %s %v, alone %v", k, lengths[k], what, got, want)
					}
				}
				for k := range n {
					l := lengths[k]
					for s := l; s < steps; s++ { // padding
						for j := range hs {
							check(k, fmt.Sprintf("padded output at step %d", s), y.Flat(r.row(k, s)*hs+j), 0)
						}
						for j := range gh {
							check(k, fmt.Sprintf("padded input gradient at step %d", s), gxp.Flat(r.row(k, s)*gh+j), 0)
						}
					}
					var cn, gc0k []float64
					if l == 0 { // no step: the states pass through
						for j := range hs {
							check(k, "h_n", y.Flat((n*steps+k)*hs+j), h0.Flat(k*hs+j))
							check(k, "h0's gradient", gh0.Flat(k*hs+j), gy.Flat((n*steps+k)*hs+j))
							if c0 != nil {
								check(k, "c_n", y.Flat((n*steps+n+k)*hs+j), c0.Flat(k*hs+j))
								check(k, "c0's gradient", gc0.Flat(k*hs+j), gy.Flat((n*steps+n+k)*hs+j))
							}
						}
						continue
					}
					one := r0
					one.Batch, one.Steps = 1, l
					xk := New(Float64, l, gh)
					gyk := New(Float64, one.OutputRows(), hs)
					for s := range l {
						for j := range gh {
							xk.SetFlat(one.row(0, s)*gh+j, xp.Flat(r.row(k, s)*gh+j))
						}
						for j := range hs {
							gyk.SetFlat(one.row(0, s)*hs+j, gy.Flat(r.row(k, s)*hs+j))
						}
					}
					for j := range hs {
						gyk.SetFlat(l*hs+j, gy.Flat((n*steps+k)*hs+j))
						if c0 != nil {
							gyk.SetFlat((l+1)*hs+j, gy.Flat((n*steps+n+k)*hs+j))
						}
					}
					h0k, c0k := h0.Slice(k, k+1), (*Tensor)(nil)
					gh0k, gc0kt := New(Float64, 1, hs), (*Tensor)(nil)
					if c0 != nil {
						c0k, gc0kt = c0.Slice(k, k+1), New(Float64, 1, hs)
					}
					yk := New(Float64, one.OutputRows(), hs)
					ak := NewArena()
					one.Forward(yk, xk, whh, bhh, h0k, c0k, ak)
					gxk := New(Float64, l, gh)
					one.Backward(gxk, sw, sb, gh0k, gc0kt, gyk, whh, ak)
					for s := range l {
						for j := range hs {
							check(k, fmt.Sprintf("output at step %d", s), y.Flat(r.row(k, s)*hs+j), yk.Flat(one.row(0, s)*hs+j))
						}
						for j := range gh {
							check(k, fmt.Sprintf("input gradient at step %d", s), gxp.Flat(r.row(k, s)*gh+j), gxk.Flat(one.row(0, s)*gh+j))
						}
					}
					if c0 != nil {
						cn, gc0k = make([]float64, hs), make([]float64, hs)
						for j := range hs {
							cn[j], gc0k[j] = yk.Flat((l+1)*hs+j), gc0kt.Flat(j)
						}
					}
					for j := range hs {
						check(k, "h_n", y.Flat((n*steps+k)*hs+j), yk.Flat(l*hs+j))
						check(k, "h0's gradient", gh0.Flat(k*hs+j), gh0k.Flat(j))
						if c0 != nil {
							check(k, "c_n", y.Flat((n*steps+n+k)*hs+j), cn[j])
							check(k, "c0's gradient", gc0.Flat(k*hs+j), gc0k[j])
						}
					}
				}
				if !AllClose(gwhh, sw, 1e-10, 1e-10) || !AllClose(gbhh, sb, 1e-10, 1e-10) {
					t.Errorf("weight gradients: batch %v %v, summed alone %v %v", gwhh, gbhh, sw, sb)
				}
			})
		}
	}
}

// TestRecurrenceForwardOnly checks that a ForwardOnly recurrence writes
// the bits of a full one (outputs at every step, final states) for each
// cell, with lengths, in reverse, on one worker and on several, for an
// odd and an even number of steps and none, in float32 and float64; that
// its memory does not grow with the steps; and that Backward refuses it.
func TestRecurrenceForwardOnly(t *testing.T) {
	defer kernels.SetThreads(kernels.SetThreads(2))
	const n, hs = 37, 8
	for _, cell := range []Cell{CellRNNTanh, CellRNNReLU, CellLSTM, CellGRU} {
		for _, steps := range []int{0, 5, 6} {
			rng := NewRNG(uint64(10*int(cell) + steps))
			lengths := make([]int, n)
			for i := range lengths {
				lengths[i] = int(rng.Uint64() % uint64(steps+1))
			}
			for _, r0 := range []Recurrence{{}, {Reverse: true, BatchFirst: true, Lengths: lengths}, {Lengths: lengths}} {
				for _, d := range []DType{Float32, Float64} {
					xp, whh, bhh, h0, c0 := randRecurrence(rng, d, cell, n, steps, hs)
					full, fwd := r0, r0
					full.Cell, full.Batch, full.Steps = cell, n, steps
					fwd.Cell, fwd.Batch, fwd.Steps, fwd.ForwardOnly = cell, n, steps, true
					want, got := New(d, full.OutputRows(), hs), New(d, fwd.OutputRows(), hs)
					full.Forward(want, xp, whh, bhh, h0, c0, NewArena())
					fwd.Forward(got, xp, whh, bhh, h0, c0, NewArena())
					name := fmt.Sprintf("%v %v, %d steps, reverse=%v, lengths=%v", d, cell, steps, r0.Reverse, r0.Lengths != nil)
					if !Equal(got, want) {
						t.Fatalf("%s: ForwardOnly's output differs from the full recurrence's", name)
					}
					if fwd.states.Len() != 2*n*hs || (fwd.gates != nil && fwd.gates.Len() > n*4*hs) {
						t.Errorf("%s: ForwardOnly keeps %d state and %v gate numbers, want %d and at most %d", name, fwd.states.Len(), fwd.gates, 2*n*hs, n*4*hs)
					}
				}
			}
		}
	}
	r := Recurrence{Cell: CellLSTM, Batch: 2, Steps: 3, ForwardOnly: true}
	whh := New(Float32, 4*2, 2)
	y, xp := New(Float32, r.OutputRows(), 2), New(Float32, 2*3, 4*2)
	r.Forward(y, xp, whh, nil, nil, nil, NewArena())
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "ForwardOnly") {
			t.Errorf("Backward after a ForwardOnly Forward: panic %v, want one naming ForwardOnly", p)
		}
	}()
	r.Backward(New(Float32, 2*3, 4*2), nil, nil, nil, nil, New(Float32, r.OutputRows(), 2), whh, NewArena())
}

// randRecurrence draws a recurrence's inputs for n sequences of the given
// steps and hs units: the input projection (uniform in ±1), W_hh and b_hh
// (±0.5), h0 and, for an LSTM, c0 (±1; nil otherwise).
func randRecurrence(rng *rand.Rand, d DType, cell Cell, n, steps, hs int) (xp, whh, bhh, h0, c0 *Tensor) {
	gh := cell.Gates() * hs
	xp = RandUniform(rng, d, -1, 1, n*steps, gh)
	whh = RandUniform(rng, d, -0.5, 0.5, gh, hs)
	bhh = RandUniform(rng, d, -0.5, 0.5, gh)
	h0 = RandUniform(rng, d, -1, 1, n, hs)
	if cell == CellLSTM {
		c0 = RandUniform(rng, d, -1, 1, n, hs)
	}
	return xp, whh, bhh, h0, c0
}
