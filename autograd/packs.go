package autograd

import (
	"sync"

	"github.com/baeum-ml/baeum/tensor"
)

// WeightPacks holds the weight matrices of parameters packed once for
// the GEMM kernels (tensor.PackWeights), for inference graphs that run a
// model whose weights do not change (Graph.Packs), as ONNX Runtime packs
// a model's weights when it creates a session. Linear packs a parameter's
// weights the first time it multiplies by them and uses that copy from
// then on: a change to the numbers of a weight matrix afterwards is not
// seen until Reset. A parameter given a new tensor (Value.SetData) is
// packed anew. It is safe for concurrent use by several graphs.
type WeightPacks struct {
	mu sync.Mutex
	m  map[*Value]packed
}

type packed struct {
	data *tensor.Tensor // the tensor that was packed
	w    *tensor.PackedWeights
}

// NewWeightPacks returns an empty set of packed weights.
func NewWeightPacks() *WeightPacks { return &WeightPacks{m: make(map[*Value]packed)} }

// Reset forgets every packed matrix: call it after changing weights.
func (p *WeightPacks) Reset() {
	p.mu.Lock()
	clear(p.m)
	p.mu.Unlock()
}

// Len returns the number of matrices packed.
func (p *WeightPacks) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.m)
}

// of returns w's data packed, packing it if need be, or nil when w is not
// a float32 (out, in) parameter.
func (p *WeightPacks) of(w *Value) *tensor.PackedWeights {
	if w == nil || w.graph != nil || w.kind != "param" || w.data.DType() != tensor.Float32 || w.data.Dims() != 2 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.m[w]
	if !ok || e.data != w.data {
		e = packed{w.data, tensor.PackWeights(w.data)}
		p.m[w] = e
	}
	return e.w
}
