package tutorial

import (
	"fmt"
	"regexp"
	"strings"
)

// QuickRule adds flags to the commands of one subcommand so that the docs
// test runs them in seconds. The flags go after the chapter's own, so they
// win over them (--epochs 1 after --epochs 2).
type QuickRule struct {
	// Path is the subcommand, as words: "train", "experiment init".
	Path string
	// Table, when true, limits the rule to commands that train on a CSV
	// table (--data FILE.csv); when false, to all others.
	Table bool
	// Flags are the flags to add.
	Flags []string
}

// Quick is the one table of quick mode: a command whose subcommand has no
// rule here runs as written (it is fast already).
var Quick = []QuickRule{
	// MNIST: 1,000 training, 200 validation and 200 test images, one epoch.
	{Path: "train", Flags: []string{"--limit", "1200", "--val", "200", "--epochs", "1"}},
	// A table of a few hundred rows trains in a fraction of a second.
	{Path: "train", Table: true},
	{Path: "experiment gradient", Flags: []string{"--quick"}},
	{Path: "experiment optimizers", Flags: []string{"--quick"}},
	{Path: "experiment init", Flags: []string{"--quick"}},
}

// subcommand returns the leading words of args that are not flags.
func subcommand(args []string) string {
	var words []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			break
		}
		words = append(words, a)
	}
	return strings.Join(words, " ")
}

// flagValue returns the value of --name in args ("--name v" or
// "--name=v"), the last one if given more than once.
func flagValue(args []string, name string) (string, bool) {
	v, ok := "", false
	for i, a := range args {
		if a == "--"+name && i+1 < len(args) {
			v, ok = args[i+1], true
		} else if strings.HasPrefix(a, "--"+name+"=") {
			v, ok = strings.TrimPrefix(a, "--"+name+"="), true
		}
	}
	return v, ok
}

// QuickArgs returns args with the flags of its rule in Quick added.
func QuickArgs(args []string) []string {
	path := subcommand(args)
	data, _ := flagValue(args, "data")
	table := strings.HasSuffix(strings.ToLower(data), ".csv")
	for _, r := range Quick {
		if r.Path == path && r.Table == table {
			return append(append([]string(nil), args...), r.Flags...)
		}
	}
	return args
}

// number matches a number as the commands print it: an optional sign,
// digits with thousands separators or a decimal point, an exponent.
var number = regexp.MustCompile(`[-+−]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?`)

// Mask returns the structure of a command's output: each line with every
// number replaced by # (runs of # joined into one), blanks collapsed and
// trimmed, and runs of identical lines (one per epoch or step) collapsed
// into one. Two outputs of the same command with other numbers, other
// column widths or another number of epochs have the same structure.
func Mask(output string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(output, "\n"), "\n") {
		l = number.ReplaceAllString(l, "#")
		l = strings.Join(strings.Fields(l), " ")
		for strings.Contains(l, "##") {
			l = strings.ReplaceAll(l, "##", "#")
		}
		if len(out) > 0 && out[len(out)-1] == l {
			continue
		}
		out = append(out, l)
	}
	return out
}

// CompareStructure returns nil when the two outputs have the same
// structure (Mask), and otherwise an error that shows the first line where
// they differ.
func CompareStructure(want, got string) error {
	w, g := Mask(want), Mask(got)
	n := min(len(w), len(g))
	for i := 0; i < n; i++ {
		if w[i] != g[i] {
			return fmt.Errorf("masked line %d differs:\n  chapter: %s\n  now:     %s", i+1, w[i], g[i])
		}
	}
	switch {
	case len(w) > n:
		return fmt.Errorf("the output ends early: the chapter's masked line %d is %q", n+1, w[n])
	case len(g) > n:
		return fmt.Errorf("the output has more lines: masked line %d is %q", n+1, g[n])
	}
	return nil
}
