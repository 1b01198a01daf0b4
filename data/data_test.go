package data

import (
	"math"
	"slices"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// tiny makes n 2×3 images whose pixels encode their index, labelled i%10.
func tiny(t *testing.T, n int, tf Transform) *Images {
	t.Helper()
	pix := make([]byte, n*6)
	labels := make([]uint8, n)
	for i := 0; i < n; i++ {
		for j := 0; j < 6; j++ {
			pix[i*6+j] = byte(i)
		}
		labels[i] = uint8(i % 10)
	}
	d, err := NewImages(pix, labels, 2, 3, tf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestTransform(t *testing.T) {
	d := tiny(t, 3, Transform{Pad: 1, Mean: 0.5, Std: 0.25})
	if got := d.Shape(); !slices.Equal(got, []int{1, 4, 5}) {
		t.Fatalf("padded shape %v", got)
	}
	buf := make([]float32, 20)
	if l := d.Load(2, buf); l != 2 {
		t.Errorf("label %d, want 2", l)
	}
	bg := float32((0 - 0.5) / 0.25)
	px := float32((2.0/255 - 0.5) / 0.25)
	want := []float32{
		bg, bg, bg, bg, bg,
		bg, px, px, px, bg,
		bg, px, px, px, bg,
		bg, bg, bg, bg, bg,
	}
	for i := range want {
		if math.Abs(float64(buf[i]-want[i])) > 1e-6 {
			t.Fatalf("padded image %v, want %v", buf, want)
		}
	}
	flat := tiny(t, 3, Transform{Flatten: true})
	if got := flat.Shape(); !slices.Equal(got, []int{6}) {
		t.Errorf("flattened shape %v", got)
	}
	if _, err := NewImages(make([]byte, 5), make([]uint8, 1), 2, 3, Transform{}); err == nil {
		t.Error("wrong pixel count accepted")
	}
}

// epochOrder returns the first pixel of every example in an epoch's
// batches, which identifies the example.
func epochOrder(l *Loader) (order []int, sizes []int) {
	for x, labels := range l.Epoch() {
		n := x.Shape()[0]
		sizes = append(sizes, n)
		per := x.Len() / n
		for i := 0; i < n; i++ {
			idx := int(math.Round(float64(x.F32()[i*per]) * 255))
			order = append(order, idx)
			if labels[i] != idx%10 {
				panic("label does not match image")
			}
		}
	}
	return order, sizes
}

func TestLoader(t *testing.T) {
	d := tiny(t, 10, Transform{})
	l := NewLoader(d, 4, false, false, nil)
	order, sizes := epochOrder(l)
	if !slices.Equal(order, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) || !slices.Equal(sizes, []int{4, 4, 2}) || l.Len() != 3 {
		t.Errorf("unshuffled: order %v sizes %v len %d", order, sizes, l.Len())
	}
	l = NewLoader(d, 4, false, true, nil)
	if _, sizes := epochOrder(l); !slices.Equal(sizes, []int{4, 4}) || l.Len() != 2 {
		t.Errorf("drop-last sizes %v", sizes)
	}
	// Shuffling: every example once per epoch, the order set by the seed.
	a := NewLoader(d, 3, true, false, tensor.NewRNG(42))
	b := NewLoader(d, 3, true, false, tensor.NewRNG(42))
	c := NewLoader(d, 3, true, false, tensor.NewRNG(43))
	a1, _ := epochOrder(a)
	a2, _ := epochOrder(a)
	b1, _ := epochOrder(b)
	c1, _ := epochOrder(c)
	if !slices.Equal(a1, b1) {
		t.Errorf("same seed, different orders: %v and %v", a1, b1)
	}
	if slices.Equal(a1, c1) || slices.Equal(a1, a2) {
		t.Errorf("orders did not change with the seed or the epoch: %v %v %v", a1, c1, a2)
	}
	for _, o := range [][]int{a1, a2, c1} {
		s := slices.Clone(o)
		slices.Sort(s)
		if !slices.Equal(s, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("epoch %v does not visit every example once", o)
		}
	}
}

func TestRange(t *testing.T) {
	d := tiny(t, 10, Transform{})
	r := Range(d, 7, 10)
	buf := make([]float32, 6)
	if r.Len() != 3 || r.Load(0, buf) != 7 {
		t.Errorf("Range(7, 10): len %d, first label %d", r.Len(), r.Load(0, buf))
	}
	x := tensor.New(tensor.Float32, 5, 2)
	for i := 0; i < 10; i++ {
		x.SetFlat(i, float64(i))
	}
	tr := Range(Tensors{X: x, Labels: []int{0, 1, 2, 3, 4}}, 2, 4)
	if tr.Len() != 2 || tr.Load(1, buf[:2]) != 3 || buf[0] != 6 {
		t.Errorf("tensor range: len %d, %v", tr.Len(), buf[:2])
	}
}
