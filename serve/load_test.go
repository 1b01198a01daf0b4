package serve

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkLoopbackPredict is a load test of /v1/predict as clients see
// it: a real HTTP server on loopback, several clients sending requests
// back to back over keep-alive connections. It reports requests per
// second and the median and 99th-percentile latency.
//
//	go test -run '^$' -bench Loopback -benchtime 2000x ./serve
//
// BAEUM_LOAD_CLIENTS sets the number of clients (default 8); the server
// keeps its default worker bound (twice GOMAXPROCS) and lets requests
// queue for up to 10 s, so no request should be refused.
func BenchmarkLoopbackPredict(b *testing.B) {
	clients := 8
	if v, err := strconv.Atoi(os.Getenv("BAEUM_LOAD_CLIENTS")); err == nil && v > 0 {
		clients = v
	}
	png := readFile(b, "../digits/testdata/single/12_label7.png")
	var fromPNG PredictResponse
	rec := do(newTestServer(b, Options{}), "POST", "/v1/predict", "image/png", png)
	if err := json.Unmarshal(rec.Body.Bytes(), &fromPNG); err != nil {
		b.Fatal(err)
	}
	pixels, _ := json.Marshal(map[string]any{"pixels": fromPNG.Input})
	zip := readFile(b, "../digits/testdata/zip/00_zip18654.png")
	for _, tc := range []struct {
		name, path, ctype string
		body              []byte
	}{
		{"png", "/v1/predict", "image/png", png},
		{"pixels", "/v1/predict", "application/json", pixels},
		{"zipcode", "/v1/zipcode", "image/png", zip},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ts := httptest.NewServer(newTestServer(b, Options{QueueWait: 10 * time.Second}))
			defer ts.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
			defer client.CloseIdleConnections()
			var next atomic.Int64
			var failed atomic.Int64
			lat := make([][]time.Duration, clients)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for c := range clients {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						t0 := time.Now()
						resp, err := client.Post(ts.URL+tc.path, tc.ctype, bytes.NewReader(tc.body))
						if err != nil {
							failed.Add(1)
							continue
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusOK {
							failed.Add(1)
						}
						lat[c] = append(lat[c], time.Since(t0))
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if n := failed.Load(); n > 0 {
				b.Errorf("%d of %d requests failed", n, b.N)
			}
			all := slices.Concat(lat...)
			slices.Sort(all)
			pct := func(p float64) float64 {
				if len(all) == 0 {
					return 0
				}
				return all[min(len(all)-1, int(p*float64(len(all))))].Seconds() * 1000
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(clients), "clients")
		})
	}
}
