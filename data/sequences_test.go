package data

import (
	"slices"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// floatSeq returns a (len(steps), f) float32 sequence whose step t holds
// steps[t], steps[t]+0.5, ….
func floatSeq(f int, steps ...float32) *tensor.Tensor {
	x := tensor.New(tensor.Float32, len(steps), f)
	for t, v := range steps {
		for j := 0; j < f; j++ {
			x.F32()[t*f+j] = v + 0.5*float32(j)
		}
	}
	return x
}

func mask(rows ...[]float32) []float32 { return slices.Concat(rows...) }

func TestSequencesPerExample(t *testing.T) {
	xs := []*tensor.Tensor{floatSeq(2, 1, 2, 3), floatSeq(2, 4), floatSeq(2, 5, 6)}
	ys := []*tensor.Tensor{tensor.Scalar(tensor.Int64, 2), tensor.Scalar(tensor.Int64, 0), tensor.Scalar(tensor.Int64, 1)}
	s, err := NewSequences(xs, ys, false, 0, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	spec := s.Spec()
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	in, tg := spec.Inputs[0], spec.Target
	if s.Len() != 3 || in.Name != "steps" || !in.Sequence || in.DType != tensor.Float32 || !slices.Equal(in.Shape, []int{3, 2}) || in.Pad != 0 ||
		tg.Sequence || tg.DType != tensor.Int64 || len(tg.Shape) != 0 || !spec.Sequence() || len(spec.Classes) != 3 {
		t.Fatalf("spec %+v", spec)
	}
	b := NewBatch(spec, 3)
	b.Collate(s, []int{0, 1, 2})
	if !slices.Equal(b.Lengths, []int{3, 1, 2}) {
		t.Errorf("lengths %v, want [3 1 2]", b.Lengths)
	}
	if !slices.Equal(b.Mask.Shape(), []int{3, 3}) || !slices.Equal(b.Mask.F32(), mask([]float32{1, 1, 1}, []float32{1, 0, 0}, []float32{1, 1, 0})) {
		t.Errorf("mask %v", b.Mask)
	}
	if !slices.Equal(b.Labels(), []int64{2, 0, 1}) {
		t.Errorf("labels %v", b.Labels())
	}
	x := b.Input("steps")
	want := []float32{
		1, 1.5, 2, 2.5, 3, 3.5,
		4, 4.5, 0, 0, 0, 0,
		5, 5.5, 6, 6.5, 0, 0,
	}
	if !slices.Equal(x.Shape(), []int{3, 3, 2}) || !slices.Equal(x.F32(), want) {
		t.Errorf("steps %v, want %v", x, want)
	}

	// A loader visits every sequence once, in order or shuffled.
	var seen []int64
	for b := range NewLoader(s, 2, true, false, tensor.NewRNG(1)).Epoch() {
		if len(b.Lengths) != b.Size || b.Mask.Shape()[0] != b.Size {
			t.Fatalf("batch of %d with %d lengths and mask %v", b.Size, len(b.Lengths), b.Mask.Shape())
		}
		for k, l := range b.Labels() {
			if want := []int{3, 1, 2}[[]int{2: 0, 0: 1, 1: 2}[l]]; b.Lengths[k] != want {
				t.Errorf("label %d has length %d, want %d", l, b.Lengths[k], want)
			}
		}
		seen = append(seen, b.Labels()...)
	}
	if slices.Sort(seen); !slices.Equal(seen, []int64{0, 1, 2}) {
		t.Errorf("an epoch saw %v", seen)
	}
	if _, ok := Range(s, 0, 2).(Labelled); ok {
		t.Error("a range of sequences claims labels")
	}

	// A longer maximum pads further.
	s5, err := NewSequences(xs, ys, false, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	b5 := collate(s5, 1)
	if !slices.Equal(b5.Input("steps").Shape(), []int{1, 5, 2}) || !slices.Equal(b5.Mask.F32(), []float32{1, 0, 0, 0, 0}) {
		t.Errorf("maxLen 5: steps %v mask %v", b5.Input("steps").Shape(), b5.Mask.F32())
	}

	// Per-example targets of shape (k).
	yk := []*tensor.Tensor{tensor.FromFloat32([]float32{1, 2}), tensor.FromFloat32([]float32{3, 4}), tensor.FromFloat32([]float32{5, 6})}
	sk, err := NewSequences(xs, yk, false, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tg := sk.Spec().Target; tg.Sequence || tg.DType != tensor.Float32 || !slices.Equal(tg.Shape, []int{2}) {
		t.Errorf("(k) target spec %+v", tg)
	}
	if got := collate(sk, 2, 0).Target; !slices.Equal(got.Shape(), []int{2, 2}) || !slices.Equal(got.F32(), []float32{5, 6, 1, 2}) {
		t.Errorf("(k) targets %v", got)
	}
}

func TestSequencesPerStep(t *testing.T) {
	// Token ids in, one class per step out.
	tok := func(ids ...int) *tensor.Tensor { return tensor.FromInts(ids) }
	xs := []*tensor.Tensor{tok(5, 6, 7, 8), tok(9), tok(10, 11)}
	ys := []*tensor.Tensor{tok(1, 2, 3, 0), tok(4), tok(2, 2)}
	s, err := NewSequences(xs, ys, true, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec := s.Spec()
	in, tg := spec.Inputs[0], spec.Target
	if in.DType != tensor.Int64 || !slices.Equal(in.Shape, []int{4}) || !in.Sequence || in.Pad != 0 ||
		!tg.Sequence || tg.DType != tensor.Int64 || !slices.Equal(tg.Shape, []int{4}) || tg.Pad != IgnoreIndex || IgnoreIndex != -100 {
		t.Fatalf("spec %+v", spec)
	}
	b := NewBatch(spec, 3)
	b.Collate(s, []int{0, 0, 0}) // every row full first
	b.Collate(s, []int{1, 2, 1})
	if !slices.Equal(b.Lengths, []int{1, 2, 1}) {
		t.Errorf("lengths %v", b.Lengths)
	}
	if !slices.Equal(b.Mask.F32(), mask([]float32{1, 0, 0, 0}, []float32{1, 1, 0, 0}, []float32{1, 0, 0, 0})) {
		t.Errorf("mask %v", b.Mask.F32())
	}
	if got := b.Input("steps").I64(); !slices.Equal(got, []int64{9, 0, 0, 0, 10, 11, 0, 0, 9, 0, 0, 0}) {
		t.Errorf("padded token ids %v (the previous batch's steps must be cleared)", got)
	}
	if got := b.Labels(); !slices.Equal(got, []int64{4, -100, -100, -100, 2, 2, -100, -100, 4, -100, -100, -100}) {
		t.Errorf("padded targets %v, want IgnoreIndex after each length", got)
	}
	if !slices.Equal(b.Target.Shape(), []int{3, 4}) {
		t.Errorf("target shape %v", b.Target.Shape())
	}

	// Float sequences in, one class per step out, a short last batch
	// after a full one.
	fx := []*tensor.Tensor{floatSeq(3, 1, 2, 3), floatSeq(3, 4), floatSeq(3, 5, 6)}
	fs, err := NewSequences(fx, []*tensor.Tensor{tok(0, 1, 2), tok(3), tok(4, 5)}, true, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for b := range NewLoader(fs, 2, false, false, nil).Epoch() {
		sizes = append(sizes, b.Size)
		if b.Size == 1 {
			if !slices.Equal(b.Lengths, []int{2}) || !slices.Equal(b.Mask.Shape(), []int{1, 3}) || !slices.Equal(b.Mask.F32(), []float32{1, 1, 0}) ||
				!slices.Equal(b.Labels(), []int64{4, 5, -100}) || !slices.Equal(b.Input("steps").Shape(), []int{1, 3, 3}) ||
				!slices.Equal(b.Input("steps").F32(), []float32{5, 5.5, 6, 6, 6.5, 7, 0, 0, 0}) {
				t.Errorf("last batch: lengths %v mask %v labels %v steps %v", b.Lengths, b.Mask, b.Labels(), b.Input("steps"))
			}
		}
	}
	if !slices.Equal(sizes, []int{2, 1}) {
		t.Errorf("sizes %v", sizes)
	}
}

func TestSequencesPerStepFloat(t *testing.T) {
	xs := []*tensor.Tensor{floatSeq(1, 1, 2, 3), floatSeq(1, 4)}
	ys := []*tensor.Tensor{floatSeq(2, 10, 20, 30), floatSeq(2, 40)}
	s, err := NewSequences(xs, ys, true, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	tg := s.Spec().Target
	if !tg.Sequence || tg.DType != tensor.Float32 || !slices.Equal(tg.Shape, []int{3, 2}) || tg.Pad != 0 {
		t.Fatalf("target spec %+v", tg)
	}
	b := NewBatch(s.Spec(), 2)
	b.Collate(s, []int{0, 0})
	b.Collate(s, []int{1, 0})
	if got := b.Target.F32(); !slices.Equal(got, []float32{40, 40.5, 0, 0, 0, 0, 10, 10.5, 20, 20.5, 30, 30.5}) {
		t.Errorf("per-step float targets %v", got)
	}
	if got := b.Input("steps").F32(); !slices.Equal(got, []float32{4, 0, 0, 1, 2, 3}) {
		t.Errorf("steps %v", got)
	}
	if !slices.Equal(b.Lengths, []int{1, 3}) || !slices.Equal(b.Mask.F32(), []float32{1, 0, 0, 1, 1, 1}) {
		t.Errorf("lengths %v mask %v", b.Lengths, b.Mask.F32())
	}
}

func TestSequencesErrors(t *testing.T) {
	lab := func(v int) *tensor.Tensor { return tensor.Scalar(tensor.Int64, float64(v)) }
	ok := floatSeq(2, 1, 2)
	for _, c := range []struct {
		name    string
		xs, ys  []*tensor.Tensor
		perStep bool
		maxLen  int
		substrs []string
	}{
		{"no sequences", nil, nil, false, 0, []string{"0 sequences"}},
		{"fewer targets", []*tensor.Tensor{ok, ok}, []*tensor.Tensor{lab(0)}, false, 0, []string{"2 sequences", "1 targets"}},
		{"empty sequence", []*tensor.Tensor{ok, tensor.New(tensor.Float32, 0, 2)}, []*tensor.Tensor{lab(0), lab(1)}, false, 0, []string{"sequence 1 is empty"}},
		{"scalar sequence", []*tensor.Tensor{tensor.Scalar(tensor.Float32, 1)}, []*tensor.Tensor{lab(0)}, false, 0, []string{"sequence 0 is empty"}},
		{"mismatched step shapes", []*tensor.Tensor{ok, floatSeq(3, 1, 2)}, []*tensor.Tensor{lab(0), lab(1)}, false, 0, []string{"sequence 1", "[2 3]", "[2 2]"}},
		{"mismatched input types", []*tensor.Tensor{ok, tensor.FromInts([]int{1, 2}, 1, 2)}, []*tensor.Tensor{lab(0), lab(1)}, false, 0, []string{"sequence 1", "int64"}},
		{"mismatched target types", []*tensor.Tensor{ok, ok}, []*tensor.Tensor{lab(0), tensor.Scalar(tensor.Float32, 1)}, false, 0, []string{"target 1", "float32"}},
		{"mismatched target shapes", []*tensor.Tensor{ok, ok}, []*tensor.Tensor{lab(0), tensor.FromInts([]int{1, 2})}, false, 0, []string{"target 1", "[2]"}},
		{"too long", []*tensor.Tensor{ok, floatSeq(2, 1, 2, 3, 4)}, []*tensor.Tensor{lab(0), lab(1)}, false, 3, []string{"4 steps", "maximum 3"}},
		{"per-step target too short", []*tensor.Tensor{ok}, []*tensor.Tensor{tensor.FromInts([]int{1})}, true, 0, []string{"per-step target 0", "2 steps"}},
		{"per-step scalar target", []*tensor.Tensor{ok}, []*tensor.Tensor{lab(1)}, true, 0, []string{"per-step target 0"}},
		{"per-step target shapes", []*tensor.Tensor{ok, ok}, []*tensor.Tensor{floatSeq(1, 1, 2), floatSeq(2, 1, 2)}, true, 0, []string{"per-step target 1"}},
	} {
		s, err := NewSequences(c.xs, c.ys, c.perStep, c.maxLen, nil)
		if s != nil {
			t.Errorf("%s: a dataset with the error", c.name)
		}
		wantErr(t, c.name, err, c.substrs...)
	}
}

// badLength is a dataset whose examples claim more steps than the batch
// holds.
type badLength struct{ *Sequences }

func (b badLength) Example(i int, r Row) int { b.Sequences.Example(i, r); return 99 }

func TestCollateLengthChecked(t *testing.T) {
	s, err := NewSequences([]*tensor.Tensor{floatSeq(1, 1, 2)}, []*tensor.Tensor{tensor.Scalar(tensor.Int64, 0)}, false, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBatch(s.Spec(), 1)
	mustPanic(t, "an example longer than the batch", func() { b.Collate(badLength{s}, []int{0}) })
}
