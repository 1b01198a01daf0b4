package tensor

import "fmt"

// PackF32 copies the elements of the float32 tensors ts, one after the
// other, into dst, which must hold their total, scaled by scale: the
// gradients of a model as one buffer for a collective operation.
func PackF32(dst []float32, scale float32, ts ...*Tensor) {
	off := 0
	for _, t := range ts {
		checkPack(t, len(dst)-off)
		for i, v := range t.f32 {
			dst[off+i] = v * scale
		}
		off += len(t.f32)
	}
}

// UnpackF32 is PackF32 backwards: the tensors ts get the elements of src,
// in order, scaled by scale.
func UnpackF32(src []float32, scale float32, ts ...*Tensor) {
	off := 0
	for _, t := range ts {
		checkPack(t, len(src)-off)
		for i, v := range src[off : off+len(t.f32)] {
			t.f32[i] = v * scale
		}
		off += len(t.f32)
	}
}

func checkPack(t *Tensor, room int) {
	if t.dtype != Float32 {
		panic(fmt.Sprintf("tensor: packing a %v tensor, want float32", t.dtype))
	}
	if len(t.f32) > room {
		panic(fmt.Sprintf("tensor: packing %d elements into room for %d", len(t.f32), room))
	}
}
