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

// TestArenaCarve checks that a request of a length no free block has is
// served in a released larger block of its type, within carveRatio, the
// smallest such, whether or not something was released since Reset;
// that releasing it, or Reset, returns the whole block; and that a warm
// pass of releases and carvings allocates nothing.
func TestArenaCarve(t *testing.T) {
	a := NewArena()
	big, mid := a.Empty(Float32, 800), a.Empty(Float32, 400)
	a.Release(big)
	a.Release(mid)
	c := a.Zeros(Float32, 3, 100)
	if !SharesMemory(c, mid) || SharesMemory(c, big) {
		t.Fatal("a request of 300 was not carved from the smallest free block (400)")
	}
	if c.Len() != 300 || len(c.F32()) != 300 || cap(c.F32()) != 300 {
		t.Errorf("carved tensor: Len %d, len %d, cap %d; want 300", c.Len(), len(c.F32()), cap(c.F32()))
	}
	for _, v := range c.F32() {
		if v != 0 {
			t.Fatal("Zeros from a carved block is not zero")
		}
	}
	if d := a.Empty(Float32, 50); SharesMemory(d, big) {
		t.Error("a request of 50 was carved from a block of 800, beyond carveRatio")
	}
	if d := a.Empty(Float64, 300); SharesMemory(d, big) {
		t.Error("a float64 request was carved from a float32 block")
	}
	if !a.Release(c) || a.Release(c) {
		t.Fatal("a carved tensor was not released exactly once")
	}
	if e := a.Empty(Float32, 400); !SharesMemory(e, mid) {
		t.Error("the released carving did not return the whole block of 400")
	}
	f := a.Empty(Float32, 700)
	if !SharesMemory(f, big) {
		t.Error("a request of 700 was not carved from the free block of 800")
	}
	a.Reset()
	if g := a.Empty(Float32, 800); !SharesMemory(g, big) {
		t.Error("Reset did not return the carved block of 800")
	}
	a.Reset()
	// Nothing released since Reset (a training step): carved all the same.
	if h := a.Empty(Float32, 300); !SharesMemory(h, mid) {
		t.Error("a request of 300 was not carved from the free block of 400 in a step that released nothing")
	}
	a.Reset()

	// A warm pass: the same requests and releases allocate nothing.
	pass := func() {
		x := a.Empty(Float32, 1000)
		y := a.Empty(Float32, 1000)
		a.Release(x)
		z := a.Empty(Float32, 250) // carved from x's block
		a.Release(y)
		w := a.Empty(Float32, 500) // carved from y's block
		a.Release(z)
		a.Release(w)
		a.Reset()
	}
	pass()
	if n := testing.AllocsPerRun(20, pass); n != 0 {
		t.Errorf("a warm pass with carvings allocated %v times", n)
	}
}

// TestArenaVaryingSteps checks the two kinds of training step that ask
// for lengths they have no block of: an epoch whose last batch is
// smaller allocates nothing once warm, and steps over sequences of
// varying length (each step's tensors as long as its longest sequence)
// hold a few steps' memory, not a set of blocks for every length seen.
func TestArenaVaryingSteps(t *testing.T) {
	a := NewArena()
	step := func(n int) {
		for _, m := range []int{1, 4, 2, 4} { // two requests of one length
			a.Empty(Float32, m*n)
		}
		a.Reset()
	}
	epoch := func() {
		for range 5 {
			step(1000)
		}
		step(600) // the smaller last batch
	}
	epoch()
	epoch()
	if n := testing.AllocsPerRun(10, epoch); n != 0 {
		t.Errorf("a warm epoch with a smaller last batch allocated %v times", n)
	}

	a = NewArena()
	rng := NewRNG(1)
	most, seen := 0, map[int]bool{}
	for range 2000 {
		n := 100 * (1 + rng.IntN(25)) // 25 lengths, in random order
		seen[n] = true
		most = max(most, n)
		step(n)
	}
	held := 0
	for _, list := range a.free {
		for _, b := range list {
			held += b.Len()
		}
	}
	// One step of the longest length needs 11·most elements; keeping a
	// set of blocks for every length would hold 11·Σ lengths (about
	// 13 times as much).
	if len(seen) != 25 || held > 4*11*most {
		t.Errorf("after steps of %d lengths up to %d the arena holds %d elements, more than four of the longest step's %d", len(seen), most, held, 11*most)
	}
}
