// Package augment draws random transforms of stored training images —
// the distortions that let a small network see more handwriting, or more
// photographs, than the data set holds.
//
// Two families are offered. For digits (LeCun et al. 1998, Simard et al.
// 2003): a random affine map about the image centre (shift, rotation,
// scale, shear) and an elastic distortion, a field of random
// displacements in [-1, 1] per pixel smoothed by a Gaussian of standard
// deviation σ and scaled by α, both resampled bilinearly in one pass. For
// natural images (Krizhevsky et al. 2012; torchvision's RandomCrop with
// padding and RandomHorizontalFlip): a random crop of the image padded
// by a few pixels, which is an integer shift, and a horizontal flip with
// probability ½. Pixels that come from outside the image take a
// background value.
//
// The transforms work on the bytes a data set stores (C×H×W, 8 bits per
// sample) before they are converted to numbers, so the preprocessing
// record that travels with a model is untouched. Every example's
// transform comes from a random generator keyed by (seed, epoch, example
// index) alone: the same run gives the same images whatever the number of
// threads, the order in which a batch is prepared, or whether it was
// stopped and resumed.
package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
)

// Config says which random transforms an Augmenter draws and how strong
// they may be. The zero value draws none: every image is copied as it is.
type Config struct {
	// Shift is the largest shift in pixels, drawn uniformly in
	// [-Shift, Shift] along each axis.
	Shift float64 `json:"shift,omitempty"`
	// Rotate is the largest rotation in degrees, drawn uniformly in
	// [-Rotate, Rotate].
	Rotate float64 `json:"rotate,omitempty"`
	// Scale is the largest relative change of size: the scale factor is
	// drawn uniformly in [1-Scale, 1+Scale].
	Scale float64 `json:"scale,omitempty"`
	// Shear is the largest horizontal shear factor (x' = x + s·y), drawn
	// uniformly in [-Shear, Shear].
	Shear float64 `json:"shear,omitempty"`
	// Sigma is the standard deviation, in pixels, of the Gaussian that
	// smooths the elastic displacement field; 0 turns elastic distortion
	// off.
	Sigma float64 `json:"sigma,omitempty"`
	// Alpha scales the smoothed elastic field (Simard et al.'s α).
	Alpha float64 `json:"alpha,omitempty"`
	// Crop pads the image by Crop pixels of background on every side and
	// takes a random crop of the original size: an integer shift drawn
	// uniformly in [-Crop, Crop] along each axis.
	Crop int `json:"crop,omitempty"`
	// Flip mirrors the image left to right with probability ½.
	Flip bool `json:"flip,omitempty"`
	// Fill is the background value of pixels that come from outside the
	// image (0, black, as MNIST's background and torchvision's default
	// padding).
	Fill byte `json:"fill,omitempty"`
}

// The limits New accepts: beyond them a transform cannot be what was
// meant.
const (
	maxShift  = 1 << 12
	maxRotate = 180
	maxShear  = 10
	maxSigma  = 256
	maxAlpha  = 1 << 16
)

// Validate reports what is wrong with the configuration, if anything.
func (c Config) Validate() error {
	check := func(name string, v, hi float64) error {
		if !(v >= 0 && v <= hi) {
			return fmt.Errorf("%s %v outside 0…%v", name, v, hi)
		}
		return nil
	}
	for _, e := range []error{
		check("shift", c.Shift, maxShift), check("rotate", c.Rotate, maxRotate),
		check("shear", c.Shear, maxShear), check("sigma", c.Sigma, maxSigma), check("alpha", c.Alpha, maxAlpha),
		check("crop", float64(c.Crop), maxShift),
	} {
		if e != nil {
			return e
		}
	}
	if !(c.Scale >= 0 && c.Scale < 1) {
		return fmt.Errorf("scale %v outside 0…1 (the factor is drawn in [1-scale, 1+scale])", c.Scale)
	}
	if c.Alpha > 0 && c.Sigma == 0 {
		return fmt.Errorf("alpha %v needs a sigma above 0", c.Alpha)
	}
	return nil
}

// affine reports whether c draws a non-integer geometric transform.
func (c Config) affine() bool {
	return c.Shift > 0 || c.Rotate > 0 || c.Scale > 0 || c.Shear > 0 || c.Sigma > 0
}

// String describes the configuration in the grammar of Parse.
func (c Config) String() string {
	var parts []string
	if c.Shift > 0 || c.Rotate > 0 || c.Scale > 0 || c.Shear > 0 {
		parts = append(parts, fmt.Sprintf("affine(shift=%g,rotate=%g,scale=%g,shear=%g)", c.Shift, c.Rotate, c.Scale, c.Shear))
	}
	if c.Sigma > 0 {
		parts = append(parts, fmt.Sprintf("elastic(alpha=%g,sigma=%g)", c.Alpha, c.Sigma))
	}
	if c.Flip {
		parts = append(parts, "flip")
	}
	if c.Crop > 0 {
		parts = append(parts, fmt.Sprintf("crop(pad=%d)", c.Crop))
	}
	if c.Fill != 0 {
		parts = append(parts, fmt.Sprintf("fill(value=%d)", c.Fill))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// An Augmenter draws random transforms of C×H×W byte images. It is safe
// for concurrent use.
type Augmenter struct {
	c, h, w int
	seed    uint64
	cfg     Config
	kernel  []float32 // the elastic Gaussian's taps, -r…r, summing to 1
	scratch sync.Pool // *[]float32: two displacement planes and a temporary
}

// New returns an augmenter of images of c channels, h rows and w columns
// that draws the transforms cfg describes, keyed by seed.
func New(c, h, w int, seed uint64, cfg Config) (*Augmenter, error) {
	if c <= 0 || h <= 0 || w <= 0 || h > maxShift || w > maxShift || c > 4 {
		return nil, fmt.Errorf("augment: images of %d×%d×%d", c, h, w)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("augment: %w", err)
	}
	a := &Augmenter{c: c, h: h, w: w, seed: seed, cfg: cfg}
	if cfg.Sigma > 0 {
		a.kernel = gaussian(cfg.Sigma)
		n := 4 * h * w
		a.scratch.New = func() any { s := make([]float32, n); return &s }
	}
	return a, nil
}

// Config returns the augmenter's configuration.
func (a *Augmenter) Config() Config { return a.cfg }

// Shape returns the channels, height and width of the images the
// augmenter transforms.
func (a *Augmenter) Shape() (c, h, w int) { return a.c, a.h, a.w }

// String describes the augmenter: its configuration in the grammar of
// Parse.
func (a *Augmenter) String() string { return a.cfg.String() }

// Augment writes into dst a random transform of src, both C×H×W bytes of
// the augmenter's shape. The transform depends only on the augmenter's
// seed and configuration, epoch and index (the example's index in its
// data set), so the same call always gives the same bytes. It allocates
// nothing once warm, and panics if the lengths are wrong.
func (a *Augmenter) Augment(dst, src []byte, epoch, index int) {
	if n := a.c * a.h * a.w; len(dst) != n || len(src) != n {
		panic(fmt.Sprintf("augment: %d and %d bytes for images of %d×%d×%d", len(dst), len(src), a.c, a.h, a.w))
	}
	r := keyed(a.seed, epoch, index)
	cfg := a.cfg
	t := Transform{Scale: 1}
	// Draw in a fixed order whatever is enabled, so that turning one
	// transform on does not change the others' draws.
	u := func(lim float64) float64 { return lim * (2*unit(&r) - 1) }
	t.DX, t.DY = u(cfg.Shift), u(cfg.Shift)
	t.Rotate = u(cfg.Rotate)
	t.Scale = 1 + u(cfg.Scale)
	t.Shear = u(cfg.Shear)
	t.Flip = cfg.Flip && r.Uint64()>>63 == 1
	if cfg.Crop > 0 {
		span := uint64(2*cfg.Crop + 1)
		t.DX += float64(int(r.Uint64()%span) - cfg.Crop)
		t.DY += float64(int(r.Uint64()%span) - cfg.Crop)
	}
	if !cfg.affine() {
		t.shiftFlip(dst, src, a.c, a.h, a.w, cfg.Fill)
		return
	}
	if cfg.Sigma == 0 {
		t.Warp(dst, src, a.c, a.h, a.w, nil, cfg.Fill)
		return
	}
	p := a.scratch.Get().(*[]float32)
	s := *p
	plane := a.h * a.w
	disp, tmp := s[:2*plane], s[2*plane:]
	// Two uniform numbers in [-1, 1) from each 64 random bits.
	for i := 0; i < len(disp); i += 2 {
		u := r.Uint64()
		disp[i] = float32(u>>40)/(1<<23) - 1
		disp[i+1] = float32(u>>8&(1<<24-1))/(1<<23) - 1
	}
	smooth(disp[:plane], disp[plane:], tmp, a.h, a.w, a.kernel, float32(cfg.Alpha))
	t.Warp(dst, src, a.c, a.h, a.w, disp, cfg.Fill)
	a.scratch.Put(p)
}

// keyed returns a generator whose stream depends only on (seed, epoch,
// index), each part mixed by SplitMix64's finaliser so that neighbouring
// keys give unrelated streams.
func keyed(seed uint64, epoch, index int) rand.PCG {
	h := mix(seed ^ 0x6a09e667f3bcc909)
	h = mix(h ^ uint64(epoch))
	l := mix(h ^ mix(uint64(index)+0x9e3779b97f4a7c15))
	var p rand.PCG
	p.Seed(h, l)
	return p
}

func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// unit returns a uniform number in [0, 1).
func unit(r *rand.PCG) float64 { return float64(r.Uint64()>>11) / (1 << 53) }

// gaussian returns the taps of a normalised Gaussian of standard
// deviation sigma, cut at 3σ.
func gaussian(sigma float64) []float32 {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	var sum float64
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += k[i]
	}
	out := make([]float32, len(k))
	for i, v := range k {
		out[i] = float32(v / sum)
	}
	return out
}

// smooth convolves the h×w planes dx and dy in place with the separable
// Gaussian whose taps are k, times scale; beyond the border the field is
// 0 (as scipy.ndimage.gaussian_filter with mode="constant" does in the
// usual implementations of Simard et al.). tmp holds at least 2·h·w
// numbers. Both passes run along rows of memory, a tap at a time.
func smooth(dx, dy, tmp []float32, h, w int, k []float32, scale float32) {
	r := len(k) / 2
	n := h * w
	tx, ty := tmp[:n], tmp[n:2*n]
	clear(tx)
	clear(ty)
	// Along the rows: t[y][x] = Σ_j k[j]·f[y][x+j-r].
	for y := 0; y < h; y++ {
		rx, ry := dx[y*w:(y+1)*w], dy[y*w:(y+1)*w]
		ox, oy := tx[y*w:(y+1)*w], ty[y*w:(y+1)*w]
		for j, g := range k {
			d := j - r
			lo, hi := max(0, -d), min(w, w-d)
			if lo >= hi {
				continue
			}
			ax, ay := ox[lo:hi], oy[lo:hi]
			bx, by := rx[lo+d:hi+d], ry[lo+d:hi+d]
			bx, by, ay = bx[:len(ax)], by[:len(ax)], ay[:len(ax)]
			for x := range ax {
				ax[x] += g * bx[x]
				ay[x] += g * by[x]
			}
		}
	}
	// Down the columns: f[y] = scale·Σ_j k[j]·t[y+j-r], a row at a time.
	for y := 0; y < h; y++ {
		ox, oy := dx[y*w:(y+1)*w], dy[y*w:(y+1)*w]
		clear(ox)
		clear(oy)
		lo, hi := max(y-r, 0), min(y+r, h-1)
		for yy := lo; yy <= hi; yy++ {
			g := k[yy-y+r] * scale
			bx, by := tx[yy*w:(yy+1)*w], ty[yy*w:(yy+1)*w]
			bx, by, oy = bx[:len(ox)], by[:len(ox)], oy[:len(ox)]
			for x := range ox {
				ox[x] += g * bx[x]
				oy[x] += g * by[x]
			}
		}
	}
}

// Transform is one geometric transform of an image about its centre:
// mirrored left to right if Flip, then sheared, scaled, rotated and
// shifted. The zero value with Scale 1 leaves an image as it is.
type Transform struct {
	DX, DY float64 // shift in pixels, right and down
	Rotate float64 // degrees, clockwise on the screen (y points down)
	Scale  float64 // size factor; 0 counts as 1
	Shear  float64 // x' = x + Shear·y
	Flip   bool    // mirror left to right first
}

// Warp writes into dst the image src (c planes of h×w bytes) transformed
// by t and, if disp is not nil, displaced by the field disp (2·h·w
// numbers: the x then the y displacement of each output pixel, in
// pixels, added to where it samples the source). Each output pixel is
// the bilinear interpolation of the source at the transformed position,
// rounded; positions outside the source read fill.
func (t Transform) Warp(dst, src []byte, c, h, w int, disp []float32, fill byte) {
	plane := h * w
	if len(dst) != c*plane || len(src) != c*plane || (disp != nil && len(disp) != 2*plane) {
		panic(fmt.Sprintf("augment: warping %d bytes into %d with %d displacements for %d×%d×%d", len(src), len(dst), len(disp), c, h, w))
	}
	// The inverse map: output pixel p samples the source at
	// M⁻¹(p − centre − shift) + centre, M = rotation·scale·shear, then
	// mirrored.
	scale := t.Scale
	if scale == 0 {
		scale = 1
	}
	sin, cos := math.Sincos(t.Rotate * math.Pi / 180)
	// M = R·S·H with R = [cos −sin; sin cos], S = scale·I, H = [1 s; 0 1].
	m00, m01 := scale*cos, scale*(cos*t.Shear-sin)
	m10, m11 := scale*sin, scale*(sin*t.Shear+cos)
	det := m00*m11 - m01*m10
	i00, i01, i10, i11 := m11/det, -m01/det, -m10/det, m00/det
	cx, cy := float64(w-1)/2, float64(h-1)/2
	a00, a01, a10, a11 := float32(i00), float32(i01), float32(i10), float32(i11)
	// Source position of output (x, y) = (bx + a00·x + a01·y, by + a10·x + a11·y).
	ox, oy := -cx-t.DX, -cy-t.DY
	bx := float32(i00*ox + i01*oy + cx)
	by := float32(i10*ox + i11*oy + cy)
	fw, fh := float32(w-1), float32(h-1)
	var dxs, dys []float32
	if disp != nil {
		dxs, dys = disp[:plane], disp[plane:]
	}
	for y := 0; y < h; y++ {
		fy := float32(y)
		rx, ry := bx+a01*fy, by+a11*fy
		for x := 0; x < w; x++ {
			fx := float32(x)
			sx, sy := rx+a00*fx, ry+a10*fx
			o := y*w + x
			if disp != nil {
				sx += dxs[o]
				sy += dys[o]
			}
			if t.Flip {
				sx = fw - sx
			}
			if sx >= 0 && sy >= 0 && sx < fw && sy < fh {
				// Inside: the four neighbours exist, and truncation is
				// the floor.
				x0, y0 := int(sx), int(sy)
				wx, wy := sx-float32(x0), sy-float32(y0)
				i := y0*w + x0
				for ch := 0; ch < c; ch++ {
					p := src[ch*plane : (ch+1)*plane]
					q := p[i : i+w+2]
					v00, v01 := float32(q[0]), float32(q[1])
					v10, v11 := float32(q[w]), float32(q[w+1])
					top := v00 + wx*(v01-v00)
					bot := v10 + wx*(v11-v10)
					dst[ch*plane+o] = byte(top + wy*(bot-top) + 0.5)
				}
				continue
			}
			sample(dst[o:], src, c, h, w, sx, sy, fill)
		}
	}
}

// sample writes the bilinear interpolation at (sx, sy), near or beyond
// the border, of each of the c planes of src into dst[0], dst[h·w], …:
// neighbours outside the image read fill.
func sample(dst, src []byte, c, h, w int, sx, sy float32, fill byte) {
	plane := h * w
	x0f, y0f := floor32(sx), floor32(sy)
	if !(x0f >= -1 && y0f >= -1 && x0f < float32(w) && y0f < float32(h)) {
		for ch := 0; ch < c; ch++ {
			dst[ch*plane] = fill
		}
		return
	}
	wx, wy := sx-x0f, sy-y0f
	x0, y0 := int(x0f), int(y0f)
	f := float32(fill)
	for ch := 0; ch < c; ch++ {
		p := src[ch*plane : (ch+1)*plane]
		at := func(xx, yy int) float32 {
			if xx < 0 || yy < 0 || xx >= w || yy >= h {
				return f
			}
			return float32(p[yy*w+xx])
		}
		v00, v01 := at(x0, y0), at(x0+1, y0)
		v10, v11 := at(x0, y0+1), at(x0+1, y0+1)
		top := v00 + wx*(v01-v00)
		bot := v10 + wx*(v11-v10)
		dst[ch*plane] = byte(top + wy*(bot-top) + 0.5)
	}
}

// floor32 is math.Floor for the float32 positions Warp samples, which
// are bounded by the image size plus the transform's reach.
func floor32(v float32) float32 {
	if v >= -(1<<23) && v <= 1<<23 {
		t := float32(int32(v))
		if t > v {
			t--
		}
		return t
	}
	return float32(math.Floor(float64(v)))
}

// shiftFlip is Warp for a transform that is an integer shift, perhaps
// mirrored: a copy, row by row, with the uncovered pixels set to fill.
func (t Transform) shiftFlip(dst, src []byte, c, h, w int, fill byte) {
	dx, dy := int(t.DX), int(t.DY)
	plane := h * w
	for ch := 0; ch < c; ch++ {
		for y := 0; y < h; y++ {
			out := dst[ch*plane+y*w : ch*plane+(y+1)*w]
			sy := y - dy
			if sy < 0 || sy >= h {
				for x := range out {
					out[x] = fill
				}
				continue
			}
			in := src[ch*plane+sy*w : ch*plane+(sy+1)*w]
			for x := range out {
				// Output x samples the shifted position x−dx, mirrored.
				sx := x - dx
				if t.Flip {
					sx = w - 1 - sx
				}
				if sx < 0 || sx >= w {
					out[x] = fill
				} else {
					out[x] = in[sx]
				}
			}
		}
	}
}
