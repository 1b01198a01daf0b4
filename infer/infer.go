// Package infer runs trained digit classifiers: load a checkpoint, give
// it images, get digits and probabilities. It builds no training graph
// (every pass runs in no-grad mode on a scratch graph of its own) and the
// model is only read, so one Predictor serves any number of goroutines.
package infer

import (
	"fmt"
	"image"
	"sync"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/digits"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// Prediction is a classifier's answer for one image.
type Prediction struct {
	// Digit is the most probable class.
	Digit int `json:"digit"`
	// Probabilities holds the softmax probability of each class 0–9.
	Probabilities []float64 `json:"probabilities"`
	// Input is the 28×28 image the model saw (0 background, 255 ink).
	Input []byte `json:"-"`
}

// Top returns the classes in order of decreasing probability.
func (p Prediction) Top() []int {
	idx := make([]int, len(p.Probabilities))
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && p.Probabilities[idx[j]] > p.Probabilities[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	return idx
}

// Predictor classifies 28×28 digit images with a trained model.
type Predictor struct {
	Model  *models.Model
	Meta   map[string]string
	graphs sync.Pool
}

// New returns a Predictor for a model already in memory.
func New(m *models.Model) *Predictor {
	p := &Predictor{Model: m}
	p.graphs.New = func() any { return autograd.NewInferenceGraph() }
	return p
}

// Load reads a checkpoint written by baeum train.
func Load(path string) (*Predictor, error) {
	m, meta, err := models.Load(path)
	if err != nil {
		return nil, err
	}
	p := New(m)
	p.Meta = meta
	return p, nil
}

// PredictImage prepares an image of one handwritten digit the way MNIST
// was made (see digits.Prepare) and classifies it.
func (p *Predictor) PredictImage(img image.Image) (Prediction, error) {
	px, err := digits.Prepare(img)
	if err != nil {
		return Prediction{}, err
	}
	return p.PredictPixels(px)
}

// PredictPixels classifies one 28×28 MNIST-style image (row-major bytes,
// ink high).
func (p *Predictor) PredictPixels(px []byte) (Prediction, error) {
	out, err := p.PredictBatch([][]byte{px})
	if err != nil {
		return Prediction{}, err
	}
	return out[0], nil
}

// PredictBatch classifies several 28×28 images in one pass.
func (p *Predictor) PredictBatch(images [][]byte) ([]Prediction, error) {
	if len(images) == 0 {
		return nil, nil
	}
	for i, im := range images {
		if len(im) != digits.Size*digits.Size {
			return nil, fmt.Errorf("infer: image %d has %d pixels, want %d (28×28)", i, len(im), digits.Size*digits.Size)
		}
	}
	shape := append([]int{len(images)}, p.Model.InputShape()...)
	x := tensor.New(tensor.Float32, shape...)
	per := x.Len() / len(images)
	tf := p.Model.Input
	side := digits.Size + 2*tf.Pad
	bg := float32((0 - tf.Mean) / tf.Std)
	buf := x.F32()
	for i := range buf {
		buf[i] = bg
	}
	for i, im := range images {
		dst := buf[i*per : (i+1)*per]
		for y := 0; y < digits.Size; y++ {
			for xx := 0; xx < digits.Size; xx++ {
				dst[(y+tf.Pad)*side+xx+tf.Pad] = float32((float64(im[y*digits.Size+xx])/255 - tf.Mean) / tf.Std)
			}
		}
	}
	g := p.graphs.Get().(*autograd.Graph)
	defer func() {
		g.Reset()
		p.graphs.Put(g)
	}()
	logits := p.Model.Forward(g, g.Input(x)).Data()
	// The probabilities are reported in float64, computed by the same
	// softmax that training's loss uses.
	probs := tensor.New(tensor.Float64, logits.Shape()...)
	probs.CopyFrom(logits)
	tensor.SoftmaxTo(probs, probs, 1)
	best := tensor.ArgMaxRows(nil, probs)
	out := make([]Prediction, len(images))
	for i := range images {
		out[i] = Prediction{Digit: best[i], Probabilities: probs.Index(i).Float64s(), Input: images[i]}
	}
	return out, nil
}
