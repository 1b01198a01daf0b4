// Package tensor provides dense, row-major N-dimensional arrays of float32
// (the default, for training) or float64 (for gradient checks and
// statistics), with NumPy broadcasting, reductions, matrix multiplication
// and the im2col transform that convolution is built on.
//
// A tensor may also hold int64 numbers — class labels, token ids, indices
// — made with FromInts, FromInt64 or New(Int64, …) and read with I64. Int64
// tensors take part in everything that only moves elements: views, slices,
// Clone, CopyFrom and To (a float converted to int64 is truncated toward
// zero, as PyTorch's .long()), Permute, Concat, Split, Pad and Crop,
// Fill, At and Set, Equal and an Arena. Arithmetic, reductions, matrix
// products, convolutions and updates are defined for floats only and panic,
// naming the operation, when given an int64 tensor.
//
// A Tensor is a shape and a contiguous slice of numbers; element
// (i0, i1, …, in) lives at offset ((i0·d1 + i1)·d2 + …)·dn + in. Reshape and
// slicing along the leading axis return views that share the numbers;
// every other operation writes a new tensor or, in the …To form, a
// destination the caller supplies, so that hot loops can reuse memory:
//
//	c := tensor.Add(a, b)      // a new tensor
//	tensor.AddTo(c, a, b)      // c is overwritten, nothing allocated
//
// An Arena hands out tensors for the duration of one step (one training
// batch) and takes them all back with Reset, so a training loop that runs
// thousands of steps allocates its scratch memory only once.
//
// # The backend seam
//
// Package tensor is the only package that calls the numeric kernels
// (internal/kernels: the GEMM, the direct convolutions, pooling, the
// vectorised element-wise loops); a test in internal/archtest fails when
// any other package imports them. Everything above — autograd's
// operations, the layers, the losses, the optimizers — asks tensor for
// whole operations: BinaryTo and UnaryTo with UnaryGradTo (each element-wise
// function beside its derivative), SumTo, MaxTo and AccumulateTo,
// MatMulAddTo, Conv2DTo and Conv2DBackward (which choose between one
// matrix product, a direct kernel and im2col with GEMM, pack the weights
// and split the batch among workers), Pool2DTo and Pool2DBackward,
// BatchNormTo and BatchNormBackward, SoftmaxTo and the cross-entropy rows,
// the losses' sums and gradients, and the optimizers' fused updates.
//
// A second backend, such as a GPU through purego-loaded CUDA, would plug in
// here and only here. It must provide device storage behind Tensor (today
// the f32/f64/i64 host slices), an Arena that recycles device memory per
// step, and the operations listed above; F32, F64, I64, Flat and SetFlat
// would become explicit copies to and from the host, which the rest of the
// module uses only at its I/O edges (loading data, checkpoints, pictures — the
// allowlist in internal/archtest names each file).
//
// Errors of the programmer, such as adding tensors whose shapes do not
// broadcast, panic with a message naming both shapes, like an out-of-range
// slice index does. Functions that read data from outside the program
// return errors instead.
package tensor
