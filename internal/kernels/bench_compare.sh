#!/bin/sh
# bench_compare.sh runs BenchmarkSgemm and bench_openblas.py interleaved,
# one shape and thread count at a time, for several rounds, so that both
# see the same conditions on a shared, noisy machine. It writes go.txt and
# openblas.txt into the output directory, for
#
#	go run golang.org/x/perf/cmd/benchstat@latest openblas.txt go.txt
#
# Usage (from internal/kernels): sh bench_compare.sh [rounds] [outdir]
set -e
rounds=${1:-5}
out=${2:-.}
go test -c -o "$out/kernels.test" .
shapes=$(sed -n 's/^	{"\([A-Za-z0-9_]*\)", .*/\1/p' gemm_bench_test.go)
: >"$out/go.txt"
/usr/bin/python3 bench_openblas.py -threads 1 -header -run XXX >"$out/openblas.txt"
printf 'goos: linux\ngoarch: amd64\npkg: github.com/baeum-ml/baeum/internal/kernels\ncpu: %s\n' \
	"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)" >>"$out/go.txt"
for r in $(seq "$rounds"); do
	for s in $shapes; do
		for t in 1 2; do
			OPENBLAS_NUM_THREADS=$t /usr/bin/python3 bench_openblas.py -threads $t -count 1 -run "^$s\$" >>"$out/openblas.txt"
			"$out/kernels.test" -test.run XXX -test.bench "BenchmarkSgemm\$/^$s\$/^t$t\$" -test.benchtime 0.2s -test.count 1 |
				grep '^BenchmarkSgemm' >>"$out/go.txt"
		done
	done
done
rm -f "$out/kernels.test"
