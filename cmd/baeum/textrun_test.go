package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// syllableWords writes a word list of n words made of a few syllables
// (a structure a character model learns quickly), with some words' forms
// ("X's"), and returns its path.
func syllableWords(t *testing.T, n int) string {
	t.Helper()
	syl := []string{"ba", "ko", "ri", "tu", "ne", "sa", "mo", "li", "dar", "ven"}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	var b strings.Builder
	for len(seen) < n {
		w := ""
		for k := 1 + rng.IntN(3); k >= 0; k-- {
			w += syl[rng.IntN(len(syl))]
		}
		if rng.IntN(5) == 0 {
			w += "'s"
		}
		if !seen[w] {
			seen[w] = true
			b.WriteString(w + "\n")
		}
	}
	path := filepath.Join(t.TempDir(), "words.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTextTrainGenerateEval trains a small charlm on a word list and
// checks the round trip: the loss falls, the report compares the model
// with n-grams, generate samples words (the same ones for the same seed),
// eval measures the checkpoint on the same held-out lines, and summary
// describes it.
func TestTextTrainGenerateEval(t *testing.T) {
	words := syllableWords(t, 1500)
	dir := t.TempDir()
	ckpt, report := filepath.Join(dir, "lm.safetensors"), filepath.Join(dir, "report.json")
	out, err := run(t, "train", "--data", "words:"+words, "--hidden", "48", "--epochs", "4", "--batch", "32", "--threads", "1",
		"--weight-drop", "0.2", "--out", ckpt, "--report", report)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"training charlm", "held-out loss per character", "n-grams 2…6:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	h := rep.History
	if rep.Model != "charlm" || len(h) != 4 || rep.HeldOut == nil || len(rep.HeldOut.NGrams) != 5 {
		t.Fatalf("report: model %s, %d epochs, held-out %+v", rep.Model, len(h), rep.HeldOut)
	}
	if !(h[3].TrainLoss < h[0].TrainLoss-0.3) || !(h[3].ValLoss < h[0].ValLoss) {
		t.Errorf("the loss did not fall: train %.3f → %.3f, validation %.3f → %.3f", h[0].TrainLoss, h[3].TrainLoss, h[0].ValLoss, h[3].ValLoss)
	}
	if uniform := math.Log(13); !(rep.HeldOut.Model < uniform) || rep.HeldOut.Tokens <= rep.HeldOut.Lines {
		t.Errorf("held-out %+v: want a loss below the uniform %.2f", rep.HeldOut, uniform)
	}
	if rep.ModelConfig.Dropout != textDropout {
		t.Errorf("the report's model has dropout %v, want charlm's default %v", rep.ModelConfig.Dropout, textDropout)
	}
	if rep.ModelConfig.WeightDrop != 0.2 {
		t.Errorf("the report's model has weight drop %v, want --weight-drop's 0.2", rep.ModelConfig.WeightDrop)
	}
	if rep.ValExamples == 0 || rep.TestExamples != rep.HeldOut.Lines {
		t.Errorf("%d validation and %d test lines, held-out %d", rep.ValExamples, rep.TestExamples, rep.HeldOut.Lines)
	}

	// The language model exports to ONNX, reading int64 token ids.
	if out, err := run(t, "export", "--model", ckpt, "--out", filepath.Join(dir, "lm.onnx")); err != nil || !strings.Contains(out, "input int64 token ids (N, T)") {
		t.Errorf("export: %v\n%s", err, out)
	}

	gen := func(seed string) string {
		out, err := run(t, "generate", "--model", ckpt, "--n", "12", "--seed", seed, "--temperature", "0.7", "--max-len", "20")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return out
	}
	a := gen("3")
	lines := strings.Split(strings.TrimSuffix(a, "\n"), "\n")
	if len(lines) != 12 {
		t.Fatalf("generate printed %d lines, want 12:\n%s", len(lines), a)
	}
	for _, w := range lines {
		if len([]rune(w)) > 20 || strings.ContainsAny(w, "\n\t ") {
			t.Errorf("generated %q", w)
		}
	}
	if b := gen("3"); b != a {
		t.Errorf("seed 3 gave\n%s\nthen\n%s", a, b)
	}
	if c := gen("4"); c == a {
		t.Errorf("seeds 3 and 4 gave the same words:\n%s", a)
	}
	pre, err := run(t, "generate", "--model", ckpt, "--n", "3", "--prefix", "ko", "--seed", "1")
	if err != nil || strings.Count(pre, "\nko") != 2 || !strings.HasPrefix(pre, "ko") {
		t.Errorf("--prefix ko: %v\n%s", err, pre)
	}

	js, err := run(t, "eval", "--model", ckpt, "--data", "words:"+words, "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	var ev struct {
		Lines    int         `json:"lines"`
		Loss     float64     `json:"loss"`
		Accuracy float64     `json:"accuracy"`
		NGrams   []NGramLoss `json:"ngrams"`
	}
	if err := json.Unmarshal([]byte(js), &ev); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	if ev.Lines != rep.HeldOut.Lines || math.Abs(ev.Loss-rep.HeldOut.Model) > 1e-9 || len(ev.NGrams) != 5 || math.Abs(ev.NGrams[4].Loss-rep.HeldOut.NGrams[4].Loss) > 1e-9 {
		t.Errorf("eval: %+v; train's held-out %+v", ev, rep.HeldOut)
	}
	if !(ev.Accuracy > 0.2 && ev.Accuracy <= 1) {
		t.Errorf("next-character accuracy %v", ev.Accuracy)
	}
	txt, err := run(t, "eval", "--model", ckpt, "--data", "words:"+words)
	if err != nil || !strings.Contains(txt, "loss per character") {
		t.Errorf("eval: %v\n%s", err, txt)
	}
	sum, err := run(t, "summary", "--model", ckpt)
	if err != nil || !strings.Contains(sum, "LSTM(32→48") {
		t.Errorf("summary of the checkpoint: %v\n%s", err, sum)
	}
}

// TestTextLimitAndResume: --limit keeps lines spread through the file,
// and a stopped run resumes exactly where it stopped: its checkpoints
// are those of a run straight through, with the words batched by
// length (--bucket) and weight drop, and without.
func TestTextLimitAndResume(t *testing.T) {
	words := syllableWords(t, 600)
	dir := t.TempDir()
	for _, bucket := range []string{"16", "0"} {
		whole := filepath.Join(dir, "whole"+bucket+".safetensors")
		ckpt := filepath.Join(dir, "lm"+bucket+".safetensors")
		args := []string{"train", "--data", "words:" + words, "--hidden", "16", "--epochs", "2", "--limit", "300", "--threads", "1", "--batch", "8"}
		args = append(args, "--bucket", bucket)
		if bucket == "0" {
			// --val given: text.Split holds out about that many lines,
			// and the resumed run must split the same way.
			args = append(args, "--val", "20")
		} else {
			// Weight drop draws masks from the run's random stream.
			args = append(args, "--weight-drop", "0.2")
		}
		if out, err := run(t, append(args, "--out", whole)...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		out, err := run(t, append(args, "--out", ckpt, "--stop-after", "1")...)
		if err != nil || !strings.Contains(out, "training charlm") {
			t.Fatalf("%v\n%s", err, out)
		}
		// Without --threads: the run's own thread count (1) is restored.
		out, err = run(t, "train", "--data", "words:"+words, "--out", ckpt, "--resume")
		if err != nil || !strings.Contains(out, "resuming from") || !strings.Contains(out, "epoch  2/2") {
			t.Fatalf("%v\n%s", err, out)
		}
		a, _ := os.ReadFile(whole)
		b, _ := os.ReadFile(ckpt)
		if len(a) == 0 || string(a) != string(b) {
			t.Errorf("--bucket %s: the resumed run's checkpoint differs from the run straight through", bucket)
		}
	}
	// The saved --bucket is part of the run: another value conflicts.
	if _, err := run(t, "train", "--data", "words:"+words, "--out", filepath.Join(dir, "lm0.safetensors"), "--resume", "--bucket", "4"); err == nil || !strings.Contains(err.Error(), "--bucket 4 conflicts") {
		t.Errorf("--resume with another --bucket: %v", err)
	}
}

func TestSummaryCharLM(t *testing.T) {
	out, err := run(t, "summary", "--model", "charlm")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"embedding", "LSTM(32→256, batch first)", "Linear(256→29)", "Total params"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestTextFlagsRefused(t *testing.T) {
	words := syllableWords(t, 100)
	out := filepath.Join(t.TempDir(), "m.safetensors")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--size", "28x28"}, "--size is not for text"},
		{[]string{"--augment"}, "--augment is not for text"},
		{[]string{"--model", "mlp"}, "--model mlp does not read text"},
		{[]string{"--hidden", "8,8,8,8,8"}, "at most 4 LSTM layers"},
		{[]string{"--val", "100000"}, "--val 100000"},
		{[]string{"--dropout", "1"}, "--dropout 1: want a probability"},
		{[]string{"--weight-drop", "-0.1"}, "--weight-drop -0.1: want a probability"},
		{[]string{"--bucket", "-1"}, "--bucket -1: want 0"},
	} {
		_, err := run(t, append([]string{"train", "--data", "words:" + words, "--out", out, "--epochs", "1"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	// Dropout is charlm's; the image models' is in their layers.
	if _, err := run(t, "train", "--model", "mlp", "--limit", "100", "--dropout", "0.2", "--out", out); err == nil || !strings.Contains(err.Error(), "--dropout is for the character language model") {
		t.Errorf("--dropout for an image model: %v", err)
	}
	if _, err := run(t, "train", "--model", "mlp", "--limit", "100", "--weight-drop", "0.2", "--out", out); err == nil || !strings.Contains(err.Error(), "--weight-drop is for the character language model") {
		t.Errorf("--weight-drop for an image model: %v", err)
	}
	if _, err := run(t, "train", "--model", "mlp", "--limit", "100", "--bucket", "4", "--out", out); err == nil || !strings.Contains(err.Error(), "--bucket batches words of similar lengths, for text") {
		t.Errorf("--bucket for an image model: %v", err)
	}
}
