package tutorial

import (
	"reflect"
	"strings"
	"testing"
)

const sample = "# Title\n\n" +
	"Some text. ![paths](../img/07/optimizers-paths.png)\n\n" +
	"```sh\nbaeum experiment init --out-dir docs/tutorial/img/08\n```\n\n" +
	"```text\nold 1.5\nold 2\n```\n\n" +
	"<!-- no-run -->\n```sh\nbaeum serve\n```\n\n" +
	"```sh\nbaeum graph --expr \"y = w*x + b\"\n```\n" +
	"```text\n```\n"

func TestParseAndRewrite(t *testing.T) {
	ch, err := Parse("x.md", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Commands) != 3 {
		t.Fatalf("got %d commands, want 3", len(ch.Commands))
	}
	c := ch.Commands
	if c[0].Output != "old 1.5\nold 2" || c[0].NoRun || !c[1].NoRun || c[1].HasOutput || !c[2].HasOutput || c[2].Output != "" {
		t.Fatalf("commands parsed as %+v", c)
	}
	if args, _ := c[2].Args(); !reflect.DeepEqual(args, []string{"graph", "--expr", "y = w*x + b"}) {
		t.Errorf("args %q", args)
	}
	if !reflect.DeepEqual(ch.Images, []string{"../img/07/optimizers-paths.png"}) {
		t.Errorf("images %q", ch.Images)
	}
	got := string(ch.Rewrite(map[int]string{0: "new\n", 1: "ignored", 2: "drawn 3"}))
	want := strings.Replace(strings.Replace(sample, "old 1.5\nold 2\n", "new\n", 1), "```text\n```\n", "```text\ndrawn 3\n```\n", 1)
	if got != want {
		t.Errorf("rewritten:\n%s\nwant:\n%s", got, want)
	}
	if again, _ := Parse("x.md", []byte(got)); again.Commands[2].Output != "drawn 3" {
		t.Errorf("reparsed output %q", again.Commands[2].Output)
	}
}

func TestParseErrors(t *testing.T) {
	for _, src := range []string{
		"```sh\nbaeum train\n```\n",                            // no output block
		"```sh\nbaeum train\nbaeum eval\n```\n```text\n```\n",  // two lines
		"```sh\nls -l\n```\n```text\n```\n",                    // not baeum
		"```sh\nbaeum train | tee log\n```\n```text\n```\n",    // needs a shell
		"```sh\nbaeum graph --expr \"y\n```\n```text\n```\n",   // unclosed quote
		"```sh\nbaeum train\n```\n```text\nno closing fence\n", // open fence
	} {
		if _, err := Parse("x.md", []byte(src)); err == nil {
			t.Errorf("Parse(%q): no error", src)
		}
	}
}

func TestQuickArgs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"train --epochs 2", "train --epochs 2 --limit 1200 --val 200 --epochs 1"},
		{"train --data docs/tutorial/data/scores.csv --target score", "train --data docs/tutorial/data/scores.csv --target score"},
		{"experiment init --out-dir x", "experiment init --out-dir x --quick"},
		{"regress linear --csv a.csv --y y", "regress linear --csv a.csv --y y"},
	} {
		if got := strings.Join(QuickArgs(strings.Fields(tc.in)), " "); got != tc.want {
			t.Errorf("QuickArgs(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestCompareStructure(t *testing.T) {
	full := "epoch  1/10  loss 2.30 acc 0.11\nepoch  2/10  loss 1.5 acc 0.5\nepoch 10/10  loss 0.1 acc 0.99\nbest: 61,706 params, p <2e-16, x -1.5e+03\n"
	quick := "epoch 1/1  loss 2.1 acc 0.2\nbest: 7 params, p <1e-12, x 3.25\n"
	if err := CompareStructure(full, quick); err != nil {
		t.Errorf("same structure reported as different: %v", err)
	}
	if err := CompareStructure(full, quick+"extra line\n"); err == nil {
		t.Error("an extra line went unnoticed")
	}
	if err := CompareStructure(full, strings.Replace(quick, "acc", "accuracy", 1)); err == nil {
		t.Error("a changed word went unnoticed")
	}
}

func TestCheckGlossary(t *testing.T) {
	terms := []Term{{"기울기", "gradient"}, {"기울기 소실", "vanishing gradient"}, {"학습률", "learning rate"}}
	for _, tc := range []struct {
		text string
		bad  int
	}{
		{"기울기 (gradient)와 학습률(learning rate). 기울기는", 0},
		{"기울기는 (gradient)", 1},
		{"기울기 소실 (vanishing gradient)이 있다. 그리고 기울기 (gradient).", 0},
		{"기울기 소실 (vanishing gradient)이 있다. 그리고 기울기.", 1},
		{"```text\n기울기\n```\n기울기 (gradient)", 0},
		{"학습률 (learning-rate)", 1},
	} {
		ch, err := Parse("ko.md", []byte(tc.text))
		if err != nil {
			t.Fatal(err)
		}
		if errs := CheckGlossary(ch, terms); len(errs) != tc.bad {
			t.Errorf("%q: %d errors %v, want %d", tc.text, len(errs), errs, tc.bad)
		}
	}
}
