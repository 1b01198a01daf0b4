package autograd

import (
	"fmt"

	"github.com/baeum-ml/baeum/tensor"
)

// embeddingOp looks rows of a table up by id.
type embeddingOp struct{}

var embeddingV embeddingOp

func (embeddingOp) Name() string { return "embedding" }

// Embedding returns the rows of the table w (V, D) named by ids, token ids
// of any shape (int64, or floats holding whole numbers): the result has
// ids' shape followed by D, as PyTorch's F.embedding. It is the product of
// one-hot vectors with w without building them, so its gradient adds row
// i of the output's gradient to row ids[i] of w's. ids gets no gradient.
func (g *Graph) Embedding(w, ids *Value) *Value { return g.Apply(embeddingV, w, ids) }

func (embeddingOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	w, ids := in[0], in[1]
	if w.Dims() != 2 || ids.Dims() >= tensor.MaxDims {
		panic(fmt.Sprintf("autograd: embedding: table %v and ids %v (want (V, D) and fewer than %d dimensions)", w.Shape(), ids.Shape(), tensor.MaxDims))
	}
	var buf [tensor.MaxDims]int
	shape := append(append(buf[:0], ids.Shape()...), w.Shape()[1])
	out := c.Arena().Empty(w.DType(), shape...)
	tensor.EmbeddingTo(out, w, ids)
	return out
}

func (embeddingOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] != nil {
		tensor.EmbeddingBackward(gin[0], gout, c.Input(1))
	}
}
