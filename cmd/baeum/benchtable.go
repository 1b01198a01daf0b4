package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/baeum-ml/baeum/bench"
	"github.com/baeum-ml/baeum/tensor"
)

// peakLine describes the measured FMA peak.
func peakLine(p tensor.Peak) string {
	if p.ISA == "" {
		return "FMA peak: not measured (this build has no FMA loop for the CPU)"
	}
	return fmt.Sprintf("FMA peak: %.1f GFLOP/s on %d threads (%s fused multiply-add loop)", p.FLOPS/1e9, p.Threads, p.ISA)
}

// ratioCell formats the per-run ratios of a and b as their median and
// min–max.
func ratioCell(a, b []bench.Result) string {
	s := bench.SpreadOf(bench.PairRatios(a, b))
	if s.N == 0 {
		return "—"
	}
	if s.N == 1 {
		return fmt.Sprintf("%.2f×", s.Median)
	}
	return fmt.Sprintf("%.2f× (%.2f–%.2f)", s.Median, s.Min, s.Max)
}

// medianCell formats the median of f over rs with format, or a dash.
func medianCell(rs []bench.Result, f func(bench.Result) float64, format string) string {
	s := bench.SpreadOf(bench.Values(rs, f))
	if s.N == 0 || s.Median <= 0 {
		return "—"
	}
	return fmt.Sprintf(format, s.Median)
}

// peakShare formats the median share of the FMA peak that rs reached.
func peakShare(rs []bench.Result, flopsPerImage float64, p tensor.Peak) string {
	if p.FLOPS <= 0 || flopsPerImage <= 0 {
		return "—"
	}
	return medianCell(rs, func(r bench.Result) float64 { return 100 * r.ImagesPerSec * flopsPerImage / p.FLOPS }, "%.1f%%")
}

// printBenchTables writes two tables: throughput with baeum's ratio to
// each rival, and the resources each side used; then how each side ran.
func printBenchTables(w io.Writer, rows []benchRow, peak tensor.Peak, runs int) error {
	var torch, ort bool
	for _, r := range rows {
		torch = torch || len(r.Torch) > 0
		ort = ort || len(r.ORT) > 0
	}
	sides := []struct {
		name string
		on   bool
		get  func(benchRow) []bench.Result
	}{
		{"baeum", true, func(r benchRow) []bench.Result { return r.Baeum }},
		{"PyTorch", torch, func(r benchRow) []bench.Result { return r.Torch }},
		{"ONNX Runtime", ort, func(r benchRow) []bench.Result { return r.ORT }},
	}
	fmt.Fprintf(w, "\nThroughput, images/s: medians of %d runs; baeum's ratio to a rival is the median (min–max) of the runs' ratios, each run's sides measured one after the other\n", runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "model\tmode\tbatch\t")
	for i, s := range sides {
		if s.on {
			fmt.Fprintf(tw, "%s\t", s.name)
			if i > 0 {
				fmt.Fprintf(tw, "baeum/%s\t", s.name)
			}
		}
	}
	fmt.Fprintln(tw)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t", r.Case.Model, r.Case.Mode, r.Case.Batch)
		for i, s := range sides {
			if !s.on {
				continue
			}
			fmt.Fprintf(tw, "%s\t", num(bench.SpreadOf(bench.Values(s.get(r), ips)).Median))
			if i > 0 {
				fmt.Fprintf(tw, "%s\t", ratioCell(r.Baeum, s.get(r)))
			}
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nResources, medians: share of the FMA peak (the models' multiply-adds, two FLOPs each), cores kept busy (CPU time / wall time), peak resident memory")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "model\tmode\tbatch\tMFLOP/image\t")
	for _, col := range []string{"peak", "cores", "RSS"} {
		for _, s := range sides {
			if s.on {
				fmt.Fprintf(tw, "%s %s\t", s.name, col)
			}
		}
	}
	fmt.Fprintln(tw)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t", r.Case.Model, r.Case.Mode, r.Case.Batch, r.FLOPsPerImage/1e6)
		for _, s := range sides {
			if s.on {
				fmt.Fprintf(tw, "%s\t", peakShare(s.get(r), r.FLOPsPerImage, peak))
			}
		}
		for _, s := range sides {
			if s.on {
				fmt.Fprintf(tw, "%s\t", medianCell(s.get(r), cores, "%.2f"))
			}
		}
		for _, s := range sides {
			if s.on {
				fmt.Fprintf(tw, "%s\t", medianCell(s.get(r), rss, "%.0f MB"))
			}
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	for _, s := range sides {
		if !s.on {
			continue
		}
		var all []bench.Result
		for _, r := range rows {
			all = append(all, s.get(r)...)
		}
		if i := slices.IndexFunc(all, func(r bench.Result) bool { return r.Config != "" }); i >= 0 {
			fmt.Fprintf(w, "%s: %s", s.name, all[i].Config)
			if o := bench.SpreadOf(bench.Values(all, func(r bench.Result) float64 { return r.CallOverheadUS })); o.Median > 0 {
				fmt.Fprintf(w, "; one session.run of a trivial model: %.1f µs (median)", o.Median)
			}
			fmt.Fprintln(w)
		}
	}
	for _, r := range rows {
		for _, s := range sides {
			for _, res := range s.get(r) {
				if res.Error != "" {
					fmt.Fprintf(w, "%v, %s: error: %s\n", r.Case, s.name, res.Error)
				}
			}
		}
	}
	return nil
}

// printCheck writes what --check measured and whether it holds: the
// bench's loop after 50 and after 500 warm-up steps agreeing (noiseVerdict),
// and the bench's figure within 15% of the plain loop's (the median of the
// runs' ratios).
func printCheck(w io.Writer, trials []checkTrial, runs int) {
	fmt.Fprintf(w, "\nPyTorch's side against itself and a plain training loop, images/s: medians (min–max) of %d runs, interleaved\n", runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tbatch\tbench, warm-up 50\tbench, warm-up 500\tplain loop\t500 / 50\tbench / plain\t")
	spread := func(rs []bench.Result) string {
		s := bench.SpreadOf(bench.Values(rs, ips))
		if s.N == 0 {
			return "—"
		}
		return fmt.Sprintf("%s (%s–%s)", num(s.Median), num(s.Min), num(s.Max))
	}
	for _, t := range trials {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", t.Case.Model, t.Case.Batch, spread(t.Warmup50), spread(t.Warmup500), spread(t.Plain),
			ratioCell(t.Warmup500, t.Warmup50), ratioCell(t.Warmup50, t.Plain))
	}
	tw.Flush()
	for _, t := range trials {
		fmt.Fprintf(w, "%s: %s; %s\n", t.Case.Model,
			noiseVerdict("warm-up 500 against 50", bench.SpreadOf(bench.PairRatios(t.Warmup500, t.Warmup50))),
			verdict("the bench against the plain loop", bench.SpreadOf(bench.PairRatios(t.Warmup50, t.Plain)), 0.15))
		for _, rs := range [][]bench.Result{t.Warmup50, t.Warmup500, t.Plain} {
			for _, r := range rs {
				if r.Error != "" {
					fmt.Fprintf(w, "%v: error: %s\n", t.Case, r.Error)
				}
			}
		}
	}
	if len(trials) > 0 && len(trials[0].Warmup50) > 0 {
		fmt.Fprintf(w, "PyTorch: %s\n", trials[0].Warmup50[0].Config)
	}
}

// noiseVerdict says whether the ratios s show no difference: a median
// within 5% of 1, or runs whose ratios lie on both sides of 1 (a
// difference smaller than the runs' own spread).
func noiseVerdict(what string, s bench.Spread) string {
	switch {
	case s.N < 2:
		return what + ": too few runs to tell"
	case s.Median >= 0.95 && s.Median <= 1.05:
		return fmt.Sprintf("%s: median ratio %.3f, runs %.2f–%.2f, the same within 5%%", what, s.Median, s.Min, s.Max)
	case s.Min <= 1 && s.Max >= 1:
		return fmt.Sprintf("%s: median ratio %.3f, runs %.2f–%.2f, the same within the noise", what, s.Median, s.Min, s.Max)
	}
	return fmt.Sprintf("%s: median ratio %.3f, runs %.2f–%.2f, DIFFERENT beyond the noise", what, s.Median, s.Min, s.Max)
}

// verdict says whether the median ratio s is within tol of 1.
func verdict(what string, s bench.Spread, tol float64) string {
	if s.N == 0 {
		return what + ": not measured"
	}
	ok := "within"
	if s.Median < 1-tol || s.Median > 1+tol {
		ok = "NOT within"
	}
	return fmt.Sprintf("%s: median ratio %.3f, %s %.0f%%", what, s.Median, ok, 100*tol)
}
