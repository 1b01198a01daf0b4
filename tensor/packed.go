package tensor

import (
	"fmt"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// PackedWeights is a linear layer's weight matrix (out, in), float32,
// copied once into the order the GEMM micro-kernels read it, for
// inference with weights that do not change: LinearTo packs the weights
// at every call, which at a batch of 64 is a tenth of an MLP's inference
// time. It holds one packing for the micro-kernel of few rows and, where
// another one runs many rows, one for that, so that LinearPackedTo gives
// LinearTo's bits at any batch size. It keeps no reference to the
// weights: changing them afterwards does not change it.
type PackedWeights struct {
	out, in int
	packs   [2]kernels.PackedB
}

// manyRows stands for a product of many rows when PackWeights packs for
// the micro-kernel that runs those.
const manyRows = 1 << 20

// PackWeights packs w, a float32 (out, in) matrix, for LinearPackedTo.
func PackWeights(w *Tensor) *PackedWeights {
	if w.dtype != Float32 || w.Dims() != 2 {
		panic(fmt.Sprintf("tensor: packing weights of %v %v, want float32 (out, in)", w.dtype, w.shape))
	}
	out, in := w.shape[0], w.shape[1]
	p := &PackedWeights{out: out, in: in}
	p.packs[0].Pack(true, out, in, w.f32, max(in, 1), 1)
	if !p.packs[0].Fits(manyRows) { // many rows run another micro-kernel
		p.packs[1].Pack(true, out, in, w.f32, max(in, 1), manyRows)
	}
	return p
}

// Shape returns the packed matrix's (out, in).
func (p *PackedWeights) Shape() (out, in int) { return p.out, p.in }

// LinearPackedTo is LinearTo with the weights packed beforehand
// (PackWeights), bit for bit: dst (N, out) = x (N, in) · wᵀ + b, b of
// (out) or nil, all float32. A product too small for the blocked GEMM
// (which LinearTo then computes with plain loops) needs the weights as
// they are, so p cannot serve it: LinearPackedTo panics, and callers
// check PackedServes first.
func LinearPackedTo(dst, x *Tensor, p *PackedWeights, b *Tensor) {
	linearPacked(dst, x, p, b, false)
}

// LinearReLUPackedTo is LinearPackedTo followed by ReLU, applied to each
// tile of dst as the GEMM finishes it, while it is in cache: bit for bit
// LinearTo, then UnaryTo(OpReLU), for a float32 product PackedServes.
func LinearReLUPackedTo(dst, x *Tensor, p *PackedWeights, b *Tensor) {
	linearPacked(dst, x, p, b, true)
}

func linearPacked(dst, x *Tensor, p *PackedWeights, b *Tensor, relu bool) {
	if x.dtype != Float32 || dst.dtype != Float32 || x.Dims() != 2 || dst.Dims() != 2 || x.shape[1] != p.in ||
		dst.shape[0] != x.shape[0] || dst.shape[1] != p.out || (b != nil && (b.dtype != Float32 || b.Dims() != 1 || b.shape[0] != p.out)) {
		panic(fmt.Sprintf("tensor: linear of %v %v with packed weights (%d, %d) into %v %v", x.dtype, x.shape, p.out, p.in, dst.dtype, dst.shape))
	}
	n := x.shape[0]
	if !PackedServes(p, n) {
		panic(fmt.Sprintf("tensor: packed weights (%d, %d) for %d rows: a product for LinearTo's plain loops", p.out, p.in, n))
	}
	var bias []float32
	if b != nil {
		bias = b.f32
	}
	pk := &p.packs[1]
	if p.packs[0].Fits(n) {
		pk = &p.packs[0]
	}
	kernels.SgemmPackedBias(n, x.f32, max(p.in, 1), pk, bias, relu, dst.f32, max(p.out, 1))
}

// PackedServes reports whether LinearPackedTo can compute a product of n
// rows with p: one large enough for the blocked GEMM.
func PackedServes(p *PackedWeights, n int) bool {
	return n > 0 && p.out > 0 && p.in > 0 && kernels.Blocked(n, p.out, p.in) && (p.packs[0].Fits(n) || p.packs[1].Fits(n))
}
