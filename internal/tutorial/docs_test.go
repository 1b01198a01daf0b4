package tutorial

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// commandTimeout bounds one command of the docs test in quick mode.
const commandTimeout = 2 * time.Minute

// inCI reports whether the test runs in CI, where nothing is skipped.
func inCI() bool { return os.Getenv("CI") != "" && os.Getenv("CI") != "false" }

// readCourse reads the English chapters, which must all be there, and the
// Korean ones when all ten are there: in CI they must be. It returns the
// chapters by language and, when the Korean ones are left out, why.
func readCourse(t *testing.T, root string) (map[string][]*Chapter, string) {
	t.Helper()
	dir := filepath.Join(root, Dir)
	course := map[string][]*Chapter{}
	var skipped string
	for _, lang := range Languages {
		var missing []string
		for n := range Slugs {
			if _, err := os.Stat(ChapterPath(dir, lang, n+1)); err != nil {
				missing = append(missing, filepath.Base(ChapterPath(dir, lang, n+1)))
			}
		}
		if len(missing) > 0 {
			if lang == "en" || inCI() {
				t.Fatalf("docs/tutorial/%s lacks %d of the ten chapters: %s", lang, len(missing), strings.Join(missing, ", "))
			}
			skipped = fmt.Sprintf("docs/tutorial/%s lacks %s (outside CI its checks are skipped)", lang, strings.Join(missing, ", "))
			t.Log(skipped)
			continue
		}
		chs, err := ReadLanguage(dir, lang)
		if err != nil {
			t.Fatal(err)
		}
		course[lang] = chs
	}
	return course, skipped
}

// TestTutorialStatic checks the course without running it: every
// chapter of both languages is there and parses, both have the same
// commands in the same order, every picture they embed exists, and each
// Korean chapter gives the English term beside the first use of a term of
// the glossary.
func TestTutorialStatic(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	course, skipped := readCourse(t, root)
	terms, err := ReadGlossary(filepath.Join(root, Dir, "glossary.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(terms) < 25 {
		t.Errorf("the glossary has %d terms; the course uses more", len(terms))
	}
	for lang, chs := range course {
		for _, ch := range chs {
			rel, _ := filepath.Rel(root, ch.Path)
			if len(Runnable([]*Chapter{ch})) == 0 {
				t.Errorf("%s runs no command", rel)
			}
			for _, im := range ch.ImagePaths(root) {
				if _, err := os.Stat(filepath.Join(root, im)); err != nil {
					t.Errorf("%s embeds %s, which does not exist", rel, im)
				}
			}
			if lang == "ko" {
				for _, err := range CheckGlossary(ch, terms) {
					t.Error(err)
				}
			}
		}
	}
	if ko, ok := course["ko"]; ok {
		en := course["en"]
		for n := range Slugs {
			a, b := en[n].Commands, ko[n].Commands
			for i := 0; i < max(len(a), len(b)); i++ {
				switch {
				case i >= len(a):
					t.Errorf("%s: command %q (line %d) is not in the English chapter", ko[n].Path, b[i].Text, b[i].Line)
				case i >= len(b):
					t.Errorf("%s: command %q (line %d) is not in the Korean chapter", en[n].Path, a[i].Text, a[i].Line)
				case a[i].Text != b[i].Text || a[i].NoRun != b[i].NoRun:
					t.Errorf("chapter %d, command %d: English %q (no-run %v, line %d), Korean %q (no-run %v, line %d)",
						n+1, i+1, a[i].Text, a[i].NoRun, a[i].Line, b[i].Text, b[i].NoRun, b[i].Line)
				}
			}
		}
	}
	if skipped != "" {
		t.Skip(skipped)
	}
}

// TestTutorialCommands runs every command of the course in quick mode
// (Quick), in order, in a fresh working directory that holds the
// tutorial's data, and fails when one errors (it no longer exists, or its
// flags changed) or when its output's structure no longer matches what a
// chapter shows. It also checks that the commands still draw every picture
// the chapters embed.
func TestTutorialCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds baeum and runs the tutorial's commands")
	}
	start := time.Now()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	course, skipped := readCourse(t, root)
	statSources(t, root)
	bin := os.Getenv("BAEUM_TUTORIAL_BIN") // a binary built already, to save the build
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "baeum")
		if err := Build(root, bin); err != nil {
			t.Fatal(err)
		}
	}
	work := t.TempDir()
	var all []*Chapter
	for _, lang := range Languages {
		all = append(all, course[lang]...)
	}
	if err := Prepare(root, work, all); err != nil {
		t.Fatal(err)
	}
	built := time.Since(start)

	// The languages have the same commands (TestTutorialStatic), so the
	// English list is run once and both outputs are compared with it.
	type shown struct {
		lang string
		ch   *Chapter
		c    Command
	}
	var runs []string
	byText := map[string][]shown{}
	for _, lang := range Languages {
		for _, ch := range course[lang] {
			for _, c := range ch.Commands {
				if c.NoRun {
					continue
				}
				if lang == "en" {
					runs = append(runs, c.Text)
				}
				byText[c.Text] = append(byText[c.Text], shown{lang, ch, c})
			}
		}
	}
	for _, text := range runs {
		args, err := Command{Text: text}.Args()
		if err != nil {
			t.Fatal(err)
		}
		q := QuickArgs(args)
		t0 := time.Now()
		out, err := Run(bin, work, q, commandTimeout)
		t.Logf("%5.1fs  baeum %s", time.Since(t0).Seconds(), shellJoin(q))
		if err != nil {
			t.Errorf("baeum %s: %v\n%s", shellJoin(q), err, out)
			continue
		}
		seen := map[string]bool{}
		for _, s := range byText[text] {
			key := s.ch.Path + "\x00" + s.c.Output
			if seen[key] {
				continue // the same command with the same output, twice
			}
			seen[key] = true
			if err := CompareStructure(s.c.Output, out); err != nil {
				rel, _ := filepath.Rel(root, s.ch.Path)
				t.Errorf("%s:%d: the output of %q no longer has the structure the chapter shows (run sh docs/tutorial/regenerate.sh): %v\nquick-mode output:\n%s",
					rel, s.c.Line, text, err, out)
			}
		}
	}
	_, haveDot := exec.LookPath("dot")
	for _, ch := range all {
		for _, im := range ch.ImagePaths(root) {
			if _, err := os.Stat(filepath.Join(work, im)); err != nil {
				if haveDot != nil && !inCI() && strings.Contains(filepath.Base(im), "graph-") {
					t.Logf("%s is drawn by Graphviz's dot, which is not installed", im)
					continue
				}
				rel, _ := filepath.Rel(root, ch.Path)
				t.Errorf("%s embeds %s, but no command of the course draws it any more", rel, im)
			}
		}
	}
	t.Logf("%d commands in %.1fs (building baeum: %.1fs)", len(runs), time.Since(start).Seconds(), built.Seconds())
	if skipped != "" {
		t.Skip(skipped)
	}
}

// statSources stats every Go file and go.mod of the module, so that go
// test's cache, which records the files a test looks at, knows that this
// test's result depends on the baeum command it builds.
func statSources(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "docs") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum" {
			_, err = os.Stat(p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// shellJoin writes args as a shell command line, quoting where needed.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'*()$") {
			a = strconv.Quote(a)
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
