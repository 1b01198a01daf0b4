package text

import (
	"context"
	"fmt"
	"os"
	"unicode/utf8"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/tensor"
)

// ReadFile reads the examples of a text file, one a line, as ReadLines
// does; errors name the file. Only a regular file is read: a folder, a
// named pipe or a device (which could block or never end) is refused
// before it is opened.
func ReadFile(ctx context.Context, path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		what := "not a regular file"
		switch {
		case st.IsDir():
			what = "a folder, not a text file"
		case st.Mode()&os.ModeNamedPipe != 0:
			what = "a named pipe, not a regular file"
		case st.Mode()&os.ModeDevice != 0:
			what = "a device, not a regular file"
		}
		return nil, fmt.Errorf("%s: %s", path, what)
	}
	if st.Size() > MaxBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than the limit of %d MiB", path, st.Size(), MaxBytes>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lines, err := ReadLines(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return lines, nil
}

// The names of the fields of Examples.
const (
	// InputName is the input: the boundary, then the characters.
	InputName = "tokens"
	// TargetName is the target: the characters, then the boundary —
	// each step's next token.
	TargetName = "next"
)

// Examples is the data set of a character-level language model: example
// i is a line of text, read as next-character prediction. Its input is
// the boundary and the characters [Boundary, c1, …, ck] and its target
// the characters and the boundary [c1, …, ck, Boundary]: at every step
// the model reads one token and predicts the next. Both are sequence
// fields of k+1 steps; a batch pads the input with Pad and the target
// with data.IgnoreIndex, which the loss leaves out.
type Examples struct {
	ids   []uint16 // every example's characters' ids, one example after another
	off   []int    // example i's ids are ids[off[i]:off[i+1]]
	steps int      // steps of a batch: the longest example's characters and the boundary
}

// NewExamples encodes the lines with v. maxLen is the longest line, in
// characters, a batch holds (0: the longest given); a longer line, or a
// character outside v, is an error naming the line.
func NewExamples(lines []string, v *Vocab, maxLen int) (*Examples, error) {
	if len(lines) == 0 {
		return nil, fmt.Errorf("text: no examples")
	}
	if maxLen < 0 || maxLen > MaxRunes {
		return nil, fmt.Errorf("text: maximum length %d outside 0…%d", maxLen, MaxRunes)
	}
	if v.Size() > 1<<16 {
		return nil, fmt.Errorf("text: a vocabulary of %d ids", v.Size())
	}
	longest, total := 0, 0
	for i, l := range lines {
		n := utf8.RuneCountInString(l)
		if maxLen > 0 && n > maxLen {
			return nil, fmt.Errorf("text: example %d has %d characters, more than the maximum %d", i+1, n, maxLen)
		}
		if n == 0 {
			return nil, fmt.Errorf("text: example %d is empty", i+1)
		}
		longest = max(longest, n)
		total += n
	}
	if maxLen == 0 {
		maxLen = longest
	}
	e := &Examples{ids: make([]uint16, 0, total), off: make([]int, 1, len(lines)+1), steps: maxLen + 1}
	for i, l := range lines {
		for _, r := range l {
			id, ok := v.index[r]
			if !ok {
				return nil, fmt.Errorf("text: example %d (%q): character %q is not in the vocabulary", i+1, l, r)
			}
			e.ids = append(e.ids, uint16(id))
		}
		e.off = append(e.off, len(e.ids))
	}
	return e, nil
}

// Len returns the number of examples.
func (e *Examples) Len() int { return len(e.off) - 1 }

// SeqLen returns the steps of example i: its characters and the
// boundary before them (data.Lengther, for bucketing).
func (e *Examples) SeqLen(i int) int { return e.off[i+1] - e.off[i] + 1 }

// Steps returns the number of steps of a batch: the longest example's
// characters and one boundary.
func (e *Examples) Steps() int { return e.steps }

// Characters returns the number of characters of every example, and
// so, with one boundary per example, the tokens a model predicts is
// Characters() + Len().
func (e *Examples) Characters() int { return len(e.ids) }

// Spec returns the input "tokens" and the target "next", int64 sequences
// of Steps steps.
func (e *Examples) Spec() data.Spec {
	return data.Spec{
		Inputs: []data.Field{{Name: InputName, DType: tensor.Int64, Shape: []int{e.steps}, Sequence: true, Pad: Pad}},
		Target: data.Field{Name: TargetName, DType: tensor.Int64, Shape: []int{e.steps}, Sequence: true, Pad: data.IgnoreIndex},
	}
}

// Example writes example i's input and target into the row (already
// padded) and returns its length, its characters and one.
func (e *Examples) Example(i int, r data.Row) int {
	ids := e.ids[e.off[i]:e.off[i+1]]
	in, next := r.Inputs[0].I64(), r.Target.I64()
	in[0] = Boundary
	for j, id := range ids {
		in[j+1] = int64(id)
		next[j] = int64(id)
	}
	next[len(ids)] = Boundary
	return len(ids) + 1
}

// Prep returns the preprocessing record of a model of this vocabulary
// trained on examples of at most maxLen characters.
func (v *Vocab) Prep(maxLen int) data.TextPrep {
	return data.TextPrep{Vocab: string(v.Runes), MaxLen: maxLen}
}

// VocabOfPrep returns the vocabulary a preprocessing record holds.
func VocabOfPrep(p *data.TextPrep) (*Vocab, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return VocabOf(p.Runes())
}

// KnownOnly returns the lines whose every character is in v, and the
// number of the others, left out.
func KnownOnly(lines []string, v *Vocab) (known []string, dropped int) {
	known = make([]string, 0, len(lines))
	for _, l := range lines {
		ok := true
		for _, r := range l {
			if _, in := v.index[r]; !in {
				ok = false
				break
			}
		}
		if ok {
			known = append(known, l)
		} else {
			dropped++
		}
	}
	return known, dropped
}
