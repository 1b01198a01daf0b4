package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/serve"
	"github.com/baeum-ml/baeum/tensor"
)

// The hostile-input corpus: testdata/hostile/AREA/cases.json lists bad
// inputs — crafted images, checkpoints, CSVs, request bodies, flag sets —
// with the files they need beside it, and what baeum must answer. Each
// case is a command line or an HTTP request. See testdata/hostile/README.md.
type hostileCase struct {
	Name string `json:"name"`
	Why  string `json:"why"`
	// A command line, run in process, with placeholders (expand).
	Args []string `json:"args,omitempty"`
	// Or one request to a server of the two-epoch LeNet-5.
	Request *hostileRequest `json:"request,omitempty"`
	// Setup steps run first: "dir:P", "file:P:SIZE" (zeros), "fifo:P",
	// "symlink:LINK->TARGET", "readonly:P" (a folder made read-only),
	// "copy:SRC->DST".
	Setup []string `json:"setup,omitempty"`
	// The command must fail with an error containing WantError, or
	// succeed with output containing WantOutput. Matching ignores case.
	WantError  string `json:"want_error,omitempty"`
	WantOutput string `json:"want_output,omitempty"`
	// The request must be answered with WantStatus and a body containing
	// WantBody.
	WantStatus int    `json:"want_status,omitempty"`
	WantBody   string `json:"want_body,omitempty"`
	// Glob patterns that must match no file afterwards, and files whose
	// content must not change.
	WantAbsent []string `json:"want_absent,omitempty"`
	WantSame   []string `json:"want_same,omitempty"`
	TimeoutSec float64  `json:"timeout_s,omitempty"` // default 20
}

type hostileRequest struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Server is "charlm" for a server of a small character language
	// model ({charlm}); otherwise the two-epoch LeNet-5 answers.
	Server      string `json:"server,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Body        string `json:"body,omitempty"`
	BodyFile    string `json:"body_file,omitempty"` // relative to the case's folder
}

// hostileOutcome classifies what happened, for the counts of
// docs/security.md.
type hostileOutcome int

const (
	handled hostileOutcome = iota // the answer the case wants
	wrong                         // an answer, but not the one wanted
	crashed                       // a panic
	hung                          // no answer within the timeout
)

func TestHostileCorpus(t *testing.T) {
	root, err := filepath.Abs("../../testdata/hostile")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "*", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no hostile cases found under testdata/hostile")
	}
	sort.Strings(files)
	counts := map[hostileOutcome]int{}
	hostileCharLM = writeHostileCharLM(t)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		var cases []hostileCase
		if err := dec.Decode(&cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		area := filepath.Base(filepath.Dir(f))
		for _, c := range cases {
			t.Run(area+"/"+c.Name, func(t *testing.T) {
				counts[runHostile(t, filepath.Dir(f), c)]++
			})
		}
	}
	t.Logf("hostile corpus: %d cases; handled %d, wrong answer %d, crashed %d, hung %d",
		counts[handled]+counts[wrong]+counts[crashed]+counts[hung], counts[handled], counts[wrong], counts[crashed], counts[hung])
}

func runHostile(t *testing.T, here string, c hostileCase) hostileOutcome {
	if (c.Args == nil) == (c.Request == nil) {
		t.Fatalf("case %q: give args or request, not both or neither", c.Name)
	}
	tmp := t.TempDir()
	expand := func(s string) string {
		return strings.NewReplacer("{here}", here, "{tmp}", tmp,
			"{lenet5}", mustAbs(t, "../../testdata/lenet5-2epochs.safetensors"),
			"{mlp}", mustAbs(t, "../../testdata/mlp-0.2.0.safetensors"),
			"{charlm}", hostileCharLM,
			"{repo}", mustAbs(t, "../..")).Replace(s)
	}
	for _, s := range c.Setup {
		hostileSetup(t, expand(s))
	}
	same := map[string][]byte{}
	for _, p := range c.WantSame {
		p = expand(p)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("want_same %s: %v", p, err)
		}
		same[p] = b
	}
	timeout := 20 * time.Second
	if c.TimeoutSec > 0 {
		timeout = time.Duration(c.TimeoutSec * float64(time.Second))
	}
	type answer struct {
		out    string
		err    error
		status int
		panic  any
	}
	done := make(chan answer, 1)
	go func() {
		var a answer
		defer func() {
			if p := recover(); p != nil {
				a.panic = p
			}
			done <- a
		}()
		if c.Args != nil {
			args := make([]string, len(c.Args))
			for i, s := range c.Args {
				args[i] = expand(s)
			}
			a.out, a.err = runQuiet(args...)
			return
		}
		a.status, a.out = hostileRequestDo(t, here, c.Request)
	}()
	var a answer
	select {
	case a = <-done:
	case <-time.After(timeout):
		t.Errorf("%s: no answer within %v (hung)", c.Name, timeout)
		return hung
	}
	if a.panic != nil {
		t.Errorf("%s: crashed: %v", c.Name, a.panic)
		return crashed
	}
	outcome := handled
	bad := func(format string, args ...any) {
		t.Errorf(format, args...)
		outcome = wrong
	}
	switch {
	case c.Request != nil:
		if a.status != c.WantStatus || !containsFold(a.out, c.WantBody) {
			bad("%s: status %d, body %q; want %d and %q", c.Name, a.status, truncateString(a.out, 400), c.WantStatus, c.WantBody)
		}
	case c.WantError != "":
		if a.err == nil || !containsFold(a.err.Error(), c.WantError) {
			bad("%s: error %v (output %q); want an error with %q", c.Name, a.err, truncateString(a.out, 400), c.WantError)
		}
	default:
		if a.err != nil || !containsFold(a.out, c.WantOutput) {
			bad("%s: error %v, output %q; want success with %q", c.Name, a.err, truncateString(a.out, 400), c.WantOutput)
		}
	}
	for _, g := range c.WantAbsent {
		m, _ := filepath.Glob(expand(g))
		if len(m) > 0 {
			bad("%s: %v left behind", c.Name, m)
		}
	}
	for p, b := range same {
		if now, err := os.ReadFile(p); err != nil || !bytes.Equal(now, b) {
			bad("%s: %s changed (%v)", c.Name, p, err)
		}
	}
	return outcome
}

// runQuiet is run without a testing.T: the command line's output and
// error.
func runQuiet(args ...string) (string, error) {
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

var hostileServer = func() func(t *testing.T) http.Handler {
	var h http.Handler
	return func(t *testing.T) http.Handler {
		if h == nil {
			p, err := infer.Load("../../testdata/lenet5-2epochs.safetensors")
			if err != nil {
				t.Fatal(err)
			}
			h = serve.New(p, serve.Options{Model: "lenet5-2epochs"})
		}
		return h
	}
}()

func hostileRequestDo(t *testing.T, here string, r *hostileRequest) (int, string) {
	body := []byte(r.Body)
	if r.BodyFile != "" {
		var err error
		if body, err = os.ReadFile(filepath.Join(here, r.BodyFile)); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(r.Method, r.Path, bytes.NewReader(body))
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	rec := httptest.NewRecorder()
	switch r.Server {
	case "":
		hostileServer(t).ServeHTTP(rec, req)
	case "charlm":
		hostileTextServer(t).ServeHTTP(rec, req)
	default:
		t.Fatalf("unknown server %q (want charlm, or none for LeNet-5)", r.Server)
	}
	return rec.Code, rec.Body.String()
}

// hostileCharLM is the path of a small, untrained character language
// model (the 26 letters and the apostrophe; an embedding of 4, an LSTM
// of 8), written by TestHostileCorpus for the cases' {charlm}.
var hostileCharLM string

func writeHostileCharLM(t *testing.T) string {
	m, err := models.NewText(tensor.NewRNG(1), models.Config{Name: models.CharLMName, Hidden: []int{8}, Embed: 4}, models.TextPrepOf("'abcdefghijklmnopqrstuvwxyz", 20))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "charlm-tiny.safetensors")
	if err := m.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

var hostileTextServer = func() func(t *testing.T) http.Handler {
	var h http.Handler
	return func(t *testing.T) http.Handler {
		if h == nil {
			p, err := infer.Load(hostileCharLM)
			if err != nil {
				t.Fatal(err)
			}
			h = serve.New(p, serve.Options{Model: "charlm-tiny"})
		}
		return h
	}
}()

func hostileSetup(t *testing.T, s string) {
	verb, arg, _ := strings.Cut(s, ":")
	var err error
	switch verb {
	case "dir":
		err = os.MkdirAll(arg, 0o755)
	case "file":
		path, size, _ := strings.Cut(arg, ":")
		n, perr := strconv.ParseInt(size, 10, 64)
		if perr != nil {
			t.Fatalf("setup %q: %v", s, perr)
		}
		var f *os.File
		if f, err = os.Create(path); err == nil {
			err = f.Truncate(n)
			f.Close()
		}
	case "fifo":
		err = syscall.Mkfifo(arg, 0o644)
	case "symlink":
		link, target, _ := strings.Cut(arg, "->")
		err = os.Symlink(target, link)
	case "readonly":
		if err = os.MkdirAll(arg, 0o755); err == nil {
			err = os.Chmod(arg, 0o555)
			t.Cleanup(func() { os.Chmod(arg, 0o755) })
		}
	case "copy":
		src, dst, _ := strings.Cut(arg, "->")
		var b []byte
		if b, err = os.ReadFile(src); err == nil {
			err = os.WriteFile(dst, b, 0o644)
		}
	default:
		err = fmt.Errorf("unknown setup verb %q", verb)
	}
	if err != nil {
		t.Fatalf("setup %q: %v", s, err)
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func truncateString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
