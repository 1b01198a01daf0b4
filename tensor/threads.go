package tensor

import "github.com/baeum-ml/baeum/internal/kernels"

// SetThreads sets how many workers the parallel kernels behind tensor
// operations (matrix products, convolutions, pooling, element-wise work on
// large tensors) may use. n < 1 means runtime.GOMAXPROCS(0). It returns the
// previous setting. Results are reproducible bit for bit for a given
// thread count.
func SetThreads(n int) int { return kernels.SetThreads(n) }

// Threads reports how many workers the parallel kernels use: the value
// given to SetThreads, or runtime.GOMAXPROCS(0) when it was never called.
func Threads() int { return kernels.Threads() }
