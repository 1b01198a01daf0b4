// Package data feeds examples to training: datasets of named inputs and
// a target, the preprocessing record that travels with a model, and a
// batching loader.
//
// An example is one or more named inputs and a target, each a tensor of a
// fixed shape and element type: float32 pixels or features, int64 labels
// or token ids. A sequence field varies in length from example to
// example; a batch pads it to the field's maximum and carries the lengths
// and a mask, so that losses can leave the padded steps out.
//
// Images stay as bytes, as they were stored; a Loader converts one batch
// at a time into reused tensors (through the Preprocess record, the same
// function serving uses), so a 60,000-image data set costs 47 MB rather
// than four times that, and no epoch materialises a float copy of the
// whole set.
package data

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/baeum-ml/baeum/tensor"
)

// Field describes one named tensor of an example.
type Field struct {
	// Name names the field ("image", "features", "label", "tokens").
	Name string `json:"name"`
	// DType is the element type: tensor.Float32 for numbers a model reads
	// or regresses, tensor.Int64 for class labels, token ids and indices.
	DType tensor.DType `json:"dtype"`
	// Shape is the shape of one example's field; for a sequence field,
	// Shape[0] is the longest sequence the batch holds.
	Shape []int `json:"shape"`
	// Sequence marks a field whose first axis varies from example to
	// example: a batch pads it to Shape[0] with Pad and records lengths
	// and a mask.
	Sequence bool `json:"sequence,omitempty"`
	// Pad is the value of padded steps of a sequence field (for an int64
	// target, the loss's ignore index, such as -100).
	Pad float64 `json:"pad,omitempty"`
}

// Spec describes a dataset's examples: its inputs, in the order a model
// takes them, and its target.
type Spec struct {
	Inputs []Field `json:"inputs"`
	Target Field   `json:"target"`
	// Classes names the classes of a classification target, in label
	// order; empty when the target is not a class or has no names.
	Classes []string `json:"classes,omitempty"`
}

// Sequence reports whether any field of the spec is a sequence.
func (s Spec) Sequence() bool {
	for _, f := range s.Inputs {
		if f.Sequence {
			return true
		}
	}
	return s.Target.Sequence
}

// Validate reports an error unless the spec has at least one input, every
// field has a name, a known element type and a non-negative shape, and
// sequence fields have a first axis.
func (s Spec) Validate() error {
	if len(s.Inputs) == 0 {
		return fmt.Errorf("data: a spec needs at least one input")
	}
	for i, f := range append(slices.Clip(s.Inputs), s.Target) {
		if f.Name == "" {
			if i == len(s.Inputs) {
				return fmt.Errorf("data: the target has no name")
			}
			return fmt.Errorf("data: input %d has no name", i)
		}
		if f.DType != tensor.Float32 && f.DType != tensor.Int64 {
			return fmt.Errorf("data: field %q has element type %v, want float32 or int64", f.Name, f.DType)
		}
		for _, d := range f.Shape {
			if d < 0 {
				return fmt.Errorf("data: field %q has shape %v", f.Name, f.Shape)
			}
		}
		if f.Sequence && (len(f.Shape) == 0 || f.Shape[0] == 0) {
			return fmt.Errorf("data: sequence field %q needs a maximum length as the first axis of its shape", f.Name)
		}
	}
	return nil
}

// Dataset is a collection of examples described by a Spec.
type Dataset interface {
	// Len returns the number of examples.
	Len() int
	// Spec describes the examples.
	Spec() Spec
	// Example writes example i into row: one tensor per input of the
	// Spec, in order, and the target, each of the field's shape. A
	// sequence field's row is pre-filled with its Pad value; Example
	// writes the steps the example has and returns their number (0 when
	// the dataset has no sequence field).
	Example(i int, row Row) int
}

// Row is where one example goes: views of one row of a batch.
type Row struct {
	Inputs []*tensor.Tensor
	Target *tensor.Tensor
	// Epoch is the training epoch (1-based) the row is prepared for, or
	// 0 outside training: a dataset that varies its examples from epoch
	// to epoch (an augmented one) keys its random draws by it, and
	// leaves examples as they are when it is 0.
	Epoch int

	raw *[]byte // scratch bytes of this row, for an augmented image
}

// Labelled is a dataset whose examples have integer class labels that can
// be read without converting the example, for stratifying and counting.
type Labelled interface {
	Dataset
	Label(i int) int
}

// Batch is a collated mini-batch: the inputs in the order of the Spec, the
// target, and, when a field is a sequence, each example's length and a
// mask. Its tensors are reused by the next Collate.
type Batch struct {
	// Names holds the inputs' names.
	Names []string
	// Inputs holds one tensor per input, of shape (Size, field shape…).
	Inputs []*tensor.Tensor
	// Target is the target, of shape (Size, target shape…): int64
	// labels or float32 values.
	Target *tensor.Tensor
	// Lengths holds each example's length when the spec has a sequence
	// field; nil otherwise.
	Lengths []int
	// Mask is (Size, T) float32, 1 for the steps an example has and 0
	// for padding, when the spec has a sequence field; nil otherwise.
	Mask *tensor.Tensor
	// Size is the number of examples.
	Size int
	// Global is the number of examples of the whole batch this one is a
	// share of, in data-parallel training (see Loader.Shard); otherwise
	// it equals Size.
	Global int
	// Epoch is the training epoch (1-based) the next Collate prepares
	// examples for, told to the dataset in each Row; 0, the default,
	// outside training, where augmented datasets give their examples
	// unchanged. A Loader sets it.
	Epoch int

	spec                   Spec
	fullIn                 []*tensor.Tensor
	fullTarget, fullMask   *tensor.Tensor
	lengths                []int
	rows                   []Row
	seqLen                 int
	shortIn                []*tensor.Tensor
	shortTarget, shortMask *tensor.Tensor
	shortSize              int
	raws                   [][]byte

	// What a Collate, or a loader's collating ahead, works on: the
	// dataset, the indices, and the method value run over chunks of
	// rows (made once, so a warm Collate allocates nothing).
	cds     Dataset
	cidx    []int
	collate func(worker, lo, hi int)
}

// NewBatch returns an empty batch for up to capacity examples of spec.
func NewBatch(spec Spec, capacity int) *Batch {
	if capacity <= 0 {
		panic(fmt.Sprintf("data: batch capacity %d", capacity))
	}
	if err := spec.Validate(); err != nil {
		panic(err.Error())
	}
	b := &Batch{spec: spec, rows: make([]Row, capacity), shortSize: -1} // -1: no short views yet, not even for an empty batch
	for _, f := range spec.Inputs {
		b.Names = append(b.Names, f.Name)
		b.fullIn = append(b.fullIn, tensor.New(f.DType, append([]int{capacity}, f.Shape...)...))
		if f.Sequence {
			b.seqLen = max(b.seqLen, f.Shape[0])
		}
	}
	t := spec.Target
	b.fullTarget = tensor.New(t.DType, append([]int{capacity}, t.Shape...)...)
	if t.Sequence {
		b.seqLen = max(b.seqLen, t.Shape[0])
	}
	if b.seqLen > 0 {
		b.fullMask = tensor.New(tensor.Float32, capacity, b.seqLen)
		b.lengths = make([]int, capacity)
	}
	b.raws = make([][]byte, capacity)
	b.collate = b.collateRows
	for k := range b.rows {
		r := Row{Inputs: make([]*tensor.Tensor, len(b.fullIn)), Target: b.fullTarget.Index(k), raw: &b.raws[k]}
		for f, x := range b.fullIn {
			r.Inputs[f] = x.Index(k)
		}
		b.rows[k] = r
	}
	b.Inputs = slices.Clone(b.fullIn)
	return b
}

// Spec returns the spec the batch was made for.
func (b *Batch) Spec() Spec { return b.spec }

// Input returns the input called name, or nil.
func (b *Batch) Input(name string) *tensor.Tensor {
	for i, n := range b.Names {
		if n == name {
			return b.Inputs[i]
		}
	}
	return nil
}

// Labels returns the target's int64 labels; it panics if the target is
// not int64.
func (b *Batch) Labels() []int64 { return b.Target.I64() }

// Collate writes the examples idx of ds into b: the batch's tensors are
// views of the first len(idx) rows of its buffers. It panics if idx holds
// more examples than the batch's capacity or ds does not match the spec
// the batch was made for. Images (this package's Images, and an
// augmented dataset, see Augment, whose examples are transformed for
// b.Epoch) are prepared in parallel, over the tensor.Threads() workers;
// what each row holds does not depend on their number.
func (b *Batch) Collate(ds Dataset, idx []int) {
	b.cds, b.cidx = ds, idx
	b.collateAll()
	b.finish()
	b.Global = len(idx)
}

// collateAll writes the examples b.cidx of b.cds into the batch's first
// rows: images in parallel (collateRows), other datasets one by one.
func (b *Batch) collateAll() {
	n := len(b.cidx)
	if n > len(b.rows) {
		panic(fmt.Sprintf("data: %d examples for a batch of capacity %d", n, len(b.rows)))
	}
	if grain := parallelGrain(b.cds, b.Epoch); grain > 0 {
		tensor.Parallel(n, grain, b.collate)
		return
	}
	for k, i := range b.cidx {
		b.collateRow(b.cds, k, i)
	}
}

// finish makes the batch's tensors views of its first len(b.cidx) rows,
// once the rows hold their examples, and forgets what they came from
// (b.cds, b.cidx).
func (b *Batch) finish() {
	n := len(b.cidx)
	b.cds, b.cidx = nil, nil
	b.Size = n
	if n == len(b.rows) {
		copy(b.Inputs, b.fullIn)
		b.Target, b.Mask = b.fullTarget, b.fullMask
	} else {
		if b.shortSize != n {
			// A smaller batch (the last of an epoch) gets views made once
			// per size.
			b.shortIn = b.shortIn[:0]
			for _, x := range b.fullIn {
				b.shortIn = append(b.shortIn, x.Slice(0, n))
			}
			b.shortTarget = b.fullTarget.Slice(0, n)
			if b.fullMask != nil {
				b.shortMask = b.fullMask.Slice(0, n)
			}
			b.shortSize = n
		}
		copy(b.Inputs, b.shortIn)
		b.Target, b.Mask = b.shortTarget, b.shortMask
	}
	if b.seqLen > 0 {
		b.Lengths = b.lengths[:n]
	}
}

// touched receives what Images.touch returns, so that its reads are kept.
var touched atomic.Uint32

// parallelGrain returns the fewest rows a worker of a parallel Collate
// of ds takes, or 0 for a Collate on the calling goroutine: the datasets
// of this package whose Example is safe to call from several goroutines
// at once. An augmented example (transformed, then prepared) is worth a
// worker of its own; a stored image is prepared in a microsecond or two,
// so a worker takes at least 16. A batch of 64 MNIST digits on two
// threads, two chunks of 32, took 11 µs flat (the MLP's input) and 24
// µs padded to 32×32 (LeNet-5's), against 20 and 61 on one thread before
// (Prepare then filled the whole padded image first); medians of seven
// runs of 2,000 batches.
func parallelGrain(ds Dataset, epoch int) int {
	switch ds.(type) {
	case *augmented:
		if epoch > 0 {
			return 1
		}
		return 16 // Example then prepares the stored image as it is
	case *Images:
		return 16
	}
	return 0
}

// collateRows collates rows [lo, hi) of a parallel Collate. Stored
// images are first touched, all of the chunk's (Images.touch): 64 random
// images of 60,000 (MNIST's size) flattened on two threads, after a
// 16 MB pass that leaves them in main memory, took a median of 21–35 µs
// in four runs of 300 batches, against 37–54 µs untouched (a throwaway
// test).
func (b *Batch) collateRows(_, lo, hi int) {
	if d, ok := b.cds.(*Images); ok {
		touched.Add(uint32(d.touch(b.cidx[lo:hi])))
	}
	for k := lo; k < hi; k++ {
		b.collateRow(b.cds, k, b.cidx[k])
	}
}

// collateRow writes example i of ds into row k.
func (b *Batch) collateRow(ds Dataset, k, i int) {
	r := b.rows[k]
	r.Epoch = b.Epoch
	for f, field := range b.spec.Inputs {
		if field.Sequence {
			r.Inputs[f].Fill(field.Pad)
		}
	}
	if b.spec.Target.Sequence {
		r.Target.Fill(b.spec.Target.Pad)
	}
	l := ds.Example(i, r)
	if b.seqLen > 0 {
		if l < 0 || l > b.seqLen {
			panic(fmt.Sprintf("data: example %d has length %d, the batch holds at most %d steps", i, l, b.seqLen))
		}
		b.lengths[k] = l
		m := b.fullMask.F32()[k*b.seqLen : (k+1)*b.seqLen]
		for t := range m {
			m[t] = 0
			if t < l {
				m[t] = 1
			}
		}
	}
}

// An Augmenter draws random transforms of stored images (C×H×W bytes),
// for training: package data/augment has the usual ones.
type Augmenter interface {
	// Augment writes into dst a random transform of src, of the same
	// size. The transform must depend only on the augmenter, epoch and
	// index (the example's index in its dataset), so that a run does not
	// depend on the number of threads and a resumed run repeats an
	// uninterrupted one. It is called from several goroutines at once.
	Augment(dst, src []byte, epoch, index int)
}

// Augment returns the images d as a training set whose examples a
// transforms at random: a Batch collating example i for epoch e (see
// Batch.Epoch, which a Loader sets) prepares a.Augment of its stored
// bytes for (e, i). Outside training (epoch 0) the examples are d's, as
// they are. With a nil augmenter Augment returns d. Validation and test
// sets are never augmented: pass them on as they are.
func Augment(d *Images, a Augmenter) Dataset {
	if a == nil {
		return d
	}
	if s, ok := a.(interface{ Shape() (c, h, w int) }); ok {
		if c, h, w := s.Shape(); c != d.prep.Channels || h != d.prep.Height || w != d.prep.Width {
			panic(fmt.Sprintf("data: an augmenter of %d×%d×%d images for images of %d×%d×%d", c, h, w, d.prep.Channels, d.prep.Height, d.prep.Width))
		}
	}
	return &augmented{d, a}
}

// augmented is a set of images transformed by an Augmenter.
type augmented struct {
	*Images
	aug Augmenter
}

// Example prepares image i, transformed for the row's epoch.
func (d *augmented) Example(i int, r Row) int {
	if r.Epoch <= 0 {
		return d.Images.Example(i, r)
	}
	var buf []byte
	if r.raw != nil {
		buf = *r.raw
	}
	if cap(buf) < d.per {
		buf = make([]byte, d.per)
		if r.raw != nil {
			*r.raw = buf
		}
	}
	buf = buf[:d.per]
	d.aug.Augment(buf, d.Pixels(i), r.Epoch, i)
	d.prep.Prepare(r.Inputs[0].F32(), buf)
	r.Target.I64()[0] = int64(d.labels[i])
	return 0
}

// Subset returns the first n examples of ds (all of them if n ≤ 0 or n is
// larger), for quick runs and tests.
func Subset(ds Dataset, n int) Dataset {
	if n <= 0 || n >= ds.Len() {
		return ds
	}
	return Range(ds, 0, n)
}

// Range returns the examples [lo, hi) of ds as a dataset, sharing memory
// with it.
func Range(ds Dataset, lo, hi int) Dataset {
	if lo < 0 || hi < lo || hi > ds.Len() {
		panic(fmt.Sprintf("data: range [%d:%d] of %d examples", lo, hi, ds.Len()))
	}
	if im, ok := ds.(*Images); ok {
		return im.Slice(lo, hi)
	}
	w := window{ds, lo, hi - lo}
	if _, ok := ds.(Labelled); ok {
		return labelledWindow{w}
	}
	return w
}

type window struct {
	Dataset
	lo, n int
}

func (w window) Len() int                 { return w.n }
func (w window) Example(i int, r Row) int { return w.Dataset.Example(w.lo+i, r) }

// labelledWindow is a window of a Labelled dataset.
type labelledWindow struct{ window }

func (w labelledWindow) Label(i int) int { return w.Dataset.(Labelled).Label(w.lo + i) }
