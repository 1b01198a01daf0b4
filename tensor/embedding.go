package tensor

import (
	"fmt"
	"math"
)

// EmbeddingTo looks up rows of a table: it writes into dst row ids[i] of
// w (V, D) for every id, so that dst has ids' shape followed by D. ids
// holds int64 token ids, or floats that are whole numbers (as a model
// summary's zero input is); an id outside [0, V) panics, naming it.
func EmbeddingTo(dst, w, ids *Tensor) {
	v, d := embeddingDims("embedding", dst, w, ids)
	for i := range ids.Len() {
		k := embeddingID(ids, i, v)
		copyRange(dst, i*d, w, k*d, d)
	}
}

// EmbeddingBackward adds the gradient of EmbeddingTo to gw (V, D): row
// i of gout goes to row ids[i] of gw, so an id that occurs several times
// gets the sum of its rows.
func EmbeddingBackward(gw, gout, ids *Tensor) {
	checkFloat("embedding backward", gw, gout)
	v, d := embeddingDims("embedding backward", gout, gw, ids)
	for i := range ids.Len() {
		k := embeddingID(ids, i, v)
		if gw.dtype == Float64 {
			axpy(gw.f64[k*d:(k+1)*d], gout.f64[i*d:(i+1)*d], 1)
		} else {
			axpy(gw.f32[k*d:(k+1)*d], gout.f32[i*d:(i+1)*d], 1)
		}
	}
}

// embeddingDims checks that rows (ids' shape, D) fits the table w (V, D)
// and returns V and D.
func embeddingDims(op string, rows, w, ids *Tensor) (v, d int) {
	if w.Dims() != 2 {
		panic(fmt.Sprintf("tensor: %s: table %v is not (V, D)", op, w.shape))
	}
	v, d = w.shape[0], w.shape[1]
	n := len(ids.shape)
	if rows.dtype != w.dtype || len(rows.shape) != n+1 || !EqualShapes(rows.shape[:n], ids.shape) || rows.shape[n] != d {
		panic(fmt.Sprintf("tensor: %s: ids %v and table %v %v do not give %v %v", op, ids.shape, w.dtype, w.shape, rows.dtype, rows.shape))
	}
	return v, d
}

// embeddingID returns id i of ids, checked against the table's V rows.
func embeddingID(ids *Tensor, i, v int) int {
	if ids.dtype == Int64 {
		x := ids.i64[i]
		if x < 0 || x >= int64(v) {
			panic(fmt.Sprintf("tensor: embedding: id %d at position %d is outside [0, %d)", x, i, v))
		}
		return int(x)
	}
	x := ids.Flat(i)
	if !(x >= 0 && x < float64(v)) || x != math.Trunc(x) {
		panic(fmt.Sprintf("tensor: embedding: id %v at position %d is not a whole number in [0, %d)", x, i, v))
	}
	return int(x)
}
