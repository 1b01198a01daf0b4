package serve

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the latency
// histogram: from half a millisecond (a health check) to ten seconds (a
// large photo on a busy machine).
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// endpoints are the values of the endpoint label, fixed so that the
// metrics cannot grow without bound whatever paths clients ask for.
var endpoints = []string{epPredict, epZipcode, epActivations, epGenerate, epModel, epHealth, epMetrics, epStatic, epOther}

// histogram counts observations into latencyBuckets.
type histogram struct {
	counts []atomic.Uint64 // per bucket, not cumulative; the last is +Inf
	sumNs  atomic.Int64
	n      atomic.Uint64
}

// metrics holds the server's counters, written out by hand in
// Prometheus's text exposition format (version 0.0.4).
type metrics struct {
	model    string
	start    time.Time
	inFlight atomic.Int64
	rejected atomic.Uint64

	mu       sync.Mutex
	requests map[reqKey]uint64

	latency map[string]*histogram
}

type reqKey struct {
	endpoint string
	code     int
}

func newMetrics(model string) *metrics {
	m := &metrics{model: model, start: time.Now(), requests: map[reqKey]uint64{}, latency: map[string]*histogram{}}
	for _, ep := range endpoints {
		m.latency[ep] = &histogram{counts: make([]atomic.Uint64, len(latencyBuckets)+1)}
	}
	return m
}

// observe counts one finished request.
func (m *metrics) observe(endpoint string, code int, d time.Duration) {
	m.mu.Lock()
	m.requests[reqKey{endpoint, code}]++
	m.mu.Unlock()
	h := m.latency[endpoint]
	sec := d.Seconds()
	i := sort.SearchFloat64s(latencyBuckets, sec) // first bound ≥ sec
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
	h.n.Add(1)
}

// write prints every metric.
func (m *metrics) write(w io.Writer, busy, workers int) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()

	fmt.Fprintln(bw, "# HELP baeum_http_requests_total HTTP requests answered, by endpoint and status code.")
	fmt.Fprintln(bw, "# TYPE baeum_http_requests_total counter")
	m.mu.Lock()
	keys := make([]reqKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	counts := make(map[reqKey]uint64, len(keys))
	for _, k := range keys {
		counts[k] = m.requests[k]
	}
	m.mu.Unlock()
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].endpoint != keys[j].endpoint {
			return keys[i].endpoint < keys[j].endpoint
		}
		return keys[i].code < keys[j].code
	})
	for _, k := range keys {
		fmt.Fprintf(bw, "baeum_http_requests_total{endpoint=%s,code=\"%d\"} %d\n", quote(k.endpoint), k.code, counts[k])
	}

	fmt.Fprintln(bw, "# HELP baeum_http_request_duration_seconds Time from routing a request to its answer, by endpoint.")
	fmt.Fprintln(bw, "# TYPE baeum_http_request_duration_seconds histogram")
	sorted := append([]string(nil), endpoints...)
	sort.Strings(sorted)
	for _, ep := range sorted {
		h := m.latency[ep]
		// The count is the sum of the buckets, so that the two agree even
		// while requests are being observed.
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i].Load()
			fmt.Fprintf(bw, "baeum_http_request_duration_seconds_bucket{endpoint=%s,le=\"%s\"} %d\n", quote(ep), formatFloat(le), cum)
		}
		cum += h.counts[len(latencyBuckets)].Load()
		fmt.Fprintf(bw, "baeum_http_request_duration_seconds_bucket{endpoint=%s,le=\"+Inf\"} %d\n", quote(ep), cum)
		fmt.Fprintf(bw, "baeum_http_request_duration_seconds_sum{endpoint=%s} %s\n", quote(ep), formatFloat(float64(h.sumNs.Load())/1e9))
		fmt.Fprintf(bw, "baeum_http_request_duration_seconds_count{endpoint=%s} %d\n", quote(ep), cum)
	}

	fmt.Fprintln(bw, "# HELP baeum_http_requests_in_flight Requests being answered now.")
	fmt.Fprintln(bw, "# TYPE baeum_http_requests_in_flight gauge")
	fmt.Fprintf(bw, "baeum_http_requests_in_flight %d\n", m.inFlight.Load())
	fmt.Fprintln(bw, "# HELP baeum_workers_busy Classifications running now.")
	fmt.Fprintln(bw, "# TYPE baeum_workers_busy gauge")
	fmt.Fprintf(bw, "baeum_workers_busy %d\n", busy)
	fmt.Fprintln(bw, "# HELP baeum_workers_max The bound on concurrent classifications.")
	fmt.Fprintln(bw, "# TYPE baeum_workers_max gauge")
	fmt.Fprintf(bw, "baeum_workers_max %d\n", workers)
	fmt.Fprintln(bw, "# HELP baeum_rejected_total Requests refused with 503 because every worker was busy.")
	fmt.Fprintln(bw, "# TYPE baeum_rejected_total counter")
	fmt.Fprintf(bw, "baeum_rejected_total %d\n", m.rejected.Load())
	fmt.Fprintln(bw, "# HELP baeum_model_info The model served (always 1).")
	fmt.Fprintln(bw, "# TYPE baeum_model_info gauge")
	fmt.Fprintf(bw, "baeum_model_info{model=%s} 1\n", quote(m.model))
	fmt.Fprintln(bw, "# HELP process_start_time_seconds Start time of the server since the Unix epoch, in seconds.")
	fmt.Fprintln(bw, "# TYPE process_start_time_seconds gauge")
	fmt.Fprintf(bw, "process_start_time_seconds %s\n", formatFloat(float64(m.start.UnixNano())/1e9))
}

// quote writes a label value, escaping backslash, double quote and
// newline as the exposition format requires.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

func formatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
