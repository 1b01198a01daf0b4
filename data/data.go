// Package data feeds examples to training: datasets, transforms and a
// batching loader.
//
// Images stay as bytes, as they were stored; a Loader converts one batch
// at a time into a reused float32 tensor, so a 60,000-image data set costs
// 47 MB rather than four times that, and no epoch materialises a float
// copy of the whole set.
package data

import (
	"fmt"
	"iter"
	"math/rand/v2"

	"github.com/baeum-ml/baeum/tensor"
)

// Dataset is a collection of labelled examples of a fixed shape.
type Dataset interface {
	// Len returns the number of examples.
	Len() int
	// Shape returns the shape of one example as Load writes it.
	Shape() []int
	// Load writes example i, converted to numbers, into dst (whose length
	// is the product of Shape) and returns its label.
	Load(i int, dst []float32) int
}

// Transform says how an 8-bit grey-scale image becomes the numbers a model
// sees: scaled to [0, 1], normalised as (x - Mean)/Std, padded with Pad
// pixels of background on every side, and either kept as a 1×H×W image or
// flattened to a vector.
type Transform struct {
	Pad       int
	Mean, Std float64
	Flatten   bool
}

// MNISTMean and MNISTStd are the mean and standard deviation of MNIST's
// training pixels scaled to [0, 1], the usual normalisation.
const (
	MNISTMean = 0.1307
	MNISTStd  = 0.3081
)

// Images is a dataset of 8-bit grey-scale images with integer labels,
// converted per example by a Transform.
type Images struct {
	pixels []byte // N·H·W bytes
	labels []uint8
	h, w   int
	tf     Transform
	scale  float32 // pixel value v becomes v·scale + offset
	offset float32
}

// NewImages wraps n images of h×w bytes (row-major, one after another) and
// their labels, without copying them. A Std of 0 means 1.
func NewImages(pixels []byte, labels []uint8, h, w int, tf Transform) (*Images, error) {
	n := len(labels)
	if h <= 0 || w <= 0 || len(pixels) != n*h*w {
		return nil, fmt.Errorf("data: %d bytes of pixels do not hold %d images of %d×%d", len(pixels), n, h, w)
	}
	if tf.Pad < 0 {
		return nil, fmt.Errorf("data: negative padding %d", tf.Pad)
	}
	if tf.Std == 0 {
		tf.Std = 1
	}
	d := &Images{pixels: pixels, labels: labels, h: h, w: w, tf: tf,
		scale: float32(1 / (255 * tf.Std)), offset: float32(-tf.Mean / tf.Std)}
	return d, nil
}

// Len returns the number of images.
func (d *Images) Len() int { return len(d.labels) }

// Shape returns (1, H+2·Pad, W+2·Pad), or (H·W) when flattened.
func (d *Images) Shape() []int {
	if d.tf.Flatten {
		return []int{(d.h + 2*d.tf.Pad) * (d.w + 2*d.tf.Pad)}
	}
	return []int{1, d.h + 2*d.tf.Pad, d.w + 2*d.tf.Pad}
}

// Load converts image i into dst and returns its label.
func (d *Images) Load(i int, dst []float32) int {
	p := d.tf.Pad
	ow := d.w + 2*p
	if len(dst) != (d.h+2*p)*ow {
		panic(fmt.Sprintf("data: Load needs a buffer of %d numbers, got %d", (d.h+2*p)*ow, len(dst)))
	}
	img := d.pixels[i*d.h*d.w : (i+1)*d.h*d.w]
	if p == 0 {
		tensor.BytesToFloat32(dst, img, d.scale, d.offset)
		return int(d.labels[i])
	}
	for j := range dst {
		dst[j] = d.offset // the background, pixel value 0
	}
	for y := 0; y < d.h; y++ {
		tensor.BytesToFloat32(dst[(y+p)*ow+p:(y+p)*ow+p+d.w], img[y*d.w:(y+1)*d.w], d.scale, d.offset)
	}
	return int(d.labels[i])
}

// Label returns the label of image i without converting it.
func (d *Images) Label(i int) int { return int(d.labels[i]) }

// Pixels returns the raw bytes of image i.
func (d *Images) Pixels(i int) []byte { return d.pixels[i*d.h*d.w : (i+1)*d.h*d.w] }

// Slice returns the images [lo, hi) as a dataset sharing memory with d,
// as for holding out the last images of a training set for validation.
func (d *Images) Slice(lo, hi int) *Images {
	if lo < 0 || hi < lo || hi > d.Len() {
		panic(fmt.Sprintf("data: slice [%d:%d] of %d images", lo, hi, d.Len()))
	}
	s := *d
	s.pixels = d.pixels[lo*d.h*d.w : hi*d.h*d.w]
	s.labels = d.labels[lo:hi]
	return &s
}

// Subset returns the first n examples of ds (all of them if n ≤ 0 or n is
// larger), for quick runs and tests.
func Subset(ds Dataset, n int) Dataset {
	if n <= 0 || n >= ds.Len() {
		return ds
	}
	return Range(ds, 0, n)
}

// Tensors is a dataset held in memory as a float32 tensor whose leading
// axis indexes examples, with integer labels — for the user's own data.
type Tensors struct {
	X      *tensor.Tensor
	Labels []int
}

// Len returns the number of examples.
func (t Tensors) Len() int { return len(t.Labels) }

// Shape returns the shape of one example.
func (t Tensors) Shape() []int { return t.X.Shape()[1:] }

// Load copies example i into dst and returns its label.
func (t Tensors) Load(i int, dst []float32) int {
	n := len(dst)
	copy(dst, t.X.F32()[i*n:(i+1)*n])
	return t.Labels[i]
}

// A Loader cuts a dataset into batches: a float32 tensor of shape
// (B, example shape…) and the B labels. It reuses one batch buffer, so a
// batch is valid only until the next one is produced.
type Loader struct {
	ds       Dataset
	batch    int
	shuffle  bool
	dropLast bool
	rng      *rand.Rand
	order    []int
	x        *tensor.Tensor
	labels   []int
	example  int // numbers per example
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
	shape := append([]int{batch}, ds.Shape()...)
	l := &Loader{ds: ds, batch: batch, shuffle: shuffle, dropLast: dropLast, rng: rng,
		order: make([]int, ds.Len()), x: tensor.New(tensor.Float32, shape...), labels: make([]int, batch)}
	l.example = tensor.Numel(ds.Shape())
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

// Dataset returns the loader's dataset.
func (l *Loader) Dataset() Dataset { return l.ds }

// Epoch returns the batches of one pass over the data, shuffled first if
// the loader shuffles. Breaking out of the loop early is allowed.
func (l *Loader) Epoch() iter.Seq2[*tensor.Tensor, []int] {
	if l.shuffle {
		// Fisher–Yates from the identity, so the order depends only on the
		// random source's state, not on earlier epochs' orders.
		for i := range l.order {
			l.order[i] = i
		}
		l.rng.Shuffle(len(l.order), func(i, j int) { l.order[i], l.order[j] = l.order[j], l.order[i] })
	}
	return func(yield func(*tensor.Tensor, []int) bool) {
		for b := 0; b < l.Len(); b++ {
			lo := b * l.batch
			hi := min(lo+l.batch, len(l.order))
			x := l.x
			if hi-lo < l.batch {
				x = l.x.Slice(0, hi-lo)
			}
			buf := x.F32()
			for k, idx := range l.order[lo:hi] {
				l.labels[k] = l.ds.Load(idx, buf[k*l.example:(k+1)*l.example])
			}
			if !yield(x, l.labels[:hi-lo]) {
				return
			}
		}
	}
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
	return window{ds, lo, hi - lo}
}

type window struct {
	Dataset
	lo, n int
}

func (w window) Len() int                      { return w.n }
func (w window) Load(i int, dst []float32) int { return w.Dataset.Load(w.lo+i, dst) }
