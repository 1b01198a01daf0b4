package train

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line progress bar with the running loss, accuracy,
// rate and ETA (when bar is set, for terminals); otherwise it stays quiet
// and the epoch's summary line is the log.
type progress struct {
	w            io.Writer
	bar          bool
	epoch, total int
	steps        int
	start, last  time.Time
}

func newProgress(w io.Writer, bar bool, epoch, epochs, steps int) *progress {
	now := time.Now()
	return &progress{w: w, bar: bar, epoch: epoch, total: epochs, steps: steps, start: now, last: now}
}

func (p *progress) update(step int, loss float64, metric string, value float64) {
	if !p.bar {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && step != p.steps {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	rate := float64(step) / el
	eta := time.Duration(float64(p.steps-step) / rate * float64(time.Second)).Round(time.Second)
	const width = 24
	done := width * step / p.steps
	fmt.Fprintf(p.w, "\repoch %d/%d [%s%s] %d/%d  loss %.4f%s  %.0f steps/s  ETA %v ",
		p.epoch, p.total, strings.Repeat("█", done), strings.Repeat("·", width-done), step, p.steps, loss, shortMetric(metric, value), rate, eta)
}

func (p *progress) done() {
	if p.bar {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// shortMetric formats a metric for the progress line (" acc 0.9812").
func shortMetric(name string, v float64) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf(" %s %.4f", shortName(name), v)
}

// shortName is a metric's name in the log lines: "acc" for accuracy.
func shortName(name string) string {
	if name == "accuracy" {
		return "acc"
	}
	return name
}
