// Package tutorial reads, checks and rewrites the course in docs/tutorial:
// ten chapters in Korean (ko/) and English (en/), each a short explanation
// with the exact baeum commands it runs and their real output.
//
// A chapter is Markdown. A command is a fenced block of shell holding one
// line that starts with "baeum ", and the fenced text block right after it
// is that command's output, verbatim:
//
//	```sh
//	baeum experiment init --out-dir docs/tutorial/img/08 --format png
//	```
//
//	```text
//	Activations of 5 layers of 100 units, ...
//	```
//
// A command that cannot run unattended (baeum serve) is marked by the line
// <!-- no-run --> just before its block; it may have an output block or
// not, and nothing rewrites it.
//
// The docs test runs every command in quick mode (Quick: small data, few
// steps) and compares the structure of its output (Mask: every number
// replaced by #) with the chapter's; docs/tutorial/regenerate.sh runs them
// in full and rewrites the outputs (Chapter.Rewrite).
package tutorial

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Slugs are the ten chapters, in the course's order: chapter i (1-based)
// is the file fmt.Sprintf("%02d-%s.md", i, Slugs[i-1]) in each language's
// folder.
var Slugs = []string{
	"linear-regression",
	"logistic-regression",
	"deep-learning",
	"feedforward",
	"gradient-descent",
	"backpropagation",
	"optimizers",
	"initialization",
	"cnn",
	"lenet5",
}

// Languages are the folders of docs/tutorial that hold a version of the
// course.
var Languages = []string{"en", "ko"}

// NoRunMarker, on the line just before a command's block, marks a command
// that the docs test and the regenerator do not run.
const NoRunMarker = "<!-- no-run -->"

// Command is one command of a chapter and the output block that follows it.
type Command struct {
	// Line is the 1-based line of the command in its chapter.
	Line int
	// Text is the command as written, starting with "baeum ".
	Text string
	// NoRun is true for a command marked with NoRunMarker.
	NoRun bool
	// HasOutput is true when a text block follows the command; Output is
	// its content without the final newline.
	HasOutput bool
	Output    string
	// outStart and outEnd are the 0-based lines of the output block's
	// content, [outStart, outEnd): the fences are outStart-1 and outEnd.
	outStart, outEnd int
}

// Args splits the command into baeum's arguments (without "baeum").
func (c Command) Args() ([]string, error) {
	words, err := SplitWords(c.Text)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 || words[0] != "baeum" {
		return nil, fmt.Errorf("command %q does not start with baeum", c.Text)
	}
	return words[1:], nil
}

// Chapter is one parsed chapter file.
type Chapter struct {
	// Path is the file the chapter was read from.
	Path string
	// Lines are its lines, without line ends.
	Lines []string
	// Commands are its commands, in order.
	Commands []Command
	// Images are the paths of the pictures it embeds, as written in
	// ![alt](path), in order.
	Images []string
}

var (
	fenceOpen = regexp.MustCompile("^```\\s*([A-Za-z0-9_-]*)\\s*$")
	imageRef  = regexp.MustCompile(`!\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
)

// Parse reads a chapter from its text. It is an error for a sh block to hold
// anything but one baeum command, for a runnable command to have no output
// block, and for a fence to stay open.
func Parse(path string, src []byte) (*Chapter, error) {
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	text = strings.TrimSuffix(text, "\n")
	ch := &Chapter{Path: path, Lines: strings.Split(text, "\n")}
	lines := ch.Lines
	type block struct {
		lang       string
		start, end int // content lines [start, end); end is the closing fence
	}
	var blocks []block
	for i := 0; i < len(lines); i++ {
		m := fenceOpen.FindStringSubmatch(lines[i])
		if m == nil {
			for _, im := range imageRef.FindAllStringSubmatch(lines[i], -1) {
				ch.Images = append(ch.Images, im[1])
			}
			continue
		}
		j := i + 1
		for j < len(lines) && strings.TrimSpace(lines[j]) != "```" {
			j++
		}
		if j == len(lines) {
			return nil, fmt.Errorf("%s:%d: the code block is never closed", path, i+1)
		}
		blocks = append(blocks, block{m[1], i + 1, j})
		i = j
	}
	for k, b := range blocks {
		if b.lang != "sh" {
			continue
		}
		content := lines[b.start:b.end]
		if len(content) != 1 || !strings.HasPrefix(content[0], "baeum ") {
			return nil, fmt.Errorf("%s:%d: a sh block must hold one line that starts with \"baeum \"", path, b.start)
		}
		c := Command{Line: b.start + 1, Text: strings.TrimSpace(content[0])}
		if _, err := c.Args(); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, c.Line, err)
		}
		if prev := previousNonBlank(lines, b.start-2); prev >= 0 && strings.TrimSpace(lines[prev]) == NoRunMarker {
			c.NoRun = true
		}
		if k+1 < len(blocks) && blocks[k+1].lang == "text" && onlyBlank(lines[b.end+1:blocks[k+1].start-1]) {
			nb := blocks[k+1]
			c.HasOutput = true
			c.Output = strings.Join(lines[nb.start:nb.end], "\n")
			c.outStart, c.outEnd = nb.start, nb.end
		}
		if !c.NoRun && !c.HasOutput {
			return nil, fmt.Errorf("%s:%d: command %q has no ```text block with its output after it (or mark it %s)", path, c.Line, c.Text, NoRunMarker)
		}
		ch.Commands = append(ch.Commands, c)
	}
	return ch, nil
}

func previousNonBlank(lines []string, i int) int {
	for ; i >= 0; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			return i
		}
	}
	return -1
}

func onlyBlank(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}

// ReadChapter reads and parses a chapter file.
func ReadChapter(path string) (*Chapter, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

// ChapterPath is the file of chapter n (1-based) in lang's folder of the
// tutorial directory dir.
func ChapterPath(dir, lang string, n int) string {
	return filepath.Join(dir, lang, fmt.Sprintf("%02d-%s.md", n, Slugs[n-1]))
}

// ReadLanguage reads the ten chapters of one language, in order.
func ReadLanguage(dir, lang string) ([]*Chapter, error) {
	var chs []*Chapter
	for n := range Slugs {
		ch, err := ReadChapter(ChapterPath(dir, lang, n+1))
		if err != nil {
			return nil, err
		}
		chs = append(chs, ch)
	}
	return chs, nil
}

// Rewrite returns the chapter's text with the output blocks of its commands
// replaced: outputs maps a command's index in Commands to its new output.
// Commands without an entry, and no-run commands, keep theirs.
func (ch *Chapter) Rewrite(outputs map[int]string) []byte {
	var b bytes.Buffer
	next := 0
	idx := make([]int, 0, len(outputs))
	for i := range outputs {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		c := ch.Commands[i]
		if c.NoRun || !c.HasOutput {
			continue
		}
		for _, l := range ch.Lines[next:c.outStart] {
			b.WriteString(l + "\n")
		}
		if out := strings.TrimRight(outputs[i], "\n"); out != "" {
			b.WriteString(out + "\n")
		}
		next = c.outEnd
	}
	for _, l := range ch.Lines[next:] {
		b.WriteString(l + "\n")
	}
	return b.Bytes()
}

// SplitWords splits a command line into words as a POSIX shell would for
// the simple lines the chapters hold: blanks separate words, and single or
// double quotes keep blanks inside a word (a backslash escapes the next
// character outside single quotes). Variables, globs and redirections are
// not supported.
func SplitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch {
			case r == '"':
				quote = 0
			case r == '\\' && i+1 < len(rs) && strings.ContainsRune("\"\\$`", rs[i+1]):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '\\' && i+1 < len(rs):
			i++
			cur.WriteRune(rs[i])
			inWord = true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case strings.ContainsRune("|&;<>()$`*?[#~", r) && !inWord || strings.ContainsRune("|&;<>$`", r):
			return nil, fmt.Errorf("command %q: %q needs a shell; write the command without it", s, r)
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("command %q: unclosed quote", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
