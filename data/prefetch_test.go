package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// batchRecord is what a test keeps of a yielded batch: its counts and
// the bits of its tensors.
type batchRecord struct {
	size, global, epoch int
	bits                []uint32
}

func recordShares(bs []*Batch) []batchRecord {
	var out []batchRecord
	for _, b := range bs {
		r := batchRecord{size: b.Size, global: b.Global, epoch: b.Epoch}
		ts := append([]*tensor.Tensor{b.Target, b.Mask}, b.Inputs...)
		for _, x := range ts {
			if x == nil {
				continue
			}
			if x.Shape()[0] != b.Size {
				panic(fmt.Sprintf("a tensor of %v in a batch of %d", x.Shape(), b.Size))
			}
			switch x.DType() {
			case tensor.Float32:
				for _, v := range x.F32() {
					r.bits = append(r.bits, math.Float32bits(v))
				}
			case tensor.Int64:
				for _, v := range x.I64() {
					r.bits = append(r.bits, uint32(v), uint32(v>>32))
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// passes runs three passes of a loader, the first left after stop
// batches (0: not left), and records every batch.
func passes(l *Loader, shares, stop int) [][]batchRecord {
	var out [][]batchRecord
	for p := range 3 {
		k := 0
		for bs := range l.EpochShares(shares) {
			out = append(out, recordShares(bs))
			k++
			if p == 0 && k == stop {
				break
			}
		}
	}
	return out
}

// TestLoaderPrefetch checks that a prefetching loader yields the
// batches a plain one does, bit for bit, with the same counts, for
// stored images, augmented ones (transformed by epoch, one example an
// item) and a dataset that is collated when asked for; in one share and
// in several; with a short last batch or without; on one thread and
// more; and after a pass left early.
func TestLoaderPrefetch(t *testing.T) {
	x := tensor.New(tensor.Float32, 45, 3)
	for i := range x.F32() {
		x.F32()[i] = float32(i) / 7
	}
	ts, err := NewTensors(x, tensor.FromInts(make([]int, 45)), nil)
	if err != nil {
		t.Fatal(err)
	}
	digits := digitImages(t, 45)
	sets := map[string]Dataset{
		"images":    digits,
		"augmented": Augment(digits, digitAugmenter(t, "digits", 4)),
		"tensors":   ts,
	}
	for name, ds := range sets {
		for _, threads := range []int{1, 2, 3} {
			for _, c := range []struct{ batch, shares, stop int }{{16, 1, 0}, {16, 1, 1}, {8, 3, 2}, {45, 1, 0}, {7, 2, 0}} {
				for _, dropLast := range []bool{false, true} {
					what := fmt.Sprintf("%s, %d threads, batch %d in %d shares, dropLast %v, first pass left after %d", name, threads, c.batch, c.shares, dropLast, c.stop)
					old := tensor.SetThreads(threads)
					plain := NewLoader(ds, c.batch, true, dropLast, rand.New(rand.NewPCG(3, 4)))
					want := passes(plain, c.shares, c.stop)
					ahead := NewLoader(ds, c.batch, true, dropLast, rand.New(rand.NewPCG(3, 4)))
					ahead.Prefetch(true)
					got := passes(ahead, c.shares, c.stop)
					tensor.SetThreads(old)
					if len(got) != len(want) {
						t.Fatalf("%s: %d batches, want %d", what, len(got), len(want))
					}
					for i := range want {
						if len(got[i]) != len(want[i]) {
							t.Fatalf("%s: batch %d in %d shares, want %d", what, i, len(got[i]), len(want[i]))
						}
						for k, w := range want[i] {
							g := got[i][k]
							if g.size != w.size || g.global != w.global || g.epoch != w.epoch {
								t.Fatalf("%s: batch %d share %d: size %d of %d, epoch %d; want %d of %d, epoch %d", what, i, k, g.size, g.global, g.epoch, w.size, w.global, w.epoch)
							}
							if len(g.bits) != len(w.bits) {
								t.Fatalf("%s: batch %d share %d: %d numbers, want %d", what, i, k, len(g.bits), len(w.bits))
							}
							for j := range w.bits {
								if g.bits[j] != w.bits[j] {
									t.Fatalf("%s: batch %d share %d: number %d differs", what, i, k, j)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestLoaderPrefetchBatchesApart checks that the batch a prefetching
// loader yields is not written while the loop holds it: the next batch
// is collated into other buffers.
func TestLoaderPrefetchBatchesApart(t *testing.T) {
	defer tensor.SetThreads(tensor.SetThreads(2))
	ds := digitImages(t, 64)
	l := NewLoader(ds, 16, false, false, nil)
	l.Prefetch(true)
	var prev *Batch
	for b := range l.Epoch() {
		if b == prev {
			t.Fatalf("two batches in a row in the same buffers")
		}
		snap := append([]float32(nil), b.Inputs[0].F32()...)
		for range 200 { // time for the workers to collate the next batch
			tensor.Parallel(2, 1, func(int, int, int) {})
		}
		for i, v := range b.Inputs[0].F32() {
			if v != snap[i] {
				t.Fatalf("the batch changed while the loop held it")
			}
		}
		prev = b
	}
}

// TestLoaderPrefetchAllocs checks that prefetching adds no allocations
// to a warm pass.
func TestLoaderPrefetchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items at random")
	}
	defer tensor.SetThreads(tensor.SetThreads(2))
	ds := digitImages(t, 200)
	count := func(prefetch bool) float64 {
		l := NewLoader(ds, 16, true, false, rand.New(rand.NewPCG(1, 1)))
		l.Prefetch(prefetch)
		for range l.Epoch() {
		}
		return testing.AllocsPerRun(5, func() {
			for range l.Epoch() {
			}
		})
	}
	if plain, ahead := count(false), count(true); ahead > plain {
		t.Errorf("a warm pass of 13 batches allocates %v times with prefetching, %v without", ahead, plain)
	}
}

// TestLoaderPrefetchPanic checks that a panic in the loop's body leaves
// nothing collating behind it: the batch that was being collated ahead
// is finished when the panic leaves the loop, and the next pass gives
// the batches a plain loader does.
func TestLoaderPrefetchPanic(t *testing.T) {
	defer tensor.SetThreads(tensor.SetThreads(2))
	// Batches of 200 images: collating one ahead takes the worker far
	// longer than the panic takes to leave the loop.
	ds := digitImages(t, 400)
	l := NewLoader(ds, 200, false, false, nil)
	l.Prefetch(true)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatalf("the loop's panic was lost")
			}
		}()
		for range l.Epoch() {
			panic("the loop's body")
		}
	}()
	// The second batch, collated ahead, is whole now and stays so.
	ahead := l.spare[0].fullIn[0].F32()
	snap := append([]float32(nil), ahead...)
	plain := NewLoader(ds, 200, false, false, nil)
	var want, got [][]batchRecord
	for b := range plain.Epoch() {
		want = append(want, recordShares([]*Batch{b}))
	}
	second := plain.b.fullIn[0].F32()
	for i, v := range ahead {
		if math.Float32bits(snap[i]) != math.Float32bits(second[i]) {
			t.Fatalf("the batch collated ahead was not whole when the loop ended")
		}
		if v != snap[i] {
			t.Fatalf("the batch collated ahead changed after the loop ended")
		}
	}
	for b := range l.Epoch() {
		got = append(got, recordShares([]*Batch{b}))
	}
	if len(got) != len(want) {
		t.Fatalf("%d batches after the panic, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i][0].bits {
			if got[i][0].bits[j] != want[i][0].bits[j] {
				t.Fatalf("batch %d after the panic differs", i)
			}
		}
	}
}
