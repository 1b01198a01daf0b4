package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// What a request body holds.
const (
	kindImage = iota // PNG or JPEG
	kindJSON         // {"pixels": [...]}
)

// bodyKind reads the Content-Type: an image type, JSON (where jsonOK),
// or none (or application/octet-stream), in which case the body is
// sniffed later. Anything else is 415.
func bodyKind(r *http.Request, jsonOK bool) (int, error) {
	accepted := "image/png or image/jpeg"
	if jsonOK {
		accepted = "image/png, image/jpeg or application/json"
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return sniffKind, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return 0, errorf(http.StatusUnsupportedMediaType, "bad Content-Type %q: %v; send %s", ct, err, accepted)
	}
	switch mt {
	case "image/png", "image/jpeg", "image/jpg", "image/pjpeg":
		return kindImage, nil
	case "application/octet-stream":
		return sniffKind, nil
	case "application/json":
		if jsonOK {
			return kindJSON, nil
		}
		return 0, errorf(http.StatusUnsupportedMediaType, "%s reads an image of digits in a row, not JSON: send the PNG or JPEG itself with Content-Type image/png or image/jpeg", r.URL.Path)
	case "multipart/form-data", "application/x-www-form-urlencoded":
		return 0, errorf(http.StatusUnsupportedMediaType, "Content-Type %s is a form: send the image itself as the body with Content-Type image/png or image/jpeg (with curl: --data-binary @digit.png -H 'Content-Type: image/png')", mt)
	}
	return 0, errorf(http.StatusUnsupportedMediaType, "unsupported Content-Type %s: send %s", mt, accepted)
}

// sniffKind marks a body without a telling Content-Type; decodeImage
// sniffs it and only images are accepted.
const sniffKind = kindImage

// readBody reads the whole body, at most MaxBodyBytes of it: 413 past
// that, 400 for an empty body.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	limit := s.opts.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, errorf(http.StatusRequestEntityTooLarge, "the request body is %d bytes, over the limit of %s", r.ContentLength, sizeString(limit))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "the request body is over the limit of %s", sizeString(limit))
		}
		return nil, errorf(http.StatusBadRequest, "reading the request body: %v", err)
	}
	if len(body) == 0 {
		return nil, errorf(http.StatusBadRequest, "the request body is empty: send a PNG or JPEG image")
	}
	return body, nil
}

// sizeString writes a byte count the way people say it.
func sizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xff, 0xd8, 0xff}
)

// decodeImage decodes a PNG or JPEG, recognised by its first bytes
// whatever the Content-Type said, after checking from its header that it
// has at most maxPixels pixels.
func decodeImage(body []byte, maxPixels int) (image.Image, error) {
	var (
		format       string
		decode       func(io.Reader) (image.Image, error)
		decodeConfig func(io.Reader) (image.Config, error)
	)
	switch {
	case bytes.HasPrefix(body, pngMagic):
		format, decode, decodeConfig = "PNG", png.Decode, png.DecodeConfig
	case bytes.HasPrefix(body, jpegMagic):
		format, decode, decodeConfig = "JPEG", jpeg.Decode, jpeg.DecodeConfig
	default:
		head := body[:min(len(body), 8)]
		return nil, errorf(http.StatusBadRequest, "the body is not a PNG or JPEG image (it starts with % x)", head)
	}
	cfg, err := decodeConfig(bytes.NewReader(body))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "corrupt %s image: %v", format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errorf(http.StatusBadRequest, "the %s image is empty (%d×%d pixels)", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return nil, errorf(http.StatusRequestEntityTooLarge, "the %s image is %d×%d pixels, over the limit of %d pixels: scale it down", format, cfg.Width, cfg.Height, maxPixels)
	}
	img, err := decode(bytes.NewReader(body))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "corrupt %s image: %v", format, err)
	}
	return img, nil
}

// pixelsRequest is the JSON body of /v1/predict: a stored image (for
// MNIST models 28×28).
type pixelsRequest struct {
	Pixels []any `json:"pixels"`
}

// parsePixels reads {"pixels": [n numbers 0–255]} (for MNIST models
// n = 784), naming the first value that is not a number in range.
func parsePixels(body []byte, n int) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var req pixelsRequest
	if err := dec.Decode(&req); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf(http.StatusBadRequest, "invalid JSON: more data after the object")
	}
	if req.Pixels == nil {
		return nil, errorf(http.StatusBadRequest, `missing "pixels": want {"pixels": [%d numbers 0–255]} (the image as the model's checkpoint stores it: channel after channel, each row-major; for MNIST 28×28, ink high)`, n)
	}
	if len(req.Pixels) != n {
		return nil, errorf(http.StatusBadRequest, "pixels holds %d values, want %d (channel after channel, each row-major)", len(req.Pixels), n)
	}
	px := make([]byte, n)
	for i, v := range req.Pixels {
		switch v := v.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(v), 64)
			if (err != nil && !errors.Is(err, strconv.ErrRange)) || math.IsNaN(f) {
				return nil, errorf(http.StatusBadRequest, "pixels[%d] = %s is not a number", i, v)
			}
			if f < 0 || f > 255 {
				return nil, errorf(http.StatusBadRequest, "pixels[%d] = %s is outside 0–255", i, v)
			}
			px[i] = byte(math.Round(f))
		case nil:
			return nil, errorf(http.StatusBadRequest, "pixels[%d] is null, not a number 0–255 (JSON has no NaN: JavaScript writes NaN and Infinity as null)", i)
		case string:
			return nil, errorf(http.StatusBadRequest, "pixels[%d] is the string %q, not a number 0–255", i, truncate(v, 20))
		default:
			return nil, errorf(http.StatusBadRequest, "pixels[%d] is %s, not a number 0–255", i, jsonKind(v))
		}
	}
	return px, nil
}

// jsonError explains a decoding error.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, "invalid JSON: the body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(http.StatusBadRequest, "invalid JSON: the body ends too soon")
	case errors.As(err, &se):
		return errorf(http.StatusBadRequest, "invalid JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te):
		if te.Field == "" {
			return errorf(http.StatusBadRequest, `the body is a JSON %s, want an object {"pixels": [784 numbers 0–255]}`, te.Value)
		}
		return errorf(http.StatusBadRequest, "%s is a JSON %s, want an array of 784 numbers 0–255", te.Field, te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errorf(http.StatusBadRequest, `%s: want only {"pixels": [784 numbers 0–255]}`, strings.TrimPrefix(err.Error(), "json: "))
	}
	return errorf(http.StatusBadRequest, "invalid request: %v", err)
}

func jsonKind(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("a %T", v)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
