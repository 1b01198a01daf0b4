// Package text reads examples of text for character-level models: one
// example per line of a UTF-8 file (a word list such as Debian's
// /usr/share/dict/words, or any text), a character vocabulary, a
// train/test split that keeps a word and its forms together, and
// count-based n-gram models to measure a neural language model against.
package text

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/baeum-ml/baeum/internal/ctxio"
)

// The limits ReadLines checks as it reads, before a line is kept.
const (
	// MaxBytes bounds the file: 64 MiB.
	MaxBytes = 64 << 20
	// MaxLines bounds the examples: 2 million.
	MaxLines = 2_000_000
	// MaxRunes bounds an example's characters.
	MaxRunes = 256
	// MaxVocab bounds the distinct characters.
	MaxVocab = 4096
)

// ReadLines reads one example per line of r: a line is trimmed of its
// line ending (LF or CR LF) and surrounding spaces, and an empty line is
// skipped. It refuses invalid UTF-8, control characters, a line of more
// than MaxRunes characters, more than MaxLines lines or MaxBytes bytes,
// naming the line; ctx stops it.
func ReadLines(ctx context.Context, r io.Reader) ([]string, error) {
	br := bufio.NewReaderSize(ctxio.Reader(ctx, io.LimitReader(r, MaxBytes+1)), 64<<10)
	var out []string
	read := int64(0)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		read += int64(len(line))
		if read > MaxBytes {
			return nil, fmt.Errorf("more than %d bytes", MaxBytes)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("line %d: longer than %d bytes", n, 64<<10)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		s := bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r")))
		if len(s) > 0 {
			if !utf8.Valid(s) {
				return nil, fmt.Errorf("line %d: not valid UTF-8", n)
			}
			if c := utf8.RuneCount(s); c > MaxRunes {
				return nil, fmt.Errorf("line %d: %d characters, more than %d", n, c, MaxRunes)
			}
			for _, r := range string(s) {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
					return nil, fmt.Errorf("line %d: control character %U", n, r)
				}
			}
			if len(out) == MaxLines {
				return nil, fmt.Errorf("more than %d lines", MaxLines)
			}
			out = append(out, string(s))
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no lines of text")
	}
	return out, nil
}

// Boundary is the token id that starts and ends every example; Pad is the
// id of padding after an example's end. Characters take the ids from 2.
const (
	Pad      = 0
	Boundary = 1
)

// Vocab maps characters to token ids.
type Vocab struct {
	Runes []rune // the characters, ids 2, 3, … in order
	index map[rune]int
}

// NewVocab returns the vocabulary of the characters of lines, in code
// point order, or an error when there are more than MaxVocab.
func NewVocab(lines []string) (*Vocab, error) {
	seen := map[rune]bool{}
	for _, l := range lines {
		for _, r := range l {
			seen[r] = true
		}
	}
	if len(seen) > MaxVocab {
		return nil, fmt.Errorf("%d distinct characters, more than %d", len(seen), MaxVocab)
	}
	runes := make([]rune, 0, len(seen))
	for r := range seen {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	return VocabOf(runes)
}

// VocabOf returns the vocabulary of the given characters, in that order
// (as a checkpoint records them).
func VocabOf(runes []rune) (*Vocab, error) {
	if len(runes) > MaxVocab {
		return nil, fmt.Errorf("%d characters, more than %d", len(runes), MaxVocab)
	}
	v := &Vocab{Runes: slices.Clone(runes), index: make(map[rune]int, len(runes))}
	for i, r := range runes {
		if _, dup := v.index[r]; dup {
			return nil, fmt.Errorf("character %q is listed twice", r)
		}
		v.index[r] = i + 2
	}
	return v, nil
}

// Size is the number of token ids: padding, the boundary and the
// characters.
func (v *Vocab) Size() int { return len(v.Runes) + 2 }

// Encode returns s's token ids, framed by the boundary: [Boundary, c1, …,
// ck, Boundary]. A character outside the vocabulary is an error naming it.
func (v *Vocab) Encode(s string) ([]int, error) {
	out := make([]int, 0, len(s)+2)
	out = append(out, Boundary)
	for _, r := range s {
		id, ok := v.index[r]
		if !ok {
			return nil, fmt.Errorf("character %q is not in the model's vocabulary", r)
		}
		out = append(out, id)
	}
	return append(out, Boundary), nil
}

// Rune returns the character of a token id, or false for padding, the
// boundary and ids out of range.
func (v *Vocab) Rune(id int) (rune, bool) {
	if id < 2 || id >= v.Size() {
		return 0, false
	}
	return v.Runes[id-2], true
}

// stem is what a word and its forms share: "dog" for dog and dog's.
func stem(w string) string {
	return strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
}

// Split puts about testFrac of the lines in the test split, chosen with
// the seed, keeping every word with its forms (X and X's) on one side, so
// that the test split measures words the model has not seen in any form.
// The order of lines is kept within each split.
func Split(lines []string, testFrac float64, seed uint64) (train, test []string) {
	rng := rand.New(rand.NewPCG(seed, 0x7e57))
	side := map[string]bool{}
	for _, l := range lines {
		k := stem(l)
		if _, ok := side[k]; !ok {
			side[k] = rng.Float64() < testFrac
		}
	}
	for _, l := range lines {
		if side[stem(l)] {
			test = append(test, l)
		} else {
			train = append(train, l)
		}
	}
	return train, test
}
