package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// courseStop is one command of the course that baeum's tutorial
// (docs/tutorial/{en,ko}/NN-slug.md) walks through. A chapter may have
// more than one: the last one has three.
type courseStop struct {
	// Step is the chapter's number, 1 to 10; Slug names its file,
	// docs/tutorial/<lang>/<NN>-<Slug>.md.
	Step int
	Slug string
	// Title is what the chapter is about.
	Title string
	// Args is the command the chapter runs, as shown in the hint before
	// it (without "baeum").
	Args []string
	// Match is the command path and the flag values that mark this stop
	// as done (a command run with other values, such as summary --model
	// lenet5 for summary --model mlp, is another stop).
	Match []string
}

// course is the tutorial's route, in order: after a command that matches
// a stop, baeum points to the next stop's command. The tutorial's
// chapters are checked against this table, so it is the one place that
// says which chapter runs which command.
var course = []courseStop{
	{1, "linear-regression", "linear regression and least squares",
		[]string{"regress", "linear", "--csv", "docs/tutorial/data/scores.csv", "--y", "score"}, []string{"regress", "linear"}},
	{2, "logistic-regression", "logistic regression: odds, logit, maximum likelihood",
		[]string{"regress", "logistic", "--csv", "docs/tutorial/data/spector.csv", "--y", "GRADE", "--x", "GPA,TUCE,PSI"}, []string{"regress", "logistic"}},
	{3, "deep-learning", "what deep learning is",
		[]string{"summary", "--model", "mlp"}, []string{"summary", "--model", "mlp"}},
	{4, "feedforward", "feedforward networks: layers, activations, loss",
		[]string{"train", "--model", "mlp"}, []string{"train", "--model", "mlp"}},
	{5, "gradient-descent", "learning by gradient descent, with numerical differentiation",
		[]string{"experiment", "gradient"}, []string{"experiment", "gradient"}},
	{6, "backpropagation", "backpropagation on a computational graph",
		[]string{"graph", "--expr", "L = -log(sigmoid(w*x + b))"}, []string{"graph"}},
	{7, "optimizers", "the limits of SGD, and Momentum, AdaGrad, RMSProp, Adam",
		[]string{"experiment", "optimizers"}, []string{"experiment", "optimizers"}},
	{8, "initialization", "weight initialization",
		[]string{"experiment", "init"}, []string{"experiment", "init"}},
	{9, "cnn", "why convolutional networks",
		[]string{"summary", "--model", "lenet5"}, []string{"summary", "--model", "lenet5"}},
	{10, "lenet5", "LeNet-5 reading ZIP codes",
		[]string{"train"}, []string{"train", "--model", "lenet5"}},
	{10, "lenet5", "LeNet-5 reading ZIP codes",
		[]string{"inspect", "--model", "runs/lenet5.safetensors"}, []string{"inspect"}},
	{10, "lenet5", "LeNet-5 reading ZIP codes",
		[]string{"serve"}, []string{"serve"}},
}

// Chapter returns the path of the stop's chapter in the tutorial in the
// language lang ("en" or "ko").
func (s courseStop) Chapter(lang string) string {
	return fmt.Sprintf("docs/tutorial/%s/%02d-%s.md", lang, s.Step, s.Slug)
}

// Command returns the stop's command line as a user types it into a
// shell.
func (s courseStop) Command() string {
	words := []string{"baeum"}
	for _, a := range s.Args {
		if a == "" || strings.ContainsAny(a, " \t\"'$*()|&;<>?[]{}\\`!#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		words = append(words, a)
	}
	return strings.Join(words, " ")
}

// matches reports whether cmd, which has just finished, is this stop's
// command: the same path below the root and the same values of the flags
// Match names.
func (s courseStop) matches(cmd *cobra.Command) bool {
	path, flags := splitMatch(s.Match)
	if strings.Join(path, " ") != strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ") {
		return false
	}
	for name, want := range flags {
		f := cmd.Flags().Lookup(name)
		if f == nil || f.Value.String() != want {
			return false
		}
	}
	return true
}

// splitMatch splits a command line into its command path (the words
// before the first flag) and its flags' values.
func splitMatch(args []string) (path []string, flags map[string]string) {
	flags = map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			if len(flags) == 0 {
				path = append(path, a)
			}
			continue
		}
		name, val, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !ok && i+1 < len(args) {
			val = args[i+1]
			i++
		}
		flags[name] = val
	}
	return path, flags
}

// nextHint returns the hint to print after cmd finished well: the next
// stop of the course, or "" when cmd is no stop or the last one.
func nextHint(cmd *cobra.Command, lang string) string {
	for i, s := range course {
		if !s.matches(cmd) || i+1 == len(course) {
			continue
		}
		next := course[i+1]
		return fmt.Sprintf("next: %s  (the course, step %d: %s)", next.Command(), next.Step, next.Chapter(lang))
	}
	return ""
}

// hintLanguage returns the tutorial language for the user's locale:
// "ko" for a Korean one, "en" otherwise.
func hintLanguage() string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if l := os.Getenv(v); l != "" {
			if strings.HasPrefix(l, "ko") {
				return "ko"
			}
			return "en"
		}
	}
	return "en"
}

// printHint writes the course's next step to cmd's standard error after
// cmd finished well, when its standard output is a terminal (a person is
// reading, not a script or a pipe) and --quiet is off.
func printHint(cmd *cobra.Command, quiet bool) {
	if quiet {
		return
	}
	if !onTerminal(cmd.OutOrStdout()) {
		return
	}
	if h := nextHint(cmd, hintLanguage()); h != "" {
		fmt.Fprintln(cmd.ErrOrStderr(), h)
	}
}

// onTerminal reports whether w is a terminal; tests replace it.
var onTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}
