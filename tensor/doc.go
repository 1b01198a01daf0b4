// Package tensor provides dense, row-major N-dimensional arrays of float32
// (the default, for training) or float64 (for gradient checks and
// statistics), with NumPy broadcasting, reductions, matrix multiplication
// and the im2col transform that convolution is built on.
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
// Errors of the programmer, such as adding tensors whose shapes do not
// broadcast, panic with a message naming both shapes, like an out-of-range
// slice index does. Functions that read data from outside the program
// return errors instead.
package tensor
