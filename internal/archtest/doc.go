// Package archtest holds tests of the module's architecture rather than of
// any one package: that only package tensor reaches the CPU kernels (the
// single seam where another backend would plug in), and that code outside
// tensor reads a tensor's raw storage only in the files that an allowlist
// names, each with the reason — an I/O edge such as data loading,
// checkpoints or images.
package archtest
