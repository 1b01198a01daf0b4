package data

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// grey returns the preparation of grey h×w images with no normalisation.
func grey(h, w int) ImagePrep { return ImagePrep{Height: h, Width: w, Channels: 1} }

// tiny makes n grey 2×3 images whose pixels all hold their index,
// labelled i%10, prepared as prep says (Height 2, Width 3, Channels 1).
func tiny(t *testing.T, n int, prep ImagePrep) *Images {
	t.Helper()
	pix := make([]byte, n*6)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		for j := 0; j < 6; j++ {
			pix[i*6+j] = byte(i)
		}
		labels[i] = i % 10
	}
	d, err := NewImages(pix, labels, prep, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// collate returns a batch of ds's examples idx.
func collate(ds Dataset, idx ...int) *Batch {
	b := NewBatch(ds.Spec(), max(len(idx), 1))
	b.Collate(ds, idx)
	return b
}

// wantErr fails unless err is an error whose message holds every one of
// the substrings (the field or value it should name).
func wantErr(t *testing.T, what string, err error, substrs ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one naming %q", what, substrs)
		return
	}
	for _, s := range substrs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%s: error %q does not name %q", what, err, s)
		}
	}
}

// mustPanic fails unless f panics.
func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}

func TestNormaliseAndPad(t *testing.T) {
	d := tiny(t, 3, ImagePrep{Height: 2, Width: 3, Channels: 1, Pad: 1, Mean: []float64{0.5}, Std: []float64{0.25}})
	spec := d.Spec()
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(spec.Inputs) != 1 || spec.Inputs[0].Name != "image" || spec.Inputs[0].DType != tensor.Float32 ||
		!slices.Equal(spec.Inputs[0].Shape, []int{1, 4, 5}) || spec.Target.Name != "label" || spec.Target.DType != tensor.Int64 ||
		len(spec.Target.Shape) != 0 || spec.Sequence() {
		t.Fatalf("spec %+v, want one float32 input image (1, 4, 5) and an int64 scalar target label", spec)
	}
	b := collate(d, 2)
	if got := b.Labels(); !slices.Equal(got, []int64{2}) {
		t.Errorf("label %v, want [2]", got)
	}
	if got := b.Input("image").Shape(); !slices.Equal(got, []int{1, 1, 4, 5}) {
		t.Fatalf("batch shape %v, want [1 1 4 5]", got)
	}
	bg := float32((0 - 0.5) / 0.25)
	px := float32((2.0/255 - 0.5) / 0.25)
	want := []float32{
		bg, bg, bg, bg, bg,
		bg, px, px, px, bg,
		bg, px, px, px, bg,
		bg, bg, bg, bg, bg,
	}
	got := b.Input("image").F32()
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("padded image %v, want %v", got, want)
		}
		// The background is exactly the offset, the value of a 0 pixel.
		if want[i] == bg && got[i] != bg {
			t.Fatalf("padding %v, want exactly %v", got[i], bg)
		}
	}

	flat := tiny(t, 3, ImagePrep{Height: 2, Width: 3, Channels: 1, Flatten: true})
	if got := flat.Spec().Inputs[0].Shape; !slices.Equal(got, []int{6}) {
		t.Errorf("flattened shape %v, want [6]", got)
	}
	fb := collate(flat, 1, 2)
	if got := fb.Input("image").Shape(); !slices.Equal(got, []int{2, 6}) {
		t.Errorf("flattened batch shape %v, want [2 6]", got)
	}
	for i, v := range fb.Input("image").F32() {
		if w := float32(i/6+1) / 255; math.Abs(float64(v-w)) > 1e-7 {
			t.Fatalf("flattened value %d is %v, want %v", i, v, w)
		}
	}
}

// rgb makes n 3-channel h×w images: sample (c, y, x) of image i holds
// (i + 40c + 7y + x) mod 256. Labels are 0, 500, 999, 0, 500, … of 1000
// classes.
func rgb(t *testing.T, n, h, w int, prep ImagePrep) (*Images, []byte) {
	t.Helper()
	pix := make([]byte, n*3*h*w)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		for c := 0; c < 3; c++ {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					pix[((i*3+c)*h+y)*w+x] = byte(i + 40*c + 7*y + x)
				}
			}
		}
		labels[i] = []int{0, 500, 999}[i%3]
	}
	classes := make([]string, 1000)
	for i := range classes {
		classes[i] = "class" + string(rune('A'+i%26))
	}
	prep.Height, prep.Width, prep.Channels = h, w, 3
	d, err := NewImages(pix, labels, prep, classes)
	if err != nil {
		t.Fatal(err)
	}
	return d, pix
}

func TestImagesRGB(t *testing.T) {
	const h, w, pad = 3, 4, 2
	mean := []float64{0.1, 0.2, 0.3}
	std := []float64{0.5, 0.25, 0.125}
	d, pix := rgb(t, 4, h, w, ImagePrep{Mean: mean, Std: std, Pad: pad})
	oh, ow := h+2*pad, w+2*pad
	if got := d.Spec().Inputs[0].Shape; !slices.Equal(got, []int{3, oh, ow}) {
		t.Fatalf("shape %v, want [3 %d %d]", got, oh, ow)
	}
	if got := len(d.Spec().Classes); got != 1000 {
		t.Errorf("%d classes, want 1000", got)
	}
	b := collate(d, 0, 1, 2, 3)
	if got := b.Labels(); !slices.Equal(got, []int64{0, 500, 999, 0}) {
		t.Errorf("labels %v, want [0 500 999 0]", got)
	}
	for i := 0; i < 4; i++ {
		if d.Label(i) != []int{0, 500, 999}[i%3] {
			t.Errorf("Label(%d) = %d", i, d.Label(i))
		}
	}
	x := b.Input("image")
	if !slices.Equal(x.Shape(), []int{4, 3, oh, ow}) {
		t.Fatalf("batch shape %v", x.Shape())
	}
	got := x.F32()
	for i := 0; i < 4; i++ {
		if !slices.Equal(d.Pixels(i), pix[i*3*h*w:(i+1)*3*h*w]) {
			t.Errorf("Pixels(%d) is not image %d's bytes", i, i)
		}
		for c := 0; c < 3; c++ {
			bg := float32(-mean[c] / std[c])
			for y := 0; y < oh; y++ {
				for xx := 0; xx < ow; xx++ {
					v := got[((i*3+c)*oh+y)*ow+xx]
					iy, ix := y-pad, xx-pad
					if iy < 0 || iy >= h || ix < 0 || ix >= w {
						if v != bg {
							t.Fatalf("image %d channel %d padding (%d, %d) = %v, want %v", i, c, y, xx, v, bg)
						}
						continue
					}
					raw := pix[((i*3+c)*h+iy)*w+ix]
					want := (float64(raw)/255 - mean[c]) / std[c]
					if math.Abs(float64(v)-want) > 1e-5 {
						t.Fatalf("image %d channel %d pixel (%d, %d) = %v, want %v (raw %d)", i, c, iy, ix, v, want, raw)
					}
				}
			}
		}
	}

	// Flattening is the same numbers in the same (planar) order.
	flat, err := d.WithPrep(ImagePrep{Height: h, Width: w, Channels: 3, Mean: mean, Std: std, Pad: pad, Flatten: true})
	if err != nil {
		t.Fatal(err)
	}
	fb := collate(flat, 0, 1, 2, 3)
	if got := fb.Input("image").Shape(); !slices.Equal(got, []int{4, 3 * oh * ow}) {
		t.Fatalf("flattened batch shape %v", got)
	}
	if !slices.Equal(fb.Input("image").F32(), got) {
		t.Error("flattened images differ from the C×H×W ones")
	}

	// One mean and deviation serve every channel.
	one, err := d.WithPrep(ImagePrep{Height: h, Width: w, Channels: 3, Mean: []float64{0.5}, Std: []float64{0.5}})
	if err != nil {
		t.Fatal(err)
	}
	ob := collate(one, 1)
	for j, v := range ob.Input("image").F32() {
		want := (float64(pix[3*h*w+j])/255 - 0.5) / 0.5
		if math.Abs(float64(v)-want) > 1e-5 {
			t.Fatalf("shared normalisation: value %d is %v, want %v", j, v, want)
		}
	}
}

func TestNewImagesErrors(t *testing.T) {
	p := grey(2, 3)
	_, err := NewImages(make([]byte, 5), []int{0}, p, nil)
	wantErr(t, "5 bytes for one 2×3 image", err, "5 bytes", "1 images")
	_, err = NewImages(make([]byte, 13), []int{0, 1}, p, nil)
	wantErr(t, "13 bytes for two images", err, "13 bytes")
	_, err = NewImages(make([]byte, 12), []int{3, 10}, p, make([]string, 10))
	wantErr(t, "label 10 of 10 classes", err, "image 1", "label 10")
	_, err = NewImages(make([]byte, 12), []int{3, -1}, p, nil)
	wantErr(t, "negative label", err, "image 1", "label -1")
	_, err = NewImages(make([]byte, 12), []int{3, 2}, ImagePrep{Height: 2, Width: 3, Channels: 2}, nil)
	wantErr(t, "two channels", err, "channels 2")
	_, err = NewImages(make([]byte, 12), []int{3, 2}, ImagePrep{Height: 2, Width: 3, Channels: 1, Std: []float64{0}}, nil)
	wantErr(t, "std 0", err, "standard deviation 0")
	_, err = NewImages(nil, nil, ImagePrep{Height: 0, Width: 3, Channels: 1}, nil)
	wantErr(t, "height 0", err, "0×3")

	// Without class names any non-negative label goes, 999 included.
	d, err := NewImages(make([]byte, 12), []int{999, 256}, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := collate(d, 0, 1).Labels(); !slices.Equal(got, []int64{999, 256}) {
		t.Errorf("labels %v, want [999 256]", got)
	}
	// An empty set is allowed and has no batches.
	e, err := NewImages(nil, nil, p, nil)
	if err != nil || e.Len() != 0 || NewLoader(e, 4, false, false, nil).Len() != 0 {
		t.Errorf("empty set: %v", err)
	}
}

func TestWithPrep(t *testing.T) {
	d := tiny(t, 4, grey(2, 3))
	p := d.Spec().Inputs[0].Shape
	padded, err := d.WithPrep(ImagePrep{Height: 2, Width: 3, Channels: 1, Pad: 2, Mean: []float64{0.5}, Std: []float64{0.5}})
	if err != nil {
		t.Fatal(err)
	}
	if got := padded.Spec().Inputs[0].Shape; !slices.Equal(got, []int{1, 6, 7}) {
		t.Errorf("padded shape %v, want [1 6 7]", got)
	}
	if padded.Prep().Pad != 2 || d.Prep().Pad != 0 || !slices.Equal(d.Spec().Inputs[0].Shape, p) {
		t.Error("WithPrep changed the original images")
	}
	if padded.Len() != 4 || padded.Label(3) != 3 || &padded.Pixels(3)[0] != &d.Pixels(3)[0] {
		t.Error("WithPrep does not share the images and labels")
	}
	b := collate(padded, 3)
	x := b.Input("image").F32()
	if x[0] != -1 || math.Abs(float64(x[2*7+2])-(3.0/255-0.5)/0.5) > 1e-6 {
		t.Errorf("padded values %v", x)
	}
	_, err = d.WithPrep(grey(3, 2))
	wantErr(t, "other size", err, "1×2×3", "1×3×2")
	_, err = d.WithPrep(ImagePrep{Height: 2, Width: 3, Channels: 3})
	wantErr(t, "other channels", err, "3×2×3")
	_, err = d.WithPrep(ImagePrep{Height: 2, Width: 3, Channels: 1, Pad: -1})
	wantErr(t, "negative pad", err, "pad -1")
}

// epochOrder returns the pixel value of every example in an epoch's
// batches, which identifies the example, and the batches' sizes.
func epochOrder(t *testing.T, l *Loader) (order []int, sizes []int) {
	t.Helper()
	for b := range l.Epoch() {
		x := b.Input("image")
		labels := b.Labels()
		n := b.Size
		if x.Shape()[0] != n || len(labels) != n || b.Target.Shape()[0] != n {
			t.Fatalf("batch of %d with %v images and %d labels", n, x.Shape(), len(labels))
		}
		sizes = append(sizes, n)
		per := x.Len() / n
		for i := 0; i < n; i++ {
			idx := int(math.Round(float64(x.F32()[i*per]) * 255))
			order = append(order, idx)
			if labels[i] != int64(idx%10) {
				t.Fatalf("label %d with image %d", labels[i], idx)
			}
		}
	}
	return order, sizes
}

func TestLoader(t *testing.T) {
	d := tiny(t, 10, grey(2, 3))
	l := NewLoader(d, 4, false, false, nil)
	order, sizes := epochOrder(t, l)
	if !slices.Equal(order, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) || !slices.Equal(sizes, []int{4, 4, 2}) || l.Len() != 3 {
		t.Errorf("unshuffled: order %v sizes %v len %d", order, sizes, l.Len())
	}
	if l.Dataset() != Dataset(d) {
		t.Error("Dataset() is not the loader's dataset")
	}
	// A second epoch is the same, the short batch included.
	if o2, s2 := epochOrder(t, l); !slices.Equal(o2, order) || !slices.Equal(s2, sizes) {
		t.Errorf("second epoch: order %v sizes %v", o2, s2)
	}
	l = NewLoader(d, 4, false, true, nil)
	if _, sizes := epochOrder(t, l); !slices.Equal(sizes, []int{4, 4}) || l.Len() != 2 {
		t.Errorf("drop-last sizes %v len %d", sizes, l.Len())
	}
	l = NewLoader(d, 5, false, true, nil)
	if _, sizes := epochOrder(t, l); !slices.Equal(sizes, []int{5, 5}) || l.Len() != 2 {
		t.Errorf("drop-last with nothing to drop: sizes %v len %d", sizes, l.Len())
	}
	l = NewLoader(d, 32, false, true, nil)
	if _, sizes := epochOrder(t, l); len(sizes) != 0 || l.Len() != 0 {
		t.Errorf("drop-last of a batch larger than the set: sizes %v len %d", sizes, l.Len())
	}
	// Breaking out early is allowed.
	n := 0
	for range NewLoader(d, 3, false, false, nil).Epoch() {
		n++
		break
	}
	if n != 1 {
		t.Errorf("%d batches before the break", n)
	}

	// Shuffling: every example once per epoch, the order set by the seed.
	a := NewLoader(d, 3, true, false, tensor.NewRNG(42))
	b := NewLoader(d, 3, true, false, tensor.NewRNG(42))
	c := NewLoader(d, 3, true, false, tensor.NewRNG(43))
	a1, as := epochOrder(t, a)
	a2, _ := epochOrder(t, a)
	b1, _ := epochOrder(t, b)
	b2, _ := epochOrder(t, b)
	c1, _ := epochOrder(t, c)
	if !slices.Equal(a1, b1) || !slices.Equal(a2, b2) {
		t.Errorf("same seed, different orders: %v %v and %v %v", a1, a2, b1, b2)
	}
	if slices.Equal(a1, c1) || slices.Equal(a1, a2) {
		t.Errorf("orders did not change with the seed or the epoch: %v %v %v", a1, c1, a2)
	}
	if !slices.Equal(as, []int{3, 3, 3, 1}) {
		t.Errorf("shuffled sizes %v, want [3 3 3 1]", as)
	}
	for _, o := range [][]int{a1, a2, c1} {
		s := slices.Clone(o)
		slices.Sort(s)
		if !slices.Equal(s, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("epoch %v does not visit every example once", o)
		}
	}
	// A shuffled drop-last epoch visits distinct examples, a full batch's
	// worth each time.
	dl := NewLoader(d, 3, true, true, tensor.NewRNG(7))
	o, s := epochOrder(t, dl)
	if !slices.Equal(s, []int{3, 3, 3}) || len(slices.Compact(slices.Sorted(slices.Values(o)))) != 9 {
		t.Errorf("shuffled drop-last: order %v sizes %v", o, s)
	}

	mustPanic(t, "a batch size of 0", func() { NewLoader(d, 0, false, false, nil) })
	mustPanic(t, "shuffling without a source", func() { NewLoader(d, 2, true, false, nil) })
}

func TestRangeSubset(t *testing.T) {
	d := tiny(t, 10, grey(2, 3))
	r := Range(d, 7, 10)
	if r.Len() != 3 {
		t.Fatalf("Range(7, 10) has %d examples", r.Len())
	}
	if got := collate(r, 0, 2).Labels(); !slices.Equal(got, []int64{7, 9}) {
		t.Errorf("Range(7, 10) labels %v, want [7 9]", got)
	}
	if lr, ok := r.(Labelled); !ok || lr.Label(1) != 8 {
		t.Error("a range of images is not Labelled, or its Label is off")
	}
	if rr := Range(r, 1, 3); rr.Len() != 2 || rr.(Labelled).Label(0) != 8 {
		t.Error("a range of a range is off")
	}
	if e := Range(d, 4, 4); e.Len() != 0 {
		t.Errorf("an empty range has %d examples", e.Len())
	}

	x := tensor.New(tensor.Float32, 5, 2)
	for i := 0; i < 10; i++ {
		x.SetFlat(i, float64(i))
	}
	ts, err := NewTensors(x, tensor.FromInts([]int{0, 1, 2, 3, 4}), nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := Range(ts, 2, 4)
	if tr.Len() != 2 {
		t.Fatalf("tensor range has %d examples", tr.Len())
	}
	b := collate(tr, 1)
	if got := b.Input("x").F32(); !slices.Equal(got, []float32{6, 7}) || b.Labels()[0] != 3 {
		t.Errorf("tensor range example 1: %v label %v", got, b.Labels())
	}
	if lr, ok := tr.(Labelled); !ok || lr.Label(0) != 2 {
		t.Error("a range of labelled tensors is not Labelled, or its Label is off")
	}
	if !slices.Equal(tr.Spec().Inputs[0].Shape, []int{2}) {
		t.Errorf("a range's spec %+v", tr.Spec())
	}

	if Subset(d, 0) != Dataset(d) || Subset(d, 10) != Dataset(d) || Subset(d, 20) != Dataset(d) {
		t.Error("Subset of 0, all or more examples is not the dataset itself")
	}
	s := Subset(d, 4)
	if s.Len() != 4 || !slices.Equal(collate(s, 0, 3).Labels(), []int64{0, 3}) {
		t.Errorf("Subset(4): len %d", s.Len())
	}

	mustPanic(t, "Range(5, 3)", func() { Range(d, 5, 3) })
	mustPanic(t, "Range(0, 11)", func() { Range(d, 0, 11) })
	mustPanic(t, "Range(-1, 2)", func() { Range(ts, -1, 2) })
}

func TestTensors(t *testing.T) {
	x := tensor.New(tensor.Float32, 5, 2)
	for i := range x.F32() {
		x.F32()[i] = float32(i) + 0.5
	}
	// int64 class labels.
	ts, err := NewTensors(x, tensor.FromInts([]int{0, 1, 2, 1, 0}), []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	spec := ts.Spec()
	if ts.Len() != 5 || spec.Inputs[0].Name != "x" || !slices.Equal(spec.Inputs[0].Shape, []int{2}) ||
		spec.Target.Name != "y" || spec.Target.DType != tensor.Int64 || len(spec.Target.Shape) != 0 ||
		!slices.Equal(spec.Classes, []string{"a", "b", "c"}) {
		t.Fatalf("spec %+v", spec)
	}
	var xs []float32
	var ys []int64
	for b := range NewLoader(ts, 2, false, false, nil).Epoch() {
		xs = append(xs, b.Input("x").F32()...)
		ys = append(ys, b.Labels()...)
	}
	if !slices.Equal(xs, x.F32()) || !slices.Equal(ys, []int64{0, 1, 2, 1, 0}) {
		t.Errorf("epoch of tensors: %v %v", xs, ys)
	}
	if ts.Label(2) != 2 || ts.Label(4) != 0 {
		t.Errorf("Label(2) %d, Label(4) %d", ts.Label(2), ts.Label(4))
	}

	// float32 targets, one per example: shape (N).
	y1 := tensor.FromFloat32([]float32{0.1, 0.2, 0.3, 0.4, 0.5})
	t1, err := NewTensors(x, y1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := t1.Spec().Target; s.DType != tensor.Float32 || len(s.Shape) != 0 {
		t.Errorf("(N) float target spec %+v", s)
	}
	b1 := collate(t1, 4, 1)
	if got := b1.Target; !slices.Equal(got.Shape(), []int{2}) || !slices.Equal(got.F32(), []float32{0.5, 0.2}) {
		t.Errorf("(N) float target batch %v", got)
	}
	if got := b1.Input("x").F32(); !slices.Equal(got, []float32{8.5, 9.5, 2.5, 3.5}) {
		t.Errorf("inputs %v", got)
	}

	// float32 targets of shape (N, k).
	y3 := tensor.New(tensor.Float32, 5, 3)
	for i := range y3.F32() {
		y3.F32()[i] = float32(-i)
	}
	t3, err := NewTensors(x, y3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := t3.Spec().Target; s.DType != tensor.Float32 || !slices.Equal(s.Shape, []int{3}) {
		t.Errorf("(N, 3) float target spec %+v", s)
	}
	b3 := collate(t3, 3, 0)
	if got := b3.Target; !slices.Equal(got.Shape(), []int{2, 3}) || !slices.Equal(got.F32(), []float32{-9, -10, -11, 0, -1, -2}) {
		t.Errorf("(N, 3) float target batch %v", got)
	}

	// Inputs of more than one axis per example.
	x4 := tensor.New(tensor.Float32, 2, 2, 3)
	for i := range x4.F32() {
		x4.F32()[i] = float32(i)
	}
	t4, err := NewTensors(x4, tensor.FromInts([]int{1, 0}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := collate(t4, 1).Input("x"); !slices.Equal(got.Shape(), []int{1, 2, 3}) || got.F32()[0] != 6 {
		t.Errorf("(N, 2, 3) inputs: %v", got)
	}

	_, err = NewTensors(x, tensor.FromInts([]int{0, 1, 2, 1}), nil)
	wantErr(t, "5 inputs, 4 targets", err, "5 inputs", "4 targets")
	_, err = NewTensors(tensor.FromInts([]int{0, 1}), tensor.FromInts([]int{0, 1}), nil)
	wantErr(t, "int64 inputs", err, "inputs", "int64")
	_, err = NewTensors(tensor.Scalar(tensor.Float32, 1), tensor.FromInts([]int{0}), nil)
	wantErr(t, "scalar inputs", err, "inputs")
	_, err = NewTensors(x, tensor.New(tensor.Float64, 5), nil)
	wantErr(t, "float64 targets", err, "targets", "float64")
	_, err = NewTensors(x, tensor.Scalar(tensor.Int64, 1), nil)
	wantErr(t, "scalar target", err, "targets")
	_, err = NewTensors(x, tensor.FromInts([]int{0, 1, 3, 1, 0}), []string{"a", "b", "c"})
	wantErr(t, "label 3 of 3 classes", err, "target 2", "label 3")
	_, err = NewTensors(x, tensor.FromInts([]int{0, 1, -1, 1, 0}), nil)
	wantErr(t, "negative label", err, "target 2", "label -1")
}

func TestSpecValidate(t *testing.T) {
	ok := Spec{
		Inputs: []Field{{Name: "image", DType: tensor.Float32, Shape: []int{1, 28, 28}}, {Name: "tokens", DType: tensor.Int64, Shape: []int{10}, Sequence: true}},
		Target: Field{Name: "label", DType: tensor.Int64},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	if !ok.Sequence() {
		t.Error("a spec with a sequence input is not a sequence")
	}
	if (Spec{Inputs: ok.Inputs[:1], Target: Field{Name: "y", DType: tensor.Int64, Shape: []int{3}, Sequence: true}}).Sequence() != true {
		t.Error("a spec with a sequence target is not a sequence")
	}
	if (Spec{Inputs: ok.Inputs[:1], Target: ok.Target}).Sequence() {
		t.Error("a spec of fixed shapes is a sequence")
	}
	for _, c := range []struct {
		name   string
		edit   func(*Spec)
		substr string
	}{
		{"no inputs", func(s *Spec) { s.Inputs = nil }, "at least one input"},
		{"unnamed input", func(s *Spec) { s.Inputs[0].Name = "" }, "no name"},
		{"unnamed target", func(s *Spec) { s.Target.Name = "" }, "no name"},
		{"float64 input", func(s *Spec) { s.Inputs[0].DType = tensor.Float64 }, `"image"`},
		{"unknown dtype target", func(s *Spec) { s.Target.DType = tensor.DType(9) }, `"label"`},
		{"negative shape", func(s *Spec) { s.Inputs[0].Shape = []int{1, -28, 28} }, `"image"`},
		{"sequence without axes", func(s *Spec) { s.Inputs[1].Shape = nil }, `"tokens"`},
		{"sequence of length 0", func(s *Spec) { s.Inputs[1].Shape = []int{0} }, `"tokens"`},
		{"sequence target without axes", func(s *Spec) { s.Target.Sequence = true }, `"label"`},
	} {
		s := ok
		s.Inputs = slices.Clone(ok.Inputs)
		c.edit(&s)
		wantErr(t, c.name, s.Validate(), c.substr)
		mustPanic(t, "NewBatch of a spec with "+c.name, func() { NewBatch(s, 2) })
	}
	mustPanic(t, "NewBatch of capacity 0", func() { NewBatch(ok, 0) })
}

func TestBatch(t *testing.T) {
	d := tiny(t, 10, ImagePrep{Height: 2, Width: 3, Channels: 1, Pad: 1})
	b := NewBatch(d.Spec(), 4)
	if !slices.Equal(b.Names, []string{"image"}) || b.Spec().Inputs[0].Name != "image" {
		t.Errorf("names %v", b.Names)
	}
	b.Collate(d, []int{9, 8, 7, 6})
	if b.Size != 4 || b.Input("image") != b.Inputs[0] || b.Input("label") != nil || b.Input("") != nil {
		t.Errorf("Input: size %d", b.Size)
	}
	if b.Lengths != nil || b.Mask != nil {
		t.Error("a batch of fixed-shape fields has lengths or a mask")
	}
	if got := b.Labels(); !slices.Equal(got, []int64{9, 8, 7, 6}) {
		t.Errorf("labels %v", got)
	}
	full := &b.Input("image").F32()[0]
	fullTarget := &b.Labels()[0]

	// A smaller batch: views of the first rows of the same memory.
	b.Collate(d, []int{1, 2})
	x := b.Input("image")
	if b.Size != 2 || !slices.Equal(x.Shape(), []int{2, 1, 4, 5}) || x.Len() != 40 ||
		!slices.Equal(b.Target.Shape(), []int{2}) || !slices.Equal(b.Labels(), []int64{1, 2}) {
		t.Fatalf("small batch: size %d, image %v, target %v", b.Size, x.Shape(), b.Target.Shape())
	}
	if &x.F32()[0] != full || &b.Labels()[0] != fullTarget {
		t.Error("the small batch does not share the full batch's memory")
	}
	if v := x.F32()[20+6]; math.Abs(float64(v)-2.0/255) > 1e-7 {
		t.Errorf("second example's first pixel %v, want 2/255", v)
	}
	// Back to full size.
	b.Collate(d, []int{0, 1, 2, 3})
	if b.Size != 4 || b.Input("image").Shape()[0] != 4 || len(b.Labels()) != 4 || &b.Input("image").F32()[0] != full {
		t.Errorf("full batch after a small one: size %d, image %v", b.Size, b.Input("image").Shape())
	}

	// A warm Collate allocates nothing, at either size.
	idx := []int{3, 1, 4, 1}
	if n := testing.AllocsPerRun(20, func() { b.Collate(d, idx) }); n != 0 {
		t.Errorf("a warm Collate of images allocates %v times", n)
	}
	b.Collate(d, idx[:3])
	if n := testing.AllocsPerRun(20, func() { b.Collate(d, idx[:3]) }); n != 0 {
		t.Errorf("a warm Collate of a smaller batch allocates %v times", n)
	}
	// Three-channel images too.
	rd, _ := rgb(t, 6, 5, 19, ImagePrep{Mean: []float64{0.1, 0.2, 0.3}, Std: []float64{0.3, 0.2, 0.1}, Pad: 2})
	rb := NewBatch(rd.Spec(), 4)
	rb.Collate(rd, idx)
	if n := testing.AllocsPerRun(20, func() { rb.Collate(rd, idx) }); n != 0 {
		t.Errorf("a warm Collate of RGB images allocates %v times", n)
	}

	mustPanic(t, "collating 5 examples into 4 rows", func() { b.Collate(d, []int{0, 1, 2, 3, 4}) })

	// An empty batch is a batch of no examples.
	e := NewBatch(d.Spec(), 4)
	e.Collate(d, nil)
	if e.Size != 0 || e.Input("image").Shape()[0] != 0 || len(e.Labels()) != 0 {
		t.Errorf("empty batch: size %d, image %v, %d labels", e.Size, e.Input("image").Shape(), len(e.Labels()))
	}
}
