package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHintCourse checks the course's table: every chapter in order, each
// with its slug, and every command in it a real one with the flags it
// names, which accept the values given.
func TestHintCourse(t *testing.T) {
	slugs := []string{"linear-regression", "logistic-regression", "deep-learning", "feedforward", "gradient-descent",
		"backpropagation", "optimizers", "initialization", "cnn", "lenet5"}
	step := 0
	for i, s := range course {
		switch {
		case s.Step == step+1:
			step++
		case s.Step == step && i > 0:
		default:
			t.Fatalf("stop %d is step %d after step %d", i, s.Step, step)
		}
		if s.Slug != slugs[s.Step-1] {
			t.Errorf("step %d: slug %q, want %q", s.Step, s.Slug, slugs[s.Step-1])
		}
		if s.Title == "" {
			t.Errorf("step %d has no title", s.Step)
		}
		for _, args := range [][]string{s.Args, s.Match} {
			findCommand(t, args)
		}
	}
	if step != len(slugs) {
		t.Errorf("the course ends at step %d, want %d", step, len(slugs))
	}
	if got := course[1].Chapter("ko"); got != "docs/tutorial/ko/02-logistic-regression.md" {
		t.Errorf("chapter %q", got)
	}
}

// findCommand returns the command args run, after checking that it
// exists, that args name its full path and that it accepts their flags.
func findCommand(t *testing.T, args []string) *cobra.Command {
	t.Helper()
	root := newRootCmd()
	cmd, rest, err := root.Find(args)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	path, flags := splitMatch(args)
	if got := strings.TrimPrefix(cmd.CommandPath(), "baeum "); got != strings.Join(path, " ") {
		t.Fatalf("%v finds %q", args, got)
	}
	for name := range flags {
		if cmd.Flags().Lookup(name) == nil && cmd.InheritedFlags().Lookup(name) == nil {
			t.Errorf("%v: %s has no flag --%s", args, cmd.CommandPath(), name)
		}
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Errorf("%v: %v", args, err)
	}
	if cmd.Flags().NArg() != 0 {
		t.Errorf("%v: arguments %v left over", args, cmd.Flags().Args())
	}
	return cmd
}

func TestHintNext(t *testing.T) {
	tests := []struct {
		args []string
		want string // "" for no hint
	}{
		{[]string{"regress", "linear", "--csv", "a.csv", "--y", "y"}, "next: baeum regress logistic --csv docs/tutorial/data/spector.csv --y GRADE --x GPA,TUCE,PSI  (the course, step 2: docs/tutorial/en/02-logistic-regression.md)"},
		{[]string{"regress", "logistic"}, "next: baeum summary --model mlp  (the course, step 3: docs/tutorial/en/03-deep-learning.md)"},
		{[]string{"regress", "multinomial"}, ""},
		{[]string{"summary", "--model", "mlp"}, "next: baeum train --model mlp  (the course, step 4: docs/tutorial/en/04-feedforward.md)"},
		{[]string{"train", "--model", "mlp", "--epochs", "1"}, "next: baeum experiment gradient  (the course, step 5: docs/tutorial/en/05-gradient-descent.md)"},
		{[]string{"experiment", "gradient", "--quick"}, "next: baeum graph --expr 'L = -log(sigmoid(w*x + b))'  (the course, step 6: docs/tutorial/en/06-backpropagation.md)"},
		{[]string{"graph", "--model", "mlp"}, "next: baeum experiment optimizers  (the course, step 7: docs/tutorial/en/07-optimizers.md)"},
		{[]string{"experiment", "optimizers"}, "next: baeum experiment init  (the course, step 8: docs/tutorial/en/08-initialization.md)"},
		{[]string{"experiment", "init"}, "next: baeum summary --model lenet5  (the course, step 9: docs/tutorial/en/09-cnn.md)"},
		{[]string{"summary"}, "next: baeum train  (the course, step 10: docs/tutorial/en/10-lenet5.md)"},
		{[]string{"train"}, "next: baeum inspect --model runs/lenet5.safetensors  (the course, step 10: docs/tutorial/en/10-lenet5.md)"},
		{[]string{"train", "--model", "softmax"}, ""},
		{[]string{"inspect", "--index", "3"}, "next: baeum serve  (the course, step 10: docs/tutorial/en/10-lenet5.md)"},
		{[]string{"serve"}, ""},
		{[]string{"version"}, ""},
	}
	for _, tt := range tests {
		cmd := findCommand(t, tt.args)
		if got := nextHint(cmd, "en"); got != tt.want {
			t.Errorf("after %v:\n got %q\nwant %q", tt.args, got, tt.want)
		}
	}
}

// TestHintNotInOutput checks that a command that is a step of the course
// prints no hint when its output is no terminal, nor with --quiet.
func TestHintNotInOutput(t *testing.T) {
	for _, args := range [][]string{
		{"experiment", "gradient", "--steps", "2"},
		{"--quiet", "experiment", "gradient", "--steps", "2"},
	} {
		out, errOut, err := runBaeum(t, args...)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out+errOut, "next:") {
			t.Errorf("%v printed a hint:\n%s%s", args, out, errOut)
		}
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if onTerminal(f) {
		t.Error("a file is taken for a terminal")
	}
}

// TestHintOnTerminal checks that a step of the course run on a terminal
// ends with the next step's hint on standard error, unless --quiet, and
// that a failed command prints none.
func TestHintOnTerminal(t *testing.T) {
	defer func(f func(io.Writer) bool) { onTerminal = f }(onTerminal)
	onTerminal = func(io.Writer) bool { return true }
	want := "next: baeum graph --expr 'L = -log(sigmoid(w*x + b))'  (the course, step 6: docs/tutorial/"
	out, errOut, err := runBaeum(t, "experiment", "gradient", "--steps", "2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(errOut, want) || strings.Count(errOut, "\n") != 1 || strings.Contains(out, "next:") {
		t.Errorf("standard error %q, want one line starting %q", errOut, want)
	}
	for _, args := range [][]string{
		{"--quiet", "experiment", "gradient", "--steps", "2"},
		{"experiment", "gradient", "--steps", "0"},
		{"version"},
	} {
		out, errOut, _ := runBaeum(t, args...)
		if strings.Contains(out+errOut, "next:") {
			t.Errorf("%v printed a hint:\n%s%s", args, out, errOut)
		}
	}
}
