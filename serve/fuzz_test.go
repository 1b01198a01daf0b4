package serve

import (
	"bytes"
	"encoding/json"
	"image"
	"image/gif"
	"net/http"
	"os"
	"testing"

	"github.com/baeum-ml/baeum/internal/imageio/imagebomb"
)

// FuzzRequestBody sends arbitrary bodies, as images (PNG, JPEG, GIF,
// scan bombs, dot grids) and as JSON (wrong-case and repeated keys
// among the seeds), to the classifying endpoints and /v1/activations.
// Whatever the bytes, the server must answer with 200 and a prediction,
// or with a client error (never 500) whose body is a JSON object
// {"error": "..."}.
func FuzzRequestBody(f *testing.F) {
	s := newTestServer(f, Options{MaxPixels: 1 << 18})
	digit, err := os.ReadFile("../digits/testdata/single/12_label7.png")
	if err != nil {
		f.Fatal(err)
	}
	zip, err := os.ReadFile("../digits/testdata/zip/19_zip89604.png")
	if err != nil {
		f.Fatal(err)
	}
	white := image.NewGray(image.Rect(0, 0, 9, 9))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	ink := image.NewGray(image.Rect(0, 0, 16, 12))
	for i := range ink.Pix {
		ink.Pix[i] = uint8(i * 37)
	}
	for _, seed := range [][]byte{
		digit, zip, digit[:len(digit)/3], zip[:100],
		encodePNG(white), encodeJPEG(white), encodePNG(ink), encodeJPEG(ink), encodeJPEG(ink)[:200],
		pngHeader(1<<16, 1<<16), pngHeader(0, 5),
		[]byte("GIF89a"), []byte("\xff\xd8\xff"), pngMagic, {},
		imagebomb.ScanBomb(64, 64, 120), imagebomb.ScanBomb(32, 32, 5), imagebomb.DotGrid(64, 64, 2), encodeGIF(ink),
	} {
		f.Add(uint8(0), seed)
		f.Add(uint8(1), seed)
	}
	for _, seed := range []string{
		string(pixelsJSON(784, nil)), string(pixelsJSON(784, map[int]string{1: "255.5"})),
		string(pixelsJSON(2, nil)), `{"pixels": [1e999]}`, `{"pixels": "x"}`, `null`, `{`, `{"pixels": [-0]}`,
		`{"PIXELS": [0]}`, `{"pixels": [0], "pixels": [1]}`, `{"pixels": null, "x": 1}`, `{"pixels": [0]} {}`, `{"pixels": [{"a": 1, "a": 2}]}`,
	} {
		f.Add(uint8(2), []byte(seed))
		f.Add(uint8(5), []byte(seed))
	}
	f.Add(uint8(4), encodePNG(ink))
	f.Fuzz(func(t *testing.T, mode uint8, body []byte) {
		path, ctype := "/v1/predict", "image/png"
		switch mode % 6 {
		case 1:
			path = "/v1/zipcode"
		case 2:
			ctype = "application/json"
		case 3:
			path, ctype = "/v1/zipcode", ""
		case 4:
			path = "/v1/activations"
		case 5:
			path, ctype = "/v1/activations", "application/json"
		}
		rec := do(s, "POST", path, ctype, body)
		switch rec.Code {
		case http.StatusOK:
			var res map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
				t.Fatalf("200 with a body that is not JSON: %v", err)
			}
			if _, ok := res["error"]; ok {
				t.Fatalf("200 with an error: %s", rec.Body)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
			var res map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || len(res) != 1 || res["error"] == "" {
				t.Fatalf("status %d with body %q", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

func encodeGIF(img image.Image) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}
