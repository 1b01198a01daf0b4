package data

import (
	"strings"
	"testing"
)

// TestParseTextRecord reads a text model's record strictly: its keys,
// one kind of input, and the vocabulary's and length's bounds.
func TestParseTextRecord(t *testing.T) {
	p, err := ParsePreprocess([]byte(`{"inputs": [{"name": "tokens", "text": {"vocab": "'abcé", "max_len": 23}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if in := p.Inputs[0]; in.Text == nil || in.Text.Vocab != "'abcé" || in.Text.MaxLen != 23 || len(in.Shape()) != 1 || in.Shape()[0] != 24 {
		t.Fatalf("record %+v", p.Inputs[0])
	}
	for _, c := range []struct{ js, want string }{
		{`{"inputs": [{"name": "t", "text": {"vocab": "ab", "max_len": 3, "lower": true}}]}`, "unknown field"},
		{`{"inputs": [{"name": "t", "text": {"Vocab": "ab", "max_len": 3}}]}`, "case-sensitive"},
		{`{"inputs": [{"name": "t", "text": {"vocab": "ab", "max_len": 3}, "table": {"columns": [{"name": "x"}]}}]}`, "exactly one of image, table and text"},
		{`{"inputs": [{"name": "t", "text": {"vocab": "", "max_len": 3}}]}`, "vocabulary of 0 characters"},
		{`{"inputs": [{"name": "t", "text": {"vocab": "aba", "max_len": 3}}]}`, "holds 'a' twice"},
		{`{"inputs": [{"name": "t", "text": {"vocab": "a\u0000", "max_len": 3}}]}`, "control character U+0000"},
		{`{"inputs": [{"name": "t", "text": {"vocab": "ab", "max_len": 257}}]}`, "max_len 257 outside 1…256"},
		{`{"inputs": [{"name": "t", "text": {"vocab": "ab", "max_len": -1}}]}`, "max_len -1"},
		{`{"inputs": [{"name": "t", "text": {"vocab": "` + strings.Repeat("x", 5000) + `", "max_len": 3}}]}`, "want 1…4096"},
	} {
		if _, err := ParsePreprocess([]byte(c.js)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.80s: %v, want %q", c.js, err, c.want)
		}
	}
}
