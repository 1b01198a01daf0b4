package serve

import (
	"encoding/base64"
	"math"
	"net/http"

	"github.com/baeum-ml/baeum/infer"
)

// Defaults for the limits of /v1/activations.
const (
	// DefaultMaxActivationLayers is the most layers whose outputs one
	// answer of /v1/activations carries.
	DefaultMaxActivationLayers = 32
	// DefaultMaxActivationBytes bounds the outputs one answer carries:
	// 256 KiB of 8-bit values (about 342 KiB once in base64), each map
	// also counting mapOverhead bytes for its scale. LeNet-5's seven
	// layers take about 8 KiB.
	DefaultMaxActivationBytes = 256 << 10
)

// mapOverhead is what each map's minimum and maximum count against
// MaxActivationBytes, so that a layer of very many tiny maps cannot
// make an answer of floats much larger than its bytes.
const mapOverhead = 16

// ActivationsResponse is the answer of /v1/activations: the prediction,
// as /v1/predict gives it, and the output of each layer of the network
// for that input, in the order the layers run.
type ActivationsResponse struct {
	PredictResponse
	// Layers holds each layer's output. A layer that did not fit in the
	// answer's limits comes with Omitted set and no data.
	Layers []LayerOutput `json:"layers"`
	// Truncated reports that at least one layer was omitted, because the
	// answer would have held more than MaxActivationLayers layers or more
	// than MaxActivationBytes bytes.
	Truncated bool `json:"truncated"`
}

// LayerOutput is one layer's output, quantised to 8 bits: each map (a
// convolution's or pooling layer's channel; the whole vector of a dense
// layer) is scaled on its own, so that value = min + byte/255·(max−min).
type LayerOutput struct {
	// Name is the layer's name in the model ("c1", "f6").
	Name string `json:"name"`
	// Layer describes the module ("Conv2D(1→6, 5×5)").
	Layer string `json:"layer"`
	// Kind is "conv", "pool", "dense" or "other" (see infer.KindConv).
	Kind string `json:"kind"`
	// Activation names the activation function applied to the layer's
	// output before it was taken ("Tanh"), or is empty.
	Activation string `json:"activation,omitempty"`
	// Shape is the output's shape for one input: [channels, height,
	// width] for feature maps, [units] for a dense layer.
	Shape []int `json:"shape"`
	// Maps is how many maps Data holds, each scaled on its own:
	// Shape[0] for feature maps (three dimensions) larger than 1×1, and
	// 1 otherwise (a dense layer, or maps of one pixel each, such as
	// LeNet-5's C5, which are one vector).
	Maps int `json:"maps"`
	// Data is the output's values as bytes 0–255, map after map, each
	// row-major, in standard base64.
	Data string `json:"data,omitempty"`
	// Min and Max hold each map's smallest and largest value, the values
	// of bytes 0 and 255; a map whose values are all equal has only
	// zero bytes.
	Min []float64 `json:"min,omitempty"`
	Max []float64 `json:"max,omitempty"`
	// Omitted reports a layer left out by the answer's limits.
	Omitted bool `json:"omitted,omitempty"`
}

func (s *Server) handleActivations(w http.ResponseWriter, r *http.Request) {
	if s.p.Table() != nil || s.p.Prep() == nil {
		if _, err := bodyKind(r, true); err != nil {
			s.fail(w, r, err)
			return
		}
		s.fail(w, r, errorf(http.StatusUnprocessableEntity, "this model reads table rows, not images: /v1/activations shows the layers of image models"))
		return
	}
	s.serveBody(w, r, true, func(kind int, body []byte) (any, error) {
		img, px, err := s.prepare(r.Context(), kind, body)
		if err != nil {
			return nil, err
		}
		acts, pred, err := s.p.ActivationsPrepared(img, px)
		if err != nil {
			return nil, flagError(err)
		}
		resp := ActivationsResponse{PredictResponse: predictResponse(pred)}
		resp.Layers, resp.Truncated = quantise(acts, s.opts.MaxActivationLayers, s.opts.MaxActivationBytes)
		return resp, nil
	})
}

// quantise turns the layers' outputs into 8-bit maps, in order, as long
// as they fit: at most maxLayers layers and maxBytes bytes (each map's
// values and its mapOverhead). A layer that does not fit is listed,
// omitted, and the later ones that still fit follow it: the small dense
// layers at the end of a network are the ones most worth keeping. A
// layer's size is checked before it is converted.
func quantise(acts []infer.LayerActivation, maxLayers, maxBytes int) ([]LayerOutput, bool) {
	out := make([]LayerOutput, len(acts))
	kept, used, truncated := 0, 0, false
	for i, a := range acts {
		maps := 1
		if len(a.Shape) == 3 && a.Shape[1]*a.Shape[2] > 1 {
			maps = a.Shape[0]
		}
		o := LayerOutput{Name: a.Name, Layer: a.Layer, Kind: a.Kind, Activation: a.Activation, Shape: a.Shape, Maps: maps}
		cost := len(a.Values) + mapOverhead*maps
		if kept >= maxLayers || cost > maxBytes-used || maps == 0 {
			o.Omitted, truncated = true, true
			out[i] = o
			continue
		}
		kept++
		used += cost
		data := make([]byte, len(a.Values))
		o.Min, o.Max = make([]float64, maps), make([]float64, maps)
		per := len(a.Values) / maps
		for m := range maps {
			vals := a.Values[m*per : (m+1)*per]
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, v := range vals {
				lo, hi = min(lo, float64(v)), max(hi, float64(v))
			}
			if per == 0 {
				lo, hi = 0, 0
			}
			o.Min[m], o.Max[m] = lo, hi
			if hi > lo {
				scale := 255 / (hi - lo)
				for j, v := range vals {
					data[m*per+j] = byte(min(255, math.Round((float64(v)-lo)*scale)))
				}
			}
		}
		o.Data = base64.StdEncoding.EncodeToString(data)
		out[i] = o
	}
	return out, truncated
}
