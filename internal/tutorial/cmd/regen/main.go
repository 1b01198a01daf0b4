// Command regen re-runs every command of the tutorial in docs/tutorial in
// full (as written, without quick mode) and rewrites the output blocks of
// the chapters of both languages and the pictures in docs/tutorial/img.
// Run it from the repository root, through docs/tutorial/regenerate.sh:
//
//	sh docs/tutorial/regenerate.sh
//
// The commands run in a fresh temporary directory that holds a copy of
// docs/tutorial/data, so that the checkpoints they train (runs/) do not
// replace yours; the pictures they draw under docs/tutorial/img are then
// copied into the repository. Nothing is rewritten if a command fails.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/baeum-ml/baeum/internal/tutorial"
)

func main() {
	timeout := flag.Duration("timeout", 10*time.Minute, "the longest one command may run")
	flag.Parse()
	if err := run(*timeout); err != nil {
		fmt.Fprintln(os.Stderr, "regen:", err)
		os.Exit(1)
	}
}

func run(timeout time.Duration) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	dir := filepath.Join(root, tutorial.Dir)
	course := map[string][]*tutorial.Chapter{}
	for _, lang := range tutorial.Languages {
		if lang != "en" && !complete(dir, lang) {
			fmt.Fprintf(os.Stderr, "regen: docs/tutorial/%s does not have all ten chapters, skipped\n", lang)
			continue
		}
		chs, err := tutorial.ReadLanguage(dir, lang)
		if err != nil {
			return err
		}
		course[lang] = chs
	}
	tmp, err := os.MkdirTemp("", "baeum-tutorial-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := os.Getenv("BAEUM_TUTORIAL_BIN") // a binary built already
	if bin == "" {
		bin = filepath.Join(tmp, "baeum")
		if err := tutorial.Build(root, bin); err != nil {
			return err
		}
	}
	work := filepath.Join(tmp, "work")
	var all []*tutorial.Chapter
	for _, chs := range course {
		all = append(all, chs...)
	}
	if err := tutorial.Prepare(root, work, all); err != nil {
		return err
	}

	// Run the English commands in order; a Korean chapter's command takes
	// the output of the same command in the same chapter.
	outputs := map[string]string{} // chapter number and command text → output
	key := func(n int, text string) string { return fmt.Sprint(n, "\x00", text) }
	for n, ch := range course["en"] {
		for _, c := range ch.Commands {
			if c.NoRun {
				continue
			}
			if _, done := outputs[key(n, c.Text)]; done {
				continue
			}
			args, err := c.Args()
			if err != nil {
				return err
			}
			t0 := time.Now()
			fmt.Fprintf(os.Stderr, "%s\n", c.Text)
			out, err := tutorial.Run(bin, work, args, timeout)
			if err != nil {
				return fmt.Errorf("%s:%d: %s: %v\n%s", ch.Path, c.Line, c.Text, err, out)
			}
			fmt.Fprintf(os.Stderr, "  %.1fs\n", time.Since(t0).Seconds())
			outputs[key(n, c.Text)] = out
		}
	}
	var mismatched []string
	for _, lang := range tutorial.Languages {
		for n, ch := range course[lang] {
			repl := map[int]string{}
			for i, c := range ch.Commands {
				if c.NoRun {
					continue
				}
				out, ok := outputs[key(n, c.Text)]
				if !ok {
					mismatched = append(mismatched, fmt.Sprintf("%s:%d: %q is not a command of the English chapter; its output was left as it was", ch.Path, c.Line, c.Text))
					continue
				}
				repl[i] = out
			}
			if err := writeFile(ch.Path, ch.Rewrite(repl)); err != nil {
				return err
			}
		}
	}
	if err := copyPictures(filepath.Join(work, tutorial.Dir, "img"), filepath.Join(dir, "img")); err != nil {
		return err
	}
	if len(mismatched) > 0 {
		return fmt.Errorf("the languages' commands differ:\n%s", strings.Join(mismatched, "\n"))
	}
	return nil
}

// complete reports whether lang's folder has all ten chapters.
func complete(dir, lang string) bool {
	for n := range tutorial.Slugs {
		if _, err := os.Stat(tutorial.ChapterPath(dir, lang, n+1)); err != nil {
			return false
		}
	}
	return true
}

// copyPictures copies the files the commands wrote under src into dst.
func copyPictures(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(rel, ".last.safetensors") || strings.HasSuffix(rel, ".state.safetensors") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return writeFile(filepath.Join(dst, rel), b)
	})
}

// writeFile writes through a temporary file in the same folder, then
// renames it into place.
func writeFile(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".regen-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
