package text

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
)

func TestReadLines(t *testing.T) {
	got, err := ReadLines(context.Background(), strings.NewReader("dog\r\n\n  cat \nDog's\n"))
	if err != nil || strings.Join(got, ",") != "dog,cat,Dog's" {
		t.Fatalf("got %q, %v", got, err)
	}
	for _, c := range []struct{ in, want string }{
		{"ok\n\xff\xfe\n", "line 2: not valid UTF-8"},
		{"a\x01b\n", "line 1: control character U+0001"},
		{strings.Repeat("x", 300), "line 1: 300 characters, more than 256"},
		{"\n \n", "no lines of text"},
	} {
		if _, err := ReadLines(context.Background(), strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.in, err, c.want)
		}
	}
}

func TestSplitKeepsForms(t *testing.T) {
	var words []string
	for i := range 500 {
		w := strings.Repeat(string(rune('a'+i%26)), 1+i/26)
		words = append(words, w, w+"'s")
	}
	train, test := Split(words, 0.2, 1)
	in := map[string]bool{}
	for _, w := range test {
		in[w] = true
	}
	for _, w := range train {
		if in[w+"'s"] || in[strings.TrimSuffix(w, "'s")] {
			t.Fatalf("%s is in training and its form in test", w)
		}
	}
	if f := float64(len(test)) / float64(len(words)); f < 0.15 || f > 0.25 {
		t.Errorf("test fraction %.2f, want about 0.2", f)
	}
}

// TestNGramIsADistribution checks that the smoothed probabilities of
// every outcome after a context sum to 1, for seen and unseen contexts,
// and that higher orders fit the training text better.
func TestNGramIsADistribution(t *testing.T) {
	words := []string{"banana", "bandana", "cabana", "anna", "nab", "ban"}
	v, err := NewVocab(words)
	if err != nil {
		t.Fatal(err)
	}
	var prev float64 = math.Inf(1)
	for n := 1; n <= 5; n++ {
		m, err := FitNGram(n, words, v)
		if err != nil {
			t.Fatal(err)
		}
		for _, ctx := range [][]int{{Boundary, Boundary, Boundary, Boundary}, {2, 3, 4, 3}, {4, 4, 4, 4}} {
			sum := 0.0
			for w := 1; w < v.Size(); w++ {
				sum += m.prob(ctx, w, n)
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("n=%d, context %v: probabilities sum to %v", n, ctx, sum)
			}
		}
		l, err := m.Loss(words, v)
		if err != nil {
			t.Fatal(err)
		}
		if l >= prev {
			t.Errorf("n=%d: training loss %v is not below n−1's %v", n, l, prev)
		}
		prev = l
	}
}

// TestNGramOnWordList fits n = 2…6 on Debian's word list, when
// installed, and checks the held-out losses are those of a sensible
// model: below the uniform distribution's and best at a middle order.
func TestNGramOnWordList(t *testing.T) {
	f, err := os.Open("/usr/share/dict/words")
	if err != nil {
		t.Skipf("no word list (apt-get install wamerican): %v", err)
	}
	defer f.Close()
	lines, err := ReadLines(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	train, test := Split(lines, 0.1, 1)
	v, err := NewVocab(train)
	if err != nil {
		t.Fatal(err)
	}
	test = knownOnly(test, v)
	for n := 2; n <= 6; n++ {
		m, err := FitNGram(n, train, v)
		if err != nil {
			t.Fatal(err)
		}
		l, err := m.Loss(test, v)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("n=%d: held-out loss %.4f nats per character", n, l)
		if l >= math.Log(float64(v.Size()-1)) {
			t.Errorf("n=%d: loss %v is no better than uniform", n, l)
		}
	}
}

// knownOnly drops examples with characters outside v.
func knownOnly(lines []string, v *Vocab) []string {
	var out []string
	for _, l := range lines {
		if _, err := v.Encode(l); err == nil {
			out = append(out, l)
		}
	}
	return out
}

// FuzzReadLines: any bytes give lines that respect the limits, or an
// error; never a panic.
func FuzzReadLines(f *testing.F) {
	for _, s := range []string{"dog\ncat\n", "a\x00b", "\xff", "x's\r\n\r\n", strings.Repeat("é", 300)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lines, err := ReadLines(context.Background(), strings.NewReader(string(b)))
		if err != nil {
			return
		}
		for _, l := range lines {
			if l == "" || len([]rune(l)) > MaxRunes {
				t.Fatalf("line %q breaks the limits", l)
			}
		}
		v, err := NewVocab(lines)
		if err != nil {
			return
		}
		for _, l := range lines {
			if _, err := v.Encode(l); err != nil {
				t.Fatalf("%q does not encode with its own vocabulary: %v", l, err)
			}
		}
	})
}
