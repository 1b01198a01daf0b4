package mnist

import (
	"github.com/baeum-ml/baeum/data"
)

// Mean and Std are the mean and standard deviation of MNIST's training
// pixels scaled to [0, 1], the usual normalisation. They live here, with
// the data set they describe, and reach models only through the
// preprocessing record (data.ImagePrep) a dataset hands to training.
const (
	Mean = 0.1307
	Std  = 0.3081
)

// Classes names MNIST's ten classes, the digits.
var Classes = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// Side is the side of MNIST's images in pixels.
const Side = 28

// DigitPrep returns MNIST's preparation: grey 28×28 images normalised by
// Mean and Std, and pictures given to a model trained on it prepared as
// MNIST's digits were made (resize "digit"). Models add their own padding
// or flattening.
func DigitPrep() data.ImagePrep {
	return data.ImagePrep{Height: Side, Width: Side, Channels: 1, Mean: []float64{Mean}, Std: []float64{Std}, Resize: "digit"}
}

// Prep returns the preparation for the set's images: DigitPrep for
// MNIST's size, and for another size the same normalisation without a
// way to resize pictures.
func (s *Set) Prep() data.ImagePrep {
	p := DigitPrep()
	if s.Rows != Side || s.Cols != Side {
		p.Height, p.Width, p.Resize = s.Rows, s.Cols, ""
	}
	return p
}

// Dataset wraps the set as a data set of images with the digits as class
// names, prepared by prep (start from s.Prep()).
func (s *Set) Dataset(prep data.ImagePrep) (*data.Images, error) {
	labels := make([]int, len(s.Labels))
	for i, l := range s.Labels {
		labels[i] = int(l)
	}
	return data.NewImages(s.Images, labels, prep, Classes)
}
