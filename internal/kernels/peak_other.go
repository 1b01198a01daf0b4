//go:build !amd64 || purego || noasm

package kernels

// fmaLoopKind reports that this build has no FMA loop: the peak of an
// architecture without one of ours is not measured rather than guessed.
func fmaLoopKind() (string, float64) { return "", 0 }

func fmaLoop(int) {}
