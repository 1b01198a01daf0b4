package augment

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Grammar is the grammar of Parse, for help texts.
const Grammar = `a comma-separated list of transforms, each optionally with
parameters in parentheses:
  digits              affine,elastic (handwriting)
  natural             flip,crop (photographs)
  affine(shift=2,rotate=10,scale=0.1,shear=0.1)
                      random shift of up to ±shift pixels on each axis,
                      rotation of up to ±rotate degrees, scale factor in
                      [1-scale, 1+scale], horizontal shear of up to ±shear
  elastic(alpha=34,sigma=4)
                      elastic distortion (Simard et al. 2003): displacements
                      uniform in [-1, 1] smoothed by a Gaussian of sigma
                      pixels, times alpha
  flip                horizontal flip with probability 1/2
  crop(pad=4)         random crop after padding by pad pixels on every side
  fill(value=0)       the background byte of pixels from outside the image
"" or none: no augmentation. The defaults shown are for 28×28 images;
shift, sigma and pad scale with the smaller side over 28, alpha with its
square (pad 4 is for 32×32, CIFAR's usual padding). Example:
"affine(rotate=15),elastic(alpha=36,sigma=6)".`

// Parse reads an augmentation spec (see Grammar) for images of h×w
// pixels and returns the configuration it describes.
func Parse(spec string, h, w int) (Config, error) {
	var c Config
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "none" {
		return c, nil
	}
	if h <= 0 || w <= 0 {
		return c, fmt.Errorf("images of %d×%d", h, w)
	}
	k := float64(min(h, w)) / 28 // the defaults are for 28×28
	items, err := splitItems(spec)
	if err != nil {
		return c, err
	}
	seen := map[string]bool{}
	for _, it := range items {
		name, args := it.name, it.args
		names := []string{name}
		switch name {
		case "digits":
			names = []string{"affine", "elastic"}
		case "natural":
			names = []string{"flip", "crop"}
		}
		if len(names) > 1 && args != nil {
			return c, fmt.Errorf("%q takes no parameters; give its parts (%s) instead", name, strings.Join(names, ","))
		}
		for _, n := range names {
			if seen[n] {
				return c, fmt.Errorf("%q given twice", n)
			}
			seen[n] = true
			var keys map[string]*float64
			var pad, fill float64
			switch n {
			case "affine":
				c.Shift, c.Rotate, c.Scale, c.Shear = 2*k, 10, 0.1, 0.1
				keys = map[string]*float64{"shift": &c.Shift, "rotate": &c.Rotate, "scale": &c.Scale, "shear": &c.Shear}
			case "elastic":
				c.Alpha, c.Sigma = 34*k*k, 4*k
				keys = map[string]*float64{"alpha": &c.Alpha, "sigma": &c.Sigma}
			case "flip":
				c.Flip = true
			case "crop":
				pad = math.Max(1, math.Round(float64(min(h, w))/8))
				keys = map[string]*float64{"pad": &pad}
			case "fill":
				keys = map[string]*float64{"value": &fill}
			default:
				return c, fmt.Errorf("unknown transform %q, want digits, natural, affine, elastic, flip, crop or fill", n)
			}
			for _, kv := range args {
				p := keys[kv.key]
				if p == nil {
					return c, fmt.Errorf("%s has no parameter %q", n, kv.key)
				}
				v, err := strconv.ParseFloat(kv.value, 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return c, fmt.Errorf("%s(%s=%s): want a number", n, kv.key, kv.value)
				}
				*p = v
			}
			switch n {
			case "crop":
				if pad != math.Trunc(pad) || pad < 1 || pad > maxShift {
					return c, fmt.Errorf("crop(pad=%v): want a whole number of pixels in 1…%d", pad, maxShift)
				}
				c.Crop = int(pad)
			case "fill":
				if fill != math.Trunc(fill) || fill < 0 || fill > 255 {
					return c, fmt.Errorf("fill(value=%v): want a whole number in 0…255", fill)
				}
				c.Fill = byte(fill)
			}
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

type item struct {
	name string
	args []keyValue // nil without parentheses
}

type keyValue struct{ key, value string }

// splitItems cuts a spec into its transforms at the commas outside
// parentheses.
func splitItems(spec string) ([]item, error) {
	const maxItems = 16
	var items []item
	for s := spec; ; {
		s = strings.TrimSpace(s)
		end := strings.IndexAny(s, ",(")
		if end < 0 {
			end = len(s)
		}
		it := item{name: strings.TrimSpace(s[:end])}
		if it.name == "" {
			return nil, fmt.Errorf("an empty transform in %q", spec)
		}
		s = s[end:]
		if strings.HasPrefix(s, "(") {
			close := strings.IndexByte(s, ')')
			if close < 0 {
				return nil, fmt.Errorf("%s: unclosed parenthesis", it.name)
			}
			it.args = []keyValue{}
			inner := s[1:close]
			if strings.TrimSpace(inner) != "" {
				for _, kv := range strings.Split(inner, ",") {
					key, value, ok := strings.Cut(kv, "=")
					if !ok {
						return nil, fmt.Errorf("%s(%s): want key=value", it.name, strings.TrimSpace(kv))
					}
					it.args = append(it.args, keyValue{strings.TrimSpace(key), strings.TrimSpace(value)})
				}
			}
			s = strings.TrimSpace(s[close+1:])
		}
		items = append(items, it)
		if len(items) > maxItems {
			return nil, fmt.Errorf("more than %d transforms in %q", maxItems, spec)
		}
		if s == "" {
			return items, nil
		}
		if s[0] != ',' {
			return nil, fmt.Errorf("unexpected %q after %s", s, it.name)
		}
		s = s[1:]
	}
}
