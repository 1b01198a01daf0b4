package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// Embedding maps token ids to learned vectors: a table Weight of Num rows
// of Dim numbers, of which an id picks one, as PyTorch's nn.Embedding. It
// takes ids of any shape, typically (N, T) int64, and gives (N, T, Dim):
// the input of a recurrent layer reading text.
type Embedding struct {
	Num, Dim int
	Weight   *autograd.Value // (Num, Dim)
}

// NewEmbedding returns an embedding of num ids into dim numbers, its
// table drawn from the standard normal distribution N(0, 1), as PyTorch's.
func NewEmbedding(rng *rand.Rand, num, dim int) *Embedding {
	checkPositive("Embedding", num, dim)
	return &Embedding{Num: num, Dim: dim,
		Weight: autograd.NewParam("weight", tensor.RandNormal(rng, tensor.Float32, 0, 1, num, dim))}
}

// Forward looks up the ids (int64, or floats holding whole numbers, each
// in [0, Num)); an id out of range panics.
func (e *Embedding) Forward(g *autograd.Graph, ids *autograd.Value) *autograd.Value {
	return g.Embedding(e.Weight, ids)
}

// ForwardN looks up xs[0] and passes the other inputs on unchanged, so
// that the lengths of a padded batch reach the recurrent layer after the
// embedding: nn.Sequence(embedding, lstm, …).ForwardN(g, []*autograd.Value{ids, lengths}).
func (e *Embedding) ForwardN(g *autograd.Graph, xs []*autograd.Value) []*autograd.Value {
	if len(xs) == 0 {
		panic(fmt.Sprintf("nn: %v needs the ids", e))
	}
	return append([]*autograd.Value{e.Forward(g, xs[0])}, xs[1:]...)
}

// Params returns the table, weight. Its role is Other: it is a table of
// vectors, not a map from inputs to outputs with a fan-in, so
// initialization schemes leave it as NewEmbedding drew it.
func (e *Embedding) Params() []Param {
	return []Param{{Name: "weight", Value: e.Weight, Role: Other}}
}

// String describes the layer.
func (e *Embedding) String() string { return fmt.Sprintf("Embedding(%d, %d)", e.Num, e.Dim) }
