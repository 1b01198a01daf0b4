package data

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLoaderShard checks data-parallel sharding: for every global batch,
// the shares of the ranks, in rank order, are exactly the batch an
// unsharded loader with the same seed gives, each share knows the global
// batch's size, and a short last batch leaves some shares empty rather
// than repeating examples.
func TestLoaderShard(t *testing.T) {
	ds := tiny(t, 23, grey(2, 3))
	const batch, ranks = 8, 3
	var whole [][]int64
	full := NewLoader(ds, batch, true, false, rand.New(rand.NewPCG(5, 5)))
	for b := range full.Epoch() {
		whole = append(whole, exampleIDs(b))
	}
	shares := make([][][]int64, ranks)
	for r := range ranks {
		l := NewLoader(ds, batch, true, false, rand.New(rand.NewPCG(5, 5)))
		l.Shard(r, ranks)
		i := 0
		for b := range l.Epoch() {
			if want := len(whole[i]); b.Global != want {
				t.Fatalf("rank %d, batch %d: Global %d, want %d", r, i, b.Global, want)
			}
			shares[r] = append(shares[r], exampleIDs(b))
			i++
		}
	}
	for i, w := range whole {
		var got []int64
		for r := range ranks {
			got = append(got, shares[r][i]...)
		}
		if !slices.Equal(got, w) {
			t.Errorf("batch %d: shares %v, want %v", i, got, w)
		}
	}
	// 23 = 8 + 8 + 7 examples: the last batch splits 2, 2, 3.
	if n := len(shares[0][2]); n != 2 {
		t.Errorf("rank 0's share of the last batch has %d examples, want 2", n)
	}
}

// TestLoaderEpochShares checks the shares of each batch that one process
// trains on at once: in order, they are the batch Epoch gives, each knows
// the whole batch's size, and a last batch of fewer examples than shares
// has no empty share.
func TestLoaderEpochShares(t *testing.T) {
	ds := tiny(t, 18, grey(2, 3))
	const batch, n = 8, 3
	var whole [][]int64
	for b := range NewLoader(ds, batch, true, false, rand.New(rand.NewPCG(5, 5))).Epoch() {
		whole = append(whole, exampleIDs(b))
	}
	l := NewLoader(ds, batch, true, false, rand.New(rand.NewPCG(5, 5)))
	i := 0
	for bs := range l.EpochShares(n) {
		var got []int64
		sizes := []int{}
		for _, b := range bs {
			if b.Global != len(whole[i]) {
				t.Fatalf("batch %d: Global %d, want %d", i, b.Global, len(whole[i]))
			}
			got = append(got, exampleIDs(b)...)
			sizes = append(sizes, b.Size)
		}
		if !slices.Equal(got, whole[i]) {
			t.Errorf("batch %d: shares %v, want %v", i, got, whole[i])
		}
		// 18 = 8 + 8 + 2: shares of 2, 3, 3 twice, then 1 and 1.
		want := []int{2, 3, 3}
		if i == 2 {
			want = []int{1, 1}
		}
		if !slices.Equal(sizes, want) {
			t.Errorf("batch %d: shares of %v examples, want %v", i, sizes, want)
		}
		i++
	}
	if i != len(whole) {
		t.Errorf("%d batches in shares, want %d", i, len(whole))
	}
}

// exampleIDs returns the examples of a batch of tiny's 2×3 images, whose
// first pixel holds the example's index.
func exampleIDs(b *Batch) []int64 {
	x := b.Inputs[0].F32()
	out := make([]int64, b.Size)
	for k := range out {
		out[k] = int64(x[k*6]*255 + 0.5)
	}
	return out
}
