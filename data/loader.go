package data

import (
	"fmt"
	"iter"
	"math/rand/v2"
)

// A Loader cuts a dataset into batches. It reuses one Batch, so a batch is
// valid only until the next one is produced.
type Loader struct {
	ds       Dataset
	batch    int
	shuffle  bool
	dropLast bool
	rng      *rand.Rand
	order    []int
	b        *Batch
	epoch    int // the epoch of the next pass, 1-based
	// rank and size shard every batch for data-parallel training (see
	// Shard); size 0 or 1 is no sharding.
	rank, size int
}

// NewLoader returns a loader with the given batch size. When shuffle is
// set, every epoch visits the examples in a new order drawn from rng (an
// explicit source, so a seed reproduces the run); dropLast skips a final
// batch smaller than the batch size.
func NewLoader(ds Dataset, batch int, shuffle, dropLast bool, rng *rand.Rand) *Loader {
	if batch <= 0 {
		panic(fmt.Sprintf("data: batch size %d", batch))
	}
	if shuffle && rng == nil {
		panic("data: a shuffling loader needs a random source")
	}
	l := &Loader{ds: ds, batch: batch, shuffle: shuffle, dropLast: dropLast, rng: rng,
		order: make([]int, ds.Len()), b: NewBatch(ds.Spec(), batch), epoch: 1}
	for i := range l.order {
		l.order[i] = i
	}
	return l
}

// Len returns the number of batches in an epoch.
func (l *Loader) Len() int {
	n := l.ds.Len() / l.batch
	if !l.dropLast && l.ds.Len()%l.batch != 0 {
		n++
	}
	return n
}

// Shard makes the loader one of size processes of data-parallel
// training, rank among them: every process draws the same order (their
// random sources are seeded alike) and cuts the same global batches of
// the loader's batch size, and each collates only its share of each
// batch, examples [lo + n·rank/size, lo + n·(rank+1)/size) of a batch
// [lo, lo+n). A share may be empty when a last, short batch has fewer
// examples than processes. Batch.Global says how many the whole batch
// holds.
func (l *Loader) Shard(rank, size int) {
	if size < 1 || rank < 0 || rank >= size {
		panic(fmt.Sprintf("data: shard %d of %d", rank, size))
	}
	l.rank, l.size = rank, size
}

// Dataset returns the loader's dataset.
func (l *Loader) Dataset() Dataset { return l.ds }

// SetEpoch says which epoch (1-based) the next pass is: an augmented
// dataset (see Augment) keys its random transforms by it. The loader
// counts passes from 1 by itself; a trainer resuming a run at epoch k
// calls SetEpoch(k), as PyTorch's DistributedSampler.set_epoch, so that
// the examples are transformed as in an uninterrupted run.
func (l *Loader) SetEpoch(epoch int) {
	if epoch < 1 {
		panic(fmt.Sprintf("data: epoch %d, want 1 or more", epoch))
	}
	l.epoch = epoch
}

// Epoch returns the batches of one pass over the data, shuffled first if
// the loader shuffles, and counts the pass (see SetEpoch). Breaking out
// of the loop early is allowed. The examples of an augmented dataset
// (see Augment) are transformed and prepared in parallel over the batch
// (see Batch.Collate).
func (l *Loader) Epoch() iter.Seq[*Batch] {
	epoch := l.epoch
	l.epoch++
	if l.shuffle {
		// Fisher–Yates from the identity, so the order depends only on the
		// random source's state, not on earlier epochs' orders.
		for i := range l.order {
			l.order[i] = i
		}
		l.rng.Shuffle(len(l.order), func(i, j int) { l.order[i], l.order[j] = l.order[j], l.order[i] })
	}
	return func(yield func(*Batch) bool) {
		for b := 0; b < l.Len(); b++ {
			lo := b * l.batch
			hi := min(lo+l.batch, len(l.order))
			l.b.Epoch = epoch
			global := hi - lo
			if l.size > 1 {
				lo, hi = lo+global*l.rank/l.size, lo+global*(l.rank+1)/l.size
			}
			l.b.Collate(l.ds, l.order[lo:hi])
			l.b.Global = global
			if !yield(l.b) {
				return
			}
		}
	}
}
