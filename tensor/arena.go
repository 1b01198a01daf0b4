package tensor

// An Arena hands out tensors that live until the next Reset. A training
// step asks the same arena for the same sizes every time, so after the
// first step every request is served from memory returned by Reset, and the
// step allocates nothing.
//
// Tensors from an arena must not be used after Reset: their memory is given
// to later requests. A nil *Arena is valid and allocates from the heap, so
// code written against an arena also works without one. An Arena is not
// safe for concurrent use; give each goroutine its own.
type Arena struct {
	free   map[arenaKey][]*Tensor // data tensors returned by Reset, by type and length
	used   []*Tensor              // data tensors handed out since Reset
	carved []carving              // smaller tensors handed out in free larger ones
	views  []*Tensor              // view headers, reused from the start after Reset
	nviews int
}

// A carving is a tensor handed out in the first elements of a free block
// of memory larger than it (its parent), which returns to the free lists
// when the tensor is released or the arena reset.
type carving struct{ t, parent *Tensor }

// carveRatio bounds the memory a carving leaves unused: a block serves a
// smaller request only if the request needs at least 1/carveRatio of it.
const carveRatio = 8

type arenaKey struct {
	dtype DType
	n     int
}

// NewArena returns an empty arena.
func NewArena() *Arena { return &Arena{free: make(map[arenaKey][]*Tensor)} }

// Empty returns a tensor of the given type and shape whose elements are
// unspecified (whatever a previous user left there). Use it for outputs that
// are overwritten entirely.
func (a *Arena) Empty(dtype DType, shape ...int) *Tensor {
	if a == nil {
		return New(dtype, shape...)
	}
	n := Numel(shape)
	k := arenaKey{dtype, n}
	var t *Tensor
	if list := a.free[k]; len(list) > 0 {
		t = list[len(list)-1]
		a.free[k] = list[:len(list)-1]
		t.setShape(dtype, shape)
	} else if t = a.carve(k, shape); t != nil {
		return t
	} else {
		t = New(dtype, shape...)
	}
	a.used = append(a.used, t)
	return t
}

// carve hands out a tensor of shape in the smallest free block of k's
// type that is larger than k's length, but not more than carveRatio
// times larger, or returns nil when there is none. A request of a length
// that has no free block of its own so takes memory that is free instead
// of new memory:
//   - memory released by an inference pass (Release) serves its later,
//     smaller activations;
//   - a training step on sequences of varying length (a batch of words
//     is as long as its longest) runs in the blocks of longer steps
//     before it. Without carving, the arena kept a set of blocks for
//     every length it had seen: two epochs of the word list's language
//     model (384 units) peaked at 2.8 GB, and at 1.3 GB with carving.
//
// A step that asks the same lengths every time finds blocks of its own
// lengths after the first step and never carves. When an odd step (an
// epoch's smaller last batch) carves a block that a later request of the
// block's own length needs, that request allocates one more block, once:
// the next such step finds both free.
func (a *Arena) carve(k arenaKey, shape []int) *Tensor {
	if k.n == 0 {
		return nil
	}
	best := arenaKey{}
	for fk, list := range a.free {
		if fk.dtype == k.dtype && len(list) > 0 && fk.n > k.n && k.n >= (fk.n+carveRatio-1)/carveRatio && (best.n == 0 || fk.n < best.n) {
			best = fk
		}
	}
	if best.n == 0 {
		return nil
	}
	list := a.free[best]
	parent := list[len(list)-1]
	a.free[best] = list[:len(list)-1]
	t := a.view()
	t.setShape(k.dtype, shape)
	switch k.dtype {
	case Float32:
		t.f32 = parent.f32[:k.n:k.n]
	case Float64:
		t.f64 = parent.f64[:k.n:k.n]
	default:
		t.i64 = parent.i64[:k.n:k.n]
	}
	a.carved = append(a.carved, carving{t, parent})
	return t
}

// Zeros returns a zero-filled tensor of the given type and shape.
func (a *Arena) Zeros(dtype DType, shape ...int) *Tensor {
	if a == nil {
		return New(dtype, shape...)
	}
	t := a.Empty(dtype, shape...)
	t.Zero()
	return t
}

// EmptyLike returns an uninitialised tensor with t's type and shape.
func (a *Arena) EmptyLike(t *Tensor) *Tensor { return a.Empty(t.dtype, t.shape...) }

// ZerosLike returns a zero-filled tensor with t's type and shape.
func (a *Arena) ZerosLike(t *Tensor) *Tensor { return a.Zeros(t.dtype, t.shape...) }

// Reshape is Tensor.Reshape with the view's header taken from the arena.
func (a *Arena) Reshape(t *Tensor, shape ...int) *Tensor {
	v := a.view()
	v.reshapeFrom(t, shape)
	return v
}

// Slice is Tensor.Slice with the view's header taken from the arena.
func (a *Arena) Slice(t *Tensor, lo, hi int) *Tensor {
	v := a.view()
	v.sliceFrom(t, lo, hi)
	return v
}

func (a *Arena) view() *Tensor {
	if a == nil {
		return &Tensor{}
	}
	if a.nviews == len(a.views) {
		a.views = append(a.views, &Tensor{})
	}
	v := a.views[a.nviews]
	a.nviews++
	*v = Tensor{}
	return v
}

// Release takes back t, a tensor the arena handed out (by Empty or
// Zeros) since Reset, before Reset: a later request of its type and
// length, or of a smaller length (see carve), gets its memory. It reports whether t was such a tensor (a view
// is not). Neither t nor any view of it may be used afterwards. An
// inference pass releases each layer's output once the next layer has
// read it, so that its memory holds a few activations, not all of them.
func (a *Arena) Release(t *Tensor) bool {
	if a == nil || t == nil {
		return false
	}
	for i := len(a.carved) - 1; i >= 0; i-- {
		if c := a.carved[i]; c.t == t {
			last := len(a.carved) - 1
			a.carved[i], a.carved[last] = a.carved[last], carving{}
			a.carved = a.carved[:last]
			a.putFree(c.parent)
			return true
		}
	}
	for i := len(a.used) - 1; i >= 0; i-- {
		if a.used[i] == t {
			last := len(a.used) - 1
			a.used[i], a.used[last] = a.used[last], nil
			a.used = a.used[:last]
			a.putFree(t)
			return true
		}
	}
	return false
}

// Reset takes back every tensor the arena has handed out.
func (a *Arena) Reset() {
	if a == nil {
		return
	}
	for i, t := range a.used {
		a.putFree(t)
		a.used[i] = nil
	}
	a.used = a.used[:0]
	for i, c := range a.carved {
		a.putFree(c.parent)
		a.carved[i] = carving{}
	}
	a.carved = a.carved[:0]
	a.nviews = 0
}

// putFree returns a data tensor to the free list of its type and length.
func (a *Arena) putFree(t *Tensor) {
	k := arenaKey{t.dtype, t.Len()}
	a.free[k] = append(a.free[k], t)
}
