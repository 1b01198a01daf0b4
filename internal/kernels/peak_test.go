package kernels

import (
	"testing"
	"time"
)

// TestMeasurePeak checks that the FMA loop runs where this build has one
// and counts its work: a positive rate from every thread, and the loop of
// the CPU's widest vectors. Its value is a timing and is not checked.
func TestMeasurePeak(t *testing.T) {
	isa, perIter := fmaLoopKind()
	p := MeasurePeak(2, 5*time.Millisecond)
	if isa == "" {
		if p != (Peak{}) {
			t.Fatalf("no FMA loop in this build, but MeasurePeak = %+v", p)
		}
		t.Skip("no FMA loop in this build")
	}
	if p.ISA != isa || p.Threads != 2 || !(p.FLOPS > 0) {
		t.Fatalf("MeasurePeak = %+v, want ISA %s on 2 threads and a positive rate", p, isa)
	}
	if want := map[string]float64{"avx512": 512, "avx2": 192}[isa]; perIter != want {
		t.Fatalf("%s: %v flops per iteration, want %v", isa, perIter, want)
	}
	if useAVX512 && isa != "avx512" {
		t.Fatalf("AVX-512 CPU, but the peak loop is %s", isa)
	}
	if p := MeasurePeak(0, time.Millisecond); p != (Peak{}) {
		t.Fatalf("MeasurePeak(0 threads) = %+v, want zero", p)
	}
}

// BenchmarkPeak reports the FMA peak of all workers, for comparing a
// kernel's GFLOP/s with the machine's limit.
func BenchmarkPeak(b *testing.B) {
	var p Peak
	for b.Loop() {
		p = MeasurePeak(Threads(), 100*time.Millisecond)
	}
	b.ReportMetric(p.FLOPS/1e9, "GFLOP/s")
}
