package serve

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baeum-ml/baeum/internal/imageio/imagebomb"
)

// BenchmarkPredictUnderBombs sends ordinary /v1/predict requests to a
// server on loopback (default options) while four clients keep sending
// it the decompression-time bomb of issue #16 — a 2048×2048 progressive
// JPEG of 54,000 scans, a minute of CPU each for image/jpeg — and reports
// the ordinary requests' median and worst latency. They must all be
// answered, each within a second.
//
//	go test -run '^$' -bench PredictUnderBombs -benchtime 50x ./serve
func BenchmarkPredictUnderBombs(b *testing.B) {
	bomb := imagebomb.ScanBomb(2048, 2048, 54000)
	digit := readFile(b, "../digits/testdata/single/12_label7.png")
	srv := NewHTTPServer(newTestServer(b, Options{QueueWait: 250 * time.Millisecond}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(LimitListener(ln, DefaultMaxConns))
	defer srv.Close()
	url := "http://" + ln.Addr().String()
	post := func(body []byte, ctype string) (int, error) {
		resp, err := http.Post(url+"/v1/predict", ctype, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	stop := make(chan struct{})
	var bombs, refused atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, err := post(bomb, "image/jpeg")
				bombs.Add(1)
				if err == nil && code == http.StatusRequestEntityTooLarge {
					refused.Add(1)
				}
			}
		})
	}
	var lat []time.Duration
	failed := 0
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		code, err := post(digit, "image/png")
		lat = append(lat, time.Since(t0))
		if err != nil || code != 200 {
			failed++
		}
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	slices.Sort(lat)
	worst := lat[len(lat)-1]
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(bombs.Load()), "bombs")
	if failed > 0 || worst > time.Second || refused.Load() != bombs.Load() {
		b.Errorf("%d of %d ordinary requests failed, the slowest took %v; %d of %d bombs refused with 413", failed, b.N, worst, refused.Load(), bombs.Load())
	}
}

// rssMB returns the resident set size of this process, in MB (Linux).
func rssMB(b *testing.B) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status:", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Skip("no VmRSS")
	return 0
}

// BenchmarkStalledUploads opens 500 connections to a server run by Run
// (default options; the queue wait of baeum serve), each announcing a 1
// MiB body and sending all of it but one byte, then stalling — issue #16
// measured 1.08 GB resident before bodies were budgeted — and reports
// the process's resident memory before, at the peak, and after the
// clients have gone and the server has been idle for its release delay.
// Clients and server share the process, so the figures are an upper
// bound on the server's. The peak must stay under 300 MB.
//
//	go test -run '^$' -bench StalledUploads -benchtime 1x ./serve
func BenchmarkStalledUploads(b *testing.B) {
	const uploads, size = 500, 1 << 20
	for range b.N {
		runtime.GC()
		base := rssMB(b)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		s := newTestServer(b, Options{QueueWait: 250 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- RunConfig{Grace: time.Second}.Run(ctx, ln, s) }()
		payload := bytes.Repeat([]byte{0x42}, size-1)
		copy(payload, pngMagic)
		var conns []net.Conn
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range uploads {
			wg.Go(func() {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
				fmt.Fprintf(c, "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n", size)
				c.Write(payload) // blocks once the server stops reading; ends when closed
			})
		}
		peak := 0.0
		for range 40 { // 4 s of sampling while the uploads stall
			time.Sleep(100 * time.Millisecond)
			peak = max(peak, rssMB(b))
		}
		used, _ := s.bodies.inUse()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		n := len(conns)
		mu.Unlock()
		wg.Wait()
		time.Sleep(DefaultReleaseMemoryAfter + 2*time.Second)
		idle := rssMB(b)
		cancel()
		<-done
		b.ReportMetric(base, "rss-base-MB")
		b.ReportMetric(peak, "rss-peak-MB")
		b.ReportMetric(idle, "rss-idle-MB")
		b.ReportMetric(float64(used)/(1<<20), "bodies-MiB")
		b.ReportMetric(float64(n), "conns")
		if peak > 300 {
			b.Errorf("resident memory peaked at %.0f MB under %d stalled uploads, over 300 MB", peak, n)
		}
	}
}

// BenchmarkZipcodeBurst sends bursts of four dot-grid PNGs (8 KB, a
// million dots) to /v1/zipcode at once, then idles: issue #16 saw 715 MB
// resident for four, and 585 MB still held after three idle minutes. It
// reports the peak and the resident memory after the release delay.
//
//	go test -run '^$' -bench ZipcodeBurst -benchtime 1x ./serve
func BenchmarkZipcodeBurst(b *testing.B) {
	grid := imagebomb.DotGrid(2048, 2048, 2)
	for range b.N {
		runtime.GC()
		base := rssMB(b)
		s := newTestServer(b, Options{MaxConcurrent: 4})
		peak := 0.0
		var sampling sync.WaitGroup
		stop := make(chan struct{})
		sampling.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
					peak = max(peak, rssMB(b))
				}
			}
		})
		for range 5 {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					if rec := do(s, "POST", "/v1/zipcode", "image/png", grid); rec.Code != 422 {
						b.Errorf("status %d: %s", rec.Code, rec.Body)
					}
				})
			}
			wg.Wait()
		}
		close(stop)
		sampling.Wait()
		time.Sleep(DefaultReleaseMemoryAfter + 2*time.Second)
		idle := rssMB(b)
		b.ReportMetric(base, "rss-base-MB")
		b.ReportMetric(peak, "rss-peak-MB")
		b.ReportMetric(idle, "rss-idle-MB")
		if idle > base+50 {
			b.Errorf("resident memory %.0f MB after idling, over %.0f MB (50 MB above the start)", idle, base+50)
		}
	}
}
