package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/internal/imageio/imagebomb"
)

// twoEpochs is a LeNet-5 trained for 2 epochs (98% on MNIST's test set).
const twoEpochs = "../testdata/lenet5-2epochs.safetensors"

var loadPredictor = sync.OnceValues(func() (*infer.Predictor, error) { return infer.Load(twoEpochs) })

// newTestServer returns a Server with the two-epoch LeNet-5.
func newTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	p, err := loadPredictor()
	if err != nil {
		t.Fatal(err)
	}
	if opts.Model == "" {
		opts.Model = "lenet5-2epochs"
	}
	return New(p, opts)
}

// do sends one request to h and returns the recorded response.
func do(h http.Handler, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeOK decodes a 200 answer into v.
func decodeOK(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
}

// checkPrediction checks the shape of a prediction.
func checkPrediction(t *testing.T, name string, digit int, probs []float64, input []int) {
	t.Helper()
	if len(probs) != 10 {
		t.Fatalf("%s: %d probabilities", name, len(probs))
	}
	var sum float64
	best := 0
	for k, p := range probs {
		sum += p
		if p < 0 || p > 1 {
			t.Errorf("%s: probability %d is %v", name, k, p)
		}
		if p > probs[best] {
			best = k
		}
	}
	if math.Abs(sum-1) > 1e-6 || best != digit {
		t.Errorf("%s: probabilities sum to %v, most probable %d, digit %d", name, sum, best, digit)
	}
	if len(input) != 784 {
		t.Fatalf("%s: input has %d pixels", name, len(input))
	}
	for _, v := range input {
		if v < 0 || v > 255 {
			t.Fatalf("%s: input pixel %d", name, v)
		}
	}
}

// TestPredictSingleDigits reads the 40 generated single-digit PNGs (MNIST
// test digits at odd sizes, places, polarities and colours) through the
// API and wants at least 90% right.
func TestPredictSingleDigits(t *testing.T) {
	s := newTestServer(t, Options{})
	files, _ := filepath.Glob("../digits/testdata/single/*.png")
	if len(files) < 30 {
		t.Fatalf("%d single-digit images, want at least 30", len(files))
	}
	right := 0
	for _, f := range files {
		want := int(f[strings.LastIndex(f, "label")+5] - '0')
		var res PredictResponse
		decodeOK(t, do(s, "POST", "/v1/predict", "image/png", readFile(t, f)), &res)
		checkPrediction(t, f, res.Digit, res.Probabilities, res.Input)
		if res.Digit == want {
			right++
		} else {
			t.Logf("%s: read %d (%.2f), want %d", filepath.Base(f), res.Digit, res.Probabilities[res.Digit], want)
		}
	}
	acc := float64(right) / float64(len(files))
	t.Logf("single digits: %d of %d right (%.0f%%)", right, len(files), 100*acc)
	if acc < 0.9 {
		t.Errorf("%d of %d single digits right (%.0f%%), want at least 90%%", right, len(files), 100*acc)
	}
}

// TestZipcodeImages reads the generated five-digit ZIP code images, the
// clean ones and those whose digits touch, are broken or sit among
// specks, and wants at least 60% read exactly right.
func TestZipcodeImages(t *testing.T) {
	s := newTestServer(t, Options{})
	files, _ := filepath.Glob("../digits/testdata/zip/*.png")
	if len(files) < 10 {
		t.Fatalf("%d ZIP code images, want at least 10", len(files))
	}
	right := 0
	for _, f := range files {
		name := filepath.Base(f)
		want := strings.TrimSuffix(name[strings.Index(name, "_zip")+4:], ".png")
		var res ZipcodeResponse
		decodeOK(t, do(s, "POST", "/v1/zipcode", "image/png", readFile(t, f)), &res)
		n := len(res.Digits)
		if len(res.Boxes) != n || len(res.Confidences) != n || len(res.Probabilities) != n || len(res.Inputs) != n {
			t.Fatalf("%s: %d digits, %d boxes, %d confidences, %d probabilities, %d inputs", name, n, len(res.Boxes), len(res.Confidences), len(res.Probabilities), len(res.Inputs))
		}
		for i := range n {
			checkPrediction(t, name, int(res.Digits[i]-'0'), res.Probabilities[i], res.Inputs[i])
			if c := res.Confidences[i]; c != res.Probabilities[i][res.Digits[i]-'0'] {
				t.Errorf("%s: confidence %v is not the probability of digit %c", name, c, res.Digits[i])
			}
			b := res.Boxes[i]
			if b[0] >= b[2] || b[1] >= b[3] || (i > 0 && b[0] < res.Boxes[i-1][0]) {
				t.Errorf("%s: box %d is %v (boxes %v)", name, i, b, res.Boxes)
			}
		}
		if res.Flags != nil {
			t.Errorf("%s: real digits flagged: %v", name, res.Flags)
		}
		if res.Digits == want {
			right++
		} else {
			t.Logf("%s: read %s, want %s (confidences %.2f)", name, res.Digits, want, res.Confidences)
		}
	}
	acc := float64(right) / float64(len(files))
	t.Logf("ZIP codes: %d of %d read exactly (%.0f%%)", right, len(files), 100*acc)
	if acc < 0.6 {
		t.Errorf("%d of %d ZIP codes read exactly (%.0f%%), want at least 60%%", right, len(files), 100*acc)
	}
}

// TestZipcodeFlagsPieces sends a row of two digits beside a dot grid: the
// digits are read unflagged and the grid's pieces carry flags.
func TestZipcodeFlagsPieces(t *testing.T) {
	s := newTestServer(t, Options{})
	img := image.NewGray(image.Rect(0, 0, 120, 40))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	// A "1" (a bar) and a "7" (a bar and a top stroke), then a filled
	// square of stripes one pixel apart: not a digit.
	for y := 8; y < 32; y++ {
		for x := 10; x < 13; x++ {
			img.SetGray(x, y, color.Gray{})
		}
		for x := 38; x < 41; x++ {
			img.SetGray(x-(y-8)/3, y, color.Gray{})
		}
	}
	for x := 28; x < 42; x++ {
		for y := 8; y < 11; y++ {
			img.SetGray(x, y, color.Gray{})
		}
	}
	for y := 6; y < 34; y++ {
		for x := 70; x < 98; x += 2 {
			img.SetGray(x, y, color.Gray{})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	var res ZipcodeResponse
	decodeOK(t, do(s, "POST", "/v1/zipcode", "image/png", buf.Bytes()), &res)
	if len(res.Flags) != len(res.Digits) || len(res.Digits) < 3 {
		t.Fatalf("read %q with flags %v: want one flag entry per piece, at least 3 pieces", res.Digits, res.Flags)
	}
	if res.Flags[0] != nil || res.Flags[1] != nil {
		t.Errorf("the strokes are flagged: %v, %v", res.Flags[0], res.Flags[1])
	}
	if res.Flags[len(res.Flags)-1] == nil {
		t.Errorf("the striped square is not flagged (read %q)", res.Digits)
	}
}

// TestPredictPixels sends the 28×28 image that the PNG path prepares as
// JSON pixels and wants the same answer, and checks that fractional
// values are accepted.
func TestPredictPixels(t *testing.T) {
	s := newTestServer(t, Options{})
	var fromPNG PredictResponse
	decodeOK(t, do(s, "POST", "/v1/predict", "image/png", readFile(t, "../digits/testdata/single/12_label7.png")), &fromPNG)

	tests := []struct {
		name   string
		pixels func() []any
	}{
		{"integers", func() []any {
			out := make([]any, 784)
			for i, v := range fromPNG.Input {
				out[i] = v
			}
			return out
		}},
		{"fractions", func() []any {
			out := make([]any, 784)
			for i, v := range fromPNG.Input {
				out[i] = max(0, float64(v)-0.3)
			}
			return out
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"pixels": tt.pixels()})
			var res PredictResponse
			decodeOK(t, do(s, "POST", "/v1/predict", "application/json; charset=utf-8", body), &res)
			checkPrediction(t, tt.name, res.Digit, res.Probabilities, res.Input)
			if res.Digit != 7 || math.Abs(res.Probabilities[7]-fromPNG.Probabilities[7]) > 1e-6 {
				t.Errorf("read %d (p7 = %v), from the PNG %d (p7 = %v)", res.Digit, res.Probabilities[7], fromPNG.Digit, fromPNG.Probabilities[7])
			}
		})
	}
}

// encodePNG and encodeJPEG make request bodies.
func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func encodeJPEG(img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// pixelsJSON writes {"pixels": [...]} with the given values, the rest 0.
func pixelsJSON(n int, set map[int]string) []byte {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = "0"
		if v, ok := set[i]; ok {
			parts[i] = v
		}
	}
	return []byte(`{"pixels": [` + strings.Join(parts, ",") + `]}`)
}

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// pngHeader is the start of a PNG that claims to be w×h.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.Write(pngMagic)
	ihdr := []byte{0, 0, 0, 13, 'I', 'H', 'D', 'R', byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w), byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h), 8, 0, 0, 0, 0}
	b.Write(ihdr)
	crc := crc32IEEE(ihdr[4:])
	b.Write([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	return b.Bytes()
}

func crc32IEEE(b []byte) uint32 {
	crc := ^uint32(0)
	for _, c := range b {
		crc ^= uint32(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xedb88320
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

// speckled is a w×h picture sprinkled with hundreds of dots.
func speckled(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	for y := 2; y < h-2; y += 4 {
		for x := 2; x < w-2; x += 4 {
			g.SetGray(x, y, color.Gray{})
		}
	}
	return g
}

func TestBadRequests(t *testing.T) {
	s := newTestServer(t, Options{MaxBodyBytes: 1 << 20})
	digit := readFile(t, "../digits/testdata/single/12_label7.png")
	zip := readFile(t, "../digits/testdata/zip/00_zip18654.png")
	white := image.NewGray(image.Rect(0, 0, 60, 60))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	big := make([]byte, 1<<20+1)
	copy(big, digit)
	tests := []struct {
		name, method, path, ctype string
		body                      []byte
		status                    int
		want                      string // in the error message
	}{
		{"predict by GET", "GET", "/v1/predict", "", nil, 405, "takes POST, not GET"},
		{"zipcode by PUT", "PUT", "/v1/zipcode", "image/png", zip, 405, "takes POST"},
		{"healthz by POST", "POST", "/healthz", "", nil, 405, "takes GET or HEAD"},
		{"unknown path", "GET", "/v2/predict", "", nil, 404, "no such endpoint (the API is"},
		{"text body", "POST", "/v1/predict", "text/plain", []byte("7"), 415, "unsupported Content-Type text/plain"},
		{"form", "POST", "/v1/predict", "multipart/form-data; boundary=x", digit, 415, "is a form"},
		{"curl's default", "POST", "/v1/predict", "application/x-www-form-urlencoded", digit, 415, "Content-Type: image/png"},
		{"bad content type", "POST", "/v1/predict", "image/png; =", digit, 415, "bad Content-Type"},
		{"JSON for a ZIP code", "POST", "/v1/zipcode", "application/json", pixelsJSON(784, nil), 415, "not JSON"},
		{"webp", "POST", "/v1/predict", "image/webp", digit, 415, "send image/png, image/jpeg, image/gif or application/json"},
		{"empty body", "POST", "/v1/predict", "image/png", nil, 400, "empty"},
		{"not an image", "POST", "/v1/predict", "image/png", []byte("hello, world"), 400, "not a PNG, JPEG or GIF image (it starts with 68 65 6c"},
		{"GIF bytes sniffed", "POST", "/v1/zipcode", "", []byte("GIF89a\x01\x00\x01\x00"), 400, "corrupt GIF image"},
		{"JPEG scan bomb", "POST", "/v1/predict", "image/jpeg", imagebomb.ScanBomb(2048, 2048, 54000), 413, "over 100 scans"},
		{"scan bomb as a ZIP code", "POST", "/v1/zipcode", "", imagebomb.ScanBomb(512, 512, 1000), 413, "over 100 scans"},
		{"dot grid as a ZIP code", "POST", "/v1/zipcode", "image/png", imagebomb.DotGrid(2048, 2048, 2), 422, "over 4096 connected components"},
		{"truncated PNG", "POST", "/v1/predict", "image/png", digit[:len(digit)/2], 400, "corrupt PNG image"},
		{"PNG header only", "POST", "/v1/predict", "image/png", digit[:20], 400, "corrupt PNG image"},
		{"corrupt JPEG", "POST", "/v1/zipcode", "image/jpeg", append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{7}, 100)...), 400, "corrupt JPEG image"},
		{"truncated JPEG", "POST", "/v1/predict", "image/jpeg", encodeJPEG(white)[:300], 400, "corrupt JPEG image"},
		{"decompression bomb", "POST", "/v1/predict", "image/png", pngHeader(100000, 100000), 413, "100000×100000 pixels, over the limit"},
		{"body too large", "POST", "/v1/predict", "image/png", big, 413, "over the limit of 1 MiB"},
		{"blank PNG", "POST", "/v1/predict", "image/png", encodePNG(white), 422, "blank"},
		{"blank ZIP code", "POST", "/v1/zipcode", "image/jpeg", encodeJPEG(white), 422, "blank"},
		{"noise for a ZIP code", "POST", "/v1/zipcode", "image/png", encodePNG(speckled(400, 100)), 422, "too many pieces"},
		{"783 pixels", "POST", "/v1/predict", "application/json", pixelsJSON(783, nil), 400, "pixels holds 783 values, want 784"},
		{"785 pixels", "POST", "/v1/predict", "application/json", pixelsJSON(785, nil), 400, "785 values"},
		{"no pixels", "POST", "/v1/predict", "application/json", []byte(`{}`), 400, `missing "pixels"`},
		{"null pixels", "POST", "/v1/predict", "application/json", []byte(`{"pixels": null}`), 400, `missing "pixels"`},
		{"256", "POST", "/v1/predict", "application/json", pixelsJSON(784, map[int]string{5: "256"}), 400, "pixels[5] = 256 is outside 0–255"},
		{"negative", "POST", "/v1/predict", "application/json", pixelsJSON(784, map[int]string{783: "-0.5"}), 400, "pixels[783] = -0.5 is outside 0–255"},
		{"overflow", "POST", "/v1/predict", "application/json", pixelsJSON(784, map[int]string{9: "1e400"}), 400, "pixels[9] = 1e400 is outside 0–255"},
		{"NaN as null", "POST", "/v1/predict", "application/json", pixelsJSON(784, map[int]string{3: "null"}), 400, "pixels[3] is null"},
		{"NaN as a string", "POST", "/v1/predict", "application/json", pixelsJSON(784, map[int]string{3: `"NaN"`}), 400, `pixels[3] is the string "NaN"`},
		{"NaN literal", "POST", "/v1/predict", "application/json", pixelsJSON(784, map[int]string{3: "NaN"}), 400, "invalid JSON"},
		{"boolean", "POST", "/v1/predict", "application/json", pixelsJSON(784, map[int]string{0: "true"}), 400, "pixels[0] is a boolean"},
		{"nested", "POST", "/v1/predict", "application/json", pixelsJSON(784, map[int]string{1: "[1]"}), 400, "pixels[1] is an array"},
		{"pixels not an array", "POST", "/v1/predict", "application/json", []byte(`{"pixels": 5}`), 400, "pixels is a JSON number"},
		{"not an object", "POST", "/v1/predict", "application/json", []byte(`[1, 2]`), 400, "want an object"},
		{"unknown key", "POST", "/v1/predict", "application/json", []byte(`{"pixel": []}`), 400, `unknown key "pixel"`},
		{"wrong-case key", "POST", "/v1/predict", "application/json", bytes.Replace(pixelsJSON(784, nil), []byte("pixels"), []byte("PIXELS"), 1), 400, `unknown key "PIXELS": keys are case-sensitive`},
		{"key folded by Unicode", "POST", "/v1/predict", "application/json", bytes.Replace(pixelsJSON(784, nil), []byte("pixels"), []byte("pixel\u017f"), 1), 400, "unknown key"},
		{"duplicate key", "POST", "/v1/predict", "application/json", append([]byte(`{"pixels": [1], `), pixelsJSON(784, nil)[1:]...), 400, `duplicate key "pixels"`},
		{"pixels not an array, after a key", "POST", "/v1/predict", "application/json", []byte(`{"pixels": "x"}`), 400, "pixels is a JSON string"},
		{"an object for a pixel", "POST", "/v1/predict", "application/json", pixelsJSON(784, map[int]string{2: `{"a": 1, "a": 2}`}), 400, "pixels[2] is an object"},
		{"trailing data", "POST", "/v1/predict", "application/json", append(pixelsJSON(784, nil), "{}"...), 400, "more data after the object"},
		{"truncated JSON", "POST", "/v1/predict", "application/json", pixelsJSON(784, nil)[:100], 400, "ends too soon"},
		{"syntax error", "POST", "/v1/predict", "application/json", []byte(`{"pixels": [1,,2]}`), 400, "invalid JSON at byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(s, tt.method, tt.path, tt.ctype, tt.body)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			msg := checkErrorBody(t, rec)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not say %q", msg, tt.want)
			}
			if rec.Code == 405 && rec.Header().Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

// checkErrorBody checks that an answer is exactly {"error": "..."} and
// returns the message.
func checkErrorBody(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body is not JSON: %v: %q", err, rec.Body)
	}
	msg, ok := body["error"].(string)
	if !ok || msg == "" || len(body) != 1 {
		t.Fatalf("error body %v, want {\"error\": message}", body)
	}
	return msg
}

// TestBodyLimitWithoutLength streams a body with no Content-Length past
// the limit through a real connection: MaxBytesReader must cut it off.
func TestBodyLimitWithoutLength(t *testing.T) {
	s := newTestServer(t, Options{MaxBodyBytes: 64 << 10})
	ts := httptest.NewServer(s)
	defer ts.Close()
	pr, pw := io.Pipe()
	go func() {
		chunk := bytes.Repeat([]byte{1}, 4096)
		pw.Write(pngMagic)
		for range 100 {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", ts.URL+"/v1/predict", pr)
	req.Header.Set("Content-Type", "image/png")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	pr.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || !strings.Contains(string(body), "over the limit of 64 KiB") {
		t.Errorf("status %d: %s", resp.StatusCode, body)
	}
}

// TestMaxDigits refuses a ZIP code with more digits than allowed.
func TestMaxDigits(t *testing.T) {
	s := newTestServer(t, Options{MaxDigits: 3})
	rec := do(s, "POST", "/v1/zipcode", "image/png", readFile(t, "../digits/testdata/zip/00_zip18654.png"))
	if rec.Code != 422 || !strings.Contains(checkErrorBody(t, rec), "at most 3 digits") {
		t.Errorf("status %d: %s", rec.Code, rec.Body)
	}
}

// TestBusy fills every worker slot and expects 503 with Retry-After, then
// a slot freed while a request waits lets it through.
func TestBusy(t *testing.T) {
	s := newTestServer(t, Options{MaxConcurrent: 2, RetryAfter: 1500 * time.Millisecond})
	digit := readFile(t, "../digits/testdata/single/12_label7.png")
	s.sem <- struct{}{}
	s.sem <- struct{}{}
	for _, path := range []string{"/v1/predict", "/v1/zipcode"} {
		rec := do(s, "POST", path, "image/png", digit)
		if rec.Code != 503 || rec.Header().Get("Retry-After") != "2" {
			t.Errorf("%s: status %d, Retry-After %q", path, rec.Code, rec.Header().Get("Retry-After"))
		}
		if msg := checkErrorBody(t, rec); !strings.Contains(msg, "busy") {
			t.Errorf("%s: %q", path, msg)
		}
	}
	// Health and metrics answer even when every worker is busy: health
	// says the server is saturated.
	if rec := do(s, "GET", "/healthz", "", nil); rec.Code != 503 || !strings.Contains(rec.Body.String(), `"status":"saturated"`) || !strings.Contains(rec.Body.String(), `"busy":2`) || rec.Header().Get("Retry-After") == "" {
		t.Errorf("healthz while busy: %d %s", rec.Code, rec.Body)
	}
	if rec := do(s, "GET", "/metrics", "", nil); rec.Code != 200 {
		t.Errorf("metrics while busy: %d", rec.Code)
	}
	<-s.sem
	<-s.sem

	waiting := newTestServer(t, Options{MaxConcurrent: 1, QueueWait: 5 * time.Second})
	waiting.sem <- struct{}{}
	go func() {
		time.Sleep(50 * time.Millisecond)
		<-waiting.sem
	}()
	if rec := do(waiting, "POST", "/v1/predict", "image/png", digit); rec.Code != 200 {
		t.Errorf("waiting for a worker: status %d: %s", rec.Code, rec.Body)
	}
}

// TestPanicIsJSON500 serves with no predictor, so that classifying
// panics: the answer must still be a JSON error.
func TestPanicIsJSON500(t *testing.T) {
	s := New(nil, Options{})
	rec := do(s, "POST", "/v1/predict", "application/json", pixelsJSON(784, nil))
	if rec.Code != 500 || checkErrorBody(t, rec) != "internal error" {
		t.Errorf("status %d: %s", rec.Code, rec.Body)
	}
	if len(s.sem) != 0 {
		t.Error("a panic leaked a worker slot")
	}
}

func TestHealthz(t *testing.T) {
	s := newTestServer(t, Options{MaxConcurrent: 3, Model: "test-model"})
	for _, method := range []string{"GET", "HEAD"} {
		rec := do(s, method, "/healthz", "", nil)
		if rec.Code != 200 {
			t.Fatalf("%s: status %d", method, rec.Code)
		}
		if method == "HEAD" {
			continue
		}
		var h HealthResponse
		decodeOK(t, rec, &h)
		if h.Status != "ok" || h.Model != "test-model" || h.Workers != 3 || h.Busy != 0 || h.UptimeSeconds < 0 {
			t.Errorf("health %+v", h)
		}
	}
}

// metricLine is one sample of the text exposition format.
var metricLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (\S+)$`)

// TestMetrics makes some requests and checks that /metrics counts them
// by endpoint and status, that its histograms are cumulative and
// consistent, and that every line parses.
func TestMetrics(t *testing.T) {
	s := newTestServer(t, Options{Model: `a "quoted" model\`})
	digit := readFile(t, "../digits/testdata/single/12_label7.png")
	for range 3 {
		do(s, "POST", "/v1/predict", "image/png", digit)
	}
	do(s, "POST", "/v1/predict", "text/plain", digit)
	do(s, "GET", "/v1/predict", "", nil)
	do(s, "GET", "/no/such/thing", "", nil)
	do(s, "GET", "/", "", nil)
	rec := do(s, "GET", "/metrics", "", nil)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("status %d, Content-Type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	text := rec.Body.String()
	samples := map[string]float64{}
	types := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "# TYPE ") {
			f := strings.Fields(line)
			types[f[2]] = f[3]
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		m := metricLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("line does not parse: %q", line)
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Errorf("value of %q: %v", line, err)
		}
		samples[m[1]+m[2]] = v
	}
	want := map[string]float64{
		`baeum_http_requests_total{endpoint="/v1/predict",code="200"}`:               3,
		`baeum_http_requests_total{endpoint="/v1/predict",code="415"}`:               1,
		`baeum_http_requests_total{endpoint="/v1/predict",code="405"}`:               1,
		`baeum_http_requests_total{endpoint="other",code="404"}`:                     1,
		`baeum_http_requests_total{endpoint="static",code="200"}`:                    1,
		`baeum_http_request_duration_seconds_count{endpoint="/v1/predict"}`:          5,
		`baeum_http_request_duration_seconds_bucket{endpoint="/v1/predict",le="10"}`: 5,
		`baeum_http_request_duration_seconds_count{endpoint="/v1/zipcode"}`:          0,
		`baeum_http_request_duration_seconds_sum{endpoint="/v1/zipcode"}`:            0,
		`baeum_http_request_duration_seconds_count{endpoint="static"}`:               1,
		`baeum_http_request_duration_seconds_count{endpoint="/metrics"}`:             0, // counted when it finishes
		`baeum_http_requests_in_flight`:                                              1, // the /metrics request itself
		`baeum_workers_busy`:                                                         0,
		`baeum_workers_max`:                                                          float64(cap(s.sem)),
		`baeum_rejected_total`:                                                       0,
		`baeum_model_info{model="a \"quoted\" model\\"}`:                             1,
	}
	for k, v := range want {
		got, ok := samples[k]
		if !ok {
			t.Errorf("no sample %s", k)
		} else if got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	if types["baeum_http_requests_total"] != "counter" || types["baeum_http_request_duration_seconds"] != "histogram" {
		t.Errorf("types %v", types)
	}
	// Buckets are cumulative: non-decreasing in le, ending at the count.
	for _, ep := range endpoints {
		prev := 0.0
		for _, le := range append(append([]string(nil), bucketNames()...), "+Inf") {
			k := fmt.Sprintf(`baeum_http_request_duration_seconds_bucket{endpoint=%q,le=%q}`, ep, le)
			v, ok := samples[k]
			if !ok || v < prev {
				t.Errorf("%s = %v (present %v), previous bucket %v", k, v, ok, prev)
			}
			prev = v
		}
		if c := samples[fmt.Sprintf(`baeum_http_request_duration_seconds_count{endpoint=%q}`, ep)]; c != prev {
			t.Errorf("%s: count %v, +Inf bucket %v", ep, c, prev)
		}
	}
}

func bucketNames() []string {
	var out []string
	for _, b := range latencyBuckets {
		out = append(out, formatFloat(b))
	}
	return out
}

// TestPage checks the page and its files: served with the right types
// and a content security policy, and loading nothing from other hosts.
func TestPage(t *testing.T) {
	s := newTestServer(t, Options{})
	tests := []struct {
		path, ctype string
		contains    []string
	}{
		{"/", "text/html", []string{`<canvas id="canvas"`, `id="mode-zip"`, `id="clear"`, `id="prediction"`, `id="seen"`, `src="app.js"`}},
		{"/app.js", "text/javascript", []string{"pointerdown", "v1/predict", "v1/zipcode", "AbortController"}},
		{"/style.css", "text/css", []string{".bars"}},
		{"/favicon.svg", "image/svg+xml", []string{"<svg"}},
	}
	external := regexp.MustCompile(`(?i)(src|href|action)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?\s*(https?:)?//|@import|fetch\(\s*["'](https?:)?//`)
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := do(s, "GET", tt.path, "", nil)
			if rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.ctype) {
				t.Errorf("Content-Type %q, want %s", ct, tt.ctype)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			body := rec.Body.String()
			for _, c := range tt.contains {
				if !strings.Contains(body, c) {
					t.Errorf("lacks %q", c)
				}
			}
			if m := external.FindString(body); m != "" {
				t.Errorf("loads from another host: %q", m)
			}
		})
	}
	if rec := do(s, "GET", "/index.html", "", nil); rec.Code != 404 {
		t.Errorf("/index.html: status %d, want 404 (the page is at /)", rec.Code)
	}
}

// TestConcurrentRequests shares one Predictor across goroutines that read
// digits and ZIP codes at once; every answer must match the one given
// alone. Run with -race.
func TestConcurrentRequests(t *testing.T) {
	s := newTestServer(t, Options{MaxConcurrent: 4, QueueWait: 10 * time.Second})
	type job struct {
		path string
		body []byte
		want string
	}
	var jobs []job
	for _, f := range []string{"../digits/testdata/single/12_label7.png", "../digits/testdata/single/00_label8.png", "../digits/testdata/single/27_label6.png"} {
		b := readFile(t, f)
		jobs = append(jobs, job{"/v1/predict", b, do(s, "POST", "/v1/predict", "image/png", b).Body.String()})
	}
	for _, f := range []string{"../digits/testdata/zip/00_zip18654.png", "../digits/testdata/zip/19_zip89604.png"} {
		b := readFile(t, f)
		jobs = append(jobs, job{"/v1/zipcode", b, do(s, "POST", "/v1/zipcode", "image/png", b).Body.String()})
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 6 {
				j := jobs[(g+i)%len(jobs)]
				rec := do(s, "POST", j.path, "image/png", j.body)
				if rec.Code != 200 || rec.Body.String() != j.want {
					t.Errorf("%s: status %d, answer differs from the one given alone", j.path, rec.Code)
				}
			}
		})
	}
	wg.Wait()
}
