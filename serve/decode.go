package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/baeum-ml/baeum/internal/imageio"
)

// What a request body holds.
const (
	kindImage = iota // PNG, JPEG or GIF
	kindJSON         // {"pixels": [...]}
)

// bodyKind reads the Content-Type: an image type, JSON (where jsonOK),
// or none (or application/octet-stream), in which case the body is
// sniffed later. Anything else is 415.
func bodyKind(r *http.Request, jsonOK bool) (int, error) {
	accepted := "image/png, image/jpeg or image/gif"
	if jsonOK {
		accepted = "image/png, image/jpeg, image/gif or application/json"
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
	case "image/png", "image/jpeg", "image/jpg", "image/pjpeg", "image/gif":
		return kindImage, nil
	case "application/octet-stream":
		return sniffKind, nil
	case "application/json":
		if jsonOK {
			return kindJSON, nil
		}
		return 0, errorf(http.StatusUnsupportedMediaType, "%s reads an image of digits in a row, not JSON: send the PNG, JPEG or GIF itself with Content-Type image/png, image/jpeg or image/gif", r.URL.Path)
	case "multipart/form-data", "application/x-www-form-urlencoded":
		return 0, errorf(http.StatusUnsupportedMediaType, "Content-Type %s is a form: send the image itself as the body with Content-Type image/png, image/jpeg or image/gif (with curl: --data-binary @digit.png -H 'Content-Type: image/png')", mt)
	}
	return 0, errorf(http.StatusUnsupportedMediaType, "unsupported Content-Type %s: send %s", mt, accepted)
}

// sniffKind marks a body without a telling Content-Type; decodeImage
// sniffs it and only images are accepted.
const sniffKind = kindImage

// readBody reads the whole body, at most MaxBodyBytes of it: 413 past
// that, 400 for an empty body. Before reading, it reserves the body's
// bytes (its Content-Length, or MaxBodyBytes when the length is not
// known) from the budget of MaxInFlightBodyBytes, waiting up to QueueWait
// for them: 503 when they do not free up, so that stalled uploads cannot
// hold more memory than the budget. The caller must call release once
// the body is no longer needed (also after an error).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (body []byte, release func(), err error) {
	release = func() {}
	limit := s.opts.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, release, errorf(http.StatusRequestEntityTooLarge, "the request body is %d bytes, over the limit of %s", r.ContentLength, imageio.SizeString(limit))
	}
	if r.ContentLength == 0 {
		return nil, release, errorf(http.StatusBadRequest, "the request body is empty: send a PNG, JPEG or GIF image")
	}
	want := limit
	if r.ContentLength > 0 {
		want = r.ContentLength
	}
	if !s.bodies.acquire(r.Context(), want, s.opts.QueueWait) {
		if r.Context().Err() != nil {
			return nil, release, errorf(statusClientClosed, "the client went away")
		}
		s.metrics.rejected.Add(1)
		return nil, release, errorf(http.StatusServiceUnavailable, "the server is busy: %s of request bodies are being received, the limit; retry after %v", imageio.SizeString(s.bodies.size), s.opts.RetryAfter)
	}
	release = func() { s.bodies.release(want) }
	body, err = readAtMost(http.MaxBytesReader(w, r.Body, limit), r.ContentLength, limit)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, release, errorf(http.StatusRequestEntityTooLarge, "the request body is over the limit of %s", imageio.SizeString(limit))
		}
		if r.Context().Err() != nil {
			return nil, release, errorf(statusClientClosed, "the client went away")
		}
		return nil, release, errorf(http.StatusBadRequest, "reading the request body: %v", err)
	}
	if len(body) == 0 {
		return nil, release, errorf(http.StatusBadRequest, "the request body is empty: send a PNG, JPEG or GIF image")
	}
	return body, release, nil
}

// readAtMost reads r to its end into one buffer that never holds more
// than the body's bytes reserved from the budget: exactly length (and a
// byte to see the end) when the length is known, otherwise a buffer that
// doubles up to limit (io.ReadAll's growth could take twice that).
func readAtMost(r io.Reader, length, limit int64) ([]byte, error) {
	size := int64(64 << 10)
	if length >= 0 {
		size = length + 1
	}
	buf := make([]byte, 0, min(size, limit+1))
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			if int64(cap(buf)) > limit {
				return buf, &http.MaxBytesError{Limit: limit} // MaxBytesReader says so first
			}
			grown := make([]byte, len(buf), min(2*int64(cap(buf)), limit+1))
			copy(grown, buf)
			buf = grown
		}
	}
}

// statusClientClosed is the status recorded (in /metrics) for a request
// whose client went away before its answer, as nginx counts it.
const statusClientClosed = 499

// decodeImage decodes a PNG, JPEG or GIF (its first frame), recognised
// by its first bytes whatever the Content-Type said, with imageio's
// checks before decoding — at most MaxPixels pixels, bounded memory, at
// most imageio.DefaultMaxScans JPEG scans — and under a deadline of
// DecodeTimeout tied to the request's context, so that decoding stops
// when the client goes away.
func (s *Server) decodeImage(ctx context.Context, body []byte) (image.Image, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.DecodeTimeout)
	defer cancel()
	img, _, err := imageio.DecodeBytes(ctx, body, imageio.Limits{MaxBytes: s.opts.MaxBodyBytes, MaxPixels: s.opts.MaxPixels})
	if err == nil {
		return img, nil
	}
	var le *imageio.LimitError
	switch {
	case errors.As(err, &le):
		return nil, errorf(http.StatusRequestEntityTooLarge, "%v", err)
	case errors.Is(err, context.DeadlineExceeded):
		return nil, errorf(http.StatusServiceUnavailable, "decoding the image took over %v, the limit: send a smaller image", s.opts.DecodeTimeout)
	case errors.Is(err, context.Canceled):
		return nil, errorf(statusClientClosed, "the client went away")
	case errors.Is(err, imageio.ErrUnknownFormat):
		return nil, errorf(http.StatusBadRequest, "the body is %v", err)
	}
	return nil, errorf(http.StatusBadRequest, "%v", err)
}

// decodeOneKey reads a JSON object body of the one key key, spelt exactly
// and given once, whose value read decodes from dec; want shows the
// object expected, for the errors. encoding/json would take "PIXELS" for
// "pixels" and let a second key replace the first, so the object is
// walked token by token and any other key, or a repeated one, is refused
// by name, as is anything after the object. A missing key is not an
// error here: read is then never called.
func decodeOneKey(body []byte, key, want string, read func(dec *json.Decoder) error) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return jsonError(err)
	}
	if tok != json.Delim('{') {
		return errorf(http.StatusBadRequest, "the body is a JSON %s, want an object %s", tokenKind(tok), want)
	}
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jsonError(err)
		}
		k, _ := tok.(string)
		switch {
		case k == key && seen:
			return errorf(http.StatusBadRequest, `duplicate key %q: give it once`, key)
		case strings.EqualFold(k, key) && k != key:
			return errorf(http.StatusBadRequest, `unknown key %q: keys are case-sensitive; want %s`, truncate(k, 20), want)
		case k != key:
			return errorf(http.StatusBadRequest, `unknown key %q: want only %s`, truncate(k, 20), want)
		}
		seen = true
		if err := read(dec); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(http.StatusBadRequest, "invalid JSON: more data after the object")
	}
	return nil
}

// parsePixels reads {"pixels": [n numbers 0–255]} (for MNIST models
// n = 784), naming the first value that is not a number in range. Keys
// are matched exactly: encoding/json would take "PIXELS" for "pixels"
// and let a second "pixels" replace the first, so the object is walked
// token by token and any other key, or a repeated one, is refused by
// name.
func parsePixels(body []byte, n int) ([]byte, error) {
	var pixels []any
	err := decodeOneKey(body, "pixels", fmt.Sprintf(`{"pixels": [%d numbers 0–255]}`, n), func(dec *json.Decoder) error {
		var v any
		if err := dec.Decode(&v); err != nil {
			return jsonError(err)
		}
		switch v := v.(type) {
		case nil:
		case []any:
			pixels = v
		default:
			return errorf(http.StatusBadRequest, "pixels is a JSON %s, want an array of %d numbers 0–255", valueKind(v), n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if pixels == nil {
		return nil, errorf(http.StatusBadRequest, `missing "pixels": want {"pixels": [%d numbers 0–255]} (the image as the model's checkpoint stores it: channel after channel, each row-major; for MNIST 28×28, ink high)`, n)
	}
	if len(pixels) != n {
		return nil, errorf(http.StatusBadRequest, "pixels holds %d values, want %d (channel after channel, each row-major)", len(pixels), n)
	}
	px := make([]byte, n)
	for i, v := range pixels {
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

// tokenKind names the JSON value a token starts.
func tokenKind(tok json.Token) string {
	switch tok {
	case json.Delim('['):
		return "array"
	case json.Delim('{'):
		return "object"
	}
	return valueKind(tok)
}

// valueKind names the JSON type of a decoded value.
func valueKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

// jsonError explains a decoding error.
func jsonError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, "invalid JSON: the body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(http.StatusBadRequest, "invalid JSON: the body ends too soon")
	case errors.As(err, &se):
		return errorf(http.StatusBadRequest, "invalid JSON at byte %d: %v", se.Offset, err)
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
