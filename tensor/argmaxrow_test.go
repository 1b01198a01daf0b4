package tensor

import (
	"math"
	"strings"
	"testing"
)

// TestArgMaxRow agrees with ArgMaxRows row by row, keeps its rule (the
// first of equals; a NaN wins) and refuses a row outside the tensor.
func TestArgMaxRow(t *testing.T) {
	x := FromFloat32([]float32{1, 3, 3, 0, float32(math.NaN()), 5, -1, -2, -1}, 3, 3)
	want := ArgMaxRows(nil, x)
	for i, w := range want {
		if got := ArgMaxRow(x, i, 3); got != w {
			t.Errorf("row %d: %d, ArgMaxRows says %d", i, got, w)
		}
	}
	if want[0] != 1 || want[1] != 1 || want[2] != 0 {
		t.Errorf("rows' arg-max %v, want [1 1 0] (first of equals, NaN wins)", want)
	}
	if got := ArgMaxRow(x.To(Float64), 1, 3); got != 1 {
		t.Errorf("float64 row 1: %d, want 1", got)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "row 3") {
			t.Errorf("row 3 of a 3-row tensor: %v, want a panic naming it", r)
		}
	}()
	ArgMaxRow(x, 3, 3)
}
