package optim

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// ClipGradNorm rescales the gradients of params so that their global L2
// norm — the norm of all gradients concatenated into one vector — is at
// most maxNorm, and returns the norm they had before. It is PyTorch's
// torch.nn.utils.clip_grad_norm_ with norm_type 2: every gradient is
// multiplied by min(1, maxNorm/(norm + 1e-6)). Parameters without a
// gradient are ignored; with none at all the norm is 0.
//
// Clipping keeps one unlucky batch from throwing the parameters far away
// while leaving the direction of the step unchanged. Call it between
// Backward and Step.
func ClipGradNorm(params []nn.Param, maxNorm float64) float64 {
	return ClipGradNormP(params, maxNorm, 2)
}

// ClipGradNormP is ClipGradNorm with the p-norm of order normType, which
// may be math.Inf(1) for the largest absolute value. It panics if normType
// is not positive.
func ClipGradNormP(params []nn.Param, maxNorm, normType float64) float64 {
	if !(normType > 0) {
		panic(fmt.Sprintf("optim: ClipGradNormP: norm type %v must be positive", normType))
	}
	total := 0.0
	inf := math.IsInf(normType, 1)
	for _, p := range params {
		g := p.Value.Grad()
		if g == nil {
			continue
		}
		n := tensor.Norm(g, normType)
		switch {
		case inf:
			total = max(total, n)
		case normType == 2:
			total += n * n
		case normType == 1:
			total += n
		default:
			total += math.Pow(n, normType)
		}
	}
	switch {
	case inf, normType == 1:
	case normType == 2:
		total = math.Sqrt(total)
	default:
		total = math.Pow(total, 1/normType)
	}
	coef := maxNorm / (total + 1e-6)
	if !(coef >= 1) { // PyTorch multiplies by min(coef, 1); a NaN coef spreads
		for _, p := range params {
			if g := p.Value.Grad(); g != nil {
				g.Scale(coef)
			}
		}
	}
	return total
}

// ClipGradValue clamps every gradient element of params into
// [-clip, clip], as PyTorch's torch.nn.utils.clip_grad_value_ does.
// Parameters without a gradient are ignored. It panics if clip is negative.
func ClipGradValue(params []nn.Param, clip float64) {
	if !(clip >= 0) {
		panic(fmt.Sprintf("optim: ClipGradValue: clip value %v must be >= 0", clip))
	}
	for _, p := range params {
		if g := p.Value.Grad(); g != nil {
			tensor.ClampTo(g, g, -clip, clip)
		}
	}
}
