package data

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/baeum-ml/baeum/data/augment"
	"github.com/baeum-ml/baeum/tensor"
)

// digitImages returns n random 28×28 grey images with labels, prepared
// with padding 2 and a normalisation, as LeNet-5 takes MNIST.
func digitImages(t testing.TB, n int) *Images {
	r := rand.New(rand.NewPCG(1, 2))
	pix := make([]byte, n*28*28)
	for i := range pix {
		pix[i] = byte(r.IntN(256))
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 10
	}
	d, err := NewImages(pix, labels, ImagePrep{Height: 28, Width: 28, Channels: 1, Mean: []float64{0.13}, Std: []float64{0.31}, Pad: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func digitAugmenter(t testing.TB, spec string, seed uint64) *augment.Augmenter {
	cfg, err := augment.Parse(spec, 28, 28)
	if err != nil {
		t.Fatal(err)
	}
	a, err := augment.New(1, 28, 28, seed, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAugmentCollate checks that a batch of an augmented set holds, for
// epoch e, each example's stored bytes transformed for (e, index) and
// prepared as the set says, whatever the number of threads; and the
// examples unchanged outside training, and in a set without an augmenter,
// whatever the number of threads.
func TestAugmentCollate(t *testing.T) {
	d := digitImages(t, 40)
	a := digitAugmenter(t, "digits", 3)
	ds := Augment(d, a)
	if ds.Len() != d.Len() || ds.Spec().Inputs[0].Shape[1] != 32 {
		t.Fatalf("the augmented set has %d examples of %v", ds.Len(), ds.Spec().Inputs[0].Shape)
	}
	if l, ok := ds.(Labelled); !ok || l.Label(13) != 3 {
		t.Errorf("the augmented set does not give labels")
	}
	// Enough examples for a plain Collate of images to split as well
	// (parallelGrain): 50 rows are three chunks on five threads.
	idx := []int{7, 0, 39, 12, 5, 5, 21, 30, 1, 2, 3}
	for i := range 39 {
		idx = append(idx, (i*17)%40)
	}
	want := func(epoch int) []float32 {
		prep := d.Prep()
		n := 32 * 32
		out := make([]float32, len(idx)*n)
		buf := make([]byte, 28*28)
		for k, i := range idx {
			src := d.Pixels(i)
			if epoch > 0 {
				a.Augment(buf, src, epoch, i)
				src = buf
			}
			prep.Prepare(out[k*n:(k+1)*n], src)
		}
		return out
	}
	defer tensor.SetThreads(tensor.SetThreads(1))
	for _, threads := range []int{1, 2, 5} {
		tensor.SetThreads(threads)
		b := NewBatch(ds.Spec(), len(idx))
		for _, epoch := range []int{0, 1, 2} {
			b.Epoch = epoch
			b.Collate(ds, idx)
			if got := b.Inputs[0].F32(); !slices.Equal(got, want(epoch)) {
				t.Errorf("%d threads, epoch %d: the batch differs from the examples transformed one by one", threads, epoch)
			}
			if got := b.Labels(); got[2] != 9 || got[3] != 2 {
				t.Errorf("%d threads, epoch %d: labels %v", threads, epoch, got)
			}
		}
	}
	for _, threads := range []int{1, 2, 5} {
		tensor.SetThreads(threads)
		plain := NewBatch(d.Spec(), len(idx))
		plain.Epoch = 1
		plain.Collate(d, idx)
		if !slices.Equal(plain.Inputs[0].F32(), want(0)) {
			t.Errorf("%d threads: images without an augmenter differ from the examples prepared one by one, or change with the epoch", threads)
		}
	}
}

func TestAugmentCollateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items at random")
	}
	d := digitImages(t, 70)
	idx := make([]int, 64)
	for i := range idx {
		idx[i] = i + 3
	}
	for _, spec := range []string{"affine", "digits"} {
		ds := Augment(d, digitAugmenter(t, spec, 1))
		b := NewBatch(ds.Spec(), 64)
		b.Epoch = 1
		b.Collate(ds, idx)
		b.Collate(ds, idx[:10])
		if n := testing.AllocsPerRun(10, func() { b.Epoch++; b.Collate(ds, idx) }); n != 0 {
			t.Errorf("%s: a warm Collate allocates %v times", spec, n)
		}
		if n := testing.AllocsPerRun(10, func() { b.Epoch++; b.Collate(ds, idx[:10]) }); n != 0 {
			t.Errorf("%s: a warm Collate of a smaller batch allocates %v times", spec, n)
		}
	}
}

func TestAugmentNilAndShape(t *testing.T) {
	d := digitImages(t, 4)
	if Augment(d, nil) != Dataset(d) {
		t.Errorf("Augment with no augmenter does not return the images")
	}
	a, _ := augment.New(1, 32, 32, 1, augment.Config{Flip: true})
	mustPanic(t, "an augmenter of 32×32 images for 28×28 ones", func() { Augment(d, a) })
}

// TestLoaderEpochs checks that a loader counts its passes from 1 and that
// SetEpoch makes a fresh loader repeat a later pass: what a resumed run
// does.
func TestLoaderEpochs(t *testing.T) {
	d := digitImages(t, 10)
	ds := Augment(d, digitAugmenter(t, "natural", 5))
	pass := func(l *Loader) []float32 {
		var out []float32
		for b := range l.Epoch() {
			out = append(out, b.Inputs[0].F32()...)
		}
		return out
	}
	l := NewLoader(ds, 4, false, false, nil)
	first, second := pass(l), pass(l)
	if slices.Equal(first, second) {
		t.Errorf("two passes gave the same transforms")
	}
	fresh := NewLoader(ds, 4, false, false, nil)
	fresh.SetEpoch(2)
	if !slices.Equal(pass(fresh), second) {
		t.Errorf("a loader set to epoch 2 differs from the second pass")
	}
	again := NewLoader(ds, 4, false, false, nil)
	if !slices.Equal(pass(again), first) {
		t.Errorf("a new loader's first pass differs")
	}
	// The loader's batches are those a Batch collates for the epoch.
	b := NewBatch(ds.Spec(), 10)
	b.Epoch = 1
	b.Collate(ds, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	if !slices.Equal(b.Inputs[0].F32(), first) {
		t.Errorf("the loader's first pass differs from the examples collated for epoch 1")
	}
	// Leaving a pass early leaves the loader usable.
	for range l.Epoch() {
		break
	}
	for k := range 3 {
		seen := 0
		for range l.Epoch() {
			seen++
			if seen == k+1 {
				break
			}
		}
	}
	mustPanic(t, "SetEpoch(0)", func() { l.SetEpoch(0) })
}

func BenchmarkCollate(b *testing.B) {
	d := digitImages(b, 256)
	idx := make([]int, 64)
	for i := range idx {
		idx[i] = i * 3
	}
	for _, spec := range []string{"none", "natural", "affine", "elastic", "digits"} {
		b.Run(spec, func(b *testing.B) {
			var ds Dataset = d
			if spec != "none" {
				ds = Augment(d, digitAugmenter(b, spec, 1))
			}
			batch := NewBatch(ds.Spec(), 64)
			batch.Epoch = 1
			b.ReportAllocs()
			for b.Loop() {
				batch.Epoch++
				batch.Collate(ds, idx)
			}
			b.ReportMetric(64*float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
