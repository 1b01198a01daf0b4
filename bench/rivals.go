package bench

import (
	_ "embed"
	"os"
	"slices"
	"strconv"
	"strings"
)

// The rivals' sides of the benchmark, kept in the binary so that `baeum
// bench` runs from any folder: the PyTorch script, the script that exports
// the same architectures from PyTorch to ONNX for ONNX Runtime, ONNX
// Runtime's side (a Node.js script for its Node binding), and the plain
// PyTorch training loop that checks the PyTorch side (Check).
var (
	//go:embed torch_bench.py
	TorchScript []byte
	//go:embed onnx_export.py
	ExportScript []byte
	//go:embed ort_bench.js
	ORTScript []byte
	//go:embed torch_plain.py
	PlainScript []byte
)

// Scripts maps the file names the rival scripts must have, next to each
// other (onnx_export.py and torch_plain.py import torch_bench.py), to
// their contents.
func Scripts() map[string][]byte {
	return map[string][]byte{
		"torch_bench.py": TorchScript, "onnx_export.py": ExportScript,
		"ort_bench.js": ORTScript, "torch_plain.py": PlainScript,
	}
}

// ORTVersion is the version of ONNX Runtime's Node binding the benchmark
// is written for; ORTInstall installs it into a folder (the placeholder
// DIR), without the install script that fetches optional GPU parts.
const (
	ORTVersion = "1.30.0"
	ORTInstall = "npm install --ignore-scripts --no-audit --no-fund --prefix DIR onnxruntime-node@" + ORTVersion
)

// TorchSetup is what PyTorch's fastest CPU configuration needs from the
// system; FindTorchSetup fills it in from the standard Debian paths.
type TorchSetup struct {
	// OpenBLASDir is the folder of OpenBLAS's OpenMP build (Debian's
	// libopenblas0-openmp), put first on the library path; empty when
	// absent, and then PyTorch gets the system's default BLAS.
	OpenBLASDir string
	// Jemalloc is the jemalloc library to preload (Debian's libjemalloc2),
	// the allocator PyTorch's CPU performance guides recommend; empty when
	// absent.
	Jemalloc string
}

// Debian's paths of OpenBLAS's OpenMP build and of jemalloc.
const (
	debianOpenBLAS = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
	debianJemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
)

// FindTorchSetup looks for OpenBLAS's OpenMP build and jemalloc where
// Debian installs them.
func FindTorchSetup() TorchSetup {
	var s TorchSetup
	if st, err := os.Stat(debianOpenBLAS); err == nil && st.IsDir() {
		s.OpenBLASDir = debianOpenBLAS
	}
	if st, err := os.Stat(debianJemalloc); err == nil && st.Mode().IsRegular() {
		s.Jemalloc = debianJemalloc
	}
	return s
}

// Missing names the Debian packages that would complete the setup, for
// a message that says how to install them.
func (s TorchSetup) Missing() []string {
	var m []string
	if s.OpenBLASDir == "" {
		m = append(m, "libopenblas0-openmp")
	}
	if s.Jemalloc == "" {
		m = append(m, "libjemalloc2")
	}
	return m
}

// cpuTypeVars are OpenBLAS's settings that override its detection of the
// CPU: a machine that sets them (to Haswell, say) keeps OpenBLAS off its
// AVX-512 kernels. The rival's command runs without them.
var cpuTypeVars = []string{"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}

// Env returns the environment for a PyTorch command using threads
// threads, derived from environ (os.Environ's form): OpenBLAS's CPU-type
// variables removed, OpenMP's thread count set, OpenBLAS's OpenMP build
// first on the library path and jemalloc preloaded when the setup has
// them. Only that command's environment changes.
func (s TorchSetup) Env(environ []string, threads int) []string {
	drop := append(slices.Clone(cpuTypeVars), "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
	var env []string
	var ldPath, preload string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case slices.Contains(drop, k):
		case k == "LD_LIBRARY_PATH":
			ldPath = v
		case k == "LD_PRELOAD":
			preload = v
		default:
			env = append(env, kv)
		}
	}
	n := strconv.Itoa(threads)
	env = append(env, "OMP_NUM_THREADS="+n)
	if s.OpenBLASDir != "" {
		ldPath = joinList(s.OpenBLASDir, ldPath, ":")
	} else {
		// The pthreads build, or none: OpenBLAS's own threads would compete
		// with PyTorch's OpenMP ones.
		env = append(env, "OPENBLAS_NUM_THREADS=1")
	}
	if s.Jemalloc != "" {
		preload = joinList(s.Jemalloc, preload, " ")
	}
	if ldPath != "" {
		env = append(env, "LD_LIBRARY_PATH="+ldPath)
	}
	if preload != "" {
		env = append(env, "LD_PRELOAD="+preload)
	}
	return env
}

func joinList(first, rest, sep string) string {
	if rest == "" {
		return first
	}
	return first + sep + rest
}

// ORTEnv returns the environment for ONNX Runtime's Node side: the
// module folder on Node's search path, and OpenBLAS's CPU-type variables
// removed for symmetry (ONNX Runtime does not read them).
func ORTEnv(environ []string, nodeModules string) []string {
	var env []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if k != "NODE_PATH" && !slices.Contains(cpuTypeVars, k) {
			env = append(env, kv)
		}
	}
	return append(env, "NODE_PATH="+nodeModules)
}
