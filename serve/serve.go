// Package serve puts a trained image classifier on the web: a JSON API
// that classifies an image (for a digit reader, one handwritten digit or
// a whole ZIP code), a web page, a health check and Prometheus metrics.
// For a model of handwritten digits the page is a canvas to draw on and
// watch the network read as you write; for any other image model it is a
// drop zone that takes a picture and shows the most probable classes by
// name. On request, the page also shows what the network sees: every
// layer's output, from /v1/activations. Its text is in English and
// Korean.
//
// The API:
//
//	POST /v1/predict   PNG, JPEG or GIF body (any size, any colours: for a
//	                   digit reader, one digit), or JSON {"pixels": [C·H·W
//	                   numbers 0–255]} (for MNIST's digits, 784: 28×28,
//	                   row-major, ink high), answered with
//	                   {"digit": 7, "label": "7", "probabilities": [one per class],
//	                    "input": [C·H·W ints]}; "digit" is the class's
//	                   index and "label" its name ("ship", for a model of
//	                   ships)
//	GET  /v1/model     what the model is: {"name": ..., "architecture": ...,
//	                    "input": {"channels": 1, "height": 28, "width": 28,
//	                    "resize": "digit"}, "classes": ["0", ..., "9"],
//	                    "digits": true}
//	POST /v1/zipcode   (digit readers only) PNG, JPEG or GIF of several
//	                   digits in a row, answered with
//	                   {"digits": "12345", "boxes": [[x0,y0,x1,y1], ...],
//	                    "confidences": [...], "probabilities": [[...], ...],
//	                    "inputs": [[784 ints], ...]}
//	POST /v1/activations  the bodies /v1/predict takes, answered with
//	                   /v1/predict's answer and what the network sees:
//	                   {..., "layers": [{"name": "c1", "layer": "Conv2D(…)",
//	                    "kind": "conv", "activation": "Tanh",
//	                    "shape": [6, 28, 28], "maps": 6, "data": "base64",
//	                    "min": [...], "max": [...]}, ...], "truncated": false}:
//	                   each layer's output (a convolution's or pooling
//	                   layer's feature maps, a dense layer's vector) as
//	                   bytes, each map scaled from its min (0) to its
//	                   max (255); at most Options.MaxActivationLayers
//	                   layers and MaxActivationBytes bytes, the layers
//	                   past them listed with "omitted": true
//	POST /v1/generate  (character language models) JSON {"n": 5,
//	                   "temperature": 0.8, "max_len": 64, "prefix": "un",
//	                   "seed": 1}, every key optional, answered with
//	                   {"words": [...]}: words sampled as baeum generate
//	                   samples them
//	GET  /healthz      {"status": "ok", ...}, or 503 {"status": "saturated", ...}
//	GET  /metrics      Prometheus text exposition format
//	GET  /             the page: a canvas for digit readers, a drop zone
//	                   otherwise; in English or Korean, as the request's
//	                   Accept-Language prefers (a switch on the page
//	                   overrides it)
//
// Every error is a JSON object {"error": "what went wrong"} with a fitting
// status: 400 for a body that cannot be read (a corrupt image, a wrong
// pixel count, a value outside 0–255, an unknown or repeated JSON key),
// 413 for a body or an image over a limit, 415 for a content type the
// endpoint does not take, 422 for an image with no digit in it (or a
// ZIP code asked of a model that reads no digits), 503 (with
// Retry-After) when every worker is busy, when the bodies being received
// fill their budget, or when decoding runs past its deadline. A 500 says
// only "internal error"; its cause goes to Options.Log. A request whose
// client went away before its answer stops decoding, frees its worker and
// is counted in /metrics with nginx's status 499.
//
// Hostile inputs are bounded before they cost anything (see
// internal/imageio): an image is refused from its header when it has too
// many pixels, would take too much memory or is a JPEG of too many scans;
// it is decoded under a deadline and stops when its client goes away; a
// request's body is read only once its bytes fit in the budget of bodies
// in flight; /v1/zipcode refuses an image of too many connected
// components before segmenting it; Run caps open connections; and the
// server gives memory back to the system when it goes idle after work.
//
// A Server is an http.Handler, so tests drive it with net/http/httptest;
// Run serves it on a listener with timeouts and a graceful shutdown. The
// model is only read, so one Predictor serves all requests at once; a
// semaphore bounds how many run at the same time.
package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/baeum-ml/baeum/digits"
	"github.com/baeum-ml/baeum/infer"
)

// Defaults for the zero values of Options.
const (
	DefaultMaxBodyBytes = 1 << 20 // 1 MiB
	DefaultMaxPixels    = 4 << 20 // 4 megapixels, 2048×2048
	DefaultMaxDigits    = 32
	DefaultRetryAfter   = time.Second
	// DefaultMaxInFlightBodyBytes is the budget of request bodies being
	// received at once: 64 MiB, 64 bodies of the largest size.
	DefaultMaxInFlightBodyBytes = 64 << 20
	// DefaultDecodeTimeout bounds the decoding of one image. An image
	// within the limits decodes in well under a second; the deadline is a
	// second line behind imageio's checks.
	DefaultDecodeTimeout = 5 * time.Second
	// DefaultReleaseMemoryAfter is how long the server must be idle,
	// after work, before it gives memory back to the system.
	DefaultReleaseMemoryAfter = 2 * time.Second
)

// Options tune a Server. The zero value of each field picks a sensible
// default.
type Options struct {
	// MaxBodyBytes is the largest request body accepted; a larger one is
	// refused with 413. Zero means DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
	// MaxPixels is the largest image accepted, in pixels (width×height),
	// checked from the image's header before it is decoded, so that a
	// small file cannot unpack into gigabytes. Zero means DefaultMaxPixels.
	MaxPixels int
	// MaxDigits is the most digits /v1/zipcode reads in one image. Zero
	// means DefaultMaxDigits.
	MaxDigits int
	// MaxConcurrent bounds how many requests decode and classify at the
	// same time. Zero means twice GOMAXPROCS.
	MaxConcurrent int
	// QueueWait is how long a request may wait for a free worker before
	// it is refused with 503. Zero refuses at once.
	QueueWait time.Duration
	// RetryAfter is the delay suggested to refused clients in the
	// Retry-After header. Zero means DefaultRetryAfter (1 s).
	RetryAfter time.Duration
	// MaxInFlightBodyBytes bounds the bytes of the request bodies being
	// received at once: a body reserves its Content-Length (or
	// MaxBodyBytes, when the length is not known) before it is read, and
	// waits up to QueueWait for it, or gets 503. Zero means
	// DefaultMaxInFlightBodyBytes; it is never less than MaxBodyBytes.
	MaxInFlightBodyBytes int64
	// DecodeTimeout bounds the decoding of one image; past it the request
	// gets 503. Zero means DefaultDecodeTimeout.
	DecodeTimeout time.Duration
	// ReleaseMemoryAfter is how long the server waits, idle after work,
	// before it returns freed memory to the system (debug.FreeOSMemory).
	// Zero means DefaultReleaseMemoryAfter; negative, never.
	ReleaseMemoryAfter time.Duration
	// MaxActivationLayers is the most layers whose outputs one answer of
	// /v1/activations carries; the others are listed as omitted. Zero
	// means DefaultMaxActivationLayers (32).
	MaxActivationLayers int
	// MaxActivationBytes bounds the 8-bit outputs one answer of
	// /v1/activations carries (each map counting 16 bytes more for its
	// scale); layers past it are listed as omitted. Zero means
	// DefaultMaxActivationBytes (256 KiB).
	MaxActivationBytes int
	// Model names the model in /healthz, /metrics and on the page.
	Model string
	// Log receives internal errors (panics, 500s) with their causes. Nil
	// discards them.
	Log *slog.Logger
}

// Server answers the API, serves the page and counts what it does. It is
// safe for concurrent use; build one with New.
type Server struct {
	p       *infer.Predictor
	opts    Options
	sem     chan struct{}
	bodies  *byteBudget
	idle    *idleRelease
	metrics *metrics
	static  http.Handler
	files   map[string]bool
	index   map[string][]byte // the page, by language ("" when none was asked)
	started time.Time
}

// New returns a Server that classifies with p.
func New(p *infer.Predictor, opts Options) *Server {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxPixels <= 0 {
		opts.MaxPixels = DefaultMaxPixels
	}
	if opts.MaxDigits <= 0 {
		opts.MaxDigits = DefaultMaxDigits
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 2 * runtime.GOMAXPROCS(0)
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = DefaultRetryAfter
	}
	if opts.MaxInFlightBodyBytes <= 0 {
		opts.MaxInFlightBodyBytes = DefaultMaxInFlightBodyBytes
	}
	opts.MaxInFlightBodyBytes = max(opts.MaxInFlightBodyBytes, opts.MaxBodyBytes)
	if opts.DecodeTimeout <= 0 {
		opts.DecodeTimeout = DefaultDecodeTimeout
	}
	if opts.ReleaseMemoryAfter == 0 {
		opts.ReleaseMemoryAfter = DefaultReleaseMemoryAfter
	}
	if opts.MaxActivationLayers <= 0 {
		opts.MaxActivationLayers = DefaultMaxActivationLayers
	}
	if opts.MaxActivationBytes <= 0 {
		opts.MaxActivationBytes = DefaultMaxActivationBytes
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	files := map[string]bool{"/": true}
	entries, _ := fs.ReadDir(staticFS, ".")
	for _, e := range entries {
		if !e.IsDir() && e.Name() != "index.html" {
			files["/"+e.Name()] = true
		}
	}
	return &Server{
		p:       p,
		opts:    opts,
		sem:     make(chan struct{}, opts.MaxConcurrent),
		bodies:  newByteBudget(opts.MaxInFlightBodyBytes),
		idle:    &idleRelease{after: opts.ReleaseMemoryAfter, free: debug.FreeOSMemory},
		metrics: newMetrics(opts.Model),
		static:  http.FileServerFS(staticFS),
		files:   files,
		index:   indexPages(staticFS),
		started: time.Now(),
	}
}

// Endpoint labels, as they appear in /metrics.
const (
	epPredict = "/v1/predict"
	epZipcode = "/v1/zipcode"
	// epActivations is the layers' outputs (activations.go).
	epActivations = "/v1/activations"
	epModel       = "/v1/model"
	epHealth      = "/healthz"
	epMetrics     = "/metrics"
	epStatic      = "static"
	epOther       = "other"
)

// route finds the endpoint label, allowed methods and handler of a path.
func (s *Server) route(path string) (label string, methods []string, h http.HandlerFunc) {
	switch {
	case path == epPredict:
		return epPredict, []string{http.MethodPost}, s.handlePredict
	case path == epZipcode:
		return epZipcode, []string{http.MethodPost}, s.handleZipcode
	case path == epActivations:
		return epActivations, []string{http.MethodPost}, s.handleActivations
	case path == epGenerate:
		return epGenerate, []string{http.MethodPost}, s.handleGenerate
	case path == epModel:
		return epModel, []string{http.MethodGet, http.MethodHead}, s.handleModel
	case path == epHealth:
		return epHealth, []string{http.MethodGet, http.MethodHead}, s.handleHealth
	case path == epMetrics:
		return epMetrics, []string{http.MethodGet, http.MethodHead}, s.handleMetrics
	case path == "/":
		return epStatic, []string{http.MethodGet, http.MethodHead}, s.handleIndex
	case s.files[path]:
		return epStatic, []string{http.MethodGet, http.MethodHead}, s.handleStatic
	}
	// The path is not echoed: an answer that repeats what a client sent
	// helps reflection attacks and fills logs with what attackers chose.
	return epOther, nil, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint (the API is POST /v1/predict, POST /v1/zipcode, POST /v1/activations, POST /v1/generate, GET /v1/model, GET /healthz, GET /metrics)")
	}
}

// ServeHTTP routes a request, answering unknown paths and methods with
// JSON errors, turning a panic into a 500, and counting the request and
// its latency.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	label, methods, h := s.route(r.URL.Path)
	rec := &statusRecorder{ResponseWriter: w}
	s.metrics.inFlight.Add(1)
	defer func() {
		s.metrics.inFlight.Add(-1)
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.opts.Log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
			if !rec.wrote {
				writeError(rec, http.StatusInternalServerError, "internal error")
			}
		}
		s.metrics.observe(label, rec.code(), time.Since(start))
	}()
	if methods != nil && !allowed(r.Method, methods) {
		rec.Header().Set("Allow", strings.Join(methods, ", "))
		writeError(rec, http.StatusMethodNotAllowed, "%s takes %s, not %s", r.URL.Path, strings.Join(methods, " or "), r.Method)
		return
	}
	h(rec, r)
}

func allowed(method string, methods []string) bool {
	for _, m := range methods {
		if m == method {
			return true
		}
	}
	return false
}

// statusRecorder remembers the status written, for the metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) code() int {
	if !r.wrote {
		return http.StatusOK
	}
	return r.status
}

// apiError is an error with the HTTP status it should be answered with.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

// fail writes err as a JSON error: with its own status and message if it
// is an apiError (a client error, which says what was wrong), and as a
// 500 that says only "internal error" otherwise, its cause logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		if ae.status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.opts.RetryAfter.Seconds()))))
		}
		writeError(w, ae.status, "%s", ae.msg)
		return
	}
	s.opts.Log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}

// errorBody is the JSON shape of every error.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, errorBody{Error: fmt.Sprintf(format, args...)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Answers are finite before they get here (infer refuses NaN
		// outputs); should one still not encode, its detail stays out of
		// the answer.
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Error: "internal error"})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// withWorker runs f holding a worker slot, waiting up to QueueWait for
// one; it returns a 503 apiError when none frees up in time. The slot is
// given back even if f panics.
func (s *Server) withWorker(r *http.Request, f func() error) error {
	if !s.acquire(r) {
		if r.Context().Err() != nil {
			return errorf(statusClientClosed, "the client went away")
		}
		s.metrics.rejected.Add(1)
		return errorf(http.StatusServiceUnavailable, "the server is busy: all %d workers are in use; retry after %v", cap(s.sem), s.opts.RetryAfter)
	}
	defer func() { <-s.sem }()
	return f()
}

// acquire takes a worker slot, waiting up to QueueWait (or until the
// client goes away), and reports whether it got one.
func (s *Server) acquire(r *http.Request) bool {
	select {
	case s.sem <- struct{}{}:
		return true
	default:
	}
	if s.opts.QueueWait <= 0 {
		return false
	}
	t := time.NewTimer(s.opts.QueueWait)
	defer t.Stop()
	select {
	case s.sem <- struct{}{}:
		return true
	case <-t.C:
	case <-r.Context().Done():
	}
	return false
}

// PredictResponse is the answer of /v1/predict.
type PredictResponse struct {
	// Digit is the index of the most probable class: for a digit
	// reader, the digit.
	Digit int `json:"digit"`
	// Label is the most probable class's name, from the model's record
	// (see /v1/model's classes): "7" for a digit reader, "ship" for a
	// model of ships.
	Label string `json:"label"`
	// Probabilities holds the probability of each class, in the order of
	// the model's classes.
	Probabilities []float64 `json:"probabilities"`
	// Input is the image the model saw, as the record stores it: C×H×W
	// bytes 0–255, channel after channel, each row-major (for MNIST's
	// digits, 28×28, ink high).
	Input []int `json:"input"`
	// Flag, when present, says why the input is not plausibly one
	// handwritten digit ({"code": …, "reason": …}, see digits.Flag): the
	// reading is given, but should not be trusted. Inputs with nothing to
	// read (blank, too small, too faint) are refused with 422 instead.
	Flag *digits.Flag `json:"flag,omitempty"`
}

func (s *Server) handlePredict(w http.ResponseWriter, r *http.Request) {
	if s.p.Model.Text() != nil {
		s.fail(w, r, errorf(http.StatusUnprocessableEntity, "this model generates words; it classifies nothing: POST %s", epGenerate))
		return
	}
	s.serveBody(w, r, true, func(kind int, body []byte) (any, error) {
		if s.p.Table() != nil { // a model of table rows: {"rows": [...]}
			return s.rows(r, body)
		}
		// infer refuses a model's non-finite output (infer.ErrNonFinite),
		// which fail answers as a generic 500.
		pred, err := s.predict(r.Context(), kind, body)
		if err != nil {
			return nil, err
		}
		return predictResponse(pred), nil
	})
}

// serveBody is the shape of every endpoint that reads a body: the body's
// kind is checked (JSON accepted where jsonOK), its bytes are taken from
// the budget and read, work runs on a worker slot, and its answer is
// written as JSON, or its error by fail.
func (s *Server) serveBody(w http.ResponseWriter, r *http.Request, jsonOK bool, work func(kind int, body []byte) (any, error)) {
	kind, err := bodyKind(r, jsonOK)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.idle.begin()
	defer s.idle.end()
	body, release, err := s.readBody(w, r)
	defer release()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var resp any
	err = s.withWorker(r, func() (err error) {
		resp, err = work(kind, body)
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// predictResponse is the answer of /v1/predict for pred.
func predictResponse(pred infer.Prediction) PredictResponse {
	return PredictResponse{Digit: pred.Digit, Label: pred.Label, Probabilities: pred.Probabilities, Input: ints(pred.Input), Flag: pred.Flag}
}

// predict classifies one image from a JSON or image body.
func (s *Server) predict(ctx context.Context, kind int, body []byte) (infer.Prediction, error) {
	img, px, err := s.prepare(ctx, kind, body)
	if err != nil {
		return infer.Prediction{}, err
	}
	pred, err := s.p.PredictPrepared(img, px)
	return pred, flagError(err)
}

// prepare reads one image from a JSON or image body: the picture (nil for
// JSON) and the stored image the model reads.
func (s *Server) prepare(ctx context.Context, kind int, body []byte) (image.Image, []byte, error) {
	if kind == kindJSON {
		px, err := parsePixels(body, s.p.Prep().RawSize())
		return nil, px, err
	}
	img, err := s.decodeImage(ctx, body)
	if err != nil {
		return nil, nil, err
	}
	// The picture is prepared as the checkpoint's record says (for
	// MNIST models, as MNIST's digits were made: digits.Prepare).
	px, err := s.p.Prep().Raw(img)
	if err != nil {
		return nil, nil, prepareError(err)
	}
	return img, px, nil
}

// flagError turns a refusal of an input with nothing to read (a
// *digits.Flag) into a 422, and passes other errors on.
func flagError(err error) error {
	var flag *digits.Flag
	if errors.As(err, &flag) {
		return errorf(http.StatusUnprocessableEntity, "not a digit: %s", flag.Reason)
	}
	return err
}

// prepareError gives the status of an error from digits.
func prepareError(err error) error {
	if errors.Is(err, digits.ErrBlank) || errors.Is(err, digits.ErrTooManyPieces) {
		return errorf(http.StatusUnprocessableEntity, "%v", err)
	}
	return errorf(http.StatusBadRequest, "%v", err)
}

// ZipcodeResponse is the answer of /v1/zipcode. Its slices hold one entry
// per digit, left to right.
type ZipcodeResponse struct {
	// Digits is the digits read, as a string such as "12345".
	Digits string `json:"digits"`
	// Boxes holds each digit's bounding box in the image, [x0, y0, x1, y1]
	// in pixels from the top left, x1 and y1 exclusive.
	Boxes [][4]int `json:"boxes"`
	// Confidences holds the probability of each digit read.
	Confidences []float64 `json:"confidences"`
	// Probabilities holds, for each digit, the probability of 0–9.
	Probabilities [][]float64 `json:"probabilities"`
	// Inputs holds the 28×28 image the model saw for each digit.
	Inputs [][]int `json:"inputs"`
	// Flags, present when any piece is not plausibly one handwritten
	// digit, holds for each piece its digits.Flag, or null where it is
	// plausible. Pieces are read all the same.
	Flags []*digits.Flag `json:"flags,omitempty"`
}

func (s *Server) handleZipcode(w http.ResponseWriter, r *http.Request) {
	s.serveBody(w, r, false, func(_ int, body []byte) (any, error) {
		return s.zipcode(r.Context(), body)
	})
}

// zipcode segments an image of a row of digits and reads each one.
func (s *Server) zipcode(ctx context.Context, body []byte) (ZipcodeResponse, error) {
	if s.p.Prep() == nil {
		return ZipcodeResponse{}, errorf(http.StatusUnprocessableEntity, "this model reads no pictures, so it cannot read a row of digits")
	}
	if !s.p.ReadsDigits() {
		return ZipcodeResponse{}, errorf(http.StatusUnprocessableEntity, "this model does not read handwritten digits (its checkpoint prepares pictures by %q, not \"digit\"), so it cannot read a row of them", s.p.Prep().Resize)
	}
	img, err := s.decodeImage(ctx, body)
	if err != nil {
		return ZipcodeResponse{}, err
	}
	glyphs, err := digits.Segment(digits.Ink(digits.Gray(digits.Opaque(img))))
	if err != nil {
		return ZipcodeResponse{}, prepareError(err)
	}
	if len(glyphs) > s.opts.MaxDigits {
		return ZipcodeResponse{}, errorf(http.StatusUnprocessableEntity, "the image holds %d digit-sized pieces; at most %d digits are read in one image", len(glyphs), s.opts.MaxDigits)
	}
	batch := make([][]byte, len(glyphs))
	flags := make([]*digits.Flag, len(glyphs))
	flagged := false
	for i, g := range glyphs {
		if batch[i], err = digits.FromInk(g.Ink); err != nil {
			return ZipcodeResponse{}, prepareError(err)
		}
		if flags[i] = digits.Implausible(g.Ink, batch[i]); flags[i] != nil {
			flagged = true
		}
	}
	preds, err := s.p.PredictBatch(batch)
	if err != nil {
		return ZipcodeResponse{}, err
	}
	resp := ZipcodeResponse{
		Boxes:         make([][4]int, len(preds)),
		Confidences:   make([]float64, len(preds)),
		Probabilities: make([][]float64, len(preds)),
		Inputs:        make([][]int, len(preds)),
	}
	var sb strings.Builder
	for i, p := range preds {
		sb.WriteByte(byte('0' + p.Digit))
		b := glyphs[i].Box
		resp.Boxes[i] = [4]int{b.Min.X, b.Min.Y, b.Max.X, b.Max.Y}
		resp.Confidences[i] = p.Probabilities[p.Digit]
		resp.Probabilities[i] = p.Probabilities
		resp.Inputs[i] = ints(p.Input)
	}
	resp.Digits = sb.String()
	if flagged {
		resp.Flags = flags
	}
	return resp, nil
}

func ints(px []byte) []int {
	out := make([]int, len(px))
	for i, v := range px {
		out[i] = int(v)
	}
	return out
}

// ModelResponse is the answer of /v1/model: what the served model is,
// so that a client (the page among them) knows its classes and what to
// send it.
type ModelResponse struct {
	// Name names the model, as Options.Model gives it.
	Name string `json:"name,omitempty"`
	// Architecture is the network's configuration, such as "lenet5" or
	// "mlp (relu)".
	Architecture string `json:"architecture"`
	// Input says what images the model reads (absent for a model that
	// reads no images).
	Input *ImageInput `json:"input,omitempty"`
	// Text, for a character language model (which POST /v1/generate
	// samples words from), is its vocabulary, the characters in the
	// order of their token ids from 2, and the longest line it was
	// trained on.
	Text *TextInput `json:"text,omitempty"`
	// Classes names the model's classes, in the order of its outputs
	// (and of PredictResponse.Probabilities).
	Classes []string `json:"classes"`
	// Digits is true for a reader of handwritten digits (its record
	// prepares pictures as MNIST's digits were made): the page offers a
	// canvas to draw on, and /v1/zipcode reads rows of digits. Otherwise
	// the page offers a drop zone for pictures, and /v1/zipcode refuses.
	Digits bool `json:"digits"`
}

// TextInput describes the lines of text a character language model
// reads (see data.TextPrep).
type TextInput struct {
	Vocab  string `json:"vocab"`
	MaxLen int    `json:"max_len"`
}

// ImageInput describes the images a model reads: pictures of any size
// are turned into Channels×Height×Width bytes as Resize says ("digit",
// "stretch", "fit", or "" for pictures that must already be that size;
// see data.ImagePrep).
type ImageInput struct {
	Channels int    `json:"channels"`
	Height   int    `json:"height"`
	Width    int    `json:"width"`
	Resize   string `json:"resize"`
}

// Model describes the served model, as GET /v1/model answers.
func (s *Server) Model() ModelResponse {
	m := ModelResponse{Name: s.opts.Model, Architecture: s.p.Model.String(), Classes: s.p.Classes(), Digits: s.p.ReadsDigits()}
	if m.Classes == nil {
		m.Classes = []string{}
	}
	if prep := s.p.Prep(); prep != nil {
		m.Input = &ImageInput{Channels: prep.Channels, Height: prep.Height, Width: prep.Width, Resize: prep.Resize}
	}
	if t := s.p.Model.Text(); t != nil {
		m.Text = &TextInput{Vocab: t.Vocab, MaxLen: t.MaxLen}
	}
	return m
}

func (s *Server) handleModel(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Model())
}

// HealthResponse is the answer of /healthz.
type HealthResponse struct {
	// Status is "ok" while the server takes requests, and "saturated"
	// (answered with 503 and Retry-After) while every worker is busy or
	// the budget of request bodies in flight is used up, so that a new
	// request would wait or be refused.
	Status string `json:"status"`
	// Model names the model served.
	Model string `json:"model,omitempty"`
	// UptimeSeconds is the time since the server was built.
	UptimeSeconds float64 `json:"uptime_seconds"`
	// Workers is the bound on concurrent classifications, and Busy how
	// many are running.
	Workers int `json:"workers"`
	Busy    int `json:"busy"`
	// BodyBytes is the bytes reserved by request bodies being received,
	// of BodyBytesLimit; BodiesWaiting counts the requests waiting for
	// room.
	BodyBytes      int64 `json:"body_bytes"`
	BodyBytesLimit int64 `json:"body_bytes_limit"`
	BodiesWaiting  int   `json:"bodies_waiting"`
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	used, waiting := s.bodies.inUse()
	h := HealthResponse{
		Status:         "ok",
		Model:          s.opts.Model,
		UptimeSeconds:  math.Round(time.Since(s.started).Seconds()*1000) / 1000,
		Workers:        cap(s.sem),
		Busy:           len(s.sem),
		BodyBytes:      used,
		BodyBytesLimit: s.bodies.size,
		BodiesWaiting:  waiting,
	}
	status := http.StatusOK
	if h.Busy >= h.Workers || waiting > 0 || used+s.opts.MaxBodyBytes > s.bodies.size {
		h.Status, status = "saturated", http.StatusServiceUnavailable
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.opts.RetryAfter.Seconds()))))
	}
	writeJSON(w, status, h)
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	s.metrics.write(w, len(s.sem), cap(s.sem))
}

// contentSecurityPolicy keeps the page to its own files: nothing is
// loaded from any other host.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	s.static.ServeHTTP(w, r)
}
