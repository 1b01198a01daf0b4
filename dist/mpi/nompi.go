//go:build nompi || !linux || !(amd64 || arm64)

package mpi

import "unsafe"

// Supported reports whether this binary was built with MPI support. It is
// false with the nompi build tag, where Init returns ErrUnsupported.
const Supported = false

// library is empty without MPI support: openLibrary always fails, so no Comm
// is ever made and its methods are never called.
type library struct{}

func openLibrary(string) (*library, error) { return nil, ErrUnsupported }

const errUnsupported = -1

func (*library) initThread(int32, *int32) int32                  { return errUnsupported }
func (*library) commRank(*int32) int32                           { return errUnsupported }
func (*library) commSize(*int32) int32                           { return errUnsupported }
func (*library) allreduceSum(unsafe.Pointer, int32, dtype) int32 { return errUnsupported }
func (*library) bcast(unsafe.Pointer, int32, dtype, int32) int32 { return errUnsupported }
func (*library) barrier() int32                                  { return errUnsupported }
func (*library) finalize() int32                                 { return errUnsupported }
func (*library) abort(int32) int32                               { return errUnsupported }
