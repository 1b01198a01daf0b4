package regression

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// ConfusionMatrix counts classifications: Counts[i][j] is the number of
// observations of true class i predicted as class j.
type ConfusionMatrix struct {
	// Classes are the class labels, in index order.
	Classes []string
	// Counts is K×K, rows for the true class, columns for the prediction.
	Counts [][]int
}

// NewConfusionMatrix tallies true classes against predicted ones; both hold
// indices into classes.
func NewConfusionMatrix(truth, pred []int, classes []string) (*ConfusionMatrix, error) {
	if len(truth) != len(pred) {
		return nil, fmt.Errorf("regression: %d true classes but %d predictions", len(truth), len(pred))
	}
	k := len(classes)
	c := &ConfusionMatrix{Classes: classes, Counts: make([][]int, k)}
	for i := range c.Counts {
		c.Counts[i] = make([]int, k)
	}
	for i := range truth {
		if truth[i] < 0 || truth[i] >= k || pred[i] < 0 || pred[i] >= k {
			return nil, fmt.Errorf("regression: observation %d has class %d predicted as %d; classes are 0 to %d", i+1, truth[i], pred[i], k-1)
		}
		c.Counts[truth[i]][pred[i]]++
	}
	return c, nil
}

// Total returns the number of observations.
func (c *ConfusionMatrix) Total() int {
	n := 0
	for _, row := range c.Counts {
		for _, v := range row {
			n += v
		}
	}
	return n
}

// Accuracy is the fraction classified correctly.
func (c *ConfusionMatrix) Accuracy() float64 {
	right := 0
	for i := range c.Counts {
		right += c.Counts[i][i]
	}
	return float64(right) / float64(c.Total())
}

// Precision of class k: of those predicted k, the fraction truly k. It is
// NaN if nothing was predicted as k.
func (c *ConfusionMatrix) Precision(k int) float64 {
	col := 0
	for i := range c.Counts {
		col += c.Counts[i][k]
	}
	return ratio(c.Counts[k][k], col)
}

// Recall of class k (its sensitivity): of those truly k, the fraction
// predicted k. It is NaN if no observation is of class k.
func (c *ConfusionMatrix) Recall(k int) float64 {
	row := 0
	for _, v := range c.Counts[k] {
		row += v
	}
	return ratio(c.Counts[k][k], row)
}

// F1 of class k is the harmonic mean of its precision and recall.
func (c *ConfusionMatrix) F1(k int) float64 {
	p, r := c.Precision(k), c.Recall(k)
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// String formats the matrix as a table with true classes down the side.
func (c *ConfusionMatrix) String() string {
	w := len("true \\ predicted")
	for _, l := range c.Classes {
		w = max(w, len(l))
	}
	cw := 6
	for _, l := range c.Classes {
		cw = max(cw, len(l)+1)
	}
	for _, row := range c.Counts {
		for _, v := range row {
			cw = max(cw, len(fmt.Sprint(v))+1)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s", w, "true \\ predicted")
	for _, l := range c.Classes {
		fmt.Fprintf(&b, " %*s", cw, l)
	}
	b.WriteByte('\n')
	for i, row := range c.Counts {
		fmt.Fprintf(&b, "%-*s", w, c.Classes[i])
		for _, v := range row {
			fmt.Fprintf(&b, " %*d", cw, v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// BinaryMetrics summarises a 0/1 classification made by thresholding
// scores (such as fitted probabilities) at Threshold: a score ≥ Threshold
// predicts 1.
type BinaryMetrics struct {
	Threshold float64 `json:"threshold"`
	// TP, FP, TN and FN count the true positives, false positives, true
	// negatives and false negatives.
	TP int `json:"tp"`
	FP int `json:"fp"`
	TN int `json:"tn"`
	FN int `json:"fn"`
	// Accuracy = (TP+TN)/n; Precision = TP/(TP+FP); Recall (sensitivity)
	// = TP/(TP+FN); Specificity = TN/(TN+FP); F1 = harmonic mean of
	// precision and recall. Undefined ratios are NaN.
	Accuracy    float64 `json:"accuracy"`
	Precision   float64 `json:"precision"`
	Recall      float64 `json:"recall"`
	Specificity float64 `json:"specificity"`
	F1          float64 `json:"f1"`
}

// checkScores validates a 0/1 response and its scores.
func checkScores(y, scores []float64) error {
	if len(y) != len(scores) {
		return fmt.Errorf("regression: %d outcomes but %d scores", len(y), len(scores))
	}
	if len(y) == 0 {
		return errors.New("regression: no observations")
	}
	for i, v := range y {
		if v != 0 && v != 1 {
			return fmt.Errorf("regression: outcome %d is %v, not 0 or 1", i+1, v)
		}
		if math.IsNaN(scores[i]) {
			return fmt.Errorf("regression: score %d is NaN", i+1)
		}
	}
	return nil
}

// Classify scores a 0/1 classification of outcomes y by scores ≥
// threshold.
func Classify(y, scores []float64, threshold float64) (BinaryMetrics, error) {
	if err := checkScores(y, scores); err != nil {
		return BinaryMetrics{}, err
	}
	m := BinaryMetrics{Threshold: threshold}
	for i, v := range y {
		pos := scores[i] >= threshold
		switch {
		case v == 1 && pos:
			m.TP++
		case v == 1:
			m.FN++
		case pos:
			m.FP++
		default:
			m.TN++
		}
	}
	m.Accuracy = ratio(m.TP+m.TN, len(y))
	m.Precision = ratio(m.TP, m.TP+m.FP)
	m.Recall = ratio(m.TP, m.TP+m.FN)
	m.Specificity = ratio(m.TN, m.TN+m.FP)
	if m.Precision+m.Recall > 0 {
		m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
	} else if math.IsNaN(m.Precision) || math.IsNaN(m.Recall) {
		m.F1 = math.NaN()
	}
	return m, nil
}

// ROCPoint is one point of an ROC curve: classifying score ≥ Threshold as
// positive gives false-positive rate FPR and true-positive rate TPR.
type ROCPoint struct {
	Threshold, FPR, TPR float64
}

// ROC returns the receiver operating characteristic curve of scores for
// 0/1 outcomes y — one point per distinct score, from the highest
// threshold (+Inf: nothing positive, the point (0, 0)) down to the lowest
// (everything positive, (1, 1)) — and the area under it. Tied scores move
// the curve diagonally, so the area equals the probability that a random
// positive outscores a random negative, ties counting one half (the
// Mann–Whitney statistic). Both classes must be present.
func ROC(y, scores []float64) ([]ROCPoint, float64, error) {
	if err := checkScores(y, scores); err != nil {
		return nil, 0, err
	}
	idx := make([]int, len(y))
	var npos, nneg float64
	for i := range idx {
		idx[i] = i
		if y[i] == 1 {
			npos++
		} else {
			nneg++
		}
	}
	if npos == 0 || nneg == 0 {
		return nil, 0, errors.New("regression: ROC needs both positive and negative outcomes")
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	pts := []ROCPoint{{Threshold: math.Inf(1)}}
	var tp, fp, auc float64
	for k := 0; k < len(idx); {
		s := scores[idx[k]]
		prevTPR, prevFPR := tp/npos, fp/nneg
		for ; k < len(idx) && scores[idx[k]] == s; k++ {
			if y[idx[k]] == 1 {
				tp++
			} else {
				fp++
			}
		}
		p := ROCPoint{Threshold: s, FPR: fp / nneg, TPR: tp / npos}
		auc += (p.FPR - prevFPR) * (p.TPR + prevTPR) / 2
		pts = append(pts, p)
	}
	return pts, auc, nil
}

// Classification returns the confusion counts and rates of the fitted
// probabilities thresholded at threshold (0.5 is usual).
func (m *Logistic) Classification(threshold float64) (BinaryMetrics, error) {
	return Classify(m.Y, m.Fitted, threshold)
}

// ROC returns the ROC curve of the fitted probabilities and its area.
func (m *Logistic) ROC() ([]ROCPoint, float64, error) {
	return ROC(m.Y, m.Fitted)
}

// Confusion returns the confusion matrix of the fitted model's most
// probable class against the observed class.
func (m *Multinomial) Confusion() (*ConfusionMatrix, error) {
	pred := make([]int, m.N)
	for i := range pred {
		best := 0
		for k := 1; k < m.K; k++ {
			if m.Fitted.At(i, k) > m.Fitted.At(i, best) {
				best = k
			}
		}
		pred[i] = best
	}
	return NewConfusionMatrix(m.Y, pred, m.Classes)
}
