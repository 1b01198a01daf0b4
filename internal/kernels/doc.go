// Package kernels holds baeum's hot loops: matrix multiplication and the
// other dense loops that training spends its time in.
//
// Kernels work on plain slices with explicit destinations, in the style of
// gonum's BLAS: the destination comes first or is named, nothing is
// allocated inside a kernel, and every matrix is row-major with an explicit
// leading dimension (the distance between the starts of two rows). The
// package knows nothing about tensors or graphs, so a faster implementation
// (assembly, another backend) can replace a kernel without touching callers.
//
// Shape and length mismatches are programmer errors and panic.
package kernels
