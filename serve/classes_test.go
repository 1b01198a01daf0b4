package serve

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// petClasses are the classes of the picture model the tests build.
var petClasses = []string{"cat", "dog", "ship"}

// newPictureServer returns a Server for a model that reads no digits: an
// MLP of colour 16×16 pictures (any size, stretched) of petClasses,
// saved and loaded back as baeum serve would load it.
func newPictureServer(t testing.TB, opts Options) *Server {
	t.Helper()
	prep := data.ImagePrep{Height: 16, Width: 16, Channels: 3, Mean: []float64{0.5}, Std: []float64{0.25}, Resize: "stretch"}
	m, err := models.New(tensor.NewRNG(7), models.Config{Name: "mlp", Hidden: []int{8}}, prep, petClasses)
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(t.TempDir(), "pets.safetensors")
	if err := m.Save(ck, nil); err != nil {
		t.Fatal(err)
	}
	p, err := infer.Load(ck)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Model == "" {
		opts.Model = "pets.safetensors"
	}
	return New(p, opts)
}

// colourPNG encodes a w×h RGB picture whose colours follow seed.
func colourPNG(t testing.TB, w, h, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(seed*40 + 5*x), uint8(seed*90 + 7*y), uint8(255 - seed*60), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestModelEndpoint checks GET /v1/model for a digit reader and for a
// model of named pictures.
func TestModelEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name    string
		s       *Server
		want    ImageInput
		classes []string
		digits  bool
	}{
		{"digits", newTestServer(t, Options{}), ImageInput{Channels: 1, Height: 28, Width: 28, Resize: "digit"}, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, true},
		{"pictures", newPictureServer(t, Options{}), ImageInput{Channels: 3, Height: 16, Width: 16, Resize: "stretch"}, petClasses, false},
	} {
		rec := do(tc.s, "GET", "/v1/model", "", nil)
		var got ModelResponse
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &got) != nil {
			t.Fatalf("%s: %d %s", tc.name, rec.Code, rec.Body)
		}
		if got.Input == nil || *got.Input != tc.want || !slices.Equal(got.Classes, tc.classes) || got.Digits != tc.digits || got.Name == "" || got.Architecture == "" {
			t.Errorf("%s: /v1/model answered %+v", tc.name, got)
		}
		if rec := do(tc.s, "POST", "/v1/model", "", nil); rec.Code != 405 {
			t.Errorf("%s: POST /v1/model: %d, want 405", tc.name, rec.Code)
		}
	}
}

// TestPredictNamesClasses classifies pictures with a model of three named
// classes: /v1/predict answers with the class's name, from a picture of
// any size or from stored pixels; /v1/zipcode refuses, as the model reads
// no digits; the page offers the drop zone.
func TestPredictNamesClasses(t *testing.T) {
	s := newPictureServer(t, Options{})
	for _, size := range [][2]int{{40, 30}, {16, 16}, {5, 90}} {
		rec := do(s, "POST", "/v1/predict", "image/png", colourPNG(t, size[0], size[1], 1))
		var got PredictResponse
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &got) != nil {
			t.Fatalf("%v picture: %d %s", size, rec.Code, rec.Body)
		}
		if got.Digit < 0 || got.Digit >= 3 || got.Label != petClasses[got.Digit] || len(got.Probabilities) != 3 || len(got.Input) != 3*16*16 || got.Flag != nil {
			t.Errorf("%v picture: label %q, class %d, %d probabilities, %d input bytes, flag %v", size, got.Label, got.Digit, len(got.Probabilities), len(got.Input), got.Flag)
		}
		if !strings.Contains(rec.Body.String(), `"label":"`+got.Label+`"`) {
			t.Errorf("the answer lacks its label: %s", rec.Body)
		}
	}
	px := make([]int, 3*16*16)
	for i := range px {
		px[i] = i % 256
	}
	body, _ := json.Marshal(map[string][]int{"pixels": px})
	rec := do(s, "POST", "/v1/predict", "application/json", body)
	var got PredictResponse
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &got) != nil || !slices.Contains(petClasses, got.Label) {
		t.Errorf("stored pixels: %d %s", rec.Code, rec.Body)
	}
	if rec := do(s, "POST", "/v1/predict", "application/json", []byte(`{"pixels": [1, 2, 3]}`)); rec.Code != 400 || !strings.Contains(rec.Body.String(), "768") {
		t.Errorf("3 pixels for a 3×16×16 model: %d %s", rec.Code, rec.Body)
	}
	if rec := do(s, "POST", "/v1/zipcode", "image/png", colourPNG(t, 40, 30, 1)); rec.Code != 422 || !strings.Contains(rec.Body.String(), "does not read handwritten digits") {
		t.Errorf("/v1/zipcode of a picture model: %d %s", rec.Code, rec.Body)
	}

	// The digit reader names its classes too.
	rec = do(newTestServer(t, Options{}), "POST", "/v1/predict", "image/png", readFile(t, "../digits/testdata/single/"+firstSingle(t)))
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Label != string(rune('0'+got.Digit)) {
		t.Errorf("digit reader: %d %s", rec.Code, rec.Body)
	}

	// The page has both faces; which one shows is the model's to say.
	page := do(s, "GET", "/", "", nil).Body.String()
	for _, want := range []string{`id="drop"`, `type="file"`, `id="canvas"`, `id="top-classes"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if js := do(s, "GET", "/app.js", "", nil).Body.String(); !strings.Contains(js, `fetch("v1/model")`) || strings.Contains(js, "innerHTML = `${") {
		t.Error("app.js does not ask v1/model what the model is, or writes names as HTML")
	}
}

// firstSingle returns the name of a picture of one digit in
// digits/testdata/single.
func firstSingle(t testing.TB) string {
	t.Helper()
	names, err := filepath.Glob("../digits/testdata/single/*.png")
	if err != nil || len(names) == 0 {
		t.Fatalf("no pictures of single digits: %v", err)
	}
	return filepath.Base(names[0])
}

// TestBrowserDropZone opens the page of a model that reads no digits in
// headless Chromium: it shows the drop zone, not the canvas; a picture
// chosen with the file picker is sent and its class shown by name, as
// /v1/predict names it, with the top classes and the image the model saw.
func TestBrowserDropZone(t *testing.T) {
	ts := httptest.NewServer(newPictureServer(t, Options{MaxConcurrent: 2, QueueWait: 5 * time.Second}))
	t.Cleanup(ts.Close) // after the browser closes
	bctx, check := openPage(t, ts.URL, "#drop")
	defer check()

	pic := colourPNG(t, 48, 32, 2)
	file := filepath.Join(t.TempDir(), "boat.png")
	if err := os.WriteFile(file, pic, 0o644); err != nil {
		t.Fatal(err)
	}
	var want PredictResponse
	if rec := do(ts.Config.Handler, "POST", "/v1/predict", "image/png", pic); json.Unmarshal(rec.Body.Bytes(), &want) != nil {
		t.Fatalf("/v1/predict: %d %s", rec.Code, rec.Body)
	}
	if err := chromedp.Do(bctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file})); err != nil {
		t.Fatalf("choosing the picture: %v", err)
	}
	if got := waitPrediction(t, bctx, want.Label); got != want.Label {
		t.Fatalf("the page reads %q, want %q", got, want.Label)
	}
	state, err := chromedp.Run(bctx, chromedp.Evaluate[struct {
		Canvas  bool     `json:"canvas"`
		Names   []string `json:"names"`
		Top     string   `json:"top"`
		Width   int      `json:"width"`
		Preview bool     `json:"preview"`
	}](`(() => {
		const top = document.querySelector("#top-classes .bar.top .bar-name");
		return {
			canvas: document.getElementById("canvas").offsetWidth > 0,
			names: [...document.querySelectorAll("#top-classes .bar-name")].map((e) => e.textContent),
			top: top ? top.textContent : "",
			width: document.getElementById("seen-image").width,
			preview: !document.getElementById("preview").hidden,
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	sorted := slices.Clone(state.Names)
	slices.Sort(sorted)
	if state.Canvas || !slices.Equal(sorted, []string{"cat", "dog", "ship"}) || state.Top != want.Label || state.Width != 16 || !state.Preview {
		t.Errorf("page state %+v: want no canvas, the three classes, %q on top, a 16-pixel image and the preview", state, want.Label)
	}
	screenshot(t, bctx, "dropzone")
}
