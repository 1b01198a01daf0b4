package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/gif"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/nn"
)

// waitFor polls cond until it holds, failing the test after a generous
// while: it waits for the server to reach a state, it times nothing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

func health(t *testing.T, s *Server) (HealthResponse, int) {
	t.Helper()
	rec := do(s, "GET", "/healthz", "", nil)
	var h HealthResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil {
		t.Fatalf("healthz: %v: %s", err, rec.Body)
	}
	return h, rec.Code
}

// stalledUpload opens a connection to addr and sends a POST that
// announces n bytes of body but sends only a few, then stalls.
func stalledUpload(t *testing.T, addr string, n int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n%s", n, pngMagic)
	return c
}

// TestBodyBudget holds the budget of bodies in flight with stalled
// uploads: they hold no worker, /healthz says saturated, a new upload is
// refused with 503 before its body is read, and closing a stalled upload
// lets the next one in.
func TestBodyBudget(t *testing.T) {
	s := newTestServer(t, Options{MaxBodyBytes: 64 << 10, MaxInFlightBodyBytes: 128 << 10, MaxConcurrent: 1})
	ts := httptest.NewServer(s)
	defer ts.Close()
	addr := strings.TrimPrefix(ts.URL, "http://")
	a := stalledUpload(t, addr, 64<<10)
	defer a.Close()
	b := stalledUpload(t, addr, 64<<10)
	defer b.Close()
	waitFor(t, "two stalled uploads hold the budget", func() bool { h, _ := health(t, s); return h.BodyBytes == 128<<10 })
	h, code := health(t, s)
	if code != 503 || h.Status != "saturated" || h.Busy != 0 {
		t.Errorf("health with the budget full: %d %+v; want 503, saturated, no worker busy", code, h)
	}
	digit := readFile(t, "../digits/testdata/single/12_label7.png")
	resp, err := http.Post(ts.URL+"/v1/predict", "image/png", bytes.NewReader(digit))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(body), "request bodies are being received") {
		t.Errorf("upload past the budget: %d %s", resp.StatusCode, body)
	}
	a.Close()
	waitFor(t, "a closed upload gives its bytes back", func() bool { h, _ := health(t, s); return h.BodyBytes == 64<<10 })
	resp, err = http.Post(ts.URL+"/v1/predict", "image/png", bytes.NewReader(digit))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("upload after one stalled upload closed: %d", resp.StatusCode)
	}
}

// TestByteBudget checks the semaphore alone: first come, first served,
// waiting, giving up, and a large waiter not starved by small ones.
func TestByteBudget(t *testing.T) {
	b := newByteBudget(10)
	ctx := context.Background()
	if !b.acquire(ctx, 6, 0) || b.acquire(ctx, 5, 0) {
		t.Fatal("6 of 10, then 5 more without waiting")
	}
	got := make(chan bool)
	go func() { got <- b.acquire(ctx, 8, time.Minute) }()
	waitFor(t, "the 8-byte request waits", func() bool { _, w := b.inUse(); return w == 1 })
	if b.acquire(ctx, 1, 0) {
		t.Error("a small request jumped the queue")
	}
	b.release(6)
	if !<-got {
		t.Fatal("the waiter did not get its bytes")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if b.acquire(cctx, 5, time.Minute) {
		t.Error("acquired under a cancelled context")
	}
	b.release(8)
	if used, w := b.inUse(); used != 0 || w != 0 {
		t.Errorf("left %d bytes used, %d waiting", used, w)
	}
	if !b.acquire(ctx, 1<<40, 0) {
		t.Error("a request larger than the budget must take all of it, not wait for ever")
	}
}

// TestDecodeContext: a request whose client is gone stops decoding and
// frees its worker (499 in the metrics), and one whose decoding runs past
// DecodeTimeout gets 503.
func TestDecodeContext(t *testing.T) {
	digit := readFile(t, "../digits/testdata/single/12_label7.png")
	s := newTestServer(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("POST", "/v1/predict", bytes.NewReader(digit)).WithContext(ctx)
	req.Header.Set("Content-Type", "image/png")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != statusClientClosed || len(s.sem) != 0 {
		t.Errorf("client gone: status %d, %d workers held", rec.Code, len(s.sem))
	}
	if m := do(s, "GET", "/metrics", "", nil).Body.String(); !strings.Contains(m, `endpoint="/v1/predict",code="499"} 1`) {
		t.Errorf("metrics do not count the request as 499:\n%s", m)
	}
	// A client that leaves while queued for a worker is a 499 too, not
	// an overload: the rejected count stays at zero.
	one := newTestServer(t, Options{MaxConcurrent: 1, QueueWait: time.Minute})
	one.sem <- struct{}{} // the only worker, busy
	ctx, cancel = context.WithCancel(context.Background())
	req = httptest.NewRequest("POST", "/v1/predict", bytes.NewReader(digit)).WithContext(ctx)
	req.Header.Set("Content-Type", "image/png")
	rec = httptest.NewRecorder()
	time.AfterFunc(50*time.Millisecond, cancel)
	one.ServeHTTP(rec, req)
	<-one.sem
	if rec.Code != statusClientClosed {
		t.Errorf("client gone while queued: status %d, want %d", rec.Code, statusClientClosed)
	}
	if m := do(one, "GET", "/metrics", "", nil).Body.String(); !strings.Contains(m, "baeum_rejected_total 0") {
		t.Errorf("a departed client was counted as rejected:\n%s", m)
	}
	slow := newTestServer(t, Options{DecodeTimeout: time.Nanosecond, RetryAfter: time.Second})
	rec = do(slow, "POST", "/v1/zipcode", "image/png", readFile(t, "../digits/testdata/zip/00_zip18654.png"))
	if rec.Code != 503 || !strings.Contains(checkErrorBody(t, rec), "decoding the image took over 1ns, the limit") || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("past the decode deadline: %d %s", rec.Code, rec.Body)
	}
}

// TestInternalErrorsAreGeneric serves a model whose weights overflow
// float32 (±3e38): its output is NaN, which must be a 500 that says only
// "internal error", with the cause in the log — not "json: unsupported
// value: NaN" — on both classifying endpoints.
func TestInternalErrorsAreGeneric(t *testing.T) {
	p, err := infer.Load(twoEpochs)
	if err != nil {
		t.Fatal(err)
	}
	for _, prm := range nn.Params(p.Model.Module) {
		prm.Value.Data().Fill(3e38)
	}
	var log syncBuffer
	s := New(infer.New(p.Model), Options{Log: slog.New(slog.NewTextHandler(&log, nil))})
	for _, tc := range []struct{ path, file string }{
		{"/v1/predict", "../digits/testdata/single/12_label7.png"},
		{"/v1/zipcode", "../digits/testdata/zip/00_zip18654.png"},
	} {
		rec := do(s, "POST", tc.path, "image/png", readFile(t, tc.file))
		if rec.Code != 500 || checkErrorBody(t, rec) != "internal error" {
			t.Errorf("%s: %d %s, want 500 internal error", tc.path, rec.Code, rec.Body)
		}
	}
	if l := log.String(); strings.Count(l, "internal error") != 2 || !strings.Contains(l, "finite") {
		t.Errorf("the log does not give the causes:\n%s", l)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestNotFoundDoesNotEcho: a 404 says what the API is, not what was
// asked.
func TestNotFoundDoesNotEcho(t *testing.T) {
	s := newTestServer(t, Options{})
	for _, path := range []string{"/%3Cscript%3Ealert(1)%3C/script%3E", "/v1/predict/../../etc/passwd", "/secret-token-123"} {
		rec := do(s, "GET", path, "", nil)
		msg := checkErrorBody(t, rec)
		if rec.Code != 404 || msg != "no such endpoint (the API is POST /v1/predict, POST /v1/zipcode, POST /v1/activations, POST /v1/generate, GET /v1/model, GET /healthz, GET /metrics)" {
			t.Errorf("%s: %d %q", path, rec.Code, msg)
		}
	}
}

// TestGIF reads a digit sent as a GIF, by Content-Type and sniffed.
func TestGIF(t *testing.T) {
	s := newTestServer(t, Options{})
	img, _, err := image.Decode(bytes.NewReader(readFile(t, "../digits/testdata/single/12_label7.png")))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	for _, ctype := range []string{"image/gif", ""} {
		var res PredictResponse
		decodeOK(t, do(s, "POST", "/v1/predict", ctype, b.Bytes()), &res)
		if res.Digit != 7 {
			t.Errorf("Content-Type %q: digit %d, want 7", ctype, res.Digit)
		}
	}
}

// TestReleaseMemoryWhenIdle: after work, once idle, the server gives
// memory back, once.
func TestReleaseMemoryWhenIdle(t *testing.T) {
	s := newTestServer(t, Options{ReleaseMemoryAfter: time.Millisecond})
	freed := make(chan struct{}, 10)
	s.idle.free = func() { freed <- struct{}{} }
	do(s, "POST", "/v1/predict", "image/png", readFile(t, "../digits/testdata/single/12_label7.png"))
	select {
	case <-freed:
	case <-time.After(20 * time.Second):
		t.Fatal("memory was not released after the server went idle")
	}
	s.idle.mu.Lock()
	dirty := s.idle.dirty
	s.idle.mu.Unlock()
	if dirty {
		t.Error("still marked dirty after the release")
	}
	// Health checks do no work: no release is armed for them.
	do(s, "GET", "/healthz", "", nil)
	s.idle.mu.Lock()
	dirty = s.idle.dirty
	s.idle.mu.Unlock()
	if dirty {
		t.Error("a health check marked the server dirty")
	}
	never := newTestServer(t, Options{ReleaseMemoryAfter: -1})
	never.idle.free = func() { t.Error("released with ReleaseMemoryAfter < 0") }
	do(never, "POST", "/v1/predict", "image/png", readFile(t, "../digits/testdata/single/12_label7.png"))
	if never.idle.timer != nil {
		t.Error("a release was armed with ReleaseMemoryAfter < 0")
	}
}

// TestLimitListener lets one connection in at a time: the second is
// accepted only once the first is closed.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitListener(inner, 1)
	defer ln.Close()
	accepted := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	for range 2 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	first := <-accepted
	select {
	case <-accepted:
		t.Fatal("a second connection was accepted while the first was open")
	case <-time.After(50 * time.Millisecond):
	}
	first.Close()
	first.Close() // a second Close must not free a second slot
	if c := <-accepted; c == nil {
		t.Fatal("the second connection was never accepted")
	}
	ln.Close()
	for range accepted {
	}
}

// TestRunForce stops at once, cutting off a request in flight, when
// Force is closed during the graceful shutdown (the second Ctrl-C).
func TestRunForce(t *testing.T) {
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	force := make(chan struct{})
	runErr := make(chan error, 1)
	go func() { runErr <- RunConfig{Grace: time.Hour, Force: force}.Run(ctx, ln, h) }()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String()); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	cancel()
	close(force)
	select {
	case err := <-runErr:
		if err == nil || !strings.Contains(err.Error(), "stopped at once") {
			t.Errorf("Run: %v, want an error saying it stopped at once", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run waited out its grace despite Force")
	}
}
