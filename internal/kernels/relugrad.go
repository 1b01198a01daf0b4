package kernels

import "fmt"

// ReLUGradBias is the backward pass of a ReLU after a linear layer, for
// rows×cols row-major matrices: it sets gx = g where y, the ReLU's
// output, is not ≤ 0 and gx = 0 elsewhere (ReLUGradSet's mask: y ≤ 0
// exactly where the ReLU's input was, and a NaN passes its gradient), and
// when gb is not nil adds the rows of gx into gb in order, each while it
// is in cache (gb[j] += gx[i][j], i = 0, 1, …: the bits of Add applied
// row by row, which a sum over the rows gives).
//
// It runs on the calling goroutine: split among the workers by columns,
// as the GEMMs that wrote g and y split theirs, the MLP's training at
// batch 64 was no faster (a median ratio of 1.000 over 30 pairs of
// 200-step runs alternated in one process, a throwaway test).
func ReLUGradBias(gx, g, y []float32, rows, cols int, gb []float32) {
	n := rows * cols
	if rows < 0 || cols < 0 || len(gx) < n || len(g) < n || len(y) < n || (gb != nil && len(gb) < cols) {
		panic(fmt.Sprintf("kernels: relu gradient of %d×%d with %d, %d, %d numbers and a bias gradient of %d", rows, cols, len(gx), len(g), len(y), len(gb)))
	}
	for i := range rows {
		r := gx[i*cols : (i+1)*cols]
		reluGrad(r, g[i*cols:(i+1)*cols], y[i*cols:(i+1)*cols], true)
		if gb != nil {
			Add(gb[:cols], gb[:cols], r)
		}
	}
}
