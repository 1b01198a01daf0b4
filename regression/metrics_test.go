package regression

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestConfusionMatrix(t *testing.T) {
	truth := []int{0, 0, 0, 1, 1, 1, 1, 2, 2, 2}
	pred := []int{0, 0, 1, 1, 1, 1, 2, 2, 2, 0}
	c, err := NewConfusionMatrix(truth, pred, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Accuracy(); got != 0.7 {
		t.Errorf("accuracy %v", got)
	}
	tests := []struct {
		k                 int
		precision, recall float64
	}{
		{0, 2.0 / 3, 2.0 / 3},
		{1, 3.0 / 4, 3.0 / 4},
		{2, 2.0 / 3, 2.0 / 3},
	}
	for _, tc := range tests {
		if p, r := c.Precision(tc.k), c.Recall(tc.k); math.Abs(p-tc.precision) > 1e-15 || math.Abs(r-tc.recall) > 1e-15 {
			t.Errorf("class %d: precision %v recall %v", tc.k, p, r)
		}
		if f := c.F1(tc.k); math.Abs(f-tc.precision) > 1e-15 { // p = r here
			t.Errorf("class %d: F1 %v", tc.k, f)
		}
	}
	if _, err := NewConfusionMatrix([]int{0}, []int{3}, []string{"a"}); err == nil {
		t.Error("no error for a class out of range")
	}
	if _, err := NewConfusionMatrix([]int{0}, nil, []string{"a"}); err == nil {
		t.Error("no error for a length mismatch")
	}
	_ = c.String()
}

func TestClassify(t *testing.T) {
	y := []float64{1, 1, 1, 0, 0, 0, 1, 0}
	s := []float64{0.9, 0.8, 0.3, 0.6, 0.2, 0.1, 0.5, 0.5}
	m, err := Classify(y, s, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	want := BinaryMetrics{Threshold: 0.5, TP: 3, FP: 2, TN: 2, FN: 1, Accuracy: 5.0 / 8, Precision: 3.0 / 5,
		Recall: 3.0 / 4, Specificity: 2.0 / 4}
	want.F1 = 2 * want.Precision * want.Recall / (want.Precision + want.Recall)
	if m != want {
		t.Errorf("got %+v\nwant %+v", m, want)
	}
	if _, err := Classify([]float64{2}, []float64{0.5}, 0.5); err == nil {
		t.Error("no error for outcome 2")
	}
}

// TestROCArea checks the area against the Mann–Whitney count over all
// positive-negative pairs, with many tied scores.
func TestROCArea(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 50; trial++ {
		n := 5 + r.IntN(60)
		y := make([]float64, n)
		s := make([]float64, n)
		for i := range y {
			y[i] = float64(r.IntN(2))
			s[i] = float64(r.IntN(6)) + y[i]*float64(r.IntN(3))
		}
		y[0], y[1] = 0, 1
		pts, auc, err := ROC(y, s)
		if err != nil {
			t.Fatal(err)
		}
		var wins, pairs float64
		for i := range y {
			for j := range y {
				if y[i] == 1 && y[j] == 0 {
					pairs++
					switch {
					case s[i] > s[j]:
						wins++
					case s[i] == s[j]:
						wins += 0.5
					}
				}
			}
		}
		if math.Abs(auc-wins/pairs) > 1e-12 {
			t.Fatalf("AUC %v, Mann-Whitney %v", auc, wins/pairs)
		}
		first, last := pts[0], pts[len(pts)-1]
		if first.FPR != 0 || first.TPR != 0 || last.FPR != 1 || last.TPR != 1 {
			t.Fatalf("curve runs from %+v to %+v", first, last)
		}
		for k := 1; k < len(pts); k++ {
			if pts[k].FPR < pts[k-1].FPR || pts[k].TPR < pts[k-1].TPR || pts[k].Threshold >= pts[k-1].Threshold {
				t.Fatalf("curve not monotone at %d: %+v, %+v", k, pts[k-1], pts[k])
			}
		}
	}
	if _, _, err := ROC([]float64{1, 1}, []float64{0.2, 0.3}); err == nil {
		t.Error("no error with one class only")
	}
}
