package text

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/data"
)

// TestExamplesBatch collates lines of different lengths and checks the
// inputs (boundary then characters, padded with Pad), the targets
// (characters then boundary, padded with the ignore index), the lengths
// and the mask.
func TestExamplesBatch(t *testing.T) {
	lines := []string{"ab", "b", "abca"}
	v, err := NewVocab(lines)
	if err != nil {
		t.Fatal(err)
	}
	// a=2, b=3, c=4
	e, err := NewExamples(lines, v, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e.Len() != 3 || e.Steps() != 5 || e.Characters() != 7 {
		t.Fatalf("len %d, steps %d, characters %d; want 3, 5, 7", e.Len(), e.Steps(), e.Characters())
	}
	spec := e.Spec()
	if err := spec.Validate(); err != nil || !spec.Sequence() {
		t.Fatalf("spec %+v: %v", spec, err)
	}
	b := data.NewBatch(spec, 4)
	b.Collate(e, []int{0, 1, 2})
	const P, I = Pad, data.IgnoreIndex
	wantIn := []int64{1, 2, 3, P, P, 1, 3, P, P, P, 1, 2, 3, 4, 2}
	wantNext := []int64{2, 3, 1, I, I, 3, 1, I, I, I, 2, 3, 4, 2, 1}
	if got := b.Inputs[0].I64(); !slices.Equal(got, wantIn) {
		t.Errorf("inputs %v, want %v", got, wantIn)
	}
	if got := b.Target.I64(); !slices.Equal(got, wantNext) {
		t.Errorf("targets %v, want %v", got, wantNext)
	}
	if !slices.Equal(b.Lengths, []int{3, 2, 5}) {
		t.Errorf("lengths %v, want 3 2 5", b.Lengths)
	}
	for i, l := range b.Lengths {
		for s := range 5 {
			want := 0.0
			if s < l {
				want = 1
			}
			if got := b.Mask.At(i, s); got != want {
				t.Errorf("mask[%d][%d] = %v, want %v", i, s, got, want)
			}
		}
	}
	// A batch collated again, over a longer row, leaves no stale ids.
	b.Collate(e, []int{2, 0})
	if got := b.Inputs[0].I64()[5:10]; !slices.Equal(got, wantIn[:5]) {
		t.Errorf("second batch, row 1: %v, want %v", got, wantIn[:5])
	}
}

func TestNewExamplesRefuses(t *testing.T) {
	v, _ := NewVocab([]string{"ab"})
	for _, c := range []struct {
		lines  []string
		maxLen int
		want   string
	}{
		{nil, 0, "no examples"},
		{[]string{"abc"}, 0, `character 'c' is not in the vocabulary`},
		{[]string{"ab", "abab"}, 3, "example 2 has 4 characters, more than the maximum 3"},
		{[]string{"ab"}, 300, "maximum length 300"},
	} {
		if _, err := NewExamples(c.lines, v, c.maxLen); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q, max %d: %v, want %q", c.lines, c.maxLen, err, c.want)
		}
	}
}

// TestVocabPrepRoundTrip keeps a vocabulary through a preprocessing
// record, as a checkpoint stores it, and checks the record's bounds.
func TestVocabPrepRoundTrip(t *testing.T) {
	v, _ := NewVocab([]string{"naïve", "café's"})
	p := v.Prep(6)
	rec := data.Preprocess{Inputs: []data.InputPrep{{Name: InputName, Text: &p}}}
	back, err := data.ParsePreprocess([]byte(rec.JSON()))
	if err != nil {
		t.Fatal(err)
	}
	w, err := VocabOfPrep(back.Inputs[0].Text)
	if err != nil || !slices.Equal(w.Runes, v.Runes) {
		t.Fatalf("vocabulary %q (%v), want %q", w.Runes, err, v.Runes)
	}
	if s := back.Inputs[0].Shape(); !slices.Equal(s, []int{7}) {
		t.Errorf("shape %v, want [7]", s)
	}
	big := data.TextPrep{Vocab: strings.Repeat("x", 1), MaxLen: MaxRunes + 1}
	if err := big.Validate(); err == nil {
		t.Error("a maximum length over MaxRunes passed")
	}
	var many []rune
	for r := rune(0x100); len(many) <= MaxVocab; r++ {
		many = append(many, r)
	}
	if err := (&data.TextPrep{Vocab: string(many), MaxLen: 1}).Validate(); err == nil {
		t.Errorf("a vocabulary of %d characters passed", len(many))
	}
	if err := (&data.TextPrep{Vocab: string(many[:MaxVocab]), MaxLen: MaxRunes}).Validate(); err != nil {
		t.Errorf("the largest record was refused: %v", err)
	}
}

func TestKnownOnly(t *testing.T) {
	v, _ := NewVocab([]string{"abc"})
	known, dropped := KnownOnly([]string{"ab", "abd", "c"}, v)
	if !slices.Equal(known, []string{"ab", "c"}) || dropped != 1 {
		t.Errorf("known %q, dropped %d", known, dropped)
	}
}

func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.txt")
	os.WriteFile(ok, []byte("dog\ncat\n"), 0o644)
	if l, err := ReadFile(context.Background(), ok); err != nil || len(l) != 2 {
		t.Fatalf("%q, %v", l, err)
	}
	bin := filepath.Join(dir, "bin")
	os.WriteFile(bin, []byte{0x7f, 'E', 'L', 'F', 0, 1, 2, 0xff, '\n'}, 0o644)
	long := filepath.Join(dir, "long")
	os.WriteFile(long, []byte(strings.Repeat("a", 10000)+"\n"), 0o644)
	for _, c := range []struct{ path, want string }{
		{dir, "a folder"},
		{filepath.Join(dir, "missing"), "no such file"},
		{bin, "line 1: not valid UTF-8"},
		{long, "line 1: 10000 characters, more than 256"},
		{"/dev/zero", "a device"},
	} {
		if _, err := ReadFile(context.Background(), c.path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.path, err, c.want)
		}
	}
}

// TestBucketedLoader batches words of similar lengths: every word comes
// once an epoch, a pool's batches are each sorted longest first and
// hold close lengths, the short last batch stays last, the order is the
// same for the same seed and changes with it, and bucketing reaches
// the lengths through data.Range. Bucketing must cut the padding.
func TestBucketedLoader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Word i spells i in base 8 with the letters a to h, then a random
	// run of z: 4 to 17 characters, each word its own.
	lines := make([]string, 1000)
	for i := range lines {
		lines[i] = string([]byte{'a' + byte(i>>9), 'a' + byte(i>>6&7), 'a' + byte(i>>3&7), 'a' + byte(i&7)}) + strings.Repeat("z", rng.IntN(14))
	}
	v, err := NewVocab(lines)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExamples(lines, v, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range lines {
		if e.SeqLen(i) != len(lines[i])+1 {
			t.Fatalf("SeqLen(%d) = %d for %q, want %d", i, e.SeqLen(i), lines[i], len(lines[i])+1)
		}
	}
	const batch, pool = 16, 8
	ds := data.Range(e, 0, 990) // 61 full batches and one of 14
	epochs := func(seed uint64, bucket int) (orders [][]int, padded, real int) {
		l := data.NewLoader(ds, batch, true, false, rand.New(rand.NewPCG(seed, 0)))
		if err := l.Bucket(bucket); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			var order []int
			for b := range l.Epoch() {
				longest := 0
				for _, n := range b.Lengths {
					longest = max(longest, n)
					real += n
				}
				padded += longest * len(b.Lengths)
				if bucket > 0 && !slices.IsSortedFunc(b.Lengths, func(x, y int) int { return y - x }) {
					t.Fatalf("a bucketed batch's lengths %v are not longest first", b.Lengths)
				}
				// Which words: their first four letters after the boundary.
				tok := b.Inputs[0]
				steps := tok.Shape()[1]
				for k := range b.Size {
					w := []rune{}
					for j := 1; j <= 4; j++ {
						w = append(w, v.Runes[tok.I64()[k*steps+j]-2])
					}
					order = append(order, slices.Index(lines, string(w)+strings.Repeat("z", b.Lengths[k]-5)))
				}
			}
			orders = append(orders, order)
		}
		return orders, padded, real
	}
	plain, plainPadded, real := epochs(1, 0)
	got, padded, real2 := epochs(1, pool)
	if real2 != real {
		t.Fatalf("bucketing saw %d steps in two epochs, a plain shuffle %d", real2, real)
	}
	for k, order := range got {
		if len(order) != 990 {
			t.Fatalf("epoch %d: %d examples, want 990", k+1, len(order))
		}
		a, b := slices.Clone(order), slices.Clone(plain[k])
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Fatalf("epoch %d: bucketing changed which examples an epoch holds", k+1)
		}
		if slices.Equal(order, plain[k]) {
			t.Fatalf("epoch %d: bucketing left the order as it was", k+1)
		}
	}
	if !(float64(padded) < 0.75*float64(plainPadded)) {
		t.Errorf("padded steps: %d bucketed, %d plain; want a cut of a quarter at least", padded, plainPadded)
	}
	if again, _, _ := epochs(1, pool); !slices.Equal(again[0], got[0]) || !slices.Equal(again[1], got[1]) {
		t.Error("the same seed gave another bucketed order")
	}
	if other, _, _ := epochs(2, pool); slices.Equal(other[0], got[0]) {
		t.Error("another seed gave the same bucketed order")
	}
	// The short last batch is the epoch's last 14 examples: the shortest
	// of the last pool, since its full batches come first.
	l := data.NewLoader(ds, batch, true, false, rand.New(rand.NewPCG(3, 0)))
	if err := l.Bucket(pool); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for b := range l.Epoch() {
		sizes = append(sizes, len(b.Lengths))
	}
	if len(sizes) != 62 || sizes[61] != 14 || slices.Index(sizes, 14) != 61 {
		t.Errorf("batch sizes %v, want 61 of 16 then 14", sizes)
	}

	if err := data.NewLoader(ds, batch, false, false, nil).Bucket(pool); err == nil {
		t.Error("bucketing a loader that does not shuffle was accepted")
	}
	if err := data.NewLoader(ds, batch, true, false, rng).Bucket(-1); err == nil {
		t.Error("a negative pool was accepted")
	}
}
