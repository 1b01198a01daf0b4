package nn

// This file holds the general forms of convolution and pooling, adaptive
// and global average pooling. Their API, in one place (stable; other
// packages build on it):
//
// Convolution — one type, Conv2D, built two ways:
//
//	NewConv2D(rng, inC, outC, k, stride, pad) *Conv2D   // square, as before (fast path, unchanged)
//	NewConv2DWith(rng, Conv2DConfig{...}) *Conv2D       // every option
//
//	type Conv2DConfig struct {
//		InC, OutC int
//		K, KH, KW int                      // window; K sets both when KH/KW are 0
//		Stride, StrideH, StrideW int       // 0 → 1; Stride sets both when StrideH/StrideW are 0
//		Pad, PadH, PadW int                // zeros on each side; Pad sets both when PadH/PadW are 0
//		Padding string                     // "" (use Pad*), "valid" (no padding) or "same" (stride must be 1;
//		                                   // total d·(k-1), the odd one on the bottom/right, as PyTorch)
//		Dilation, DilationH, DilationW int // 0 → 1; Dilation sets both
//		Groups int                         // 0 → 1; InC and OutC must divide by it; Groups = InC = OutC is depthwise
//		NoBias bool                        // PyTorch's bias=False (the zero value has a bias, as PyTorch)
//	}
//
// Weight is (OutC, InC/Groups, KH, KW) and Bias (OutC) or nil, PyTorch's
// layout and names; initialisation is PyTorch's default, uniform in
// ±1/√(InC/Groups·KH·KW). cfg.Normalize() (Conv2DConfig, error) fills in
// the defaults and folds the K, Stride, Pad and Dilation shorthands into the
// per-axis fields ("valid" becomes "" with zero padding; "same" stays); use it
// to check a config from outside, since NewConv2DWith panics on a bad one.
// cfg.Params() tensor.Conv2DParams resolves it for autograd. Conv2D.Config
// holds the normalized config (NewConv2D sets it too); Conv2D's K, Stride
// and Pad fields are set when the window, stride and padding are the same
// on both axes (0 otherwise). A convolution with one group, no dilation and
// the same stride and padding on every side runs the existing fast path
// (Graph.Conv2D), bit for bit, whichever constructor made it; everything
// else runs Graph.Conv2DWith (im2col with dilation and per-side padding,
// one GEMM per group). Conv2DConfig decodes from JSON with its field names
// as keys (testdata/torch_layers_more.json does).
//
// Pooling:
//
//	MaxPool2D{K, Stride}, AvgPool2D{K, Stride}   // as before (square, no padding)
//	MaxPool2DWith(Pool2DConfig{...}) *Pool2D      // every option
//	AvgPool2DWith(Pool2DConfig{...}) *Pool2D      // (Pool2D{Kind tensor.PoolKind; Config Pool2DConfig})
//
//	type Pool2DConfig struct {
//		K, KH, KW int                 // window; K sets both when KH/KW are 0
//		Stride, StrideH, StrideW int  // 0 → the window (PyTorch's default stride = kernel_size)
//		Pad, PadH, PadW int           // implicit padding on each side, at most half the window
//		CeilMode bool                 // PyTorch's ceil_mode=True
//		ExcludePad bool               // average only: PyTorch's count_include_pad=False
//	}
//
// Max pooling ignores the padding (−∞); average pooling counts it unless
// ExcludePad, and never counts the part of a ceil-mode window beyond the
// padded image, exactly as PyTorch does. Pool2DConfig.Normalize() and
// Params() work as Conv2DConfig's; the constructors panic on a bad config.
//
//	AdaptiveAvgPool2D{H, W}  // (N, C, H', W') → (N, C, H, W); PyTorch's AdaptiveAvgPool2d((H, W)):
//	                         // window i spans [⌊i·H'/H⌋, ⌈(i+1)·H'/H⌉)
//	GlobalAvgPool{}          // (N, C, H, W) → (N, C): the mean of each channel, already flattened
//	                         // (= PyTorch's AdaptiveAvgPool2d(1) followed by Flatten); for
//	                         // (N, C, 1, 1) use AdaptiveAvgPool2D{1, 1}
//
// Activations (in activations_more.go, registered by name for Activation
// and --activation):
//
//	GELU{Approximate: ""}      // "gelu": x·Φ(x), the exact erf form
//	GELU{Approximate: "tanh"}  // "gelu_tanh": PyTorch's approximate='tanh'
//	SiLU{}                     // "silu": x·σ(x)
//	Softplus{Beta, Threshold}  // "softplus": log(1+e^(βx))/β, x itself where βx > Threshold;
//	                           // zero Beta means 1 and zero Threshold means 20 (PyTorch's defaults)
//
// Dropout{P: 1} in training returns zeros (and passes zero gradient), as
// PyTorch does; P outside [0, 1] panics.
//
// Below, in autograd and tensor:
//
//	(*autograd.Graph).Conv2DWith(x, w, b *Value, p tensor.Conv2DParams) *Value
//	(*autograd.Graph).MaxPool2DWith(x *Value, p tensor.Pool2DParams) *Value
//	(*autograd.Graph).AvgPool2DWith(x *Value, p tensor.Pool2DParams) *Value
//	(*autograd.Graph).AdaptiveAvgPool2D(x *Value, oh, ow int) *Value
//	(*autograd.Graph).GELU(x *Value, tanhApprox bool) *Value
//	(*autograd.Graph).SiLU(x *Value) *Value
//	(*autograd.Graph).Softplus(x *Value, beta, threshold float64) *Value
//
//	tensor.Conv2DParams{StrideH, StrideW, PadTop, PadBottom, PadLeft, PadRight, DilationH, DilationW, Groups int}
//	tensor.Pool2DParams{KH, KW, StrideH, StrideW, PadH, PadW int; CeilMode, ExcludePad bool}

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// Conv2DConfig configures a convolution with every option of PyTorch's
// Conv2d (but padding_mode, which is always zeros). Zero values mean
// PyTorch's defaults: stride 1, no padding, dilation 1, one group, a bias.
// The shorthands K, Stride, Pad and Dilation set both axes when the
// per-axis fields are 0.
type Conv2DConfig struct {
	InC, OutC int
	// K, or KH×KW, is the window.
	K, KH, KW int
	// Stride, or StrideH and StrideW, moves the window (0: 1).
	Stride, StrideH, StrideW int
	// Pad, or PadH and PadW, is the number of zeros added on each side
	// (top and bottom, left and right).
	Pad, PadH, PadW int
	// Padding is "" (use the Pad fields), "valid" (no padding) or "same"
	// (output as large as the input; stride 1 only): a total of
	// dilation·(k-1) zeros per axis, half before, and the odd one after,
	// as PyTorch.
	Padding string
	// Dilation, or DilationH and DilationW, spaces the window's taps (0: 1).
	Dilation, DilationH, DilationW int
	// Groups splits the channels into independent convolutions (0: 1);
	// InC and OutC must be multiples of it. Groups = InC is depthwise.
	Groups int
	// NoBias leaves the bias out (PyTorch's bias=False).
	NoBias bool
}

// Normalize returns the configuration with every default filled in and
// the shorthands folded into the per-axis fields (K, Stride, Pad and
// Dilation become 0; Padding "valid" becomes "" with zero padding;
// Padding "same" stays, with PadH and PadW 0), or an error saying what is
// wrong.
func (c Conv2DConfig) Normalize() (Conv2DConfig, error) {
	pick := func(per *int, short, def int) {
		if *per == 0 {
			*per = short
		}
		if *per == 0 {
			*per = def
		}
	}
	pick(&c.KH, c.K, 0)
	pick(&c.KW, c.K, 0)
	pick(&c.StrideH, c.Stride, 1)
	pick(&c.StrideW, c.Stride, 1)
	pick(&c.PadH, c.Pad, 0)
	pick(&c.PadW, c.Pad, 0)
	pick(&c.DilationH, c.Dilation, 1)
	pick(&c.DilationW, c.Dilation, 1)
	pick(&c.Groups, 0, 1)
	c.K, c.Stride, c.Pad, c.Dilation = 0, 0, 0, 0
	switch {
	case c.InC <= 0 || c.OutC <= 0:
		return c, fmt.Errorf("conv2d: channels %d→%d must be positive", c.InC, c.OutC)
	case c.KH <= 0 || c.KW <= 0:
		return c, fmt.Errorf("conv2d: window %d×%d must be positive (set K or KH and KW)", c.KH, c.KW)
	case c.StrideH <= 0 || c.StrideW <= 0 || c.DilationH <= 0 || c.DilationW <= 0 || c.Groups <= 0:
		return c, fmt.Errorf("conv2d: stride %d×%d, dilation %d×%d and groups %d must be positive", c.StrideH, c.StrideW, c.DilationH, c.DilationW, c.Groups)
	case c.PadH < 0 || c.PadW < 0:
		return c, fmt.Errorf("conv2d: negative padding %d×%d", c.PadH, c.PadW)
	case c.InC%c.Groups != 0 || c.OutC%c.Groups != 0:
		return c, fmt.Errorf("conv2d: channels %d→%d are not multiples of %d groups", c.InC, c.OutC, c.Groups)
	}
	switch c.Padding {
	case "":
	case "valid", "same":
		if c.PadH != 0 || c.PadW != 0 {
			return c, fmt.Errorf("conv2d: padding %q with explicit padding %d×%d", c.Padding, c.PadH, c.PadW)
		}
		if c.Padding == "valid" {
			c.Padding = ""
		} else if c.StrideH != 1 || c.StrideW != 1 {
			return c, fmt.Errorf("conv2d: padding \"same\" needs stride 1, got %d×%d (as in PyTorch)", c.StrideH, c.StrideW)
		}
	default:
		return c, fmt.Errorf("conv2d: padding %q (want \"\", \"valid\" or \"same\")", c.Padding)
	}
	return c, nil
}

// Params returns the geometry that autograd's Conv2DWith takes, resolving
// "same" padding. The configuration should be normalized.
func (c Conv2DConfig) Params() tensor.Conv2DParams {
	p := tensor.Conv2DParams{StrideH: c.StrideH, StrideW: c.StrideW, PadTop: c.PadH, PadBottom: c.PadH, PadLeft: c.PadW, PadRight: c.PadW,
		DilationH: c.DilationH, DilationW: c.DilationW, Groups: c.Groups}
	if c.Padding == "same" {
		th, tw := c.DilationH*(c.KH-1), c.DilationW*(c.KW-1)
		p.PadTop, p.PadBottom, p.PadLeft, p.PadRight = th/2, th-th/2, tw/2, tw-tw/2
	}
	return p
}

// plain reports whether a normalized configuration is a square, uniform
// convolution that NewConv2D could have made.
func (c Conv2DConfig) plain() bool {
	_, _, ok := c.Params().Uniform()
	return ok && c.KH == c.KW && c.StrideH == c.StrideW && c.PadH == c.PadW && c.Padding == ""
}

// describe names a normalized configuration's options.
func (c Conv2DConfig) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Conv2D(%d→%d, %d×%d", c.InC, c.OutC, c.KH, c.KW)
	pair := func(name string, h, w, def int) {
		switch {
		case h == w && h != def:
			fmt.Fprintf(&b, ", %s %d", name, h)
		case h != w:
			fmt.Fprintf(&b, ", %s %d×%d", name, h, w)
		}
	}
	pair("stride", c.StrideH, c.StrideW, 1)
	if c.Padding == "same" {
		b.WriteString(", pad same")
	} else {
		pair("pad", c.PadH, c.PadW, 0)
	}
	pair("dilation", c.DilationH, c.DilationW, 1)
	if c.Groups != 1 {
		fmt.Fprintf(&b, ", groups %d", c.Groups)
	}
	if c.NoBias {
		b.WriteString(", no bias")
	}
	b.WriteString(")")
	return b.String()
}

// NewConv2DWith returns a convolution with the options of cfg, initialised
// as PyTorch does by default: weights and bias uniform in
// ±1/√(InC/Groups·KH·KW). It panics with the problem when cfg is invalid
// (check one from outside with cfg.Normalize first). A configuration that
// NewConv2D can express gives the same layer, computed the same way.
func NewConv2DWith(rng *rand.Rand, cfg Conv2DConfig) *Conv2D {
	cfg, err := cfg.Normalize()
	if err != nil {
		panic("nn: " + err.Error())
	}
	c := &Conv2D{InC: cfg.InC, OutC: cfg.OutC, Config: cfg,
		Weight: newParam("weight", cfg.OutC, cfg.InC/cfg.Groups, cfg.KH, cfg.KW)}
	if cfg.KH == cfg.KW {
		c.K = cfg.KH
	}
	if cfg.StrideH == cfg.StrideW {
		c.Stride = cfg.StrideH
	}
	if p := cfg.Params(); p.PadTop == p.PadBottom && p.PadTop == p.PadLeft && p.PadTop == p.PadRight {
		c.Pad = p.PadTop
	}
	bound := 1 / math.Sqrt(float64(cfg.InC/cfg.Groups*cfg.KH*cfg.KW))
	uniform(rng, c.Weight.Data(), bound)
	if !cfg.NoBias {
		c.Bias = newParam("bias", cfg.OutC)
		uniform(rng, c.Bias.Data(), bound)
	}
	return c
}

// Pool2DConfig configures max or average pooling with the options of
// PyTorch's MaxPool2d and AvgPool2d (but dilation). Zero values mean
// PyTorch's defaults: stride = window, no padding, floor mode, padding
// counted by average pooling. The shorthands K, Stride and Pad set both
// axes when the per-axis fields are 0.
type Pool2DConfig struct {
	K, KH, KW                int
	Stride, StrideH, StrideW int // 0: the window
	Pad, PadH, PadW          int // at most half the window
	CeilMode                 bool
	ExcludePad               bool // average pooling: PyTorch's count_include_pad=False
}

// Normalize returns the configuration with the shorthands folded into the
// per-axis fields (K, Stride and Pad become 0, the strides explicit), or
// an error saying what is wrong.
func (c Pool2DConfig) Normalize() (Pool2DConfig, error) {
	pick := func(per *int, short int) {
		if *per == 0 {
			*per = short
		}
	}
	pick(&c.KH, c.K)
	pick(&c.KW, c.K)
	pick(&c.StrideH, c.Stride)
	pick(&c.StrideW, c.Stride)
	pick(&c.StrideH, c.KH)
	pick(&c.StrideW, c.KW)
	pick(&c.PadH, c.Pad)
	pick(&c.PadW, c.Pad)
	c.K, c.Stride, c.Pad = 0, 0, 0
	switch {
	case c.KH <= 0 || c.KW <= 0:
		return c, fmt.Errorf("pool2d: window %d×%d must be positive (set K or KH and KW)", c.KH, c.KW)
	case c.StrideH <= 0 || c.StrideW <= 0:
		return c, fmt.Errorf("pool2d: stride %d×%d must be positive", c.StrideH, c.StrideW)
	case c.PadH < 0 || c.PadW < 0 || 2*c.PadH > c.KH || 2*c.PadW > c.KW:
		return c, fmt.Errorf("pool2d: padding %d×%d must be between 0 and half the %d×%d window", c.PadH, c.PadW, c.KH, c.KW)
	}
	return c, nil
}

// Params returns the geometry that autograd's pooling takes.
func (c Pool2DConfig) Params() tensor.Pool2DParams {
	return tensor.Pool2DParams{KH: c.KH, KW: c.KW, StrideH: c.StrideH, StrideW: c.StrideW, PadH: c.PadH, PadW: c.PadW, CeilMode: c.CeilMode, ExcludePad: c.ExcludePad}
}

// Pool2D is max or average pooling with every option; make one with
// MaxPool2DWith or AvgPool2DWith. It has no parameters.
type Pool2D struct {
	Kind   tensor.PoolKind
	Config Pool2DConfig // normalized
}

// MaxPool2DWith returns max pooling with the options of cfg; the padding
// never wins. It panics with the problem when cfg is invalid.
func MaxPool2DWith(cfg Pool2DConfig) *Pool2D { return newPool2D(tensor.MaxPool, cfg) }

// AvgPool2DWith returns average pooling with the options of cfg. It
// panics with the problem when cfg is invalid.
func AvgPool2DWith(cfg Pool2DConfig) *Pool2D { return newPool2D(tensor.AvgPool, cfg) }

func newPool2D(kind tensor.PoolKind, cfg Pool2DConfig) *Pool2D {
	cfg, err := cfg.Normalize()
	if err != nil {
		panic("nn: " + err.Error())
	}
	return &Pool2D{Kind: kind, Config: cfg}
}

// Forward pools x (N, C, H, W).
func (p *Pool2D) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if p.Kind == tensor.AvgPool {
		return g.AvgPool2DWith(x, p.Config.Params())
	}
	return g.MaxPool2DWith(x, p.Config.Params())
}

// Params returns nothing: pooling has no parameters.
func (*Pool2D) Params() []Param { return nil }

// String describes the layer, as "MaxPool2D(3×3, stride 2, pad 1, ceil)".
func (p *Pool2D) String() string {
	c := p.Config
	name := "MaxPool2D"
	if p.Kind == tensor.AvgPool {
		name = "AvgPool2D"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s(%d×%d", name, c.KH, c.KW)
	if c.StrideH == c.StrideW {
		fmt.Fprintf(&b, ", stride %d", c.StrideH)
	} else {
		fmt.Fprintf(&b, ", stride %d×%d", c.StrideH, c.StrideW)
	}
	switch {
	case c.PadH == c.PadW && c.PadH != 0:
		fmt.Fprintf(&b, ", pad %d", c.PadH)
	case c.PadH != c.PadW:
		fmt.Fprintf(&b, ", pad %d×%d", c.PadH, c.PadW)
	}
	if c.CeilMode {
		b.WriteString(", ceil")
	}
	if c.ExcludePad && p.Kind == tensor.AvgPool {
		b.WriteString(", excluding padding")
	}
	b.WriteString(")")
	return b.String()
}

// AdaptiveAvgPool2D averages (N, C, H', W') inputs down to (N, C, H, W)
// whatever H' and W', as PyTorch's AdaptiveAvgPool2d((H, W)): output row
// i averages input rows ⌊i·H'/H⌋ to ⌈(i+1)·H'/H⌉ (exclusive), and likewise
// for columns. It has no parameters.
type AdaptiveAvgPool2D struct{ H, W int }

// Forward pools x (N, C, H', W').
func (p AdaptiveAvgPool2D) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if p.H <= 0 || p.W <= 0 {
		panic(fmt.Sprintf("nn: %v: output size must be positive", p))
	}
	return g.AdaptiveAvgPool2D(x, p.H, p.W)
}

// Params returns nothing: pooling has no parameters.
func (AdaptiveAvgPool2D) Params() []Param { return nil }

// String describes the layer.
func (p AdaptiveAvgPool2D) String() string { return fmt.Sprintf("AdaptiveAvgPool2D(%d×%d)", p.H, p.W) }

// GlobalAvgPool averages each channel of (N, C, H, W) inputs over the
// whole image and returns (N, C), ready for a Linear layer: PyTorch's
// AdaptiveAvgPool2d(1) followed by Flatten, in one module. It has no
// parameters. For an (N, C, 1, 1) output use AdaptiveAvgPool2D{1, 1}.
type GlobalAvgPool struct{}

// Forward pools x (N, C, H, W) to (N, C).
func (GlobalAvgPool) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Flatten(g.AdaptiveAvgPool2D(x, 1, 1))
}

// Params returns nothing: pooling has no parameters.
func (GlobalAvgPool) Params() []Param { return nil }

// String describes the layer.
func (GlobalAvgPool) String() string { return "GlobalAvgPool" }
