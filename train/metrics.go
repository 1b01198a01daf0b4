package train

import (
	"math"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/tensor"
)

// Metric measures a model on batches. It keeps no state of its own: a
// metric is a fixed number of sums (its sufficient statistics) that
// Accumulate adds each batch into, and Value turns into the figure. Sums
// merge by addition, so evaluation can spread batches over goroutines and
// still add them up in a fixed order, giving the same figure every run.
type Metric interface {
	// Name names the metric in reports ("accuracy", "rmse").
	Name() string
	// Stats returns the number of sums the metric keeps.
	Stats() int
	// Accumulate adds the sums of a batch, given the model's output for
	// it, into stats.
	Accumulate(stats []float64, out *tensor.Tensor, b *data.Batch)
	// Value returns the metric from its sums.
	Value(stats []float64) float64
}

// Monitor says which figure picks the best epoch (and drives early
// stopping and schedules that observe a metric): a metric's name or
// "loss", measured on the validation set (on the training batches when
// there is none), better when higher if Max is set.
type Monitor struct {
	Metric string `json:"metric"`
	Max    bool   `json:"max,omitempty"`
}

// better reports whether a beats b for the monitor.
func (m Monitor) better(a, b float64) bool {
	if m.Max {
		return a > b
	}
	return a < b
}

// Accuracy is the share of examples whose largest logit is at their
// label; for per-step targets, the share of the steps that are not
// padding.
type Accuracy struct{}

// Name returns "accuracy".
func (Accuracy) Name() string { return "accuracy" }

// Stats returns 2: examples right, examples counted.
func (Accuracy) Stats() int { return 2 }

// Accumulate counts the batch's right answers.
func (Accuracy) Accumulate(s []float64, out *tensor.Tensor, b *data.Batch) {
	labels := b.Target.I64()
	c := out.Len() / len(labels)
	for i, l := range labels {
		if l < 0 || (b.Mask != nil && b.Mask.Flat(i) == 0) {
			continue // padding or ignored
		}
		if tensor.ArgMaxRow(out, i, c) == int(l) {
			s[0]++
		}
		s[1]++
	}
}

// Value returns the share right.
func (Accuracy) Value(s []float64) float64 { return ratio(s[0], s[1]) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// BinaryAccuracy is the share of binary targets (y ≥ 0.5 is a 1) that
// the sign of the logit gets right.
type BinaryAccuracy struct{}

// Name returns "accuracy".
func (BinaryAccuracy) Name() string { return "accuracy" }

// Stats returns 2: right, counted.
func (BinaryAccuracy) Stats() int { return 2 }

// Accumulate counts the batch's right answers.
func (BinaryAccuracy) Accumulate(s []float64, out *tensor.Tensor, b *data.Batch) {
	eachPair(out, b, func(p, y float64) {
		if (p > 0) == (y >= 0.5) {
			s[0]++
		}
		s[1]++
	})
}

// Value returns the share right.
func (BinaryAccuracy) Value(s []float64) float64 { return ratio(s[0], s[1]) }

// eachPair calls f with every output and its float target, skipping the
// padded steps of a masked batch.
func eachPair(out *tensor.Tensor, b *data.Batch, f func(p, y float64)) {
	per := 1
	if b.Mask != nil {
		per = b.Target.Len() / b.Mask.Len()
	}
	for i := range b.Target.Len() {
		if b.Mask != nil && b.Mask.Flat(i/per) == 0 {
			continue
		}
		f(out.Flat(i), b.Target.Flat(i))
	}
}

// RMSE is the root of the mean squared error, in the target's units.
type RMSE struct{}

// Name returns "rmse".
func (RMSE) Name() string { return "rmse" }

// Stats returns 2: the sum of squared errors, the count.
func (RMSE) Stats() int { return 2 }

// Accumulate adds the batch's squared errors.
func (RMSE) Accumulate(s []float64, out *tensor.Tensor, b *data.Batch) {
	eachPair(out, b, func(p, y float64) { s[0] += (p - y) * (p - y); s[1]++ })
}

// Value returns the RMSE.
func (RMSE) Value(s []float64) float64 { return math.Sqrt(ratio(s[0], s[1])) }

// MAE is the mean absolute error.
type MAE struct{}

// Name returns "mae".
func (MAE) Name() string { return "mae" }

// Stats returns 2: the sum of absolute errors, the count.
func (MAE) Stats() int { return 2 }

// Accumulate adds the batch's absolute errors.
func (MAE) Accumulate(s []float64, out *tensor.Tensor, b *data.Batch) {
	eachPair(out, b, func(p, y float64) { s[0] += math.Abs(p - y); s[1]++ })
}

// Value returns the MAE.
func (MAE) Value(s []float64) float64 { return ratio(s[0], s[1]) }

// R2 is the coefficient of determination, 1 − SSE/SST: the share of the
// targets' variance the model explains (1 is perfect, 0 is no better than
// predicting the mean, and it can be negative).
type R2 struct{}

// Name returns "r2".
func (R2) Name() string { return "r2" }

// Stats returns 4: Σy, Σy², SSE and the count.
func (R2) Stats() int { return 4 }

// Accumulate adds the batch's sums.
func (R2) Accumulate(s []float64, out *tensor.Tensor, b *data.Batch) {
	eachPair(out, b, func(p, y float64) { s[0] += y; s[1] += y * y; s[2] += (p - y) * (p - y); s[3]++ })
}

// Value returns R².
func (R2) Value(s []float64) float64 {
	sst := s[1] - s[0]*s[0]/s[3]
	return 1 - ratio(s[2], sst)
}
