package serve

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/text"
	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
	"github.com/baeum-ml/baeum/train"
)

var serveWords = []string{"cat", "cats", "dog", "dogs", "cog", "cot", "dot", "god", "tog", "act", "tad", "cad"}

// textServer serves a small charlm trained for a few steps on a few
// words.
func textServer(t *testing.T) *Server {
	t.Helper()
	v, err := text.NewVocab(serveWords)
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.NewText(tensor.NewRNG(1), models.Config{Name: models.CharLMName, Hidden: []int{16}, Embed: 8}, v.Prep(4))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := text.NewExamples(serveWords, v, 0)
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := optim.New("adam", m.Params(), 0.02)
	g := autograd.NewGraph()
	g.Training = true
	b := data.NewBatch(ex.Spec(), len(serveWords))
	idx := make([]int, len(serveWords))
	for i := range idx {
		idx[i] = i
	}
	for range 30 {
		b.Collate(ex, idx)
		if _, _, err := train.Step(g, m, train.SequenceCrossEntropy{}, opt, b); err != nil {
			t.Fatal(err)
		}
		g.Reset()
	}
	return New(infer.New(m), Options{Model: "charlm-test"})
}

func post(h http.Handler, path, ctype, body string) (int, string) {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestGenerateEndpoint(t *testing.T) {
	s := textServer(t)
	const js = "application/json"
	code, body := post(s, epGenerate, js, `{"n": 5, "temperature": 0.8, "prefix": "c", "seed": 1, "max_len": 6}`)
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	var r GenerateResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil || len(r.Words) != 5 {
		t.Fatalf("%s: %v", body, err)
	}
	for _, w := range r.Words {
		if !strings.HasPrefix(w, "c") || len([]rune(w)) > 6 {
			t.Errorf("word %q lacks the prefix or is longer than 6", w)
		}
	}
	if _, again := post(s, epGenerate, js, `{"seed": 1, "prefix": "c", "n": 5, "max_len": 6, "temperature": 0.8}`); again != body {
		t.Errorf("the same seed gave %s and %s", body, again)
	}
	for _, b := range []string{"", "{}", "  {} "} {
		code, body := post(s, epGenerate, "", b)
		if err := json.Unmarshal([]byte(body), &r); code != 200 || err != nil || len(r.Words) != 20 {
			t.Errorf("body %q: status %d, %s: want 20 words", b, code, body)
		}
	}
	cases := []struct {
		name, ctype, body string
		status            int
		want              string
	}{
		{"n zero", js, `{"n": 0}`, 400, `"n" is 0, want a whole number from 1 to 1000`},
		{"n too many", js, `{"n": 1001}`, 400, `"n" is 1001`},
		{"n fraction", js, `{"n": 2.5}`, 400, `"n" is 2.5`},
		{"n huge", js, `{"n": 1e400}`, 400, `"n" is 1e400`},
		{"n string", js, `{"n": "5"}`, 400, `"n" is the string "5"`},
		{"n null", js, `{"n": null}`, 400, `"n" is null`},
		{"temperature zero", js, `{"temperature": 0}`, 400, `"temperature" is 0, want a number above 0 and at most 10`},
		{"temperature negative", js, `{"temperature": -1}`, 400, `"temperature" is -1`},
		{"temperature high", js, `{"temperature": 10.5}`, 400, `"temperature" is 10.5`},
		{"temperature bool", js, `{"temperature": true}`, 400, `"temperature" is a JSON boolean`},
		{"max_len zero", js, `{"max_len": 0}`, 400, `"max_len" is 0, want a whole number from 1 to 256`},
		{"max_len big", js, `{"max_len": 257}`, 400, `"max_len" is 257`},
		{"prefix number", js, `{"prefix": 5}`, 400, `"prefix" is 5, want a string`},
		{"prefix unknown", js, `{"prefix": "cz"}`, 400, `"prefix" "cz": character 'z' is not in the model's vocabulary`},
		{"prefix too long", js, `{"prefix": "` + strings.Repeat("c", 300) + `"}`, 400, `"prefix" has 300 characters, more than 256`},
		{"prefix fills max_len", js, `{"prefix": "cat", "max_len": 3}`, 400, `"prefix" "cat": 3 characters leave no room`},
		{"seed negative", js, `{"seed": -1}`, 400, `"seed" is -1, want a whole number from 0 to 18446744073709551615`},
		{"seed fraction", js, `{"seed": 1.5}`, 400, `"seed" is 1.5`},
		{"seed too big", js, `{"seed": 18446744073709551616}`, 400, `"seed" is 18446744073709551616`},
		{"unknown key", js, `{"count": 3}`, 400, `unknown key "count"`},
		{"wrong case", js, `{"N": 3}`, 400, `unknown key "N": keys are case-sensitive`},
		{"duplicate", js, `{"n": 3, "n": 4}`, 400, `duplicate key "n"`},
		{"array", js, `[1]`, 400, "the body is a JSON array, want an object"},
		{"trailing", js, `{"n": 1} {}`, 400, "more data after the object"},
		{"truncated", js, `{"n": 1`, 400, "invalid JSON"},
		{"not json", js, `n=1`, 400, "invalid JSON"},
		{"image", "image/png", `{}`, 415, "takes a JSON object"},
		{"text", "text/plain", `{}`, 415, "takes a JSON object"},
		{"too large", js, `{"prefix": "` + strings.Repeat("c", 2<<20) + `"}`, 413, "over the limit of 1 MiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := post(s, epGenerate, c.ctype, c.body)
			var e errorBody
			json.Unmarshal([]byte(body), &e)
			if code != c.status || !strings.Contains(e.Error, c.want) {
				t.Errorf("status %d, %s; want %d and %q", code, truncate(body, 300), c.status, c.want)
			}
		})
	}
	req := httptest.NewRequest(http.MethodGet, epGenerate, nil)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 405 {
		t.Errorf("GET %s: %d", epGenerate, rec.Code)
	}
}

// TestTextModelOtherEndpoints: a text model answers /v1/model with its
// vocabulary and refuses the classifying endpoints with 422, not a 500.
func TestTextModelOtherEndpoints(t *testing.T) {
	s := textServer(t)
	m := s.Model()
	if m.Text == nil || m.Input != nil || m.Text.MaxLen != 4 || !strings.Contains(m.Text.Vocab, "c") {
		t.Errorf("/v1/model: %+v", m)
	}
	for _, c := range []struct{ path, ctype, body string }{
		{epPredict, "application/json", `{"pixels": [1, 2]}`},
		{epPredict, "image/png", "\x89PNG"},
		{epZipcode, "image/png", "\x89PNG"},
		{epActivations, "application/json", `{"pixels": [1, 2]}`},
	} {
		code, body := post(s, c.path, c.ctype, c.body)
		if code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s, want 422", c.path, code, body)
		}
	}
}

// TestGenerateOnImageModel: /v1/generate refuses a classifier with 422.
func TestGenerateOnImageModel(t *testing.T) {
	m, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "softmax"})
	if err != nil {
		t.Fatal(err)
	}
	s := New(infer.New(m), Options{})
	code, body := post(s, epGenerate, "application/json", `{"n": 2}`)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "does not generate text") {
		t.Errorf("status %d, %s", code, body)
	}
}

// TestParseGenerateSeeds: without a seed, two requests draw different
// seeds; with one, the seed is kept.
func TestParseGenerateSeeds(t *testing.T) {
	a, _ := parseGenerate(nil)
	b, _ := parseGenerate([]byte(`{}`))
	if a.Seed == b.Seed {
		t.Errorf("two requests without a seed drew the same seed %d", a.Seed)
	}
	c, err := parseGenerate([]byte(`{"seed": 18446744073709551615, "n": 1000, "temperature": 10, "max_len": 256, "prefix": ""}`))
	if err != nil || c.Seed != 1<<64-1 || c.N != 1000 || c.Temperature != 10 || c.MaxLen != 256 {
		t.Errorf("%+v, %v", c, err)
	}
	if !slices.Contains(endpoints, epGenerate) {
		t.Error("/metrics does not count /v1/generate")
	}
}
