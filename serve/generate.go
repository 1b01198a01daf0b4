package serve

import (
	"bytes"
	cryptorand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/baeum-ml/baeum/models"
)

// epGenerate samples words from a character language model.
const epGenerate = "/v1/generate"

// GenerateResponse is the answer of /v1/generate: the words sampled, in
// order.
type GenerateResponse struct {
	Words []string `json:"words"`
}

// generateKeys are the keys a /v1/generate request may hold, each at
// most once.
var generateKeys = []string{"n", "temperature", "max_len", "prefix", "seed"}

// generateWant describes the request, for errors.
const generateWant = `{"n": 1–1000, "temperature": above 0 to 10, "max_len": 1–256, "prefix": "...", "seed": 0–18446744073709551615}, every key optional`

// handleGenerate answers POST /v1/generate for a character language
// model: a JSON object of options (see parseGenerate), or an empty body
// for the defaults (20 words at temperature 0.8), answered with
// {"words": [...]}. The body is read within the budget of bodies in
// flight and MaxBodyBytes, as every other, and the words are sampled on
// a worker slot.
func (s *Server) handleGenerate(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			s.fail(w, r, errorf(http.StatusUnsupportedMediaType, "%s takes a JSON object of options, %s, as application/json (got Content-Type %q)", epGenerate, generateWant, truncate(ct, 40)))
			return
		}
	}
	if s.p.Model.Text() == nil {
		s.fail(w, r, errorf(http.StatusUnprocessableEntity, "this model (%v) does not generate text: %s is for character language models (baeum train --data words:FILE); POST /v1/predict classifies", s.p.Model, epGenerate))
		return
	}
	s.idle.begin()
	defer s.idle.end()
	var body []byte
	if r.ContentLength != 0 {
		b, release, err := s.readBody(w, r)
		defer release()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		body = b
	}
	o, err := parseGenerate(body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var words []string
	err = s.withWorker(r, func() (err error) {
		words, err = models.Generate(r.Context(), s.p.Model, o)
		var oe *models.OptionError
		switch {
		case errors.As(err, &oe):
			return errorf(http.StatusBadRequest, "%q %s", oe.Option, oe.Msg)
		case err != nil && r.Context().Err() != nil:
			return errorf(statusClientClosed, "the client went away")
		}
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, GenerateResponse{Words: words})
}

// parseGenerate reads the options of /v1/generate strictly: a JSON
// object whose keys are among "n" (a whole number 1–1000), "temperature"
// (a number above 0, at most 10), "max_len" (a whole number 1–256),
// "prefix" (a string of at most 256 characters) and "seed" (a whole
// number 0 to 2⁶⁴−1), each spelt exactly and given once, and nothing
// after the object. Errors name the key. An empty body, or a key left
// out, takes the default; without a seed the words are drawn anew.
func parseGenerate(body []byte) (models.GenerateOptions, error) {
	o := models.GenerateOptions{N: 20, Temperature: 0.8, MaxLen: 64}
	seeded := false
	if len(bytes.TrimSpace(body)) > 0 {
		var err error
		if seeded, err = readGenerate(body, &o); err != nil {
			return o, err
		}
	}
	if !seeded {
		var b [8]byte
		cryptorand.Read(b[:])
		o.Seed = binary.LittleEndian.Uint64(b[:])
	}
	return o, nil
}

// readGenerate walks the object token by token into o, and reports
// whether it held a seed.
func readGenerate(body []byte, o *models.GenerateOptions) (seeded bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return false, jsonError(err)
	}
	if tok != json.Delim('{') {
		return false, errorf(http.StatusBadRequest, "the body is a JSON %s, want an object %s", tokenKind(tok), generateWant)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false, jsonError(err)
		}
		k, _ := tok.(string)
		known := false
		for _, name := range generateKeys {
			if k == name {
				known = true
			} else if strings.EqualFold(k, name) {
				return false, errorf(http.StatusBadRequest, "unknown key %q: keys are case-sensitive; want %s", truncate(k, 20), generateWant)
			}
		}
		switch {
		case !known:
			return false, errorf(http.StatusBadRequest, "unknown key %q: want %s", truncate(k, 20), generateWant)
		case seen[k]:
			return false, errorf(http.StatusBadRequest, "duplicate key %q: give it once", k)
		}
		seen[k] = true
		var v any
		if err := dec.Decode(&v); err != nil {
			return false, jsonError(err)
		}
		switch k {
		case "n":
			n, err := wholeNumber(k, v, 1, models.MaxGenerate)
			if err != nil {
				return false, err
			}
			o.N = int(n)
		case "max_len":
			n, err := wholeNumber(k, v, 1, models.MaxGenerateLen)
			if err != nil {
				return false, err
			}
			o.MaxLen = int(n)
		case "temperature":
			num, ok := v.(json.Number)
			if !ok {
				return false, errorf(http.StatusBadRequest, "%q is %s, want a number above 0 and at most %d", k, describeJSON(v), models.MaxTemperature)
			}
			t, err := strconv.ParseFloat(string(num), 64)
			if err != nil || !(t > 0 && t <= models.MaxTemperature) {
				return false, errorf(http.StatusBadRequest, "%q is %s, want a number above 0 and at most %d", k, truncate(string(num), 30), models.MaxTemperature)
			}
			o.Temperature = t
		case "prefix":
			p, ok := v.(string)
			if !ok {
				return false, errorf(http.StatusBadRequest, "%q is %s, want a string", k, describeJSON(v))
			}
			if n := utf8.RuneCountInString(p); n > models.MaxGenerateLen {
				return false, errorf(http.StatusBadRequest, "%q has %d characters, more than %d", k, n, models.MaxGenerateLen)
			}
			o.Prefix = p
		case "seed":
			num, ok := v.(json.Number)
			s, err := strconv.ParseUint(string(num), 10, 64)
			if !ok || err != nil {
				return false, errorf(http.StatusBadRequest, "%q is %s, want a whole number from 0 to %d", k, describeJSON(v), uint64(math.MaxUint64))
			}
			o.Seed, seeded = s, true
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return false, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return false, errorf(http.StatusBadRequest, "invalid JSON: more data after the object")
	}
	return seeded, nil
}

// wholeNumber reads a JSON whole number in [lo, hi] for key k.
func wholeNumber(k string, v any, lo, hi int64) (int64, error) {
	num, ok := v.(json.Number)
	if !ok {
		return 0, errorf(http.StatusBadRequest, "%q is %s, want a whole number from %d to %d", k, describeJSON(v), lo, hi)
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, errorf(http.StatusBadRequest, "%q is %s, want a whole number from %d to %d", k, truncate(string(num), 30), lo, hi)
	}
	return n, nil
}

// describeJSON names a decoded JSON value for an error: a number as
// written, a short string quoted, any other value by its kind.
func describeJSON(v any) string {
	switch v := v.(type) {
	case json.Number:
		return truncate(string(v), 30)
	case string:
		return fmt.Sprintf("the string %q", truncate(v, 20))
	case nil:
		return "null"
	}
	return "a JSON " + valueKind(v)
}
