package data

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"

	"github.com/baeum-ml/baeum/tensor"
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
	// pool and lens group sequences of similar lengths (see Bucket);
	// scratch holds a pool's order while its batches are reordered.
	pool    int
	lens    func(i int) int
	scratch []int
	// shares are the batches EpochShares collates for more than one share
	// (b serves one); out[0] and, when prefetching, out[1] are the
	// slices it yields them in.
	shares []*Batch
	out    [2][]*Batch
	// prefetch collates each batch ahead (see Prefetch), alternately
	// into the batches above and into spare; the items of the task that
	// does it are rows of the batches in items.
	prefetch bool
	spare    []*Batch
	task     tensor.Task
	items    []aheadItem
	runItem  func(i int)
}

// An aheadItem is a few rows of a batch that a prefetching loader
// collates ahead: one task item.
type aheadItem struct {
	b      *Batch
	lo, hi int
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
	l.runItem = l.collateItem
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

// Lengther is a dataset of sequences that knows each example's length
// (its real steps, before padding) without collating it.
type Lengther interface {
	SeqLen(i int) int
}

// seqLens returns the lengths of ds's examples, looking through Range's
// windows, or nil when ds does not know them.
func seqLens(ds Dataset) func(int) int {
	switch d := ds.(type) {
	case Lengther:
		return d.SeqLen
	case window:
		if f := seqLens(d.Dataset); f != nil {
			return func(i int) int { return f(d.lo + i) }
		}
	case labelledWindow:
		return seqLens(d.window)
	}
	return nil
}

// Bucket makes a shuffling loader group sequences of similar lengths,
// as torchtext's BucketIterator and fairseq do: each epoch's shuffled
// order is cut into pools of pool batches, each pool is sorted by length
// (longest first; equal lengths keep their shuffled order) and cut into
// batches, and those batches are visited in a random order. A batch is
// then padded only to about its own examples' length, so far less of
// its work is padding. The last, short batch of an epoch stays last.
// Pool 0 turns bucketing off. Bucket refuses a negative pool, a loader
// that does not shuffle, and a dataset that is not a Lengther (possibly
// through Range).
func (l *Loader) Bucket(pool int) error {
	if pool < 0 {
		return fmt.Errorf("data: a bucket pool of %d batches", pool)
	}
	if pool > 0 {
		if !l.shuffle {
			return errors.New("data: bucketing needs a shuffling loader")
		}
		lens := seqLens(l.ds)
		if lens == nil {
			return fmt.Errorf("data: bucketing needs the examples' lengths, which %T does not give", l.ds)
		}
		l.lens = lens
	}
	l.pool = pool
	return nil
}

// bucket reorders l.order pool by pool (see Bucket).
func (l *Loader) bucket() {
	span := l.pool * l.batch
	for lo := 0; lo < len(l.order); lo += span {
		chunk := l.order[lo:min(lo+span, len(l.order))]
		slices.SortStableFunc(chunk, func(a, b int) int { return cmp.Compare(l.lens(b), l.lens(a)) })
		full := len(chunk) / l.batch // a short remainder stays at the end
		l.scratch = append(l.scratch[:0], chunk...)
		pos := 0
		for _, b := range l.rng.Perm(full) {
			pos += copy(chunk[pos:], l.scratch[b*l.batch:(b+1)*l.batch])
		}
	}
}

// Prefetch makes the loader collate each batch ahead, while the loop
// works on the one before: the idle workers of the tensor operations
// (see tensor.Task) prepare the next batch's examples, a few at a time,
// between the operations' own jobs, and what is left when the loop asks
// for the batch is collated then. It applies to datasets whose examples
// are prepared in parallel anyway (Images and an augmented dataset, see
// Batch.Collate); others are collated when asked for, as without it.
// The batches hold the same numbers either way.
//
// A prefetching loader yields two sets of batches in turn; a batch is
// valid until the next one is produced, as without it. Changing the
// dataset, or the loader, while a pass is under way is not allowed:
// the next batch is being read already.
func (l *Loader) Prefetch(on bool) { l.prefetch = on }

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
	shares := l.EpochShares(1)
	return func(yield func(*Batch) bool) {
		for bs := range shares {
			if !yield(bs[0]) {
				return
			}
		}
	}
}

// EpochShares is Epoch for data-parallel training within one process:
// it cuts each batch that Epoch would give into n shares of nearly equal
// size, examples [lo + g·k/n, lo + g·(k+1)/n) of a batch [lo, lo+g), and
// collates each into a batch of its own whose Global is g. Of n > 1
// shares, one that would be empty (a last batch of fewer than n
// examples) is left out. The batches are valid until the next ones; one
// share is the batch Epoch gives.
func (l *Loader) EpochShares(n int) iter.Seq[[]*Batch] {
	if n < 1 {
		panic(fmt.Sprintf("data: %d shares of a batch", n))
	}
	batches := []*Batch{l.b}
	if n > 1 {
		if len(l.shares) != n { // batches of the capacity n shares need
			l.shares = l.shares[:0]
			for range n {
				l.shares = append(l.shares, NewBatch(l.ds.Spec(), (l.batch+n-1)/n))
			}
		}
		batches = l.shares
	}
	epoch := l.begin()
	if !l.prefetch || parallelGrain(l.ds, epoch) == 0 {
		return func(yield func([]*Batch) bool) {
			for b := 0; b < l.Len(); b++ {
				l.out[0] = l.cut(b, batches, epoch, l.out[0])
				for _, sb := range l.out[0] {
					sb.collateAll()
					sb.finish()
				}
				if !yield(l.out[0]) {
					return
				}
			}
		}
	}
	// Two sets of batches, used in turn: the loop trains on one while
	// the kernels' idle workers collate the next batch into the other.
	if len(l.spare) != len(batches) || len(l.spare[0].rows) != len(batches[0].rows) {
		l.spare = l.spare[:0]
		for _, b := range batches {
			l.spare = append(l.spare, NewBatch(l.ds.Spec(), len(b.rows)))
		}
	}
	sets := [2][]*Batch{batches, l.spare}
	return func(yield func([]*Batch) bool) {
		if l.Len() == 0 {
			return
		}
		// However the loop ends (done, left early, or a panic in its
		// body), the batch being collated ahead is finished before the
		// pass returns: nothing writes the loader's batches after it.
		defer l.task.Wait()
		l.out[0] = l.cut(0, sets[0], epoch, l.out[0])
		l.startAhead(l.out[0], epoch)
		for b := 0; b < l.Len(); b++ {
			l.task.Wait()
			out := l.out[b%2]
			for _, sb := range out {
				sb.finish()
			}
			if b+1 < l.Len() {
				next := (b + 1) % 2
				l.out[next] = l.cut(b+1, sets[next], epoch, l.out[next])
				l.startAhead(l.out[next], epoch)
			}
			if !yield(out) {
				return
			}
		}
	}
}

// cut sets the examples of each share of batch b on the set of batches
// (Batch.cds and cidx, which collateAll or the task collating ahead
// read) and returns the shares in out, reused. A share of n > 1 that
// would be empty is left out.
func (l *Loader) cut(b int, set []*Batch, epoch int, out []*Batch) []*Batch {
	n := len(set)
	lo, hi, global := l.span(b)
	out = out[:0]
	for k, sb := range set {
		slo, shi := lo+(hi-lo)*k/n, lo+(hi-lo)*(k+1)/n
		if slo == shi && n > 1 {
			continue
		}
		sb.Epoch, sb.Global = epoch, global
		sb.cds, sb.cidx = l.ds, l.order[slo:shi]
		out = append(out, sb)
	}
	return out
}

// startAhead starts the task that collates the batches set, a few rows
// an item (collateItem).
func (l *Loader) startAhead(set []*Batch, epoch int) {
	per := max(parallelGrain(l.ds, epoch)/4, 1)
	l.items = l.items[:0]
	for _, sb := range set {
		for lo := 0; lo < len(sb.cidx); lo += per {
			l.items = append(l.items, aheadItem{sb, lo, min(lo+per, len(sb.cidx))})
		}
	}
	l.task.Start(len(l.items), l.runItem)
}

// collateItem collates task item i's rows.
func (l *Loader) collateItem(i int) {
	it := l.items[i]
	it.b.collateRows(0, it.lo, it.hi)
}

// span returns the examples of batch b that this process collates, as a
// range of the epoch's order, and the whole batch's size.
func (l *Loader) span(b int) (lo, hi, global int) {
	lo = b * l.batch
	hi = min(lo+l.batch, len(l.order))
	global = hi - lo
	if l.size > 1 {
		lo, hi = lo+global*l.rank/l.size, lo+global*(l.rank+1)/l.size
	}
	return lo, hi, global
}

// begin starts a pass: it counts it, draws its order when the loader
// shuffles, and returns its epoch.
func (l *Loader) begin() int {
	epoch := l.epoch
	l.epoch++
	if l.shuffle {
		// Fisher–Yates from the identity, so the order depends only on the
		// random source's state, not on earlier epochs' orders.
		for i := range l.order {
			l.order[i] = i
		}
		l.rng.Shuffle(len(l.order), func(i, j int) { l.order[i], l.order[j] = l.order[j], l.order[i] })
		if l.pool > 0 {
			l.bucket()
		}
	}
	return epoch
}
