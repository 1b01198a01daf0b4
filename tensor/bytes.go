package tensor

import (
	"fmt"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// BytesToFloat32 converts 8-bit values, such as the pixels of a grey-scale
// image, to numbers a model reads: dst[i] = float32(src[i])·scale + offset
// for every i < len(dst). Loading data is an edge where raw slices are
// the right currency, so it works on slices rather than tensors; the
// conversion itself is a kernel (vectorised where the CPU allows, and then
// computed with a fused multiply-add). It panics if src holds fewer than
// len(dst) bytes.
func BytesToFloat32(dst []float32, src []byte, scale, offset float32) {
	if len(src) < len(dst) {
		panic(fmt.Sprintf("tensor: BytesToFloat32 of %d bytes into %d numbers", len(src), len(dst)))
	}
	kernels.BytesToF32(dst, src, scale, offset)
}
