package bench

import (
	"fmt"
	"slices"

	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// Spread summarises repeated measurements: their median, smallest and
// largest values, and how many there were.
type Spread struct {
	Median, Min, Max float64
	N                int
}

// SpreadOf returns the spread of vs (zero for none).
func SpreadOf(vs []float64) Spread {
	if len(vs) == 0 {
		return Spread{}
	}
	v := slices.Clone(vs)
	slices.Sort(v)
	s := Spread{Min: v[0], Max: v[len(v)-1], N: len(v)}
	if len(v)%2 == 1 {
		s.Median = v[len(v)/2]
	} else {
		s.Median = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return s
}

// Values applies f to the results without errors.
func Values(rs []Result, f func(Result) float64) []float64 {
	var v []float64
	for _, r := range rs {
		if r.Error == "" {
			v = append(v, f(r))
		}
	}
	return v
}

// PairRatios returns a[i]/b[i] for the pairs of the same run i where
// both sides succeeded: the ratios of interleaved runs, measured under
// the same conditions, rather than a ratio of medians.
func PairRatios(a, b []Result) []float64 {
	var v []float64
	for i := range min(len(a), len(b)) {
		if a[i].Error == "" && b[i].Error == "" && a[i].ImagesPerSec > 0 && b[i].ImagesPerSec > 0 {
			v = append(v, a[i].ImagesPerSec/b[i].ImagesPerSec)
		}
	}
	return v
}

// FLOPsPerImage returns the floating-point operations (a multiply-add
// counting as two) that the model's Case does per image: its forward
// pass's multiply-adds for inference, and for training the forward pass,
// the weights' gradients (as many again) and the inputs' gradients (as
// many again, less the first layer's products with its input: nothing
// needs the gradient of the data, but a recurrent first layer still
// backpropagates through its states). Activations, pooling, the loss and
// the optimizer's updates are not counted: they are a few percent of
// these models' arithmetic.
func FLOPsPerImage(c Case) (float64, error) {
	m, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: c.Model})
	if err != nil {
		return 0, err
	}
	s := nn.Summarize(m, append([]int{1}, m.InputShape()...)...)
	fwd := s.MultiplyAdds
	first := 0
	for _, r := range s.Rows {
		if r.MultiplyAdds > 0 {
			first = r.InputMultiplyAdds
			break
		}
	}
	switch c.Mode {
	case "infer":
		return 2 * float64(fwd), nil
	case "train":
		return 2 * float64(3*fwd-first), nil
	}
	return 0, fmt.Errorf("unknown mode %q (want train or infer)", c.Mode)
}
