package spec

import (
	"math/rand/v2"

	"github.com/baeum-ml/baeum/nn"
)

// Build plans d for examples of shape input and the given classes
// (Plan, which checks every limit first) and only then builds it, with
// weights drawn from rng in the order of the layers: the network is an
// nn.Sequential whose children are named as the layers are (their index
// when they have no name), so its parameters are named as PyTorch names
// those of the same nn.Sequential. Blocks become nn.Sequential,
// nn.Residual (children body and shortcut) and nn.Branches.
func (d *Description) Build(rng *rand.Rand, input []int, classes int) (nn.Module, *Plan, error) {
	p, err := d.Plan(input, classes)
	if err != nil {
		return nil, nil, err
	}
	b := builder{rng: rng, classes: classes}
	return b.list(d.Layers, input), p, nil
}

type builder struct {
	rng     *rand.Rand
	classes int
}

// list builds layers that Plan has checked, so that nothing here can
// fail; it returns the Sequential and works out shapes as it goes.
func (b *builder) list(ls []Layer, in []int) *nn.Sequential {
	s, _ := b.seq(ls, in)
	return s
}

func (b *builder) seq(ls []Layer, in []int) (*nn.Sequential, []int) {
	children := make([]nn.Named, len(ls))
	x := in
	for i := range ls {
		var m nn.Module
		m, x = b.layer(&ls[i], x)
		children[i] = nn.Named{Name: nameOf(&ls[i], i), Module: m}
	}
	return nn.NewSequential(children...), x
}

func (b *builder) layer(l *Layer, in []int) (nn.Module, []int) {
	units := l.Out
	if units == Classes {
		units = b.classes
	}
	switch l.Type {
	case "conv":
		cfg, _ := convConfig(l, in[0], units).Normalize() // checked by Plan
		h, w, _ := convOut(cfg, in[1], in[2])
		out := []int{units, h, w}
		if cfg.KH == cfg.KW && cfg.StrideH == cfg.StrideW && cfg.PadH == cfg.PadW && cfg.Padding == "" &&
			cfg.DilationH == 1 && cfg.DilationW == 1 && cfg.Groups == 1 {
			// What the built-in models build, drawing the same numbers
			// from rng, a dropped bias included.
			c := nn.NewConv2D(b.rng, in[0], units, cfg.KH, cfg.StrideH, cfg.PadH)
			if l.NoBias {
				c.Bias = nil
			}
			return c, out
		}
		return nn.NewConv2DWith(b.rng, cfg), out
	case "linear":
		lin := nn.NewLinear(b.rng, in[0], units)
		if l.NoBias {
			lin.Bias = nil
		}
		return lin, []int{units}
	case "globalavgpool":
		return nn.GlobalAvgPool{}, []int{in[0]}
	case "adaptiveavgpool":
		return nn.AdaptiveAvgPool2D{H: l.Size[0], W: l.Size[1]}, []int{in[0], l.Size[0], l.Size[1]}
	case "avgpool", "maxpool":
		cfg, _ := poolConfig(l).Normalize() // checked by Plan
		out := []int{in[0], poolOut(in[1], cfg.KH, cfg.PadH, cfg.StrideH, cfg.CeilMode), poolOut(in[2], cfg.KW, cfg.PadW, cfg.StrideW, cfg.CeilMode)}
		if cfg.KH == cfg.KW && cfg.StrideH == cfg.StrideW && cfg.PadH == 0 && cfg.PadW == 0 && !cfg.CeilMode && !cfg.ExcludePad {
			if l.Type == "avgpool" {
				return nn.AvgPool2D{K: cfg.KH, Stride: cfg.StrideH}, out
			}
			return nn.MaxPool2D{K: cfg.KH, Stride: cfg.StrideH}, out
		}
		if l.Type == "avgpool" {
			return nn.AvgPool2DWith(cfg), out
		}
		return nn.MaxPool2DWith(cfg), out
	case "batchnorm":
		if len(in) == 1 {
			return nn.NewBatchNorm1d(in[0]), in
		}
		return nn.NewBatchNorm2d(in[0]), in
	case "flatten":
		return nn.Flatten{}, []int{int(numel(in))}
	case "dropout":
		return nn.Dropout{P: l.P}, in
	case "sequential":
		return b.seq(l.Layers, in)
	case "residual":
		body, out := b.seq(l.Body, in)
		var short nn.Module
		if len(l.Shortcut) > 0 {
			short = b.list(l.Shortcut, in)
		}
		return nn.NewResidual(body, short), out
	case "branches":
		children := make([]nn.Named, len(l.Branches))
		var outs [][]int
		for i := range l.Branches {
			m, o := b.layer(&l.Branches[i], in)
			children[i] = nn.Named{Name: nameOf(&l.Branches[i], i), Module: m}
			outs = append(outs, o)
		}
		var j nn.MultiModule = nn.Add{}
		out := outs[0]
		if l.Join == "concat" {
			j = nn.Concat{Axis: 1}
			out = append([]int(nil), out...)
			for _, o := range outs[1:] {
				out[0] += o[0]
			}
		}
		return nn.NewBranches(j, children...), out
	}
	act, _ := nn.Activation(l.Type) // checked by Plan
	return act, in
}
