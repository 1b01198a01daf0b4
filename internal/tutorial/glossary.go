package tutorial

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

// Term is one line of the glossary: a Korean term of the course and the
// English one beside it.
type Term struct {
	Ko, En string
}

// ReadGlossary reads docs/tutorial/glossary.tsv: a header line "ko\ten",
// then one term a line, Korean and English separated by a tab.
func ReadGlossary(path string) ([]Term, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var terms []Term
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if n == 1 {
			if line != "ko\ten" {
				return nil, fmt.Errorf("%s:1: header is %q, want \"ko\\ten\"", path, line)
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 2 || strings.TrimSpace(f[0]) == "" || strings.TrimSpace(f[1]) == "" || !utf8.ValidString(line) {
			return nil, fmt.Errorf("%s:%d: want a Korean term, a tab and an English term", path, n)
		}
		t := Term{Ko: strings.TrimSpace(f[0]), En: strings.TrimSpace(f[1])}
		if seen[t.Ko] {
			return nil, fmt.Errorf("%s:%d: %q is listed twice", path, n, t.Ko)
		}
		seen[t.Ko] = true
		terms = append(terms, t)
	}
	return terms, sc.Err()
}

// prose returns the chapter's text outside its fenced code blocks (and
// outside HTML comments), with the blocks blanked out so that byte offsets
// keep their lines.
func prose(lines []string) string {
	var b strings.Builder
	inFence := false
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inFence = !inFence
			b.WriteString("\n")
			continue
		}
		if inFence {
			b.WriteString("\n")
			continue
		}
		b.WriteString(l + "\n")
	}
	s := b.String()
	for {
		i := strings.Index(s, "<!--")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "-->")
		if j < 0 {
			break
		}
		s = s[:i] + strings.Repeat(" ", j+3) + s[i+j+3:]
	}
	return s
}

// CheckGlossary checks a Korean chapter against the glossary: the first
// occurrence in its prose (outside code blocks) of each term it uses must
// be followed at once by the English term in parentheses, "기울기
// (gradient)" or "기울기(gradient)". An occurrence inside a longer term of
// the glossary ("기울기" in "기울기 소실") is that longer term's, not its
// own. It returns one error per term that breaks the rule.
func CheckGlossary(ch *Chapter, terms []Term) []error {
	text := prose(ch.Lines)
	var errs []error
	for _, t := range terms {
		at := firstOwnOccurrence(text, t, terms)
		if at < 0 {
			continue
		}
		rest := text[at+len(t.Ko):]
		want := "(" + t.En + ")"
		if strings.HasPrefix(rest, want) || strings.HasPrefix(rest, " "+want) {
			continue
		}
		line := strings.Count(text[:at], "\n") + 1
		errs = append(errs, fmt.Errorf("%s:%d: the first %q must be followed by \" (%s)\"", ch.Path, line, t.Ko, t.En))
	}
	return errs
}

// firstOwnOccurrence returns the byte offset of t's first occurrence in
// text that is not part of an occurrence of a longer glossary term, or -1.
func firstOwnOccurrence(text string, t Term, terms []Term) int {
	for from := 0; ; {
		i := strings.Index(text[from:], t.Ko)
		if i < 0 {
			return -1
		}
		at := from + i
		if !insideLonger(text, at, t, terms) {
			return at
		}
		from = at + len(t.Ko)
	}
}

func insideLonger(text string, at int, t Term, terms []Term) bool {
	for _, u := range terms {
		if len(u.Ko) <= len(t.Ko) || !strings.Contains(u.Ko, t.Ko) {
			continue
		}
		// Every place where u could start so that it covers t at at.
		for off := strings.Index(u.Ko, t.Ko); off >= 0; {
			start := at - off
			if start >= 0 && strings.HasPrefix(text[start:], u.Ko) {
				return true
			}
			next := strings.Index(u.Ko[off+1:], t.Ko)
			if next < 0 {
				break
			}
			off += 1 + next
		}
	}
	return false
}
