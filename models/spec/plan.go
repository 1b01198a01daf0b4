package spec

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// Row is one layer or block of a plan.
type Row struct {
	// Path is the module's dotted name, the prefix of its parameters'
	// names: c1, or 4.body.0.
	Path string
	// Type is the layer's type; Depth how deeply it is nested in blocks.
	Type  string
	Depth int
	// Output is the layer's output shape for one example.
	Output []int
	// Params counts the layer's parameters; a block's row counts none of
	// its own (its layers have rows).
	Params int64
	// Group reports a block, whose layers follow it.
	Group bool
	// MultiplyAdds counts the forward pass's multiply-adds for one
	// example.
	MultiplyAdds int64
}

// Plan is what a description builds for an input shape and a number of
// classes, worked out arithmetically: every layer's output shape,
// parameters and multiply-adds, and the tensors of the state dict.
type Plan struct {
	// Input is the shape of one example; Output the network's output
	// for it, one number a class.
	Input, Output []int
	Rows          []Row
	// Tensors lists the state dict: parameters in the order the built
	// network lists them, then buffers.
	Tensors []checkpoint.TensorSpec
	// Params, Buffers and MultiplyAdds are the totals.
	Params, Buffers, MultiplyAdds int64
}

// Plan works out what d builds for examples of shape input (channels,
// height, width for images; features for vectors) and the given number of
// classes, without allocating anything in proportion to the sizes asked.
// It returns an *Error naming the layer (and its line) whose input does
// not fit it, or which takes the network past MaxParams, MaxActivations
// or MaxMultiplyAdds, or an error if the output is not one number a
// class.
func (d *Description) Plan(input []int, classes int) (*Plan, error) {
	if classes < 1 {
		return nil, fmt.Errorf("a network of %d classes", classes)
	}
	for _, s := range input {
		if s < 1 {
			return nil, fmt.Errorf("input shape %v: every size must be positive", input)
		}
	}
	if len(input) == 0 || numel(input) > MaxActivations {
		return nil, fmt.Errorf("input shape %v: want 1 to %d numbers an example", input, MaxActivations)
	}
	if n := d.Count(); n > MaxLayers {
		return nil, fmt.Errorf("%d layers, more than the limit of %d", n, MaxLayers)
	}
	pl := &planner{p: &Plan{Input: append([]int(nil), input...)}, classes: classes}
	out, err := pl.list(d.Layers, "", "layers", input, 0)
	if err != nil {
		return nil, err
	}
	pl.p.Tensors = append(pl.p.Tensors, pl.buffers...)
	pl.p.Output = out
	if len(out) != 1 || out[0] != classes {
		last := &d.Layers[len(d.Layers)-1]
		return nil, &Error{Line: last.Line, Path: layerPath(fmt.Sprintf("layers[%d]", len(d.Layers)-1), last),
			Msg: fmt.Sprintf("the network ends with %s an example, but the data has %d classes: end with {type: linear, out: classes}", shapeString(out), classes)}
	}
	return pl.p, nil
}

type planner struct {
	p       *Plan
	classes int
	buffers []checkpoint.TensorSpec
}

func (pl *planner) list(ls []Layer, prefix, path string, in []int, depth int) ([]int, error) {
	x := in
	for i := range ls {
		l := &ls[i]
		y, err := pl.layer(l, join(prefix, nameOf(l, i)), fmt.Sprintf("%s[%d]", path, i), x, depth)
		if err != nil {
			return nil, err
		}
		x = y
	}
	return x, nil
}

// nameOf returns a layer's module name: its own, or its index.
func nameOf(l *Layer, i int) string {
	if l.Name != "" {
		return l.Name
	}
	return strconv.Itoa(i)
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func (pl *planner) layer(l *Layer, mod, path string, in []int, depth int) ([]int, error) {
	where := layerPath(path, l)
	fail := func(format string, args ...any) error {
		return &Error{Line: l.Line, Path: where, Msg: fmt.Sprintf(format, args...)}
	}
	image := func() error {
		if len(in) != 3 {
			return fail("wants images (channels × height × width), but gets %s", shapeString(in))
		}
		return nil
	}
	row := len(pl.p.Rows)
	pl.p.Rows = append(pl.p.Rows, Row{Path: mod, Type: l.Type, Depth: depth})
	var out []int
	var params, macs int64
	tensor := func(name string, shape ...int) {
		pl.p.Tensors = append(pl.p.Tensors, checkpoint.TensorSpec{Name: join(mod, name), Shape: shape})
	}
	units := l.Out
	if units == Classes {
		units = pl.classes
		if units > MaxUnits {
			return nil, fail("%d classes, more outputs than the limit of %d", units, MaxUnits)
		}
	}
	switch l.Type {
	case "conv":
		if err := image(); err != nil {
			return nil, err
		}
		if units < 1 || units > MaxUnits {
			return nil, fail("out must be 1 to %d", MaxUnits)
		}
		cfg, err := convConfig(l, in[0], units).Normalize()
		if err != nil {
			return nil, fail("%s", strings.TrimPrefix(err.Error(), "conv2d: "))
		}
		var h, w int
		if h, w, err = convOut(cfg, in[1], in[2]); err != nil {
			return nil, fail("%v", err)
		}
		out = []int{units, h, w}
		fan := int64(in[0]/cfg.Groups) * int64(cfg.KH*cfg.KW)
		params = mul(int64(units), fan+bias(l))
		macs = mul(fan, numel(out))
		tensor("weight", units, in[0]/cfg.Groups, cfg.KH, cfg.KW)
		if !l.NoBias {
			tensor("bias", units)
		}
	case "linear":
		if len(in) != 1 {
			return nil, fail("wants one vector an example, but gets %s: add {type: flatten} before it", shapeString(in))
		}
		if units < 1 || units > MaxUnits {
			return nil, fail("out must be 1 to %d", MaxUnits)
		}
		out = []int{units}
		params = mul(int64(units), int64(in[0])+bias(l))
		macs = mul(int64(units), int64(in[0]))
		tensor("weight", units, in[0])
		if !l.NoBias {
			tensor("bias", units)
		}
	case "avgpool", "maxpool":
		if err := image(); err != nil {
			return nil, err
		}
		cfg, err := poolConfig(l).Normalize()
		if err != nil {
			return nil, fail("%s", strings.TrimPrefix(err.Error(), "pool2d: "))
		}
		if cfg.KH > in[1]+2*cfg.PadH || cfg.KW > in[2]+2*cfg.PadW {
			return nil, fail("a %d×%d window is larger than its %d×%d input (padding included)", cfg.KH, cfg.KW, in[1]+2*cfg.PadH, in[2]+2*cfg.PadW)
		}
		out = []int{in[0], poolOut(in[1], cfg.KH, cfg.PadH, cfg.StrideH, cfg.CeilMode), poolOut(in[2], cfg.KW, cfg.PadW, cfg.StrideW, cfg.CeilMode)}
	case "adaptiveavgpool":
		if err := image(); err != nil {
			return nil, err
		}
		if l.Size[0] < 1 || l.Size[1] < 1 || l.Size[0] > MaxSize || l.Size[1] > MaxSize {
			return nil, fail("size must be 1 to %d", MaxSize)
		}
		out = []int{in[0], l.Size[0], l.Size[1]}
	case "globalavgpool":
		if err := image(); err != nil {
			return nil, err
		}
		out = []int{in[0]}
	case "batchnorm":
		if len(in) != 1 && len(in) != 3 {
			return nil, fail("wants vectors or images, but gets %s", shapeString(in))
		}
		out = in
		params = 2 * int64(in[0])
		tensor("weight", in[0])
		tensor("bias", in[0])
		pl.buffers = append(pl.buffers, checkpoint.TensorSpec{Name: join(mod, "running_mean"), Shape: []int{in[0]}},
			checkpoint.TensorSpec{Name: join(mod, "running_var"), Shape: []int{in[0]}},
			checkpoint.TensorSpec{Name: join(mod, "num_batches_tracked"), Shape: []int{}, Int64: true})
		pl.p.Buffers += 2*int64(in[0]) + 1
	case "flatten":
		out = []int{int(numel(in))}
	case "dropout":
		out = in
	case "sequential":
		pl.p.Rows[row].Group = true
		var err error
		if out, err = pl.list(l.Layers, mod, path+".layers", in, depth+1); err != nil {
			return nil, err
		}
	case "residual":
		pl.p.Rows[row].Group = true
		body, err := pl.list(l.Body, join(mod, "body"), path+".body", in, depth+1)
		if err != nil {
			return nil, err
		}
		short := in
		if len(l.Shortcut) > 0 {
			if short, err = pl.list(l.Shortcut, join(mod, "shortcut"), path+".shortcut", in, depth+1); err != nil {
				return nil, err
			}
			if !slices.Equal(body, short) {
				return nil, fail("the body gives %s but the shortcut %s; they must match to be added", shapeString(body), shapeString(short))
			}
		} else if !slices.Equal(body, in) {
			return nil, fail("the body turns %s into %s, so its input cannot be added to its output: give the block a shortcut that gives %s", shapeString(in), shapeString(body), shapeString(body))
		}
		out = body
	case "branches":
		pl.p.Rows[row].Group = true
		var outs [][]int
		for i := range l.Branches {
			b := &l.Branches[i]
			o, err := pl.layer(b, join(mod, nameOf(b, i)), fmt.Sprintf("%s.branches[%d]", path, i), in, depth+1)
			if err != nil {
				return nil, err
			}
			outs = append(outs, o)
		}
		out = outs[0]
		for i, o := range outs[1:] {
			switch l.Join {
			case "add":
				if !slices.Equal(o, outs[0]) {
					return nil, fail("branch %d gives %s but branch 0 %s; they must match to be added", i+1, shapeString(o), shapeString(outs[0]))
				}
			default: // concat, along the first axis of an example
				if len(o) != len(out) || !slices.Equal(o[1:], out[1:]) {
					return nil, fail("branch %d gives %s, which cannot be concatenated with %s: all but the first size must match", i+1, shapeString(o), shapeString(out))
				}
				if int64(out[0])+int64(o[0]) > MaxActivations {
					return nil, fail("joined outputs of more than %d numbers", MaxActivations)
				}
				out = append([]int{out[0] + o[0]}, out[1:]...)
			}
		}
	default:
		if _, ok := nn.LookupActivation(l.Type); !ok {
			return nil, fail("unknown layer type %q (want %s)", l.Type, knownTypes())
		}
		out = in
	}
	if n := numel(out); n > MaxActivations {
		return nil, fail("gives %s, %s numbers an example, more than the limit of %s", shapeString(out), thousands(n), thousands(MaxActivations))
	}
	r := &pl.p.Rows[row]
	r.Output, r.Params, r.MultiplyAdds = out, params, macs
	pl.p.Params = sat(pl.p.Params + params)
	pl.p.MultiplyAdds = sat(pl.p.MultiplyAdds + macs)
	if pl.p.Params > MaxParams {
		return nil, fail("takes the network to %s parameters, more than the limit of %s", thousands(pl.p.Params), thousands(MaxParams))
	}
	if pl.p.MultiplyAdds > MaxMultiplyAdds {
		return nil, fail("takes the network to %s multiply-adds an example, more than the limit of %s", thousands(pl.p.MultiplyAdds), thousands(MaxMultiplyAdds))
	}
	return out, nil
}

// convConfig returns the convolution a layer describes.
func convConfig(l *Layer, inC, outC int) nn.Conv2DConfig {
	return nn.Conv2DConfig{InC: inC, OutC: outC, KH: l.Kernel[0], KW: l.Kernel[1],
		StrideH: l.Stride[0], StrideW: l.Stride[1], PadH: l.Padding[0], PadW: l.Padding[1], Padding: l.PaddingMode,
		DilationH: l.Dilation[0], DilationW: l.Dilation[1], Groups: l.Groups, NoBias: l.NoBias}
}

// convOut returns the output size of a normalized convolution on an
// h×w image, or an error when its dilated window does not fit.
func convOut(cfg nn.Conv2DConfig, h, w int) (int, int, error) {
	p := cfg.Params()
	eh, ew := cfg.DilationH*(cfg.KH-1)+1, cfg.DilationW*(cfg.KW-1)+1
	ph, pw := h+p.PadTop+p.PadBottom, w+p.PadLeft+p.PadRight
	if eh > ph || ew > pw {
		if cfg.DilationH == 1 && cfg.DilationW == 1 {
			return 0, 0, fmt.Errorf("a %d×%d window is larger than its %d×%d input (padding included)", cfg.KH, cfg.KW, ph, pw)
		}
		return 0, 0, fmt.Errorf("a %d×%d window, %d×%d dilated, is larger than its %d×%d input (padding included)", cfg.KH, cfg.KW, eh, ew, ph, pw)
	}
	return (ph-eh)/cfg.StrideH + 1, (pw-ew)/cfg.StrideW + 1, nil
}

// poolOut is the output size of pooling along one axis, as tensor
// computes it.
func poolOut(in, k, pad, stride int, ceil bool) int {
	return tensor.PoolOutSize(in, k, pad, stride, ceil)
}

// poolConfig returns the pooling a layer describes.
func poolConfig(l *Layer) nn.Pool2DConfig {
	return nn.Pool2DConfig{KH: l.Kernel[0], KW: l.Kernel[1], StrideH: l.Stride[0], StrideW: l.Stride[1],
		PadH: l.Padding[0], PadW: l.Padding[1], CeilMode: l.Ceil, ExcludePad: l.ExcludePad}
}

// bias is 1 for a layer with a bias, 0 without.
func bias(l *Layer) int64 {
	if l.NoBias {
		return 0
	}
	return 1
}

// mul multiplies non-negative numbers, saturating at math.MaxInt64.
func mul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// sat keeps a sum of saturated terms from wrapping round.
func sat(x int64) int64 {
	if x < 0 {
		return math.MaxInt64
	}
	return x
}

func numel(s []int) int64 {
	n := int64(1)
	for _, d := range s {
		n = mul(n, int64(d))
	}
	return n
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "×")
}

func thousands(n int64) string {
	if n > math.MaxInt64/2 {
		return "more than 10¹⁸"
	}
	return nn.Thousands(int(n))
}

// String formats the plan as a table: each layer's output shape for one
// example, its parameters and its multiply-adds, then the totals.
func (p *Plan) String() string {
	var b strings.Builder
	type line struct{ name, typ, shape, params, macs string }
	lines := []line{{"Layer", "Type", "Output", "Params", "Mult-adds"}}
	for _, r := range p.Rows {
		params, macs := thousands(r.Params), thousands(r.MultiplyAdds)
		if r.Group {
			params, macs = "--", "--"
		}
		name := strings.Repeat("  ", r.Depth) + r.Path
		lines = append(lines, line{name, r.Type, shapeString(r.Output), params, macs})
	}
	var w [5]int
	for _, l := range lines {
		for i, s := range []string{l.name, l.typ, l.shape, l.params, l.macs} {
			w[i] = max(w[i], len([]rune(s)))
		}
	}
	rule := strings.Repeat("─", w[0]+w[1]+w[2]+w[3]+w[4]+8) + "\n"
	fmt.Fprintf(&b, "Input: %s an example\n%s", shapeString(p.Input), rule)
	for i, l := range lines {
		pad := func(s string, n int) string { return s + strings.Repeat(" ", n-len([]rune(s))) }
		lpad := func(s string, n int) string { return strings.Repeat(" ", n-len([]rune(s))) + s }
		fmt.Fprintf(&b, "%s  %s  %s  %s  %s\n", pad(l.name, w[0]), pad(l.typ, w[1]), pad(l.shape, w[2]), lpad(l.params, w[3]), lpad(l.macs, w[4]))
		if i == 0 {
			b.WriteString(rule)
		}
	}
	b.WriteString(rule)
	fmt.Fprintf(&b, "Total params: %s\n", thousands(p.Params))
	if p.Buffers > 0 {
		fmt.Fprintf(&b, "Buffers (running statistics): %s\n", thousands(p.Buffers))
	}
	fmt.Fprintf(&b, "Multiply-adds per example: %s\n", thousands(p.MultiplyAdds))
	return b.String()
}
