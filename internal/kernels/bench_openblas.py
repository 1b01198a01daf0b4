#!/usr/bin/python3
"""Time numpy float32 matmul (OpenBLAS) at the shapes of BenchmarkSgemm.

The output is in Go benchmark format with the same names as
`go test -bench 'BenchmarkSgemm$'` in this package, so the two can be put
side by side with benchstat:

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench_openblas.py -count 5 > openblas.txt
    go test -run XXX -bench 'BenchmarkSgemm$' -count 5 . > go.txt
    go run golang.org/x/perf/cmd/benchstat@latest openblas.txt go.txt

Each line is one measurement: the mean time of a batch of calls of about
0.2 s (a warm-up call first), like one `-count` repetition of a Go
benchmark. OpenBLAS picks its thread count at load time, so the script
times the t1 rows with threads=1 and the t2 rows with threads=2 by
re-running itself, unless -threads is given. Debian's numpy 1.24 links the
libblas alternative, which is OpenBLAS (pthreads build) by default; the
script prints what it found.

Transposed operands are numpy transposed views, which numpy hands to
cblas_sgemm as transposes, as the Go benchmark passes transA/transB.
"""

import argparse
import os
import re
import subprocess
import sys
import time

# name, m, n, k, transA, transB: keep in step with benchShapes in
# gemm_bench_test.go.
SHAPES = [
    ("sq64", 64, 64, 64, False, False),
    ("sq256", 256, 256, 256, False, False),
    ("sq1024", 1024, 1024, 1024, False, False),
    ("mlp1_fwd", 64, 256, 784, False, True),
    ("mlp1_dW", 256, 784, 64, True, False),
    ("mlp1_dX", 64, 784, 256, False, False),
    ("mlp2_fwd", 64, 128, 256, False, True),
    ("mlp1_fwd1000", 1000, 256, 784, False, True),
    ("lstm256_step", 64, 1024, 256, False, True),
    ("lenet_c3", 6400, 16, 150, False, False),
    ("lenet_c1", 50176, 6, 25, False, False),
    ("lenet_f5", 64, 120, 400, False, True),
    ("lenet_c3_img", 16, 100, 150, False, False),
    ("lenet_c1_img", 6, 784, 25, False, False),
]


def run(threads, count, benchtime, only):
    import numpy as np

    rng = np.random.default_rng(7)
    for name, m, n, k, ta, tb in SHAPES:
        if only and not re.search(only, name):
            continue
        a = rng.random((k, m) if ta else (m, k), dtype=np.float32)
        b = rng.random((n, k) if tb else (k, n), dtype=np.float32)
        a = a.T if ta else a
        b = b.T if tb else b
        c = np.empty((m, n), dtype=np.float32)
        np.matmul(a, b, out=c)
        # Size the batch to about benchtime seconds.
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        once = max(time.perf_counter() - t0, 1e-7)
        reps = max(1, int(benchtime / once))
        for _ in range(count):
            t0 = time.perf_counter()
            for _ in range(reps):
                np.matmul(a, b, out=c)
            dt = (time.perf_counter() - t0) / reps
            gflops = 2.0 * m * n * k / dt / 1e9
            print(f"BenchmarkSgemm/{name}/t{threads}-2 \t{reps}\t{dt * 1e9:.0f} ns/op\t{gflops:.2f} GFLOP/s", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-count", type=int, default=5, help="measurements per shape")
    p.add_argument("-benchtime", type=float, default=0.2, help="seconds per measurement")
    p.add_argument("-threads", type=int, default=0, help="OpenBLAS threads (default: 1 then 2)")
    p.add_argument("-run", default="", help="only shapes whose name matches this regular expression")
    p.add_argument("-header", action="store_true", help="print the header even with -threads")
    args = p.parse_args()
    if args.threads == 0 or args.header:
        import numpy as np

        print(f"# numpy {np.__version__}, BLAS: {blas_name()}")
        print("goos: linux\ngoarch: amd64\npkg: github.com/baeum-ml/baeum/internal/kernels")
        print(f"cpu: {cpu_name()}", flush=True)
    if args.threads == 0:
        for t in (1, 2):
            env = dict(os.environ, OPENBLAS_NUM_THREADS=str(t))
            cmd = [sys.executable, __file__, "-threads", str(t), "-count", str(args.count),
                   "-benchtime", str(args.benchtime), "-run", args.run]
            subprocess.run(cmd, env=env, check=True)
        return
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    run(args.threads, args.count, args.benchtime, args.run)


def cpu_name():
    """The CPU model as `go test` prints it, so benchstat lines up the files."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def blas_name():
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line}
        return ", ".join(sorted(libs)) or "unknown"
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
