package serve

import (
	"bytes"
	"encoding/base64"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// checkLayer checks one layer's output: its data decodes to the shape's
// number of bytes, it has one min and max per map, min ≤ max, and each
// map whose values differ spans the 8 bits (0 at its minimum, 255 at its
// maximum).
func checkLayer(t *testing.T, l LayerOutput) {
	t.Helper()
	n := 1
	for _, d := range l.Shape {
		n *= d
	}
	b, err := base64.StdEncoding.DecodeString(l.Data)
	if err != nil {
		t.Fatalf("layer %s: data: %v", l.Name, err)
	}
	if len(b) != n {
		t.Fatalf("layer %s: %d bytes, want %d for %v", l.Name, len(b), n, l.Shape)
	}
	if len(l.Min) != l.Maps || len(l.Max) != l.Maps || n%l.Maps != 0 {
		t.Fatalf("layer %s: %d maps, %d minima, %d maxima", l.Name, l.Maps, len(l.Min), len(l.Max))
	}
	per := n / l.Maps
	for m := range l.Maps {
		vals := b[m*per : (m+1)*per]
		lo, hi := slices.Min(vals), slices.Max(vals)
		switch {
		case l.Min[m] > l.Max[m]:
			t.Errorf("layer %s map %d: min %v > max %v", l.Name, m, l.Min[m], l.Max[m])
		case l.Min[m] < l.Max[m] && (lo != 0 || hi != 255):
			t.Errorf("layer %s map %d: bytes from %d to %d, want 0 to 255", l.Name, m, lo, hi)
		case l.Min[m] == l.Max[m] && hi != 0:
			t.Errorf("layer %s map %d: constant map with byte %d", l.Name, m, hi)
		}
	}
}

// TestActivations reads a digit through /v1/activations, as a PNG and as
// JSON pixels, and checks LeNet-5's layers and that the prediction is
// /v1/predict's.
func TestActivations(t *testing.T) {
	s := newTestServer(t, Options{})
	digit := readFile(t, "../digits/testdata/single/12_label7.png")
	var pred PredictResponse
	decodeOK(t, do(s, "POST", "/v1/predict", "image/png", digit), &pred)
	var res ActivationsResponse
	decodeOK(t, do(s, "POST", "/v1/activations", "image/png", digit), &res)
	checkPrediction(t, "activations", res.Digit, res.Probabilities, res.Input)
	if res.Digit != pred.Digit || res.Label != pred.Label || !slices.Equal(res.Input, pred.Input) {
		t.Errorf("activations read %d (%q), predict %d (%q)", res.Digit, res.Label, pred.Digit, pred.Label)
	}
	want := []struct {
		name, kind string
		shape      []int
		maps       int
	}{
		{"c1", "conv", []int{6, 28, 28}, 6},
		{"s2", "pool", []int{6, 14, 14}, 6},
		{"c3", "conv", []int{16, 10, 10}, 16},
		{"s4", "pool", []int{16, 5, 5}, 16},
		{"c5", "conv", []int{120, 1, 1}, 1},
		{"f6", "dense", []int{84}, 1},
		{"output", "dense", []int{10}, 1},
	}
	if len(res.Layers) != len(want) || res.Truncated {
		t.Fatalf("%d layers (truncated %v), want %d", len(res.Layers), res.Truncated, len(want))
	}
	for i, w := range want {
		l := res.Layers[i]
		if l.Name != w.name || l.Kind != w.kind || !slices.Equal(l.Shape, w.shape) || l.Maps != w.maps || l.Omitted {
			t.Errorf("layer %d: %+v, want %s %s %v in %d maps", i, l, w.name, w.kind, w.shape, w.maps)
			continue
		}
		checkLayer(t, l)
	}
	if a := res.Layers[0].Activation; a != "Tanh" {
		t.Errorf("c1's activation %q, want Tanh", a)
	}
	// The output layer's largest logit is the digit read.
	out := res.Layers[len(res.Layers)-1]
	b, _ := base64.StdEncoding.DecodeString(out.Data)
	if k := bytes.IndexByte(b, 255); k != res.Digit {
		t.Errorf("the output layer peaks at %d, the digit read is %d", k, res.Digit)
	}

	// The same digit as JSON pixels gives the same layers.
	var px strings.Builder
	px.WriteString(`{"pixels": [`)
	for i, v := range res.Input {
		if i > 0 {
			px.WriteByte(',')
		}
		px.WriteString(strconv.Itoa(v))
	}
	px.WriteString("]}")
	var fromJSON ActivationsResponse
	decodeOK(t, do(s, "POST", "/v1/activations", "application/json", []byte(px.String())), &fromJSON)
	if fromJSON.Digit != res.Digit || len(fromJSON.Layers) != len(res.Layers) || fromJSON.Layers[0].Data != res.Layers[0].Data {
		t.Errorf("from JSON pixels: digit %d and %d layers; from the PNG: %d and %d", fromJSON.Digit, len(fromJSON.Layers), res.Digit, len(res.Layers))
	}
}

// TestActivationsMLP checks that a model without convolutions gives its
// dense layers.
func TestActivationsMLP(t *testing.T) {
	m, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "mlp", Hidden: []int{32, 16}})
	if err != nil {
		t.Fatal(err)
	}
	s := New(infer.New(m), Options{})
	var res ActivationsResponse
	decodeOK(t, do(s, "POST", "/v1/activations", "image/png", readFile(t, "../digits/testdata/single/12_label7.png")), &res)
	var names []string
	for _, l := range res.Layers {
		names = append(names, l.Name+":"+l.Kind)
		checkLayer(t, l)
	}
	if got := strings.Join(names, " "); got != "fc1:dense fc2:dense output:dense" {
		t.Errorf("layers %s", got)
	}
}

// TestActivationsLimits checks that layers past MaxActivationLayers or
// MaxActivationBytes are listed as omitted, with the answer marked
// truncated, and that later layers that fit are kept.
func TestActivationsLimits(t *testing.T) {
	digit := readFile(t, "../digits/testdata/single/12_label7.png")
	tests := []struct {
		name string
		opts Options
		kept []string
	}{
		// c1 takes 6·784 + 6·16 = 4800 bytes, over 4000, so it is left
		// out; s2 (1272), c3 (1856), s4 (656) and c5 (136) fit, 3920 in
		// all; f6 (100) does not, and output (26) does.
		{"bytes", Options{MaxActivationBytes: 4000}, []string{"s2", "c3", "s4", "c5", "output"}},
		{"layers", Options{MaxActivationLayers: 2}, []string{"c1", "s2"}},
		{"one byte", Options{MaxActivationBytes: 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, tt.opts)
			var res ActivationsResponse
			decodeOK(t, do(s, "POST", "/v1/activations", "image/png", digit), &res)
			if !res.Truncated || len(res.Layers) != 7 {
				t.Fatalf("truncated %v, %d layers", res.Truncated, len(res.Layers))
			}
			var kept []string
			total := 0
			for _, l := range res.Layers {
				if l.Omitted {
					if l.Data != "" || l.Min != nil {
						t.Errorf("omitted layer %s has data", l.Name)
					}
					continue
				}
				kept = append(kept, l.Name)
				checkLayer(t, l)
				b, _ := base64.StdEncoding.DecodeString(l.Data)
				total += len(b) + mapOverhead*l.Maps
			}
			if !slices.Equal(kept, tt.kept) {
				t.Errorf("kept %v, want %v", kept, tt.kept)
			}
			if tt.opts.MaxActivationBytes > 0 && total > tt.opts.MaxActivationBytes {
				t.Errorf("%d bytes, over the limit of %d", total, tt.opts.MaxActivationBytes)
			}
		})
	}
}

// TestActivationsBadRequests checks that /v1/activations refuses what
// /v1/predict refuses, with the same statuses.
func TestActivationsBadRequests(t *testing.T) {
	s := newTestServer(t, Options{MaxBodyBytes: 1 << 16})
	digit := readFile(t, "../digits/testdata/single/12_label7.png")
	tests := []struct {
		name, method, ctype string
		body                []byte
		status              int
		want                string
	}{
		{"GET", "GET", "", nil, 405, "takes POST"},
		{"text", "POST", "text/plain", []byte("7"), 415, "unsupported Content-Type"},
		{"empty", "POST", "image/png", nil, 400, "empty"},
		{"not an image", "POST", "image/png", []byte("hello"), 400, "not a PNG, JPEG or GIF"},
		{"too large", "POST", "image/png", append(bytes.Clone(digit), make([]byte, 1<<16)...), 413, "over the limit"},
		{"783 pixels", "POST", "application/json", pixelsJSON(783, nil), 400, "783 values"},
		{"unknown key", "POST", "application/json", []byte(`{"pixels": [], "layers": 3}`), 400, `unknown key "layers"`},
		{"duplicate key", "POST", "application/json", append([]byte(`{"pixels": [1], `), pixelsJSON(784, nil)[1:]...), 400, `duplicate key "pixels"`},
		{"256", "POST", "application/json", pixelsJSON(784, map[int]string{5: "256"}), 400, "outside 0–255"},
		{"blank", "POST", "application/json", pixelsJSON(784, nil), 422, "not a digit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(s, tt.method, "/v1/activations", tt.ctype, tt.body)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if msg := checkErrorBody(t, rec); !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not say %q", msg, tt.want)
			}
		})
	}

	// A model of table rows has no layers of pictures to show.
	prep := data.TablePrep{Columns: []data.ColumnPrep{{Name: "weight", Mean: 140, Std: 20}}}
	m, err := models.NewTable(tensor.NewRNG(1), models.Config{Name: "softmax"}, prep, []string{"apple", "banana"})
	if err != nil {
		t.Fatal(err)
	}
	rec := do(New(infer.New(m), Options{}), "POST", "/v1/activations", "application/json", []byte(`{"rows": [[150]]}`))
	if rec.Code != 422 || !strings.Contains(checkErrorBody(t, rec), "table rows") {
		t.Errorf("a table model: status %d, %s", rec.Code, rec.Body)
	}
}

// TestPageLanguage checks the choice of the page's language from
// Accept-Language, and that the page is served with it.
func TestPageLanguage(t *testing.T) {
	tests := []struct {
		header, want string
		ok           bool
	}{
		{"", "", false},
		{"ko", "ko", true},
		{"ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko", true},
		{"en-US,en;q=0.9,ko;q=0.8", "en", true},
		{"fr-FR,fr;q=0.9,ko;q=0.5,en;q=0.4", "ko", true},
		{"fr, de", "", false},
		{"*", "en", true},
		{"ko;q=0, en;q=0.1", "en", true},
		{"ko;q=2", "", false},
		{"ko;q=abc, EN", "en", true},
		{"en;q=0.5, ko;q=0.5", "en", true},
		{strings.Repeat("fr,", 100) + "ko", "", false},
	}
	for _, tt := range tests {
		got, ok := pageLanguage(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("pageLanguage(%.40q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}

	s := newTestServer(t, Options{})
	for _, tt := range []struct{ header, want string }{
		{"", `<html lang="en">`},
		{"ko-KR,ko;q=0.9", `<html lang="ko" data-lang-from="accept-language">`},
		{"en-GB", `<html lang="en" data-lang-from="accept-language">`},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		if tt.header != "" {
			req.Header.Set("Accept-Language", tt.header)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("Accept-Language %q: status %d, page lacks %s", tt.header, rec.Code, tt.want)
		}
		if v := rec.Header().Get("Vary"); v != "Accept-Language" {
			t.Errorf("Vary %q", v)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); csp != contentSecurityPolicy {
			t.Errorf("Content-Security-Policy %q", csp)
		}
	}
}
