package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/text"
	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/train"
)

// wordsPrefix starts a --data value that names a text file of examples,
// one a line: words:/usr/share/dict/words.
const wordsPrefix = "words:"

// textPath returns the file a --data value names after "words:", and
// whether it has the prefix at all.
func textPath(spec string) (string, bool) {
	return strings.CutPrefix(spec, wordsPrefix)
}

// The shares of a text run's splits: a tenth of the lines (a word kept
// with its forms, see text.Split) for the test split, and, when --val is
// not given, a twentieth of the rest to validate.
const (
	textTestShare = 0.1
	textValShare  = 0.05
	// textLR is charlm's default learning rate with Adam (and AdamW):
	// higher than the images' 0.001, as character LSTMs take (after one
	// epoch of the word list, 0.006 gave 1.97 nats per character where
	// 0.003 gave 2.06).
	textLR = 0.005
	// textEpochs is a text run's default number of epochs, and
	// textDropout charlm's default dropout: on the word list (89,000
	// training lines), 14 epochs at dropout 0.05 or 0.1 both gave a
	// held-out 1.78 nats per character where 12 without dropout gave
	// 1.80 (overfitting: a training loss of 1.45) and 12 at 0.25 gave
	// 1.83 (still learning). An epoch took 26–36 s on two cores (on
	// 2026-12-02).
	textEpochs  = 14
	textDropout = 0.1
	// textWeightDrop is charlm's default DropConnect on W_hh.
	textWeightDrop = 0.0
	// maxBucket bounds --bucket. On the word list, --bucket 16 makes an
	// epoch about a quarter shorter (21–24 s against 27–31 s) but learns
	// less from it: 14 epochs gave a held-out 1.80 nats per character
	// against a plain shuffle's 1.78, so the default is a plain shuffle.
	maxBucket = 1 << 20
)

// textRun is what a text run keeps for its closing comparison with
// n-gram models: the lines the model trained on, and the vocabulary.
type textRun struct {
	path        string
	trainLines  []string // the training part (fit and validation), which the n-grams count
	testLines   []string
	vocab       *text.Vocab
	testDropped int // test lines with a character the training lines lack
}

// checkTextFlags refuses the flags that a text run (--data words:FILE)
// has no use for, naming them.
func checkTextFlags(o *trainOptions, changed func(string) bool) error {
	for _, f := range []string{"target", "task", "categorical", "size", "channels", "resize", "classes", "augment", "init-from", "activation"} {
		if changed(f) {
			return fmt.Errorf("--%s is not for text: --data %s%s trains a character language model (--model %s)", f, wordsPrefix, strings.TrimPrefix(o.dataDir, wordsPrefix), models.CharLMName)
		}
	}
	if o.Bucket < 0 || o.Bucket > maxBucket {
		return fmt.Errorf("--bucket %d: want 0 (a plain shuffle) to %d batches", o.Bucket, maxBucket)
	}
	if !(o.Dropout >= 0 && o.Dropout < 1) {
		return fmt.Errorf("--dropout %v: want a probability at least 0 and less than 1", o.Dropout)
	}
	if !(o.WeightDrop >= 0 && o.WeightDrop < 1) {
		return fmt.Errorf("--weight-drop %v: want a probability at least 0 and less than 1", o.WeightDrop)
	}
	if !slices.Contains(models.TextNames, o.Model) {
		return fmt.Errorf("--model %s does not read text: --data %s… trains --model %s", o.Model, wordsPrefix, strings.Join(models.TextNames, ", "))
	}
	if o.Hidden != "" {
		h, err := parseHiddenFlag(o.Hidden)
		if err != nil {
			return err
		}
		if len(h) > models.MaxCharLMLayers {
			return fmt.Errorf("--hidden %s: charlm has at most %d LSTM layers (one size per layer)", o.Hidden, models.MaxCharLMLayers)
		}
		for _, n := range h {
			if n != h[0] {
				return fmt.Errorf("--hidden %s: charlm's LSTM layers share one hidden size (give it once per layer, as 256,256)", o.Hidden)
			}
		}
	}
	return nil
}

// spread returns n of the lines, evenly spaced through them, in order
// (all of them when n ≤ 0 or n ≥ len(lines)).
func spread(lines []string, n int) []string {
	if n <= 0 || n >= len(lines) {
		return lines
	}
	out := make([]string, n)
	for i := range out {
		out[i] = lines[i*len(lines)/n]
	}
	return out
}

// prepareTextRun reads the text file --data words:FILE names for a
// character language model and builds the model and the splits:
//
//   - --limit N keeps N lines spread evenly through the file;
//   - a tenth of the lines, chosen by --seed and keeping a word with its
//     forms (X and X's, see text.Split), is the test split, only
//     reported; test lines with a character that no training line has
//     are left out (the model has no id for it), and counted;
//   - --val lines of the rest, chosen alike (by default a twentieth),
//     validate, choosing the best epoch; the others train;
//   - the vocabulary is the training part's characters; the model,
//     --model charlm, an embedding, an LSTM of --hidden units (one size
//     per layer) and a linear layer, predicts each next character.
func prepareTextRun(ctx context.Context, o *trainOptions, rng *rand.Rand, log io.Writer) (*runData, *textRun, error) {
	path, _ := textPath(o.dataDir)
	if path == "" {
		return nil, nil, fmt.Errorf("--data %s needs a file: --data %s/usr/share/dict/words, or any text file of one example a line", o.dataDir, wordsPrefix)
	}
	cfg := models.Config{Name: o.Model, Dropout: o.Dropout, WeightDrop: o.WeightDrop}
	if o.Hidden != "" {
		h, err := parseHiddenFlag(o.Hidden)
		if err != nil {
			return nil, nil, err
		}
		cfg.Hidden = h
	}
	lines, err := text.ReadFile(ctx, path)
	if err != nil {
		return nil, nil, fmt.Errorf("--data %s%w", wordsPrefix, err)
	}
	lines = spread(lines, o.Limit)
	trainPart, test := text.Split(lines, textTestShare, o.Seed)
	if len(trainPart) < 2 || len(test) == 0 {
		return nil, nil, fmt.Errorf("--data %s: %d lines give %d training and %d test lines; a language model needs more (a tenth of the lines, at random, are the test split)", o.dataDir, len(lines), len(trainPart), len(test))
	}
	vocab, err := text.NewVocab(trainPart)
	if err != nil {
		return nil, nil, fmt.Errorf("--data %s: %w", o.dataDir, err)
	}
	test, dropped := text.KnownOnly(test, vocab)
	if dropped > 0 {
		fmt.Fprintf(log, "%s: %d test lines have characters that no training line has; they are left out\n", path, dropped)
	}
	if len(test) == 0 {
		return nil, nil, fmt.Errorf("--data %s: no test line uses only the training lines' characters", o.dataDir)
	}
	fit, val := trainPart, []string(nil)
	valShare := textValShare
	switch {
	case o.ValShare > 0: // resumed: the share the run split with
		valShare = o.ValShare
	case o.valGiven:
		valShare = float64(o.Val) / float64(len(trainPart))
	}
	o.ValShare = valShare
	if valShare > 0 {
		// Split again, with another random stream, keeping forms together.
		fit, val = text.Split(trainPart, valShare, o.Seed^0x5a1d)
	}
	if len(fit) == 0 || (valShare > 0 && len(val) == 0) {
		return nil, nil, fmt.Errorf("--val %d: %d training lines give %d to train on and %d to validate", o.Val, len(trainPart), len(fit), len(val))
	}
	o.Val = len(val)
	longest := 0
	for _, l := range trainPart {
		longest = max(longest, utf8.RuneCountInString(l))
	}
	model, err := models.NewText(rng, cfg, vocab.Prep(longest))
	if err != nil {
		return nil, nil, fmt.Errorf("--model: %w", err)
	}
	rd := &runData{Model: model, Loss: train.SequenceCrossEntropy{}, Unit: "lines"}
	var sets [3]*text.Examples
	for i, l := range [][]string{fit, val, test} {
		if len(l) == 0 {
			continue
		}
		if sets[i], err = text.NewExamples(l, vocab, 0); err != nil {
			return nil, nil, fmt.Errorf("--data %s: %w", o.dataDir, err)
		}
	}
	rd.Fit, rd.Test = sets[0], sets[2]
	rd.Val = noLines{sets[0].Spec()}
	if sets[1] != nil {
		rd.Val = sets[1]
	}
	return rd, &textRun{path: path, trainLines: trainPart, testLines: test, vocab: vocab, testDropped: dropped}, nil
}

// noLines is the validation set of a run without one (--val 0).
type noLines struct{ spec data.Spec }

func (noLines) Len() int                  { return 0 }
func (n noLines) Spec() data.Spec         { return n.spec }
func (noLines) Example(int, data.Row) int { panic("baeum: an example of an empty set") }

// HeldOut is the closing comparison of a text run, in --report's JSON:
// the held-out loss per character (each character and each line's end,
// in nats) of the language model and of n-gram models counted on the
// same training lines.
type HeldOut struct {
	// Lines and Tokens are the test split's lines and predicted tokens
	// (characters and ends).
	Lines  int `json:"lines"`
	Tokens int `json:"tokens"`
	// Dropped counts the test lines left out for a character no training
	// line has.
	Dropped int `json:"dropped,omitempty"`
	// Model is the language model's loss.
	Model float64 `json:"model"`
	// NGrams holds the losses of interpolated Kneser-Ney n-grams, n =
	// 2…6, counted on the training part (fit and validation lines).
	NGrams []NGramLoss `json:"ngrams"`
}

// NGramLoss is an n-gram model's held-out loss.
type NGramLoss struct {
	N    int     `json:"n"`
	Loss float64 `json:"loss"`
}

// heldOut measures the trained model on the test split beside n-gram
// models of the training lines, and prints the comparison.
func heldOut(out io.Writer, rd *runData, tr *textRun) (*HeldOut, error) {
	test := rd.Test.(*text.Examples)
	loss, tokens := train.SequenceLoss(rd.Model, test, 250)
	h := &HeldOut{Lines: test.Len(), Tokens: tokens, Dropped: tr.testDropped, Model: loss}
	var ng []string
	for n := 2; n <= 6; n++ {
		m, err := text.FitNGram(n, tr.trainLines, tr.vocab)
		if err != nil {
			return nil, err
		}
		l, err := m.Loss(tr.testLines, tr.vocab)
		if err != nil {
			return nil, err
		}
		h.NGrams = append(h.NGrams, NGramLoss{N: n, Loss: l})
		ng = append(ng, fmt.Sprintf("%.2f", l))
	}
	fmt.Fprintf(out, "held-out loss per character (%d lines, %d characters and ends, in nats): %s %.2f; n-grams 2…6: %s\n",
		h.Lines, h.Tokens, rd.Model.Config.Name, h.Model, strings.Join(ng, " "))
	return h, nil
}

// evalText measures a text model on the test split of --data
// words:FILE, cut as train cuts it (a tenth of the lines, chosen by the
// seed the checkpoint records): the loss per character (each character
// and each line's end), the next-character accuracy, and n-gram models
// counted on the other lines for comparison.
func evalText(ctx context.Context, out io.Writer, m *models.Model, meta map[string]string, model, dataDir string, asJSON bool) error {
	path, ok := textPath(dataDir)
	if !ok || path == "" {
		return fmt.Errorf("--model %s is a character language model: give the text it is measured on, --data %sFILE (a tenth of its lines, split as train splits them, are the test lines)", model, wordsPrefix)
	}
	seed := uint64(1)
	var tr struct {
		Seed *uint64 `json:"seed"`
	}
	if json.Unmarshal([]byte(meta[checkpoint.KeyTraining]), &tr) == nil && tr.Seed != nil {
		seed = *tr.Seed
	}
	vocab, err := text.VocabOfPrep(m.Text())
	if err != nil {
		return fmt.Errorf("--model %s: %w", model, err)
	}
	lines, err := text.ReadFile(ctx, path)
	if err != nil {
		return fmt.Errorf("--data %s%w", wordsPrefix, err)
	}
	trainPart, test := text.Split(lines, textTestShare, seed)
	test, dropped := text.KnownOnly(test, vocab)
	trainPart, _ = text.KnownOnly(trainPart, vocab)
	if len(test) == 0 || len(trainPart) == 0 {
		return fmt.Errorf("--data %s: no test lines (of %d) that the model's vocabulary can read", dataDir, len(lines))
	}
	ex, err := text.NewExamples(test, vocab, 0)
	if err != nil {
		return fmt.Errorf("--data %s: %w", dataDir, err)
	}
	loss, tokens := train.SequenceLoss(m, ex, 250)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return fmt.Errorf("--model %s: %w (its loss is %v)", model, infer.ErrNonFinite, loss)
	}
	acc := train.EvaluateWith(m, ex, nil, []train.Metric{train.SequenceAccuracy{}}, 250).Metrics["accuracy"]
	res := struct {
		Model    string      `json:"model"`
		Data     string      `json:"data"`
		Seed     uint64      `json:"seed"`
		Lines    int         `json:"lines"`
		Tokens   int         `json:"tokens"`
		Dropped  int         `json:"dropped,omitempty"`
		Loss     float64     `json:"loss"`
		Bits     float64     `json:"bits_per_character"`
		Accuracy float64     `json:"accuracy"`
		NGrams   []NGramLoss `json:"ngrams"`
	}{Model: model, Data: path, Seed: seed, Lines: len(test), Tokens: tokens, Dropped: dropped, Loss: loss, Bits: loss / math.Ln2, Accuracy: acc}
	var ng []string
	for n := 2; n <= 6; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		g, err := text.FitNGram(n, trainPart, vocab)
		if err != nil {
			return err
		}
		l, err := g.Loss(test, vocab)
		if err != nil {
			return err
		}
		res.NGrams = append(res.NGrams, NGramLoss{N: n, Loss: l})
		ng = append(ng, fmt.Sprintf("%.2f", l))
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	note := ""
	if dropped > 0 {
		note = fmt.Sprintf(" (%d more have characters the model does not know)", dropped)
	}
	fmt.Fprintf(out, "%v on %d test lines of %s%s, a tenth split with seed %d as train splits it:\n", m, len(test), path, note, seed)
	fmt.Fprintf(out, "loss per character %.4f nats (%.3f bits; %d characters and line ends), next-character accuracy %.4f\n", loss, loss/math.Ln2, tokens, acc)
	fmt.Fprintf(out, "n-grams 2…6 counted on the other lines: %s\n", strings.Join(ng, " "))
	return nil
}

// summaryVocab is the vocabulary `baeum summary --model charlm` sizes
// the model for: the 26 lowercase letters and the apostrophe. A trained
// model's is its training lines' characters.
const summaryVocab = "'abcdefghijklmnopqrstuvwxyz"

// summarizeText prints the layer table of a text model — the built-in
// charlm, for summaryVocab and lines of up to 15 characters, or a text
// model's checkpoint — and reports whether model was one.
func summarizeText(w io.Writer, model string) (bool, error) {
	var m *models.Model
	var err error
	note := ""
	switch {
	case slices.Contains(models.TextNames, model):
		m, err = models.NewText(rand.New(rand.NewPCG(0, 0)), models.Config{Name: model}, models.TextPrepOf(summaryVocab, 15))
		note = fmt.Sprintf(" — for %d characters (a–z and ') and words of up to 15; the embedding and output layers grow with the data's characters", len(summaryVocab))
	case strings.HasSuffix(model, ".safetensors"):
		m, _, err = models.Load(model)
		if err != nil || m.Text() == nil {
			return false, nil // summary's own path reports it
		}
	default:
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("--model: %w", err)
	}
	t := m.Text()
	fmt.Fprintf(w, "%v: %v%s\n", m, m.Module, note)
	fmt.Fprintf(w, "%v\n", nn.Summarize(m.Module, 1, t.MaxLen+1))
	fmt.Fprintf(w, "a line of k characters is k+1 steps: the boundary, then each character, each step predicting the next token (%d ids: padding, the boundary, %d characters)\n", len([]rune(t.Vocab))+2, len([]rune(t.Vocab)))
	return true, nil
}

// refuseTextModel returns an error, saying that what (a command's
// purpose) needs another model, when model is the built-in charlm or a
// checkpoint of a text model; nil otherwise, and for a checkpoint that
// does not load (the command's own path reports that).
func refuseTextModel(model, what string) error {
	isText := slices.Contains(models.TextNames, model)
	if !isText && strings.HasSuffix(model, ".safetensors") {
		if m, _, err := models.Load(model); err == nil && m.Text() != nil {
			isText = true
		}
	}
	if isText {
		return fmt.Errorf("--model %s is a character language model: %s", model, what)
	}
	return nil
}
