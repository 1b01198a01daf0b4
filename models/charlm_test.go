package models

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/text"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
	"github.com/baeum-ml/baeum/train"
)

var lmWords = []string{"cat", "cats", "dog", "dogs", "bird", "at", "a", "tad", "god", "acts", "cog", "cogs", "big", "bag", "tag"}

// smallLM builds a charlm of the words' characters with an embedding of
// 8 and an LSTM of 16.
func smallLM(t testing.TB, layers int) (*Model, *text.Vocab) {
	t.Helper()
	v, err := text.NewVocab(lmWords)
	if err != nil {
		t.Fatal(err)
	}
	hidden := make([]int, layers)
	for i := range hidden {
		hidden[i] = 16
	}
	m, err := NewText(tensor.NewRNG(1), Config{Name: CharLMName, Hidden: hidden, Embed: 8}, v.Prep(4))
	if err != nil {
		t.Fatal(err)
	}
	return m, v
}

// TestTextSpecMatchesModel checks that the tensors worked out without
// building the model are the built model's parameters, in order.
func TestTextSpecMatchesModel(t *testing.T) {
	for _, layers := range []int{1, 2} {
		m, v := smallLM(t, layers)
		spec, n, err := TextSpec(m.Config, v.Prep(4))
		if err != nil {
			t.Fatal(err)
		}
		ps := m.Params()
		if len(spec) != len(ps) || n != nn.CountParams(m) {
			t.Fatalf("%d layers: spec of %d tensors, %d parameters; model %d, %d", layers, len(spec), n, len(ps), nn.CountParams(m))
		}
		for i, p := range ps {
			if spec[i].Name != p.Name || !slices.Equal(spec[i].Shape, p.Value.Shape()) {
				t.Errorf("tensor %d: spec %s %v, model %s %v", i, spec[i].Name, spec[i].Shape, p.Name, p.Value.Shape())
			}
		}
	}
}

func TestNewTextRefuses(t *testing.T) {
	v, _ := text.NewVocab(lmWords)
	for _, c := range []struct {
		cfg  Config
		prep data.TextPrep
		want string
	}{
		{Config{Name: "mlp"}, v.Prep(4), `unknown model "mlp" for text`},
		{Config{Name: CharLMName, Activation: "relu"}, v.Prep(4), "no --activation"},
		{Config{Name: CharLMName, Hidden: []int{16, 32}}, v.Prep(4), "one hidden size"},
		{Config{Name: CharLMName, Hidden: []int{8, 8, 8, 8, 8}}, v.Prep(4), "5 LSTM layers"},
		{Config{Name: CharLMName, Hidden: []int{1 << 20}}, v.Prep(4), "hidden size 1048576"},
		{Config{Name: CharLMName, Hidden: []int{1 << 15, 1 << 15}}, v.Prep(4), "more than the limit"},
		{Config{Name: CharLMName}, data.TextPrep{Vocab: "aa", MaxLen: 3}, "holds 'a' twice"},
		{Config{Name: CharLMName}, data.TextPrep{Vocab: "ab", MaxLen: 0}, "max_len 0"},
		{Config{Name: CharLMName}, data.TextPrep{Vocab: "a\tb", MaxLen: 2}, "control character"},
		{Config{Name: CharLMName, Dropout: 1}, v.Prep(4), "dropout 1"},
		{Config{Name: CharLMName, Dropout: -0.1}, v.Prep(4), "dropout -0.1"},
		{Config{Name: CharLMName, Dropout: math.NaN()}, v.Prep(4), "dropout NaN"},
	} {
		if _, err := NewText(tensor.NewRNG(1), c.cfg, c.prep); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v %+v: %v, want %q", c.cfg, c.prep, err, c.want)
		}
	}
	if _, err := ForMNIST(tensor.NewRNG(1), Config{Name: CharLMName}); err == nil || !strings.Contains(err.Error(), "trains on text") {
		t.Errorf("charlm for MNIST: %v", err)
	}
}

// TestCharLMDropoutOnlyInTraining: the same weights with and without
// dropout give the same logits in inference, and different ones in
// training, where a dropped embedding or LSTM output changes them.
func TestCharLMDropoutOnlyInTraining(t *testing.T) {
	v, _ := text.NewVocab(lmWords)
	build := func(p float64) *Model {
		m, err := NewText(tensor.NewRNG(1), Config{Name: CharLMName, Hidden: []int{16, 16}, Embed: 8, Dropout: p}, v.Prep(4))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	plain, dropped := build(0), build(0.5)
	if s := dropped.Module.(*CharLM).String(); !strings.Contains(s, "dropout 0.5") {
		t.Errorf("%s: the LSTM's dropout between layers is not set", s)
	}
	ids := tensor.FromInt64([]int64{1, 2, 3, 4, 1, 5, 6, 2}, 2, 4)
	logits := func(m *Model, training bool) []float64 {
		g := autograd.NewInferenceGraph()
		if training {
			g = autograd.NewGraph()
			g.Training, g.RNG = true, tensor.NewRNG(7)
		}
		return m.Forward(g, g.Input(ids)).Data().Float64s()
	}
	if a, b := logits(plain, false), logits(dropped, false); !slices.Equal(a, b) {
		t.Error("dropout changed the logits in inference")
	}
	if a, b := logits(plain, true), logits(dropped, true); slices.Equal(a, b) {
		t.Error("dropout 0.5 left the training logits unchanged")
	}
}

// TestForwardLengthsMatchesAlone runs a padded batch with its lengths and
// checks each example's logits at its real steps against the example
// run alone; the output stops at the longest example.
func TestForwardLengthsMatchesAlone(t *testing.T) {
	for _, layers := range []int{1, 2} {
		m, v := smallLM(t, layers)
		words := []string{"dog", "a", "cats"}
		ex, err := text.NewExamples(words, v, 6) // two steps past the longest
		if err != nil {
			t.Fatal(err)
		}
		b := data.NewBatch(ex.Spec(), 3)
		b.Collate(ex, []int{0, 1, 2})
		g := autograd.NewInferenceGraph()
		out := train.Forward(g, m, b).Data()
		if s := out.Shape(); !slices.Equal(s, []int{3, 5, v.Size()}) {
			t.Fatalf("output %v, want (3, 5, %d)", s, v.Size())
		}
		for i, w := range words {
			ids, _ := v.Encode(w)
			x := tensor.New(tensor.Int64, 1, len(ids)-1)
			for j, id := range ids[:len(ids)-1] {
				x.Set(float64(id), 0, j)
			}
			ga := autograd.NewInferenceGraph()
			alone := m.Forward(ga, ga.Input(x)).Data()
			for s := range len(ids) - 1 {
				for k := range v.Size() {
					if a, p := alone.At(0, s, k), out.At(i, s, k); math.Abs(a-p) > 1e-5 {
						t.Fatalf("%d layers, %q step %d logit %d: alone %v, in the batch %v", layers, w, s, k, a, p)
					}
				}
			}
		}
	}
}

// lmStep is a training step of a small charlm on a batch of words.
type lmStep struct {
	m   *Model
	opt optim.Optimizer
	g   *autograd.Graph
	b   *data.Batch
	ex  *text.Examples
}

func newLMStep(t testing.TB, batch int) *lmStep {
	m, v := smallLM(t, 2)
	ex, err := text.NewExamples(lmWords, v, 0)
	if err != nil {
		t.Fatal(err)
	}
	opt, err := optim.New("adam", m.Params(), 0.01)
	if err != nil {
		t.Fatal(err)
	}
	s := &lmStep{m: m, opt: opt, g: autograd.NewGraph(), b: data.NewBatch(ex.Spec(), batch), ex: ex}
	s.g.Training = true
	return s
}

func (s *lmStep) run(idx []int) float64 {
	s.b.Collate(s.ex, idx)
	l, _, err := train.Step(s.g, s.m, train.SequenceCrossEntropy{}, s.opt, s.b)
	if err != nil {
		panic(err)
	}
	s.g.Reset()
	return l
}

// TestCharLMWarmStepAllocatesNothing: once batches of each length have
// been seen, a training step (collation, forward with lengths, the
// trimmed loss, backward and Adam) allocates nothing.
func TestCharLMWarmStepAllocatesNothing(t *testing.T) {
	s := newLMStep(t, 4)
	short, long := []int{5, 6, 4, 7}, []int{0, 4, 1, 2} // longest 2 and 4 characters
	s.run(short)
	s.run(long)
	if n := testing.AllocsPerRun(5, func() { s.run(short); s.run(long) }); n != 0 {
		t.Errorf("two warm training steps allocate %v times, want 0", n)
	}
}

// TestCharLMLearns trains on the words and checks that the loss falls.
func TestCharLMLearns(t *testing.T) {
	s := newLMStep(t, len(lmWords))
	all := make([]int, len(lmWords))
	for i := range all {
		all[i] = i
	}
	first := s.run(all)
	var last float64
	for range 150 {
		last = s.run(all)
	}
	if !(last < first/2) {
		t.Errorf("loss %v after 150 steps, from %v: want less than half", last, first)
	}
}

func TestGenerate(t *testing.T) {
	m, v := smallLM(t, 1)
	ctx := context.Background()
	o := GenerateOptions{N: 30, Temperature: 1, MaxLen: 6, Seed: 7, Prefix: "c"}
	a, err := Generate(ctx, m, o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(ctx, m, o)
	if !slices.Equal(a, b) {
		t.Errorf("the same seed gave %q and %q", a, b)
	}
	o.Seed = 8
	if c, _ := Generate(ctx, m, o); slices.Equal(a, c) {
		t.Errorf("seeds 7 and 8 gave the same words %q", a)
	}
	// Word i draws from its own stream: the first words do not depend
	// on how many are asked for.
	o.Seed, o.N = 7, 5
	if d, _ := Generate(ctx, m, o); !slices.Equal(d, a[:5]) {
		t.Errorf("n 5 gave %q, the first 5 of n 30 %q", d, a[:5])
	}
	for _, w := range a {
		if !strings.HasPrefix(w, "c") || utf8.RuneCountInString(w) > 6 {
			t.Errorf("word %q lacks the prefix or is longer than 6", w)
		}
		if _, err := v.Encode(w); err != nil {
			t.Errorf("word %q: %v", w, err)
		}
	}
	for _, c := range []struct {
		o      GenerateOptions
		option string
	}{
		{GenerateOptions{N: -1}, "n"},
		{GenerateOptions{N: MaxGenerate + 1}, "n"},
		{GenerateOptions{Temperature: -1}, "temperature"},
		{GenerateOptions{Temperature: math.NaN()}, "temperature"},
		{GenerateOptions{Temperature: 10.5}, "temperature"},
		{GenerateOptions{MaxLen: 257}, "max_len"},
		{GenerateOptions{MaxLen: -3}, "max_len"},
		{GenerateOptions{Prefix: "cz"}, "prefix"},
		{GenerateOptions{Prefix: "cat", MaxLen: 3}, "prefix"},
	} {
		_, err := Generate(ctx, m, c.o)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Option != c.option {
			t.Errorf("%+v: %v, want an error about %s", c.o, err, c.option)
		}
	}
	img, err := ForMNIST(tensor.NewRNG(1), Config{Name: "softmax"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(ctx, img, GenerateOptions{}); err == nil || !strings.Contains(err.Error(), "not a character language model") {
		t.Errorf("softmax regression generated: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Generate(cancelled, m, GenerateOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled context: %v", err)
	}
}

// TestTextCheckpointRoundTrip saves a text model, loads it back with
// its vocabulary, and refuses one whose weights overflow.
func TestTextCheckpointRoundTrip(t *testing.T) {
	m, _ := smallLM(t, 2)
	path := filepath.Join(t.TempDir(), "lm.safetensors")
	if err := m.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	back, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Text() == nil || *back.Text() != *m.Text() || back.Config.Embed != 8 || !slices.Equal(back.Config.Hidden, []int{16, 16}) {
		t.Fatalf("loaded %+v %+v", back.Config, back.Text())
	}
	for i, p := range back.Params() {
		if !tensor.Equal(p.Value.Data(), m.Params()[i].Value.Data()) {
			t.Errorf("%s differs", p.Name)
		}
	}
	o := GenerateOptions{N: 4, Seed: 1}
	a, _ := Generate(context.Background(), m, o)
	b, _ := Generate(context.Background(), back, o)
	if !slices.Equal(a, b) {
		t.Errorf("generated %q before saving, %q after loading", a, b)
	}
	for _, p := range m.Params() {
		p.Value.Data().Fill(3e38)
	}
	if err := m.CheckFinite(); !errors.Is(err, ErrNonFinite) {
		t.Errorf("weights of 3e38: %v, want ErrNonFinite", err)
	}
}
