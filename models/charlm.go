package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/text"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/onnx"
	"github.com/baeum-ml/baeum/tensor"
)

// CharLMName is the name of the character-level language model.
const CharLMName = "charlm"

// TextNames lists the models NewText builds over lines of text.
var TextNames = []string{CharLMName}

// The charlm model's default sizes, which train in minutes on two cores.
// On a held-out tenth of Debian's word list they reach 1.78 nats per
// character (README), beside 1.73 for the best interpolated Kneser-Ney
// n-gram (n = 6): not yet below it.
const (
	// CharLMEmbed is the default size of a character's embedding.
	CharLMEmbed = 32
	// CharLMHidden is the default hidden size of the LSTM.
	CharLMHidden = 256
	// MaxCharLMLayers bounds the LSTM's layers.
	MaxCharLMLayers = 4
)

// CharLM is a character-level language model: at every step it reads a
// token (a character, or the boundary that opens an example) and gives
// the logits of the next one.
//
//	embedding  Embedding(vocabulary → embed)
//	           Dropout(p)
//	lstm       LSTM(embed → hidden, layers, dropout p between layers), batch first
//	           Dropout(p)
//	output     Linear(hidden → vocabulary)
//
// The dropouts act only in training, and only when p > 0 (Zaremba et
// al.'s regularisation of recurrent networks: the non-recurrent
// connections only).
// It maps token ids (N, T) to logits (N, T, vocabulary). The parameter
// names are those of a PyTorch module with attributes embedding, lstm
// and output.
type CharLM struct {
	Embedding *nn.Embedding
	LSTM      *nn.LSTM
	Output    *nn.Linear
	// Drop is the dropout of the embedding's and the LSTM's outputs.
	Drop nn.Dropout
}

// NewCharLM builds a CharLM of vocab token ids (padding, the boundary and
// the characters), with weights drawn from rng as PyTorch draws them,
// and dropout p in training.
func NewCharLM(rng *rand.Rand, vocab, embed, hidden, layers int, p float64) *CharLM {
	m := &CharLM{
		Embedding: nn.NewEmbedding(rng, vocab, embed),
		LSTM:      nn.NewLSTM(rng, nn.RecurrentConfig{InputSize: embed, HiddenSize: hidden, NumLayers: layers, BatchFirst: true, Dropout: p}),
		Output:    nn.NewLinear(rng, hidden, vocab),
		Drop:      nn.Dropout{P: p},
	}
	for _, p := range nn.Params(m) {
		p.Value.SetName(p.Name)
	}
	return m
}

// Children returns embedding, lstm and output.
func (m *CharLM) Children() []nn.Named {
	return []nn.Named{{Name: "embedding", Module: m.Embedding}, {Name: "lstm", Module: m.LSTM}, {Name: "output", Module: everyStep{m.Output}}}
}

// everyStep applies a Linear layer to every step of a sequence: (N, T,
// in) to (N, T, out).
type everyStep struct{ *nn.Linear }

// Forward applies the layer to the N·T steps.
func (l everyStep) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	s := x.Shape()
	if len(s) != 3 {
		panic(fmt.Sprintf("models: %v of every step of %v, want (N, T, %d)", l.Linear, s, l.In))
	}
	y := l.Linear.Forward(g, g.Reshape(x, s[0]*s[1], s[2]))
	return g.Reshape(y, s[0], s[1], l.Out)
}

// ExportONNX writes the layer as ONNX: a MatMul by the transposed
// weights (ONNX Runtime folds the Transpose of the initializer) and an
// Add of the bias, which apply to every step of (N, T, in).
func (l everyStep) ExportONNX(e *onnx.Emitter, in []string) ([]string, error) {
	y := e.Node("MatMul", []string{in[0], e.Node("Transpose", []string{e.Param(l.Weight)}, onnx.IntsAttr("perm", 1, 0))})
	if l.Bias != nil {
		y = e.Node("Add", []string{y, e.Param(l.Bias)})
	}
	return []string{y}, nil
}

// ExportONNX writes the network as ONNX: a Gather of the embedding, the
// LSTM (its dropouts are inference's identity) and the output layer at
// every step. The graph takes int64 token ids (N, T) and gives the
// logits (N, T, vocabulary), running every sequence its full length: with
// padded sequences, only the logits of each one's real steps mean
// anything.
func (m *CharLM) ExportONNX(e *onnx.Emitter, in []string) ([]string, error) {
	x, err := e.Module("embedding", m.Embedding, in)
	if err != nil {
		return nil, err
	}
	if x, err = e.Module("lstm", m.LSTM, x); err != nil {
		return nil, err
	}
	return e.Module("output", everyStep{m.Output}, x)
}

// Params lists the parameters of the three layers.
func (m *CharLM) Params() []nn.Param { return nn.Params(m) }

// String describes the network.
func (m *CharLM) String() string {
	return fmt.Sprintf("CharLM(%v, %v, %v)", m.Embedding, m.LSTM, m.Output)
}

// Forward maps token ids (N, T), every step real, to the logits of each
// step's next token (N, T, vocabulary).
func (m *CharLM) Forward(g *autograd.Graph, ids *autograd.Value) *autograd.Value {
	s := ids.Shape()
	if len(s) != 2 {
		panic(fmt.Sprintf("models: CharLM of ids %v, want (N, T)", s))
	}
	x := m.Drop.Forward(g, nn.Call(g, "embedding", m.Embedding, ids))
	h := m.Drop.Forward(g, nn.Call(g, "lstm", m.LSTM, x))
	return nn.Call(g, "output", everyStep{m.Output}, h)
}

// ForwardLengths maps a padded batch of token ids (N, T) whose example i
// has lengths[i] real steps to the logits of each step's next token,
// (N, T′, vocabulary), where T′ is the longest length: the steps past
// every example's end are not computed at all, and the padded steps of
// shorter examples neither change the LSTM's state nor matter to the
// loss (package train's SequenceCrossEntropy reads the first T′ steps
// of the targets). lengths must not change until the backward pass.
func (m *CharLM) ForwardLengths(g *autograd.Graph, ids *autograd.Value, lengths []int) *autograd.Value {
	s := ids.Shape()
	if len(s) != 2 || len(lengths) != s[0] {
		panic(fmt.Sprintf("models: CharLM of ids %v with %d lengths, want (N, T) and N", s, len(lengths)))
	}
	n, t := s[0], 0
	for _, l := range lengths {
		t = max(t, l)
	}
	if t == 0 || t > s[1] {
		panic(fmt.Sprintf("models: CharLM: lengths up to %d for %d steps", t, s[1]))
	}
	if t < s[1] {
		// Only the first t steps: copied, in the graph's arena, so that
		// a warm step allocates nothing.
		src := ids.Data().I64()
		dst := g.Arena().Empty(tensor.Int64, n, t)
		d := dst.I64()
		for i := range n {
			copy(d[i*t:(i+1)*t], src[i*s[1]:])
		}
		ids = g.Input(dst)
	}
	x := m.Drop.Forward(g, m.Embedding.Forward(g, ids))
	out, _, _ := m.LSTM.Run(g, x, nil, nil, lengths)
	return everyStep{m.Output}.Forward(g, m.Drop.Forward(g, out))
}

// ForwardLengths runs the model on a padded batch of sequences whose
// example i has lengths[i] real steps: a model that reads lengths (the
// charlm) gets them, any other runs Forward. package train calls it for
// batches of sequences.
func (m *Model) ForwardLengths(g *autograd.Graph, x *autograd.Value, lengths []int) *autograd.Value {
	if s, ok := m.Module.(interface {
		ForwardLengths(*autograd.Graph, *autograd.Value, []int) *autograd.Value
	}); ok && lengths != nil {
		return s.ForwardLengths(g, x, lengths)
	}
	return m.Module.Forward(g, x)
}

// Text returns how the model's lines of text are encoded, or nil for a
// model of images or table rows.
func (m *Model) Text() *data.TextPrep {
	if len(m.Prep.Inputs) == 0 {
		return nil
	}
	return m.Prep.Inputs[0].Text
}

// TextPrepOf returns the record of a text model of the given characters
// (in the order of their ids) and longest line.
func TextPrepOf(vocab string, maxLen int) data.TextPrep {
	return data.TextPrep{Vocab: vocab, MaxLen: maxLen}
}

// NewText builds the text model cfg describes (charlm) for lines encoded
// as prep says: Config.Hidden gives the LSTM's hidden size, once per
// layer (all equal; default one layer of CharLMHidden), Config.Embed the
// embedding's size (default CharLMEmbed). Its record has one input,
// "tokens". It returns an error, before allocating anything, for an
// unknown model, a bad record, or sizes beyond MaxHidden,
// MaxCharLMLayers or MaxParams.
func NewText(rng *rand.Rand, cfg Config, prep data.TextPrep) (*Model, error) {
	p, err := textPlan(cfg, prep)
	if err != nil {
		return nil, err
	}
	cfg = p.cfg
	vocab := utf8.RuneCountInString(prep.Vocab) + 2
	net := NewCharLM(rng, vocab, cfg.Embed, cfg.Hidden[0], len(cfg.Hidden), cfg.Dropout)
	net.LSTM.Config.WeightDrop = cfg.WeightDrop
	rec := data.Preprocess{Inputs: []data.InputPrep{{Name: text.InputName, Text: &prep}}}
	return &Model{Config: cfg, Module: net, Prep: rec}, nil
}

// TextSpec returns the tensors of the state dict NewText would build and
// the number of parameters, worked out without building anything.
func TextSpec(cfg Config, prep data.TextPrep) ([]checkpoint.TensorSpec, int, error) {
	p, err := textPlan(cfg, prep)
	if err != nil {
		return nil, 0, err
	}
	return p.tensors, p.params, nil
}

// textPlan checks a text model's configuration and record against the
// limits and works out its tensors.
func textPlan(cfg Config, prep data.TextPrep) (*blueprint, error) {
	if err := prep.Validate(); err != nil {
		return nil, err
	}
	if cfg.Name != CharLMName {
		return nil, fmt.Errorf("unknown model %q for text (want %s)", cfg.Name, strings.Join(TextNames, ", "))
	}
	if cfg.Activation != "" {
		return nil, fmt.Errorf("charlm uses its LSTM's sigmoids and tanh; it takes no --activation (got %q)", cfg.Activation)
	}
	if cfg.File != nil || cfg.ONNX != nil {
		return nil, errors.New("charlm is built in: it takes no model file or ONNX graph")
	}
	if len(cfg.Hidden) == 0 {
		cfg.Hidden = []int{CharLMHidden}
	}
	if cfg.Embed == 0 {
		cfg.Embed = CharLMEmbed
	}
	cfg.Hidden = slices.Clone(cfg.Hidden)
	switch {
	case len(cfg.Hidden) > MaxCharLMLayers:
		return nil, fmt.Errorf("charlm with %d LSTM layers, more than the limit of %d", len(cfg.Hidden), MaxCharLMLayers)
	case cfg.Hidden[0] <= 0 || cfg.Hidden[0] > MaxHidden:
		return nil, fmt.Errorf("charlm's hidden size %d: want 1 to %d", cfg.Hidden[0], MaxHidden)
	case cfg.Embed < 0 || cfg.Embed > MaxHidden:
		return nil, fmt.Errorf("charlm's embedding size %d: want 1 to %d", cfg.Embed, MaxHidden)
	case !(cfg.Dropout >= 0 && cfg.Dropout < 1):
		return nil, fmt.Errorf("charlm's dropout %v: want at least 0 and less than 1", cfg.Dropout)
	case !(cfg.WeightDrop >= 0 && cfg.WeightDrop < 1):
		return nil, fmt.Errorf("charlm's weight drop %v: want at least 0 and less than 1", cfg.WeightDrop)
	}
	for _, h := range cfg.Hidden {
		if h != cfg.Hidden[0] {
			return nil, fmt.Errorf("charlm's LSTM layers all have one hidden size; got %v", cfg.Hidden)
		}
	}
	v, e, h := int64(utf8.RuneCountInString(prep.Vocab)+2), int64(cfg.Embed), int64(cfg.Hidden[0])
	b := &blueprint{}
	var total int64
	add := func(name string, shape ...int64) {
		s := make([]int, len(shape))
		n := int64(1)
		for i, d := range shape {
			s[i], n = int(d), n*d
		}
		b.tensors = append(b.tensors, checkpoint.TensorSpec{Name: name, Shape: s})
		total += n
	}
	add("embedding.weight", v, e)
	for l := range len(cfg.Hidden) {
		in := e
		if l > 0 {
			in = h
		}
		sfx := fmt.Sprintf("_l%d", l)
		add("lstm.weight_ih"+sfx, 4*h, in)
		add("lstm.weight_hh"+sfx, 4*h, h)
		add("lstm.bias_ih"+sfx, 4*h)
		add("lstm.bias_hh"+sfx, 4*h)
	}
	add("output.weight", v, h)
	add("output.bias", v)
	// Every factor is at most 2^16 (the vocabulary 2^12 + 2): the sums
	// fit in an int64.
	if total > MaxParams {
		return nil, fmt.Errorf("charlm of hidden sizes %v over %d token ids would have %s parameters, more than the limit of %s", cfg.Hidden, v, nn.Thousands(int(total)), nn.Thousands(MaxParams))
	}
	b.cfg, b.params = cfg, int(total)
	return b, nil
}

// checkFiniteText is CheckFinite for a text model: it runs the network
// on sequences of the padding, the boundary and the last character.
func (m *Model) checkFiniteText() error {
	p := m.Text()
	last := utf8.RuneCountInString(p.Vocab) + 1
	for _, in := range []struct {
		name string
		id   int
	}{{"padding", text.Pad}, {"boundaries", text.Boundary}, {"its last character", last}} {
		x := tensor.New(tensor.Int64, 1, p.MaxLen+1)
		x.Fill(float64(in.id))
		g := autograd.NewInferenceGraph()
		out := m.Forward(g, g.Input(x)).Data()
		if d := tensor.Sum(tensor.Sub(out, out)).Item(); d != 0 {
			return fmt.Errorf("%w on a sequence of %s (are the weights too large?)", ErrNonFinite, in.name)
		}
	}
	return nil
}

// OptionError is Generate's error for an option out of bounds, or a
// prefix the model cannot read: Option names it as a request's JSON does
// ("n", "temperature", "max_len", "prefix").
type OptionError struct {
	Option, Msg string
}

func (e *OptionError) Error() string { return e.Option + " " + e.Msg }

// The bounds of generation, for flags and requests.
const (
	// MaxGenerate bounds the words of one call of Generate.
	MaxGenerate = 1000
	// MaxTemperature bounds the temperature; it must be above 0.
	MaxTemperature = 10
	// MaxGenerateLen bounds the characters of a generated word.
	MaxGenerateLen = 256
)

// GenerateOptions say what Generate samples. The zero value of each
// field but Seed means its default.
type GenerateOptions struct {
	// N is the number of words, 1…MaxGenerate (default 20).
	N int
	// Temperature divides the logits before the softmax, in
	// (0, MaxTemperature] (default 0.8): below 1 the likelier characters
	// gain, above 1 the distribution flattens.
	Temperature float64
	// MaxLen bounds each word's characters, the prefix included,
	// 1…MaxGenerateLen (default 64); a word that reaches it ends there.
	MaxLen int
	// Prefix starts every word; its characters must be in the model's
	// vocabulary.
	Prefix string
	// Seed seeds the sampling: the same seed and options give the same
	// words.
	Seed uint64
}

// WithDefaults returns o with its zero fields set to their defaults.
func (o GenerateOptions) WithDefaults() GenerateOptions {
	if o.N == 0 {
		o.N = 20
	}
	if o.Temperature == 0 {
		o.Temperature = 0.8
	}
	if o.MaxLen == 0 {
		o.MaxLen = 64
	}
	return o
}

// Generate samples o.N words from a text model: each starts from the
// boundary and o.Prefix, and takes one character after another from the
// model's distribution of the next token at o.Temperature, until it
// samples the boundary (the word's end) or reaches o.MaxLen characters.
// Word i draws from a random stream of its own, seeded by o.Seed and i.
// It returns an error for a model that is not a text model, options out
// of bounds, or a prefix with a character the model does not know; and
// ctx's error, between two characters, once ctx is done.
func Generate(ctx context.Context, m *Model, o GenerateOptions) ([]string, error) {
	o = o.WithDefaults()
	prep := m.Text()
	lm, ok := m.Module.(*CharLM)
	if prep == nil || !ok {
		return nil, fmt.Errorf("%v is not a character language model: only a model trained on text (baeum train --data words:FILE) generates words", m)
	}
	switch {
	case o.N < 1 || o.N > MaxGenerate:
		return nil, &OptionError{"n", fmt.Sprintf("%d: want 1 to %d words", o.N, MaxGenerate)}
	case !(o.Temperature > 0 && o.Temperature <= MaxTemperature):
		return nil, &OptionError{"temperature", fmt.Sprintf("%v: want a number above 0 and at most %d", o.Temperature, MaxTemperature)}
	case o.MaxLen < 1 || o.MaxLen > MaxGenerateLen:
		return nil, &OptionError{"max_len", fmt.Sprintf("%d: want 1 to %d characters", o.MaxLen, MaxGenerateLen)}
	}
	vocab, err := text.VocabOfPrep(prep)
	if err != nil {
		return nil, err
	}
	ids, err := vocab.Encode(o.Prefix)
	if err != nil {
		return nil, &OptionError{"prefix", fmt.Sprintf("%q: %v", o.Prefix, err)}
	}
	ids = ids[:len(ids)-1] // the boundary and the prefix's characters, not the closing boundary
	if len(ids)-1 >= o.MaxLen {
		return nil, &OptionError{"prefix", fmt.Sprintf("%q: %d characters leave no room in words of at most %d (max_len)", o.Prefix, len(ids)-1, o.MaxLen)}
	}
	n, v := o.N, vocab.Size()
	words := make([][]rune, n)
	for i := range words {
		words[i] = []rune(o.Prefix)
	}
	rngs := make([]*rand.Rand, n)
	for i := range rngs {
		rngs[i] = rand.New(rand.NewPCG(o.Seed, uint64(i)))
	}
	layers, hidden := lm.LSTM.Config.NumLayers, lm.LSTM.Config.HiddenSize
	h := tensor.New(tensor.Float32, layers, n, hidden)
	c := tensor.New(tensor.Float32, layers, n, hidden)
	z := tensor.New(tensor.Float32, n, v)
	g := autograd.NewInferenceGraph()
	// The first pass reads the boundary and the prefix, from zero states.
	in := tensor.New(tensor.Int64, n, len(ids))
	for i := range n {
		for j, id := range ids {
			in.Set(float64(id), i, j)
		}
	}
	var h0, c0 *autograd.Value
	done := make([]bool, n)
	left := n
	var next []int
	for left > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x := lm.Embedding.Forward(g, g.Input(in))
		out := lm.LSTM.Unroll(g, x, h0, c0, nil)
		z.CopyFrom(lm.Output.Forward(g, out.Last).Data())
		h.CopyFrom(out.H.Data())
		c.CopyFrom(out.C.Data())
		g.Reset()
		h0, c0 = g.Input(h), g.Input(c)
		next = sample(next, z, o.Temperature, rngs)
		in = tensor.New(tensor.Int64, n, 1)
		for i, id := range next {
			in.Set(float64(id), i, 0)
			if done[i] {
				continue
			}
			r, ok := vocab.Rune(id)
			if ok {
				words[i] = append(words[i], r)
			}
			if !ok || len(words[i]) >= o.MaxLen {
				done[i] = true
				left--
			}
		}
	}
	out := make([]string, n)
	for i, w := range words {
		out[i] = string(w)
	}
	return out, nil
}

// sample draws one token id per row of the logits z (N, V) from
// softmax(z/temperature), padding excluded, with the Gumbel-max trick:
// the index of the largest z/temperature − log(−log u), for u uniform in
// (0, 1) drawn from the row's own random stream, is distributed as that
// softmax. z is overwritten.
func sample(dst []int, z *tensor.Tensor, temperature float64, rngs []*rand.Rand) []int {
	n, v := z.Shape()[0], z.Shape()[1]
	z.Scale(1 / temperature)
	u := tensor.New(tensor.Float32, n, v)
	for i := range n {
		u.Index(i).CopyFrom(tensor.RandUniform(rngs[i], tensor.Float32, 0, 1, v))
		z.Set(math.Inf(-1), i, text.Pad)
	}
	for _, op := range []tensor.UnaryOp{tensor.OpLog, tensor.OpNeg, tensor.OpLog} {
		tensor.UnaryTo(op, u, u, 0)
	}
	z.AddScaled(-1, u)
	return tensor.ArgMaxRows(dst, z)
}
