package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestExperimentGradient(t *testing.T) {
	out, errOut, err := runBaeum(t, "experiment", "gradient", "--quick")
	if err != nil {
		t.Fatal(err, errOut)
	}
	for _, want := range []string{
		"4→5→3 sigmoid network (43 parameters) on 60 examples",
		"w1[0,0]", "b1[4]", "w2[2,4]", "b2[2]",
		"largest difference over all 43 parameters: absolute",
		"86 forward passes (2 per parameter)",
		"1 forward + 1 backward pass",
		"20 steps of SGD",
		"21 forward + 20 backward passes",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "wrote ") || errOut != "" {
		t.Errorf("wrote files or errors without --out-dir:\n%s\n%s", out, errOut)
	}
	// --quick has the shape of the full run, numbers and padding aside.
	full, _, err := runBaeum(t, "experiment", "gradient")
	if err != nil {
		t.Fatal(err)
	}
	mask := func(s string) string {
		s = regexp.MustCompile(`[-+]?[0-9][0-9.,]*(e[-+]?[0-9]+)?`).ReplaceAllString(s, "N")
		return regexp.MustCompile(` +`).ReplaceAllString(s, " ")
	}
	if mask(out) != mask(full) {
		t.Errorf("--quick output differs in shape from the full one:\n%s\n%s", out, full)
	}
}

func TestExperimentGradientFlags(t *testing.T) {
	out, _, err := runBaeum(t, "experiment", "gradient", "--hidden", "3", "--activation", "tanh", "--steps", "4", "--examples", "30", "--seed", "2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "4→3→3 tanh network (27 parameters) on 30 examples") || !strings.Contains(out, "4 steps of SGD") {
		t.Errorf("flags not applied:\n%s", out)
	}
	for _, args := range [][]string{
		{"--hidden", "0"}, {"--examples", "2"}, {"--steps", "0"}, {"--lr", "-1"}, {"--activation", "relu"}, {"--out-dir", "x", "--format", "gif"},
	} {
		if _, _, err := runBaeum(t, append([]string{"experiment", "gradient"}, args...)...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestExperimentGradientPictures(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runBaeum(t, "experiment", "gradient", "--steps", "5", "--out-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	wantPictures(t, out, dir, "gradient-training.png", "gradient-training.svg", "gradient-training.csv")
	if rows := csvRows(t, filepath.Join(dir, "gradient-training.csv")); len(rows) != 7 {
		t.Errorf("%d CSV rows, want a header and 6 steps", len(rows))
	}
}
