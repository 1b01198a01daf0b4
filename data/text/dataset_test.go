package text

import (
	"context"
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
