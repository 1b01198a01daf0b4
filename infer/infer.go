// Package infer runs trained image classifiers: load a checkpoint, give
// it images, get classes and probabilities. Images are prepared by the
// checkpoint's preprocessing record (data.Preprocess), through the same
// function training used. It builds no training graph
// (every pass runs in no-grad mode on a scratch graph of its own) and the
// model is only read, so one Predictor serves any number of goroutines.
package infer

import (
	"fmt"
	"image"
	"math"
	"strconv"
	"sync"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/digits"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// Prediction is a classifier's answer for one image.
type Prediction struct {
	// Digit is the most probable class's index (for MNIST, the digit;
	// for other models, the position of Label in the record's classes).
	Digit int `json:"digit"`
	// Label is the most probable class's name, from the checkpoint's
	// record ("7" for MNIST's digits, "ship" for a model trained on
	// pictures of ships), or its index in decimal where the record names
	// no such class.
	Label string `json:"label,omitempty"`
	// Probabilities holds the softmax probability of each class.
	Probabilities []float64 `json:"probabilities"`
	// Input is the stored image the model saw (C×H×W bytes: for MNIST,
	// 28×28, 0 background and 255 ink).
	Input []byte `json:"-"`
	// Flag, for a model of handwritten digits, says why the input is not
	// plausibly one digit (digits.Implausible); nil when it is, and for
	// other models. The reading is given all the same: a flag qualifies
	// it.
	Flag *digits.Flag `json:"flag,omitempty"`
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

// ErrNonFinite is wrapped by the error of a prediction whose output is
// NaN or infinite, as a model with finite but huge weights (±3e38) gives:
// such an answer is refused rather than reported as a class with a NaN
// probability. It is models.ErrNonFinite, which Load's check of the model
// returns too.
var ErrNonFinite = models.ErrNonFinite

// Predictor classifies images with a trained model. Every prediction
// whose output is not finite is an error wrapping ErrNonFinite.
type Predictor struct {
	Model   *models.Model
	Meta    map[string]string
	graphs  sync.Pool
	runners sync.Pool
	packs   *autograd.WeightPacks
}

// New returns a Predictor for a model already in memory. Its inference
// passes release each layer's output once the next layer has read it
// (autograd.Graph.ReleaseIntermediates), which baeum's layers allow; a
// model with a module of its own that keeps a value it was given for
// later must not be run by a Predictor. Its dense layers multiply by
// their weights packed once for the GEMM kernels (autograd.WeightPacks),
// as ONNX Runtime packs a model's weights when it opens it: change the
// model's weights in place afterwards and the Predictor does not see it
// (make a new one). A batch of images runs in shares, one a thread, each
// a whole pass on one core, to the bits of one pass on the batch
// (Runner). New does not run the model;
// models.Load, through which checkpoints are read, has checked
// that a loaded model's output is finite (m.CheckFinite).
func New(m *models.Model) *Predictor {
	p := &Predictor{Model: m, packs: autograd.NewWeightPacks()}
	p.graphs.New = func() any { return newGraph(p.packs) }
	// A batch of images runs in shares, one a thread, each a whole pass
	// on one core (Runner).
	p.runners.New = func() any { return NewRunner(m, p.packs, 0) }
	return p
}

// Load reads a checkpoint written by baeum train, with models.Load's
// checks: the header against the configuration before anything is
// allocated, the metadata, and a pass on neutral inputs whose output must
// be finite (an error wrapping ErrNonFinite otherwise).
func Load(path string) (*Predictor, error) {
	m, meta, err := models.Load(path)
	if err != nil {
		return nil, err
	}
	p := New(m)
	p.Meta = meta
	return p, nil
}

// Prep returns how the model's images are prepared.
func (p *Predictor) Prep() *data.ImagePrep { return p.Model.Image() }

// Classes returns the names of the model's classes, in the order of its
// outputs, as the checkpoint's record gives them. The slice is the
// model's own: do not change it.
func (p *Predictor) Classes() []string { return p.Model.Prep.Classes }

// ClassName returns the name of class k: the record's name for it, or k
// in decimal where the record names no class k.
func (p *Predictor) ClassName(k int) string { return className(p.Model.Prep.Classes, k) }

// ReadsDigits reports whether the model reads handwritten digits: its
// record prepares pictures the way MNIST's digits were made (resize
// "digit"), so that pictures are checked for being plausibly one digit
// and a row of digits can be segmented and read one by one.
func (p *Predictor) ReadsDigits() bool {
	prep := p.Prep()
	return prep != nil && prep.Resize == "digit"
}

// className returns classes[k], or k in decimal when classes has no
// entry k (or an empty one).
func className(classes []string, k int) string {
	if k >= 0 && k < len(classes) && classes[k] != "" {
		return classes[k]
	}
	return strconv.Itoa(k)
}

// PredictImage prepares a picture as the checkpoint's record says (for
// MNIST models, the way MNIST's digits were made: see digits.Prepare) and
// classifies it, as PredictPrepared does.
func (p *Predictor) PredictImage(img image.Image) (Prediction, error) {
	px, err := p.Prep().Raw(img)
	if err != nil {
		return Prediction{}, err
	}
	return p.PredictPrepared(img, px)
}

// PredictPixels classifies one stored image (C×H×W bytes, as the record
// says: for MNIST, 28×28, row-major, ink high): PredictPrepared without
// the picture it came from.
func (p *Predictor) PredictPixels(px []byte) (Prediction, error) {
	return p.PredictPrepared(nil, px)
}

// PredictPrepared classifies the stored image px prepared from the
// picture src (nil when only px is known). For a model of handwritten
// digits (the record's resize "digit") it first asks digits.Implausible
// whether the input is plausibly one digit: an input with nothing to read
// (blank, too small, too faint) is refused with the *digits.Flag as the
// error, and any other doubt is returned in Prediction.Flag beside the
// reading.
func (p *Predictor) PredictPrepared(src image.Image, px []byte) (Prediction, error) {
	var flag *digits.Flag
	if p.ReadsDigits() && len(px) == digits.Size*digits.Size {
		if flag = digits.Implausible(src, px); flag != nil && flag.Refuse() {
			return Prediction{}, flag
		}
	}
	out, err := p.PredictBatch([][]byte{px})
	if err != nil {
		return Prediction{}, err
	}
	out[0].Flag = flag
	return out[0], nil
}

// Inputs returns the tensor the model reads for a batch of stored
// images, prepared by the record (data.ImagePrep.Prepare, the function
// training's loader calls).
func (p *Predictor) Inputs(images [][]byte) (*tensor.Tensor, error) {
	prep := p.Prep()
	for i, im := range images {
		if len(im) != prep.RawSize() {
			return nil, fmt.Errorf("infer: image %d has %d bytes, want %d (%d×%d×%d)", i, len(im), prep.RawSize(), prep.Channels, prep.Height, prep.Width)
		}
	}
	x := tensor.New(tensor.Float32, append([]int{len(images)}, p.Model.InputShape()...)...)
	per := x.Len() / len(images)
	buf := x.F32()
	for i, im := range images {
		prep.Prepare(buf[i*per:(i+1)*per], im)
	}
	return x, nil
}

// PredictBatch classifies several stored images in one pass. If the
// model's output for any of them is NaN or infinite, it returns an error
// wrapping ErrNonFinite that names the image.
func (p *Predictor) PredictBatch(images [][]byte) ([]Prediction, error) {
	if len(images) == 0 {
		return nil, nil
	}
	x, err := p.Inputs(images)
	if err != nil {
		return nil, err
	}
	r := p.runners.Get().(*Runner)
	logits := r.Forward(x) // a panic leaves r out of the pool
	defer p.runners.Put(r)
	if err := finite(logits); err != nil {
		return nil, err
	}
	// The probabilities are reported in float64, computed by the same
	// softmax that training's loss uses.
	probs := tensor.New(tensor.Float64, logits.Shape()...)
	probs.CopyFrom(logits)
	tensor.SoftmaxTo(probs, probs, 1)
	if err := finite(probs); err != nil {
		return nil, err
	}
	best := tensor.ArgMaxRows(nil, probs)
	classes := p.Model.Prep.Classes
	out := make([]Prediction, len(images))
	for i := range images {
		out[i] = Prediction{Digit: best[i], Label: className(classes, best[i]), Probabilities: probs.Index(i).Float64s(), Input: images[i]}
	}
	return out, nil
}

// finite returns an error wrapping ErrNonFinite, naming the image and the
// class, when a batch's output (one row per image) holds a NaN or an
// infinity.
func finite(out *tensor.Tensor) error {
	per := out.Len() / max(1, out.Shape()[0])
	for i := 0; i < out.Len(); i++ {
		if v := out.Flat(i); math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("infer: image %d: %w: output %d is %v (are the weights too large?)", i/per, ErrNonFinite, i%per, v)
		}
	}
	return nil
}
