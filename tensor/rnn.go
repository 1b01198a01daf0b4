package tensor

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// This file holds the arithmetic of recurrent networks: one step of each
// cell (the fused element-wise part that follows the two matrix products),
// and a whole direction of a recurrent layer run over a batch of
// sequences, forward and backward (backpropagation through time). The
// layouts and gate orders are PyTorch's, so that weights move between the
// two unchanged.

// Cell is the step function of a recurrent layer: how the new hidden state
// follows from the input projection xg = x·W_ihᵀ + b_ih and the hidden
// projection hg = h·W_hhᵀ + b_hh of the previous state h.
type Cell uint8

const (
	// CellRNNTanh is the Elman network: h′ = tanh(xg + hg).
	CellRNNTanh Cell = iota
	// CellRNNReLU is the Elman network with h′ = relu(xg + hg).
	CellRNNReLU
	// CellLSTM is the long short-term memory: the projections hold four
	// gates in the order i, f, g, o (input, forget, cell, output);
	// i, f, o = σ(·), g = tanh(·), c′ = f⊙c + i⊙g and h′ = o⊙tanh(c′).
	CellLSTM
	// CellGRU is the gated recurrent unit: the projections hold three
	// parts in the order r, z, n (reset, update, new); r, z = σ(xg + hg),
	// n = tanh(xg_n + r⊙hg_n) and h′ = (1−z)⊙n + z⊙h.
	CellGRU
)

var cellNames = [...]string{"rnn_tanh", "rnn_relu", "lstm", "gru"}

// String returns "rnn_tanh", "rnn_relu", "lstm" or "gru".
func (c Cell) String() string {
	if int(c) < len(cellNames) {
		return cellNames[c]
	}
	return fmt.Sprintf("Cell(%d)", uint8(c))
}

// Family names the kind of layer the cell makes, as PyTorch and ONNX
// name it: RNN (either nonlinearity), LSTM or GRU.
func (c Cell) Family() string {
	switch c {
	case CellLSTM:
		return "LSTM"
	case CellGRU:
		return "GRU"
	}
	return "RNN"
}

// Gates reports how many blocks of H rows the cell's weights stack: 4 for
// an LSTM, 3 for a GRU, 1 for a plain RNN. W_ih is (Gates·H, in) and W_hh
// is (Gates·H, H).
func (c Cell) Gates() int {
	switch c {
	case CellLSTM:
		return 4
	case CellGRU:
		return 3
	case CellRNNTanh, CellRNNReLU:
		return 1
	}
	panic(fmt.Sprintf("tensor: unknown recurrent cell %d", uint8(c)))
}

// rnnMath is what the recurrent loops need from the element type: the
// gate nonlinearities and the matrix product. Float32 uses the kernels'
// vectorised functions; float64, for gradient checks, uses package math.
type rnnMath[T Float] struct {
	sigmoid, tanh func(dst, src []T)
	// gemm computes C = op(A)·op(B) + beta·C; gemm1 does it on the
	// calling goroutine alone.
	gemm, gemm1 func(transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)
	// packW packs W_hh once for all the steps of a pass, and gemmW is
	// gemm1 with it: C = A·op(W_hh) + beta·C, op(W_hh) k×n. Float64 has
	// no packW; its gemmW multiplies b where it lies.
	packW func(p *kernels.PackedB, transB bool, n, k int, b []T, ldb, m int)
	gemmW func(p *kernels.PackedB, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)
	// jobs recycles the recurrences' parallel jobs, and packs the packed
	// W_hh.
	jobs  chan *rnnJob[T]
	packs chan *kernels.PackedB
}

// packed returns W_hh (b) packed as op(b), k×n, for products of up to m
// rows, or nil when T has no packW; done gives it back.
func (m *rnnMath[T]) packed(transB bool, n, k int, b []T, ldb, rows int) *kernels.PackedB {
	if m.packW == nil {
		return nil
	}
	var p *kernels.PackedB
	select {
	case p = <-m.packs:
	default:
		p = new(kernels.PackedB)
	}
	m.packW(p, transB, n, k, b, ldb, rows)
	return p
}

func (m *rnnMath[T]) done(p *kernels.PackedB) {
	if p == nil {
		return
	}
	select {
	case m.packs <- p:
	default:
	}
}

// rnnJob is a recurrence's forward or backward pass split over the
// batch. Jobs are recycled with their fn, so that a call allocates
// nothing.
type rnnJob[T Float] struct {
	m                                   *rnnMath[T]
	r                                   *Recurrence
	y, xp, whh, bhh, states, cells, gts []T
	gxp, gy, dG, dh, dc, tc             []T
	pw                                  *kernels.PackedB // whh packed (float32)
	h                                   int
	backward                            bool
	fn                                  func(worker, lo, hi int)
}

// runRows runs the job over the batch, each worker on its own share of
// the sequences.
func (m *rnnMath[T]) runRows(j rnnJob[T]) {
	if j.r.shares <= 1 {
		j.rows(0, j.r.Batch)
		return
	}
	var pj *rnnJob[T]
	select {
	case pj = <-m.jobs:
	default:
		pj = new(rnnJob[T])
	}
	fn := pj.fn
	*pj = j
	pj.fn = fn
	if pj.fn == nil {
		pj.fn = func(_, lo, hi int) {
			for c := lo; c < hi; c++ {
				pj.rows(pj.r.share(c))
			}
		}
	}
	kernels.Parallel(j.r.shares, 1, pj.fn)
	fn = pj.fn
	*pj = rnnJob[T]{fn: fn}
	select {
	case m.jobs <- pj:
	default:
	}
}

func (j *rnnJob[T]) rows(k0, k1 int) {
	if j.backward {
		recurrentBackwardRows(j.m, j.r, j.gxp, j.gy, j.whh, j.pw, j.states, j.cells, j.gts, j.dG, j.dh, j.dc, j.tc, j.h, k0, k1)
	} else {
		recurrentForwardRows(j.m, j.r, j.y, j.xp, j.whh, j.pw, j.bhh, j.states, j.cells, j.gts, j.h, k0, k1)
	}
}

var rnn32 = rnnMath[float32]{
	sigmoid: kernels.Sigmoid,
	tanh:    kernels.Tanh,
	gemm: func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		kernels.Sgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
	},
	gemm1: func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		kernels.SgemmSerial(transA, transB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
	},
	packW: func(p *kernels.PackedB, transB bool, n, k int, b []float32, ldb, m int) {
		p.Pack(transB, n, k, b, ldb, m)
	},
	gemmW: func(p *kernels.PackedB, _ bool, m, _, _ int, a []float32, lda int, _ []float32, _ int, beta float32, c []float32, ldc int) {
		kernels.SgemmPackedSerial(m, 1, a, lda, p, beta, c, ldc)
	},
	jobs:  make(chan *rnnJob[float32], 8),
	packs: make(chan *kernels.PackedB, 8),
}

var rnn64 = rnnMath[float64]{
	sigmoid: func(dst, src []float64) {
		for i, v := range src[:len(dst)] {
			dst[i] = sigmoid(v)
		}
	},
	tanh: func(dst, src []float64) {
		for i, v := range src[:len(dst)] {
			dst[i] = math.Tanh(v)
		}
	},
	gemm: func(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
		kernels.Dgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
	},
	gemm1: func(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
		kernels.Dgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
	},
	gemmW: func(_ *kernels.PackedB, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
		kernels.Dgemm(false, transB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
	},
	jobs: make(chan *rnnJob[float64], 8),
}

// rnnGrain is the fewest sequences a worker takes: the recurrence runs
// its time loop on each worker's share of the batch at once, so the
// steps need no synchronisation, and below this a share's GEMMs are too
// small to be worth a thread.
const rnnGrain = 16

// The rows below are one example's step. Their slices are exactly as
// long as the names say: H = len(h).

// lstmRow turns the pre-activations a (4H: i, f, g, o) into the gates, in
// place, and computes the new cell state c and hidden state h from the
// previous cell state cp.
func lstmRow[T Float](m *rnnMath[T], a, cp, c, h []T) {
	n := len(c)
	a = a[:4*n]
	m.sigmoid(a[:2*n], a[:2*n])
	m.tanh(a[2*n:3*n], a[2*n:3*n])
	m.sigmoid(a[3*n:], a[3*n:])
	i, f, g, o := a[:n], a[n:2*n], a[2*n:3*n], a[3*n:]
	cp, h = cp[:n], h[:n]
	for j := range c {
		c[j] = f[j]*cp[j] + i[j]*g[j]
	}
	m.tanh(h, c)
	for j := range h {
		h[j] *= o[j]
	}
}

// lstmRowGrad writes into da (4H) the gradient with respect to the
// pre-activations of an LSTM step, given the gates a (as lstmRow left
// them), the previous cell state cp, tc = tanh(c′), the gradient dh of h′
// and, in dc, that of c′. On return dc holds the gradient of cp.
func lstmRowGrad[T Float](da, dh, dc, a, cp, tc []T) {
	if d, ok := kernels.AsF32(da); ok {
		h, _ := kernels.AsF32(dh)
		c, _ := kernels.AsF32(dc)
		g, _ := kernels.AsF32(a)
		p, _ := kernels.AsF32(cp)
		t, _ := kernels.AsF32(tc)
		kernels.LSTMGrad(d, h, c, g, p, t)
		return
	}
	n := len(dc)
	da, a = da[:4*n], a[:4*n]
	i, f, g, o := a[:n], a[n:2*n], a[2*n:3*n], a[3*n:]
	dh, cp, tc = dh[:n], cp[:n], tc[:n]
	for j := range dc {
		t := tc[j]
		dct := dc[j] + dh[j]*o[j]*(1-t*t)
		da[j] = dct * g[j] * i[j] * (1 - i[j])
		da[n+j] = dct * cp[j] * f[j] * (1 - f[j])
		da[2*n+j] = dct * i[j] * (1 - g[j]*g[j])
		da[3*n+j] = dh[j] * t * o[j] * (1 - o[j])
		dc[j] = dct * f[j]
	}
}

// gruRow computes a GRU step. On entry the first 3H elements of a hold the
// hidden projection hg (r, z, n parts, with b_hh); x (3H) is the input
// projection and hp the previous state. On return a holds r, z, n and
// hg_n (4H), what the backward pass needs, and h the new state.
func gruRow[T Float](m *rnnMath[T], a, x, hp, h []T) {
	n := len(h)
	a, x, hp = a[:4*n], x[:3*n], hp[:n]
	copy(a[3*n:], a[2*n:3*n])
	for j := range a[:2*n] {
		a[j] += x[j]
	}
	m.sigmoid(a[:2*n], a[:2*n])
	r, z, nw, hn := a[:n], a[n:2*n], a[2*n:3*n], a[3*n:]
	for j := range nw {
		nw[j] = x[2*n+j] + r[j]*hn[j]
	}
	m.tanh(nw, nw)
	for j := range h {
		h[j] = nw[j] + z[j]*(hp[j]-nw[j])
	}
}

// gruRowGrad writes into dah (3H) the gradient with respect to a GRU
// step's hidden projection and adds into dax (3H, or nil) the gradient
// with respect to its input projection, given a (as gruRow left it), the
// previous state hp and, in dh, the gradient of the new state. On return
// dh holds the part of hp's gradient that flows directly, dh·z (the rest
// flows through the hidden projection).
func gruRowGrad[T Float](dah, dax, dh, a, hp []T) {
	n := len(dh)
	dah, a, hp = dah[:3*n], a[:4*n], hp[:n]
	r, z, nw, hn := a[:n], a[n:2*n], a[2*n:3*n], a[3*n:]
	for j := range dh {
		d := dh[j]
		dan := d * (1 - z[j]) * (1 - nw[j]*nw[j])
		dar := dan * hn[j] * r[j] * (1 - r[j])
		daz := d * (hp[j] - nw[j]) * z[j] * (1 - z[j])
		dah[j], dah[n+j], dah[2*n+j] = dar, daz, dan*r[j]
		if dax != nil {
			dax[j] += dar
			dax[n+j] += daz
			dax[2*n+j] += dan
		}
		dh[j] = d * z[j]
	}
}

// rnnAct applies the plain RNN's nonlinearity to a in place.
func rnnAct[T Float](m *rnnMath[T], a []T, relu bool) {
	if !relu {
		m.tanh(a, a)
		return
	}
	for j, v := range a {
		if v < 0 {
			a[j] = 0
		}
	}
}

// rnnRowGrad writes into da the gradient with respect to the
// pre-activation of a plain RNN step, given its output h and the gradient
// dh of h.
func rnnRowGrad[T Float](da, dh, h []T, relu bool) {
	dh, h = dh[:len(da)], h[:len(da)]
	for j := range da {
		switch {
		case !relu:
			da[j] = dh[j] * (1 - h[j]*h[j])
		case h[j] > 0:
			da[j] = dh[j]
		default:
			da[j] = 0
		}
	}
}

// checkCell panics unless every tensor that is not nil is a float tensor
// of dtype d with the number of elements want gives for it.
func checkCell(op string, d DType, ts []*Tensor, want []int, names string) {
	for k, t := range ts {
		if t == nil {
			continue
		}
		checkFloat(op, t)
		if t.dtype != d || t.Len() != want[k] {
			panic(fmt.Sprintf("tensor: %s: operand %d of (%s) is %v %v, want %v with %d elements", op, k, names, t.dtype, t.shape, d, want[k]))
		}
	}
}

// cellDims returns the batch size and hidden size of a cell step whose
// projection xg is (N, gates·H).
func cellDims(op string, c Cell, xg *Tensor) (n, h int) {
	g := c.Gates()
	if xg.Dims() != 2 || xg.shape[1]%g != 0 {
		panic(fmt.Sprintf("tensor: %s: input projection %v is not (N, %d·H)", op, xg.shape, g))
	}
	return xg.shape[0], xg.shape[1] / g
}

// LSTMCellTo computes one LSTM step for a batch: from the input projection
// xg and the hidden projection hg (both (N, 4H), gates i, f, g, o) and the
// previous cell state cPrev (N, H) it writes the new hidden state h and
// cell state c (N·H elements each) and, in gates (N·4H), the gate values
// that LSTMCellBackward needs.
func LSTMCellTo(h, c, gates, xg, hg, cPrev *Tensor) {
	const op = "lstm_cell"
	n, hs := cellDims(op, CellLSTM, xg)
	checkCell(op, xg.dtype, []*Tensor{h, c, gates, hg, cPrev}, []int{n * hs, n * hs, 4 * n * hs, 4 * n * hs, n * hs}, "h, c, gates, hg, cPrev")
	if xg.dtype == Float64 {
		lstmCell(&rnn64, h.f64, c.f64, gates.f64, xg.f64, hg.f64, cPrev.f64, n, hs)
	} else {
		lstmCell(&rnn32, h.f32, c.f32, gates.f32, xg.f32, hg.f32, cPrev.f32, n, hs)
	}
}

func lstmCell[T Float](m *rnnMath[T], h, c, gates, xg, hg, cPrev []T, n, hs int) {
	for i, v := range xg[:len(gates)] {
		gates[i] = v + hg[i]
	}
	for k := 0; k < n; k++ {
		lstmRow(m, gates[k*4*hs:], cPrev[k*hs:], c[k*hs:(k+1)*hs], h[k*hs:])
	}
}

// LSTMCellBackward adds the gradients of one LSTM step to gxg and ghg
// (N, 4H) and gcPrev (N·H elements), each skipped when nil, given the
// gradients gh and gc of the new hidden and cell states (nil for none),
// the gates and new cell state c that LSTMCellTo wrote, and cPrev. Its
// scratch memory comes from ar.
func LSTMCellBackward(gxg, ghg, gcPrev, gh, gc, gates, c, cPrev *Tensor, ar *Arena) {
	const op = "lstm_cell"
	d := gates.dtype
	checkFloat(op, gates)
	if gates.Dims() != 2 || gates.shape[1]%4 != 0 {
		panic(fmt.Sprintf("tensor: %s: gates %v are not (N, 4H)", op, gates.shape))
	}
	n, hs := gates.shape[0], gates.shape[1]/4
	checkCell(op, d, []*Tensor{gxg, ghg, gcPrev, gh, gc, c, cPrev}, []int{4 * n * hs, 4 * n * hs, n * hs, n * hs, n * hs, n * hs, n * hs}, "gxg, ghg, gcPrev, gh, gc, c, cPrev")
	da := ar.Empty(d, n, 4*hs)
	dc := ar.Zeros(d, n, hs)
	if gc != nil {
		dc.CopyFrom(gc)
	}
	if gh == nil {
		gh = ar.Zeros(d, n, hs)
	}
	tc := ar.Empty(d, n, hs)
	if d == Float64 {
		rnn64.tanh(tc.f64, c.f64)
		for k := 0; k < n; k++ {
			lstmRowGrad(da.f64[k*4*hs:], gh.f64[k*hs:], dc.f64[k*hs:(k+1)*hs], gates.f64[k*4*hs:], cPrev.f64[k*hs:], tc.f64[k*hs:])
		}
	} else {
		rnn32.tanh(tc.f32, c.f32)
		for k := 0; k < n; k++ {
			lstmRowGrad(da.f32[k*4*hs:], gh.f32[k*hs:], dc.f32[k*hs:(k+1)*hs], gates.f32[k*4*hs:], cPrev.f32[k*hs:], tc.f32[k*hs:])
		}
	}
	addFlat(gxg, da)
	addFlat(ghg, da)
	addFlat(gcPrev, dc)
}

// addFlat adds src to dst element by element, whatever their shapes (they
// have the same number of elements); a nil dst does nothing.
func addFlat(dst, src *Tensor) {
	if dst != nil {
		dst.AddScaled(1, src)
	}
}

// GRUCellTo computes one GRU step for a batch: from the input projection
// xg and the hidden projection hg (both (N, 3H), parts r, z, n, each with
// its bias) and the previous state hPrev (N, H) it writes the new state h
// (N·H elements) and, in gates (N·4H), the values that GRUCellBackward
// needs (r, z, n and hg's n part).
func GRUCellTo(h, gates, xg, hg, hPrev *Tensor) {
	const op = "gru_cell"
	n, hs := cellDims(op, CellGRU, xg)
	checkCell(op, xg.dtype, []*Tensor{h, gates, hg, hPrev}, []int{n * hs, 4 * n * hs, 3 * n * hs, n * hs}, "h, gates, hg, hPrev")
	if xg.dtype == Float64 {
		gruCell(&rnn64, h.f64, gates.f64, xg.f64, hg.f64, hPrev.f64, n, hs)
	} else {
		gruCell(&rnn32, h.f32, gates.f32, xg.f32, hg.f32, hPrev.f32, n, hs)
	}
}

func gruCell[T Float](m *rnnMath[T], h, gates, xg, hg, hPrev []T, n, hs int) {
	for k := 0; k < n; k++ {
		a := gates[k*4*hs : (k+1)*4*hs]
		copy(a, hg[k*3*hs:(k+1)*3*hs])
		gruRow(m, a, xg[k*3*hs:], hPrev[k*hs:], h[k*hs:(k+1)*hs])
	}
}

// GRUCellBackward adds the gradients of one GRU step to gxg and ghg
// (N, 3H) and ghPrev (N·H elements; only the direct part z⊙gh, since
// the rest flows through hg), each skipped when nil, given the gradient gh
// of the new state, the gates GRUCellTo wrote and hPrev. Its scratch
// memory comes from ar.
func GRUCellBackward(gxg, ghg, ghPrev, gh, gates, hPrev *Tensor, ar *Arena) {
	const op = "gru_cell"
	d := gates.dtype
	checkFloat(op, gates)
	if gates.Dims() != 2 || gates.shape[1]%4 != 0 {
		panic(fmt.Sprintf("tensor: %s: gates %v are not (N, 4H)", op, gates.shape))
	}
	n, hs := gates.shape[0], gates.shape[1]/4
	checkCell(op, d, []*Tensor{gxg, ghg, ghPrev, gh, hPrev}, []int{3 * n * hs, 3 * n * hs, n * hs, n * hs, n * hs}, "gxg, ghg, ghPrev, gh, hPrev")
	dah := ar.Empty(d, n, 3*hs)
	dh := ar.Zeros(d, n, hs)
	if gh != nil {
		dh.CopyFrom(gh)
	}
	if d == Float64 {
		gruCellGrad(dah.f64, gxg.f64s(), dh.f64, gates.f64, hPrev.f64, n, hs)
	} else {
		gruCellGrad(dah.f32, gxg.f32s(), dh.f32, gates.f32, hPrev.f32, n, hs)
	}
	addFlat(ghg, dah)
	addFlat(ghPrev, dh)
}

func gruCellGrad[T Float](dah, dax, dh, gates, hPrev []T, n, hs int) {
	for k := 0; k < n; k++ {
		var dx []T
		if dax != nil {
			dx = dax[k*3*hs:]
		}
		gruRowGrad(dah[k*3*hs:], dx, dh[k*hs:(k+1)*hs], gates[k*4*hs:], hPrev[k*hs:])
	}
}

// f32s and f64s return a possibly nil tensor's storage (nil for nil).
func (t *Tensor) f32s() []float32 {
	if t == nil {
		return nil
	}
	return t.f32
}

func (t *Tensor) f64s() []float64 {
	if t == nil {
		return nil
	}
	return t.f64
}

// Recurrence runs one direction of a recurrent layer over a batch of
// sequences and back: the loop over time steps, each a matrix product of
// the previous hidden state with W_hhᵀ followed by the cell's fused
// element-wise step. The input projection x·W_ihᵀ + b_ih of every step is
// computed beforehand, as one matrix product over the whole sequence.
//
// Set the exported fields, call Forward, then Backward with the same
// Recurrence: Forward keeps in it (from the arena) what Backward needs.
//
// Sequences of different lengths are padded to Steps. With Lengths set,
// example n has Lengths[n] real steps: at the steps after them the state
// is carried through unchanged and the output is zero, and no gradient
// flows through them, which is what PyTorch gives for a packed sequence
// (pack_padded_sequence, then pad_packed_sequence). A reverse direction
// starts each example at its own last real step.
type Recurrence struct {
	// Cell is the step function.
	Cell Cell
	// Batch and Steps are the number of sequences N and of steps T.
	Batch, Steps int
	// BatchFirst says that rows of the input projection and of the
	// output are ordered (N, T), example-major; otherwise (T, N).
	BatchFirst bool
	// Reverse runs from the last step to the first.
	Reverse bool
	// Lengths, if not nil, holds each example's number of real steps
	// (0 to Steps). It must not change until Backward has run.
	Lengths []int
	// ForwardOnly says that Backward will not follow (inference): Forward
	// then keeps the states and gates of the current step only, instead
	// of every step's for Backward, so its memory does not grow with the
	// steps and stays in cache. The outputs are the same, to the bit.
	ForwardOnly bool

	hidden        int
	states, cells *Tensor // (T+1)·N·H: the states before each step and after the last (2·N·H when ForwardOnly)
	gates         *Tensor // T·N·4H: LSTM and GRU gate values (N·4H when ForwardOnly)
	// The internal rows of states, cells and gates: shares parts of
	// the batch, one for each worker, and, with Lengths, order[k] is
	// the example at row k (nil: example k).
	shares int
	order  []int64
}

// plan splits the batch into the workers' shares and, with Lengths,
// orders the examples as PyTorch's packed sequences do: longest first,
// dealt to the shares in turn, so that each share's active examples at
// any step are its first rows (the step's matrix product skips the
// others) and the shares get even work. scratch holds N numbers.
func (r *Recurrence) plan(order, scratch []int64) {
	n := r.Batch
	r.shares = kernels.Chunks(n, rnnGrain)
	r.order = nil
	if r.Lengths == nil {
		return
	}
	for i := range scratch {
		scratch[i] = int64(i)
	}
	lengths := r.Lengths
	slices.SortStableFunc(scratch, func(a, b int64) int { return cmp.Compare(lengths[b], lengths[a]) })
	q, rem := n/r.shares, n%r.shares
	for i, e := range scratch {
		c, j := i%r.shares, i/r.shares
		order[c*q+min(c, rem)+j] = e
	}
	r.order = order
}

// share returns the rows of share c.
func (r *Recurrence) share(c int) (k0, k1 int) {
	q, rem := r.Batch/r.shares, r.Batch%r.shares
	return c*q + min(c, rem), (c+1)*q + min(c+1, rem)
}

// shareRows is the most rows a share has: the height of its GEMMs.
func (r *Recurrence) shareRows() int {
	if r.shares <= 1 {
		return r.Batch
	}
	k0, k1 := r.share(0)
	return k1 - k0
}

// ex returns the example at internal row k.
func (r *Recurrence) ex(k int) int {
	if r.order == nil {
		return k
	}
	return int(r.order[k])
}

// activeEnd returns the end of the rows k0 to k1-1 of one share whose
// examples are still running at step t: they come first.
func (r *Recurrence) activeEnd(k0, k1, t int) int {
	if r.Lengths == nil {
		return k1
	}
	for k1 > k0 && r.Lengths[r.order[k1-1]] <= t {
		k1--
	}
	return k1
}

// OutputRows reports the number of rows of H numbers that Forward writes:
// the output at every step (N·T rows, ordered as the input), then the
// final hidden state (N rows), then, for an LSTM, the final cell state
// (N rows).
func (r *Recurrence) OutputRows() int {
	rows := r.Batch*r.Steps + r.Batch
	if r.Cell == CellLSTM {
		rows += r.Batch
	}
	return rows
}

// row returns the index of example n's step t among the N·T rows of the
// input projection and the output.
func (r *Recurrence) row(n, t int) int {
	if r.BatchFirst {
		return n*r.Steps + t
	}
	return t*r.Batch + n
}

// slot returns where the states before step s (after step s-1) are kept
// among the state buffers: s itself, or, ForwardOnly, one of two.
func (r *Recurrence) slot(s int) int {
	if r.ForwardOnly {
		return s % 2
	}
	return s
}

// gateSlot returns where step s's gates are kept: s itself, or,
// ForwardOnly, the one buffer.
func (r *Recurrence) gateSlot(s int) int {
	if r.ForwardOnly {
		return 0
	}
	return s
}

// active reports whether step t is one of example n's real steps.
func (r *Recurrence) active(n, t int) bool {
	return r.Lengths == nil || t < r.Lengths[n]
}

func (r *Recurrence) check(y, xp, whh, bhh, h0, c0 *Tensor) {
	const op = "recurrence"
	g := r.Cell.Gates()
	if whh.Dims() != 2 || whh.shape[0] != g*whh.shape[1] {
		panic(fmt.Sprintf("tensor: %s: %v: W_hh %v is not (%d·H, H)", op, r.Cell, whh.shape, g))
	}
	h := whh.shape[1]
	n, t := r.Batch, r.Steps
	if n < 0 || t < 0 {
		panic(fmt.Sprintf("tensor: %s: %d sequences of %d steps", op, n, t))
	}
	if r.Lengths != nil {
		if len(r.Lengths) != n {
			panic(fmt.Sprintf("tensor: %s: %d lengths for %d sequences", op, len(r.Lengths), n))
		}
		for i, l := range r.Lengths {
			if l < 0 || l > t {
				panic(fmt.Sprintf("tensor: %s: sequence %d has length %d, outside [0, %d]", op, i, l, t))
			}
		}
	}
	if c0 != nil && r.Cell != CellLSTM {
		panic(fmt.Sprintf("tensor: %s: %v has no cell state", op, r.Cell))
	}
	checkCell(op, whh.dtype, []*Tensor{y, xp, bhh, h0, c0}, []int{r.OutputRows() * h, n * t * g * h, g * h, n * h, n * h}, "y, xp, bhh, h0, c0")
}

// Forward runs the recurrence. xp holds the input projection of every
// step, N·T rows of G·H numbers (G = Cell.Gates()) ordered as BatchFirst
// says; whh is W_hh (G·H, H); bhh is b_hh (G·H) or nil; h0 and c0 are the
// initial hidden and cell states (N·H numbers; nil for zeros; c0 only for
// an LSTM). It writes into y the OutputRows() rows of H numbers: the
// output at every step, the final hidden state and the final cell state.
// The memory Backward needs comes from ar.
func (r *Recurrence) Forward(y, xp, whh, bhh, h0, c0 *Tensor, ar *Arena) {
	r.check(y, xp, whh, bhh, h0, c0)
	h, d := whh.shape[1], whh.dtype
	n, t := r.Batch, r.Steps
	r.hidden = h
	slots, gateSteps := t+1, t
	if r.ForwardOnly {
		slots, gateSteps = 2, min(t, 1)
	}
	r.states = ar.Empty(d, slots*n*h)
	if r.Cell == CellLSTM {
		r.cells = ar.Empty(d, slots*n*h)
	}
	if r.Cell == CellLSTM || r.Cell == CellGRU {
		r.gates = ar.Empty(d, gateSteps*n*4*h)
	}
	if r.Lengths != nil {
		r.plan(ar.Empty(Int64, n).i64, ar.Empty(Int64, n).i64)
	} else {
		r.plan(nil, nil)
	}
	if d == Float64 {
		recurrentForward(&rnn64, r, y.f64, xp.f64, whh.f64, bhh.f64s(), h0.f64s(), c0.f64s(), r.states.f64, r.cells.f64s(), r.gates.f64s(), h)
	} else {
		recurrentForward(&rnn32, r, y.f32, xp.f32, whh.f32, bhh.f32s(), h0.f32s(), c0.f32s(), r.states.f32, r.cells.f32s(), r.gates.f32s(), h)
	}
}

func recurrentForward[T Float](m *rnnMath[T], r *Recurrence, y, xp, whh, bhh, h0, c0, states, cells, gates []T, h int) {
	n, steps, cell := r.Batch, r.Steps, r.Cell
	nh := n * h
	gatherRows(states[:nh], h0, r.order, h)
	if cell == CellLSTM {
		gatherRows(cells[:nh], c0, r.order, h)
	}
	// The sequences are independent: each worker runs every step of its
	// own share of them.
	gh := cell.Gates() * h
	pw := m.packed(true, gh, h, whh, h, r.shareRows())
	m.runRows(rnnJob[T]{m: m, r: r, y: y, xp: xp, whh: whh, pw: pw, bhh: bhh, states: states, cells: cells, gts: gates, h: h})
	m.done(pw)
	rest := y[n*steps*h:]
	last := r.slot(steps)
	scatterRows(rest[:nh], states[last*nh:], r.order, h, false)
	if cell == CellLSTM {
		scatterRows(rest[nh:2*nh], cells[last*nh:], r.order, h, false)
	}
}

// gatherRows sets row k of dst (rows of h numbers) to row order[k] of
// src (row k without order; zeros for a nil src).
func gatherRows[T Float](dst, src []T, order []int64, h int) {
	switch {
	case src == nil:
		clear(dst)
	case order == nil:
		copy(dst, src)
	default:
		for k, e := range order {
			copy(dst[k*h:(k+1)*h], src[int(e)*h:])
		}
	}
}

// scatterRows sets (or, with add, adds to) row order[k] of dst row k of
// src.
func scatterRows[T Float](dst, src []T, order []int64, h int, add bool) {
	if dst == nil {
		return
	}
	for k := range len(dst) / h {
		e := k
		if order != nil {
			e = int(order[k])
		}
		if add {
			axpy(dst[e*h:(e+1)*h], src[k*h:], 1)
		} else {
			copy(dst[e*h:(e+1)*h], src[k*h:])
		}
	}
}

// recurrentForwardRows runs the recurrence for the internal rows k0 to
// k1-1, one share.
func recurrentForwardRows[T Float](m *rnnMath[T], r *Recurrence, y, xp, whh []T, pw *kernels.PackedB, bhh, states, cells, gates []T, h, k0, k1 int) {
	n, steps, cell := r.Batch, r.Steps, r.Cell
	gh := cell.Gates() * h
	nh := n * h
	for s := 0; s < steps; s++ {
		t := s
		if r.Reverse {
			t = steps - 1 - s
		}
		// Rows k0 to ka-1 run this step; the others keep their states.
		ka := r.activeEnd(k0, k1, t)
		cur, next, gs := r.slot(s), r.slot(s+1), r.gateSlot(s)
		hPrev, hNext := states[cur*nh:(cur+1)*nh], states[next*nh:(next+1)*nh]
		switch cell {
		case CellLSTM:
			a := gates[gs*n*4*h : (gs+1)*n*4*h]
			for k := k0; k < ka; k++ {
				row := a[k*gh : (k+1)*gh]
				copy(row, xp[r.row(r.ex(k), t)*gh:])
				if bhh != nil {
					axpy(row, bhh, 1)
				}
			}
			cPrev, cNext := cells[cur*nh:(cur+1)*nh], cells[next*nh:(next+1)*nh]
			if ka > k0 {
				m.gemmW(pw, true, ka-k0, gh, h, hPrev[k0*h:ka*h], h, whh, h, 1, a[k0*gh:ka*gh], gh)
			}
			for k := k0; k < ka; k++ {
				lstmRow(m, a[k*gh:], cPrev[k*h:], cNext[k*h:(k+1)*h], hNext[k*h:])
			}
			copy(cNext[ka*h:k1*h], cPrev[ka*h:k1*h])
		case CellGRU:
			a := gates[gs*n*4*h : (gs+1)*n*4*h]
			for k := k0; k < ka; k++ {
				row := a[k*4*h : k*4*h+gh]
				if bhh != nil {
					copy(row, bhh)
				} else {
					clear(row)
				}
			}
			if ka > k0 {
				m.gemmW(pw, true, ka-k0, gh, h, hPrev[k0*h:ka*h], h, whh, h, 1, a[k0*4*h:ka*4*h], 4*h)
			}
			for k := k0; k < ka; k++ {
				gruRow(m, a[k*4*h:], xp[r.row(r.ex(k), t)*gh:], hPrev[k*h:], hNext[k*h:(k+1)*h])
			}
		default:
			for k := k0; k < ka; k++ {
				row := hNext[k*h : (k+1)*h]
				copy(row, xp[r.row(r.ex(k), t)*gh:])
				if bhh != nil {
					axpy(row, bhh, 1)
				}
			}
			if ka > k0 {
				m.gemmW(pw, true, ka-k0, h, h, hPrev[k0*h:ka*h], h, whh, h, 1, hNext[k0*h:ka*h], h)
				rnnAct(m, hNext[k0*h:ka*h], cell == CellRNNReLU)
			}
		}
		copy(hNext[ka*h:k1*h], hPrev[ka*h:k1*h])
		for k := k0; k < k1; k++ {
			i := r.row(r.ex(k), t)
			out := y[i*h : (i+1)*h]
			if k < ka {
				copy(out, hNext[k*h:])
			} else {
				clear(out)
			}
		}
	}
}

// Backward adds the gradients of the recurrence to gxp (like xp), gwhh,
// gbhh, gh0 and gc0 (like W_hh, b_hh, h0 and c0), each skipped when nil,
// given gy, the gradient of everything Forward wrote into y, and whh. It
// must follow Forward on the same Recurrence, before the arena is reset;
// its scratch memory comes from ar.
func (r *Recurrence) Backward(gxp, gwhh, gbhh, gh0, gc0, gy, whh *Tensor, ar *Arena) {
	if r.states == nil {
		panic("tensor: recurrence: Backward before Forward")
	}
	if r.ForwardOnly {
		panic("tensor: recurrence: Backward after a ForwardOnly Forward")
	}
	if gy == nil {
		panic("tensor: recurrence: Backward needs the output's gradient")
	}
	h, d := r.hidden, whh.dtype
	n, t, g := r.Batch, r.Steps, r.Cell.Gates()
	checkCell("recurrence backward", d, []*Tensor{gxp, gwhh, gbhh, gh0, gc0, gy}, []int{n * t * g * h, g * h * h, g * h, n * h, n * h, r.OutputRows() * h}, "gxp, gwhh, gbhh, gh0, gc0, gy")
	dG := ar.Empty(d, t*n, g*h)
	dh := ar.Empty(d, n*h)
	dc := ar.Empty(d, n*h)
	tc := ar.Empty(d, n*h)
	if d == Float64 {
		recurrentBackward(&rnn64, r, gxp.f64s(), gwhh.f64s(), gy.f64, whh.f64, r.states.f64, r.cells.f64s(), r.gates.f64s(), dG.f64, dh.f64, dc.f64, tc.f64, h)
		scatterRows(gh0.f64s(), dh.f64, r.order, h, true)
		if r.Cell == CellLSTM {
			scatterRows(gc0.f64s(), dc.f64, r.order, h, true)
		}
	} else {
		recurrentBackward(&rnn32, r, gxp.f32s(), gwhh.f32s(), gy.f32, whh.f32, r.states.f32, r.cells.f32s(), r.gates.f32s(), dG.f32, dh.f32, dc.f32, tc.f32, h)
		scatterRows(gh0.f32s(), dh.f32, r.order, h, true)
		if r.Cell == CellLSTM {
			scatterRows(gc0.f32s(), dc.f32, r.order, h, true)
		}
	}
	if gbhh != nil {
		AccumulateTo(gbhh, dG)
	}
}

func recurrentBackward[T Float](m *rnnMath[T], r *Recurrence, gxp, gwhh, gy, whh, states, cells, gates, dG, dh, dc, tc []T, h int) {
	n, steps, cell := r.Batch, r.Steps, r.Cell
	gh := cell.Gates() * h
	nh := n * h
	rest := gy[n*steps*h:]
	gatherRows(dh, rest[:nh], r.order, h)
	if cell == CellLSTM {
		gatherRows(dc, rest[nh:2*nh], r.order, h)
	}
	pw := m.packed(false, h, gh, whh, h, r.shareRows())
	m.runRows(rnnJob[T]{m: m, r: r, gxp: gxp, gy: gy, whh: whh, pw: pw, states: states, cells: cells, gts: gates, dG: dG, dh: dh, dc: dc, tc: tc, h: h, backward: true})
	m.done(pw)
	if gwhh != nil && steps*n > 0 {
		// The rows past their sequences' ends hold zeros in dG.
		m.gemm(true, false, gh, h, steps*n, dG, gh, states[:steps*nh], h, 1, gwhh, h)
	}
}

// recurrentBackwardRows runs the backward pass through time for the
// internal rows k0 to k1-1, one share.
func recurrentBackwardRows[T Float](m *rnnMath[T], r *Recurrence, gxp, gy, whh []T, pw *kernels.PackedB, states, cells, gates, dG, dh, dc, tc []T, h, k0, k1 int) {
	n, steps, cell := r.Batch, r.Steps, r.Cell
	gh := cell.Gates() * h
	nh := n * h
	for s := steps - 1; s >= 0; s-- {
		t := s
		if r.Reverse {
			t = steps - 1 - s
		}
		ka := r.activeEnd(k0, k1, t)
		hPrev, hNext := states[s*nh:(s+1)*nh], states[(s+1)*nh:(s+2)*nh]
		d := dG[s*n*gh : (s+1)*n*gh]
		// The rows past their examples' ends take no gradient, and their
		// states' gradients pass through unchanged.
		clear(d[ka*gh : k1*gh])
		if ka == k0 {
			continue
		}
		if cell == CellLSTM {
			m.tanh(tc[k0*h:ka*h], cells[(s+1)*nh+k0*h:(s+1)*nh+ka*h])
		}
		for k := k0; k < ka; k++ {
			dr := d[k*gh : (k+1)*gh]
			i := r.row(r.ex(k), t)
			dhr := dh[k*h : (k+1)*h]
			axpy(dhr, gy[i*h:(i+1)*h], 1)
			var dx []T
			if gxp != nil {
				dx = gxp[i*gh : (i+1)*gh]
			}
			switch cell {
			case CellLSTM:
				lstmRowGrad(dr, dhr, dc[k*h:(k+1)*h], gates[(s*n+k)*4*h:], cells[s*nh+k*h:], tc[k*h:])
				clear(dhr)
			case CellGRU:
				gruRowGrad(dr, dx, dhr, gates[(s*n+k)*4*h:], hPrev[k*h:])
			default:
				rnnRowGrad(dr, dhr, hNext[k*h:], cell == CellRNNReLU)
				clear(dhr)
			}
			if dx != nil && cell != CellGRU {
				axpy(dx, dr, 1)
			}
		}
		m.gemmW(pw, false, ka-k0, h, gh, d[k0*gh:ka*gh], gh, whh, h, 1, dh[k0*h:ka*h], h)
	}
}

// ConcatColumnsTo writes [a | b] into dst: row i of dst (R, A+B) is row i
// of a (R, A) followed by row i of b (R, B). It joins the two directions
// of a bidirectional recurrent layer.
func ConcatColumnsTo(dst, a, b *Tensor) {
	ra, ca, cb := columns("concat_columns", dst, a, b)
	switch dst.dtype {
	case Float32:
		concatColumns(dst.f32, a.f32, b.f32, ra, ca, cb)
	case Float64:
		concatColumns(dst.f64, a.f64, b.f64, ra, ca, cb)
	default:
		concatColumns(dst.i64, a.i64, b.i64, ra, ca, cb)
	}
}

// SplitColumnsAddTo is the gradient of ConcatColumnsTo: it adds the first
// A columns of g (R, A+B) to ga (R, A) and the others to gb (R, B); a nil
// ga or gb is skipped.
func SplitColumnsAddTo(ga, gb, g *Tensor) {
	checkFloat("split_columns", ga, gb, g)
	if g.Dims() != 2 {
		panic(fmt.Sprintf("tensor: split_columns: gradient %v is not a matrix", g.shape))
	}
	r, c := g.shape[0], g.shape[1]
	ca := c
	if gb != nil {
		if gb.Dims() != 2 || gb.shape[0] != r || gb.shape[1] > c || gb.dtype != g.dtype {
			panic(fmt.Sprintf("tensor: split_columns: %v into %v", g.shape, gb.shape))
		}
		ca = c - gb.shape[1]
	} else if ga != nil && ga.Dims() == 2 {
		ca = ga.shape[1]
	}
	if ga != nil && (ga.Dims() != 2 || ga.shape[0] != r || ga.shape[1] != ca || ga.dtype != g.dtype) {
		panic(fmt.Sprintf("tensor: split_columns: %v into %v", g.shape, ga.shape))
	}
	if g.dtype == Float64 {
		splitColumnsAdd(ga.f64s(), gb.f64s(), g.f64, r, ca, c-ca)
	} else {
		splitColumnsAdd(ga.f32s(), gb.f32s(), g.f32, r, ca, c-ca)
	}
}

func columns(op string, dst, a, b *Tensor) (r, ca, cb int) {
	if dst.Dims() != 2 || a.Dims() != 2 || b.Dims() != 2 || a.shape[0] != dst.shape[0] || b.shape[0] != dst.shape[0] ||
		a.shape[1]+b.shape[1] != dst.shape[1] || a.dtype != dst.dtype || b.dtype != dst.dtype {
		panic(fmt.Sprintf("tensor: %s: %v %v and %v %v into %v %v", op, a.dtype, a.shape, b.dtype, b.shape, dst.dtype, dst.shape))
	}
	return dst.shape[0], a.shape[1], b.shape[1]
}

func concatColumns[T element](dst, a, b []T, r, ca, cb int) {
	c := ca + cb
	for i := 0; i < r; i++ {
		copy(dst[i*c:i*c+ca], a[i*ca:(i+1)*ca])
		copy(dst[i*c+ca:(i+1)*c], b[i*cb:(i+1)*cb])
	}
}

func splitColumnsAdd[T Float](ga, gb, g []T, r, ca, cb int) {
	c := ca + cb
	for i := 0; i < r; i++ {
		if ga != nil {
			axpy(ga[i*ca:(i+1)*ca], g[i*c:i*c+ca], 1)
		}
		if gb != nil {
			axpy(gb[i*cb:(i+1)*cb], g[i*c+ca:(i+1)*c], 1)
		}
	}
}
