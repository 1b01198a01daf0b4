package data

import (
	"fmt"
	"math"
	"slices"

	"github.com/baeum-ml/baeum/tensor"
)

// Images is a dataset of 8-bit images (grey or colour, stored C×H×W) with
// integer class labels, converted per example by an ImagePrep. Its
// examples have one input, "image", and an int64 target, "label".
type Images struct {
	pixels  []byte // N·C·H·W bytes
	labels  []int32
	prep    ImagePrep
	classes []string
	per     int
	shape   []int
}

// NewImages wraps the images in pixels (RawSize bytes each, one after
// another; not copied) and their labels, prepared as prep says. classes,
// if given, names the labels 0, 1, …; every label must be below
// len(classes), or non-negative if classes is empty.
func NewImages(pixels []byte, labels []int, prep ImagePrep, classes []string) (*Images, error) {
	if err := prep.Validate(); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	n, per := len(labels), prep.RawSize()
	if len(pixels) != n*per {
		return nil, fmt.Errorf("data: %d bytes of pixels do not hold %d images of %d×%d×%d", len(pixels), n, prep.Channels, prep.Height, prep.Width)
	}
	ls := make([]int32, n)
	for i, l := range labels {
		if err := checkLabel("image", i, int64(l), classes, 1<<31); err != nil {
			return nil, err
		}
		ls[i] = int32(l)
	}
	return &Images{pixels: pixels, labels: ls, prep: prep, classes: slices.Clone(classes), per: per, shape: prep.Shape()}, nil
}

// Len returns the number of images.
func (d *Images) Len() int { return len(d.labels) }

// Spec returns one float32 input "image" of the prepared shape and an
// int64 target "label".
func (d *Images) Spec() Spec {
	return Spec{
		Inputs:  []Field{{Name: "image", DType: tensor.Float32, Shape: slices.Clone(d.shape)}},
		Target:  Field{Name: "label", DType: tensor.Int64},
		Classes: slices.Clone(d.classes),
	}
}

// Prep returns how the images are prepared.
func (d *Images) Prep() ImagePrep { return d.prep }

// Example prepares image i into the row and writes its label.
func (d *Images) Example(i int, r Row) int {
	d.prep.Prepare(r.Inputs[0].F32(), d.Pixels(i))
	r.Target.I64()[0] = int64(d.labels[i])
	return 0
}

// touch reads one byte of every cache line of the images idx and their
// labels, and returns a value made of them so that the reads cannot be
// left out. A shuffled batch's images lie anywhere in the stored bytes,
// most of them in main memory: read in one pass of independent loads,
// the processor fetches dozens of lines at once, where preparing the
// images one after another waits for each image's lines in turn. See
// Batch.collateRows.
func (d *Images) touch(idx []int) byte {
	var s byte
	for _, i := range idx {
		p := d.Pixels(i)
		for o := 0; o < len(p); o += 64 {
			s += p[o]
		}
		if len(p) > 0 {
			s += p[len(p)-1]
		}
		s += byte(d.labels[i])
	}
	return s
}

// Label returns the label of image i without converting it.
func (d *Images) Label(i int) int { return int(d.labels[i]) }

// Pixels returns the stored bytes of image i.
func (d *Images) Pixels(i int) []byte { return d.pixels[i*d.per : (i+1)*d.per : (i+1)*d.per] }

// Slice returns the images [lo, hi) as a dataset sharing memory with d,
// as for holding out the last images of a training set for validation.
func (d *Images) Slice(lo, hi int) *Images {
	if lo < 0 || hi < lo || hi > d.Len() {
		panic(fmt.Sprintf("data: slice [%d:%d] of %d images", lo, hi, d.Len()))
	}
	s := *d
	s.pixels = d.pixels[lo*d.per : hi*d.per]
	s.labels = d.labels[lo:hi]
	return &s
}

// WithPrep returns the same images prepared another way (a different
// padding, normalisation or flattening); the stored size and channels
// must stay.
func (d *Images) WithPrep(prep ImagePrep) (*Images, error) {
	if prep.Height != d.prep.Height || prep.Width != d.prep.Width || prep.Channels != d.prep.Channels {
		return nil, fmt.Errorf("data: images are %d×%d×%d, the preparation is for %d×%d×%d", d.prep.Channels, d.prep.Height, d.prep.Width, prep.Channels, prep.Height, prep.Width)
	}
	if err := prep.Validate(); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	s := *d
	s.prep, s.shape = prep, prep.Shape()
	return &s, nil
}

// Tensors is a dataset held in memory: inputs X whose leading axis
// indexes examples, and a target Y with the same leading axis — int64
// class labels, or float32 values for regression and binary targets.
type Tensors struct {
	x, y    *tensor.Tensor
	classes []string
}

// NewTensors wraps x and y (not copied). x must be float32; y float32
// or int64, of shape (N) or (N, k…). classes names the labels of an int64
// target.
func NewTensors(x, y *tensor.Tensor, classes []string) (*Tensors, error) {
	switch {
	case x.DType() != tensor.Float32 || x.Dims() == 0:
		return nil, fmt.Errorf("data: inputs must be a float32 tensor with a leading example axis, got %v %v", x.DType(), x.Shape())
	case y.DType() != tensor.Float32 && y.DType() != tensor.Int64, y.Dims() == 0:
		return nil, fmt.Errorf("data: targets must be a float32 or int64 tensor with a leading example axis, got %v %v", y.DType(), y.Shape())
	case x.Shape()[0] != y.Shape()[0]:
		return nil, fmt.Errorf("data: %d inputs and %d targets", x.Shape()[0], y.Shape()[0])
	}
	if y.DType() == tensor.Int64 {
		for i, l := range y.I64() {
			if err := checkLabel("target", i, l, classes, math.MaxInt64); err != nil {
				return nil, err
			}
		}
	}
	return &Tensors{x: x, y: y, classes: slices.Clone(classes)}, nil
}

// Len returns the number of examples.
func (t *Tensors) Len() int { return t.x.Shape()[0] }

// Spec returns one input "x" and a target "y" of the tensors' shapes.
func (t *Tensors) Spec() Spec {
	return Spec{
		Inputs:  []Field{{Name: "x", DType: tensor.Float32, Shape: slices.Clone(t.x.Shape()[1:])}},
		Target:  Field{Name: "y", DType: t.y.DType(), Shape: slices.Clone(t.y.Shape()[1:])},
		Classes: slices.Clone(t.classes),
	}
}

// Example copies example i into the row.
func (t *Tensors) Example(i int, r Row) int {
	nx, ny := r.Inputs[0].Len(), r.Target.Len()
	copyNumbers(r.Inputs[0], t.x, i*nx, nx)
	copyNumbers(r.Target, t.y, i*ny, ny)
	return 0
}

// Label returns the label of example i of an int64 target; it panics for
// a float target (a regression dataset has no labels to stratify by).
func (t *Tensors) Label(i int) int { return int(t.y.I64()[t.y.Len()/t.y.Shape()[0]*i]) }

// checkLabel returns an error naming example i (an image, a target) if
// its label l is negative or not below the number of classes — limit
// when there are no class names.
func checkLabel(what string, i int, l int64, classes []string, limit int64) error {
	if len(classes) > 0 {
		limit = int64(len(classes))
	}
	if l < 0 || l >= limit {
		return fmt.Errorf("data: %s %d has label %d, outside 0…%d", what, i, l, limit-1)
	}
	return nil
}

// copyNumbers copies the n numbers of src from offset lo into the start
// of dst, of the same element type (float32 or int64), without making a
// view: an example of a dataset into its row of a batch.
func copyNumbers(dst, src *tensor.Tensor, lo, n int) {
	if src.DType() == tensor.Int64 {
		copy(dst.I64(), src.I64()[lo:lo+n])
		return
	}
	copy(dst.F32(), src.F32()[lo:lo+n])
}

// ChannelStats returns the mean and standard deviation of each channel's
// pixels over all the images, scaled to [0, 1]: the normalisation an
// ImagePrep takes, computed from a training split only. A channel of one
// value has a standard deviation of 1 (nothing to divide by).
func (d *Images) ChannelStats() (mean, std []float64) {
	c := d.prep.Channels
	plane := d.prep.Height * d.prep.Width
	mean, std = make([]float64, c), make([]float64, c)
	for ch := range c {
		var hist [256]int64
		for i := range d.Len() {
			for _, v := range d.Pixels(i)[ch*plane : (ch+1)*plane] {
				hist[v]++
			}
		}
		var n, s, ss float64
		for v, k := range hist {
			x, f := float64(v)/255, float64(k)
			n += f
			s += f * x
			ss += f * x * x
		}
		if n == 0 {
			mean[ch], std[ch] = 0, 1
			continue
		}
		m := s / n
		v := max(ss/n-m*m, 0)
		mean[ch], std[ch] = m, math.Sqrt(v)
		if std[ch] < 1e-3 {
			std[ch] = 1
		}
	}
	return mean, std
}
