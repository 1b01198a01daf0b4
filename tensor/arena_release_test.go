package tensor

import "testing"

// TestArenaRelease checks that a released tensor's memory serves the next
// request of its type and length before Reset, that a view or a foreign
// tensor is not taken, that Reset does not hand a released tensor out
// twice, and SharesMemory on views.
func TestArenaRelease(t *testing.T) {
	a := NewArena()
	x := a.Empty(Float32, 4, 5)
	y := a.Empty(Float32, 20)
	if !a.Release(x) {
		t.Fatal("Release of an arena tensor reported false")
	}
	if a.Release(x) {
		t.Error("a tensor was released twice")
	}
	if z := a.Empty(Float32, 2, 10); !SharesMemory(z, x) {
		t.Error("the next request of 20 float32 did not reuse the released memory")
	}
	if a.Release(a.Reshape(y, 4, 5)) || a.Release(New(Float32, 20)) {
		t.Error("Release took a view or a foreign tensor")
	}
	a.Reset()
	p, q, r := a.Empty(Float32, 20), a.Empty(Float32, 20), a.Empty(Float32, 20)
	if SharesMemory(p, q) || SharesMemory(q, r) || SharesMemory(p, r) {
		t.Error("after Reset, one buffer was handed out twice")
	}
	if !SharesMemory(p, p.Slice(1, 2)) || SharesMemory(p.Slice(0, 1), p.Slice(1, 2)) || SharesMemory(p, New(Float32, 0)) {
		t.Error("SharesMemory of slices")
	}
}
