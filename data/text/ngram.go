package text

import (
	"fmt"
	"math"
)

// NGram is a character n-gram model with interpolated Kneser-Ney
// smoothing (Chen and Goodman, 1998): the baseline a neural language
// model of the same examples must beat. Each example is the token
// sequence Vocab.Encode gives; every character and the closing boundary
// is predicted from the n−1 tokens before it, the start padded with
// boundaries.
type NGram struct {
	N     int
	v     int                 // outcomes: the characters and the boundary
	count []map[string]int    // per order k = 1…N: count of each k-gram (raw at N, continuation below)
	ctx   []map[string][2]int // per order: each context's total count and number of distinct followers
	disc  []float64           // per order: the absolute discount
}

// key encodes token ids as a map key, two bytes each.
func key(ids []int) string {
	b := make([]byte, 2*len(ids))
	for i, id := range ids {
		b[2*i], b[2*i+1] = byte(id>>8), byte(id)
	}
	return string(b)
}

// contexts calls f with the padded context of every predicted token of
// every sequence: the n−1 tokens before it.
func contexts(seqs [][]int, n int, f func(ctx []int, w int)) {
	pad := make([]int, n-1)
	for i := range pad {
		pad[i] = Boundary
	}
	for _, s := range seqs {
		full := append(append([]int(nil), pad...), s[1:]...) // s[0] is the opening boundary
		for i := n - 1; i < len(full); i++ {
			f(full[i-n+1:i], full[i])
		}
	}
}

// FitNGram counts the n-grams of the examples (encoded by v).
func FitNGram(n int, examples []string, v *Vocab) (*NGram, error) {
	if n < 1 || n > 12 {
		return nil, fmt.Errorf("n-gram order %d: want 1 to 12", n)
	}
	seqs, err := encodeAll(examples, v)
	if err != nil {
		return nil, err
	}
	m := &NGram{N: n, v: v.Size() - 1, count: make([]map[string]int, n+1), ctx: make([]map[string][2]int, n+1), disc: make([]float64, n+1)}
	// Raw counts of the highest order.
	m.count[n] = map[string]int{}
	contexts(seqs, n, func(ctx []int, w int) {
		m.count[n][key(append(append([]int(nil), ctx...), w))]++
	})
	// Continuation counts below: how many distinct tokens precede each
	// k-gram among the (k+1)-grams.
	for k := n - 1; k >= 1; k-- {
		m.count[k] = map[string]int{}
		for g := range m.count[k+1] {
			m.count[k][g[2:]]++
		}
	}
	for k := 1; k <= n; k++ {
		m.ctx[k] = map[string][2]int{}
		n1, n2 := 0, 0
		for g, c := range m.count[k] {
			h := g[:len(g)-2]
			t := m.ctx[k][h]
			t[0] += c
			t[1]++
			m.ctx[k][h] = t
			switch c {
			case 1:
				n1++
			case 2:
				n2++
			}
		}
		m.disc[k] = 0.75
		if n1 > 0 && n2 > 0 {
			m.disc[k] = float64(n1) / float64(n1+2*n2)
		}
	}
	return m, nil
}

func encodeAll(examples []string, v *Vocab) ([][]int, error) {
	seqs := make([][]int, len(examples))
	for i, e := range examples {
		s, err := v.Encode(e)
		if err != nil {
			return nil, fmt.Errorf("example %d: %w", i+1, err)
		}
		seqs[i] = s
	}
	return seqs, nil
}

// prob is P(w | ctx) with the context's last k−1 tokens.
func (m *NGram) prob(ctx []int, w int, k int) float64 {
	if k == 0 {
		return 1 / float64(m.v)
	}
	h := ctx[len(ctx)-(k-1):]
	lower := m.prob(ctx, w, k-1)
	hk := key(h)
	t, ok := m.ctx[k][hk]
	if !ok || t[0] == 0 {
		return lower
	}
	c := m.count[k][hk+key([]int{w})]
	d := m.disc[k]
	return (math.Max(float64(c)-d, 0) + d*float64(t[1])*lower) / float64(t[0])
}

// Loss returns the mean cross-entropy, in nats per predicted token (each
// character and each example's end), of the model on the examples.
func (m *NGram) Loss(examples []string, v *Vocab) (float64, error) {
	seqs, err := encodeAll(examples, v)
	if err != nil {
		return 0, err
	}
	sum, n := 0.0, 0
	contexts(seqs, m.N, func(ctx []int, w int) {
		sum -= math.Log(m.prob(ctx, w, m.N))
		n++
	})
	if n == 0 {
		return 0, fmt.Errorf("no examples")
	}
	return sum / float64(n), nil
}
