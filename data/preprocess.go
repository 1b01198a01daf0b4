package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/draw"

	"github.com/baeum-ml/baeum/digits"
	"github.com/baeum-ml/baeum/tensor"
)

// KeyPreprocess is the checkpoint metadata key under which the Preprocess
// record is stored, as JSON.
const KeyPreprocess = "baeum.preprocess"

// Preprocess records what a model expects and how raw data becomes the
// numbers it reads. It is stored in every checkpoint, and training,
// evaluation, prediction and serving all prepare inputs through it, so
// they cannot drift apart.
type Preprocess struct {
	// Inputs holds one entry per model input, in order.
	Inputs []InputPrep `json:"inputs"`
	// Classes names the classes of a classifier's outputs, in order.
	Classes []string `json:"classes,omitempty"`
}

// InputPrep says how one input is prepared: an image, a table row or a
// line of text.
type InputPrep struct {
	Name  string     `json:"name"`
	Image *ImagePrep `json:"image,omitempty"`
	Table *TablePrep `json:"table,omitempty"`
	Text  *TextPrep  `json:"text,omitempty"`
}

// ImagePrep says how stored image bytes (8 bits per sample, channel after
// channel, each row-major: C×H×W) become a model's input: scaled to
// [0, 1], normalised per channel as (x - Mean)/Std, padded with Pad
// pixels of background (value 0) on every side, and either kept as a
// C×H'×W' image or flattened to a vector. Resize says how a picture of
// another size becomes the stored Height×Width.
type ImagePrep struct {
	Height   int       `json:"height"`
	Width    int       `json:"width"`
	Channels int       `json:"channels"`
	Mean     []float64 `json:"mean,omitempty"` // one per channel, or one for all; default 0
	Std      []float64 `json:"std,omitempty"`  // likewise; default 1
	Pad      int       `json:"pad,omitempty"`
	Flatten  bool      `json:"flatten,omitempty"`
	// Resize is "" (pictures must already be Height×Width), "stretch"
	// (scaled to Height×Width), "fit" (scaled to fit, aspect ratio kept,
	// centred on background) or "digit" (MNIST's way: the ink, found
	// whether light on dark or dark on light, scaled into 20×20 and
	// centred by its centre of mass in 28×28; grey 28×28 only).
	Resize string `json:"resize,omitempty"`
}

// The limits a record read from a file must respect, checked before
// anything is allocated.
const (
	maxSide     = 4096
	maxPad      = 256
	maxClasses  = 1 << 20
	maxColumns  = 1 << 14
	maxCategory = 1 << 16
	// maxMoment bounds means and standard deviations (and 1/maxMoment
	// bounds deviations from below), so that normalised numbers stay
	// finite in float32.
	maxMoment = 1e6
)

// Shape returns the shape of one prepared example.
func (p *ImagePrep) Shape() []int {
	h, w := p.Height+2*p.Pad, p.Width+2*p.Pad
	if p.Flatten {
		return []int{p.Channels * h * w}
	}
	return []int{p.Channels, h, w}
}

// RawSize returns the number of stored bytes per image, C·H·W.
func (p *ImagePrep) RawSize() int { return p.Channels * p.Height * p.Width }

// channel returns the mean and standard deviation of channel c.
func (p *ImagePrep) channel(c int) (mean, std float64) {
	mean, std = 0, 1
	if len(p.Mean) == 1 {
		mean = p.Mean[0]
	} else if c < len(p.Mean) {
		mean = p.Mean[c]
	}
	if len(p.Std) == 1 {
		std = p.Std[0]
	} else if c < len(p.Std) {
		std = p.Std[c]
	}
	return mean, std
}

// Validate reports what is wrong with the record, if anything.
func (p *ImagePrep) Validate() error {
	switch {
	case p.Height <= 0 || p.Width <= 0 || p.Height > maxSide || p.Width > maxSide:
		return fmt.Errorf("image size %d×%d outside 1…%d", p.Height, p.Width, maxSide)
	case p.Channels != 1 && p.Channels != 3:
		return fmt.Errorf("channels %d, want 1 or 3", p.Channels)
	case p.Pad < 0 || p.Pad > maxPad:
		return fmt.Errorf("pad %d outside 0…%d", p.Pad, maxPad)
	case len(p.Mean) > 1 && len(p.Mean) != p.Channels, len(p.Std) > 1 && len(p.Std) != p.Channels:
		return fmt.Errorf("%d means and %d standard deviations for %d channels", len(p.Mean), len(p.Std), p.Channels)
	}
	for _, m := range p.Mean {
		if !(math.Abs(m) <= maxMoment) {
			return fmt.Errorf("mean %v is outside ±%g", m, maxMoment)
		}
	}
	for _, s := range p.Std {
		if !(s >= 1/maxMoment && s <= maxMoment) {
			return fmt.Errorf("standard deviation %v is outside %g…%g", s, 1/maxMoment, maxMoment)
		}
	}
	switch p.Resize {
	case "", "stretch", "fit":
	case "digit":
		if p.Height != digits.Size || p.Width != digits.Size || p.Channels != 1 {
			return fmt.Errorf(`resize "digit" makes grey %d×%d images, the record says %d×%d×%d`, digits.Size, digits.Size, p.Channels, p.Height, p.Width)
		}
	default:
		return fmt.Errorf("resize %q, want \"\", stretch, fit or digit", p.Resize)
	}
	return nil
}

// Prepare converts one stored image (RawSize bytes, C×H×W) into dst,
// whose length is the product of Shape. Training's loader and serving
// both call it, so they give a model the same numbers bit for bit. It
// panics if the lengths are wrong (a programming error: data from outside
// is checked where it is read).
func (p *ImagePrep) Prepare(dst []float32, raw []byte) {
	h, w, pad := p.Height, p.Width, p.Pad
	oh, ow := h+2*pad, w+2*pad
	if len(raw) != p.RawSize() || len(dst) != p.Channels*oh*ow {
		panic(fmt.Sprintf("data: preparing %d bytes into %d numbers, want %d into %d", len(raw), len(dst), p.RawSize(), p.Channels*oh*ow))
	}
	for c := 0; c < p.Channels; c++ {
		mean, std := p.channel(c)
		// x/255 normalised is x·scale + offset.
		scale, offset := float32(1/(255*std)), float32(-mean/std)
		d := dst[c*oh*ow : (c+1)*oh*ow]
		src := raw[c*h*w : (c+1)*h*w]
		if pad == 0 {
			tensor.BytesToFloat32(d, src, scale, offset)
			continue
		}
		// The border is background (pixel value 0): the rows above and
		// below the picture, and pad numbers either side of each row.
		fill(d[:pad*ow], offset)
		fill(d[(pad+h)*ow:], offset)
		for y := 0; y < h; y++ {
			row := d[(y+pad)*ow : (y+pad+1)*ow]
			fill(row[:pad], offset)
			fill(row[pad+w:], offset)
			tensor.BytesToFloat32(row[pad:pad+w], src[y*w:(y+1)*w], scale, offset)
		}
	}
}

// Raw turns a decoded picture into the bytes Prepare takes, as the record
// says: sized by Resize, converted to grey (image/color's luma) or RGB
// planes.
func (p *ImagePrep) Raw(img image.Image) ([]byte, error) {
	if p.Resize == "digit" {
		return digits.Prepare(digits.Opaque(img)) // transparent pixels are background, whatever the ink's colour
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, errors.New("the image is empty")
	}
	var src image.Image = img
	if b.Dx() != p.Width || b.Dy() != p.Height {
		dst := image.NewRGBA(image.Rect(0, 0, p.Width, p.Height))
		switch p.Resize {
		case "":
			return nil, fmt.Errorf("the image is %d×%d, the model takes %d×%d", b.Dx(), b.Dy(), p.Width, p.Height)
		case "stretch":
			draw.BiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
		case "fit":
			s := math.Min(float64(p.Width)/float64(b.Dx()), float64(p.Height)/float64(b.Dy()))
			w, h := max(1, int(math.Round(float64(b.Dx())*s))), max(1, int(math.Round(float64(b.Dy())*s)))
			x0, y0 := (p.Width-w)/2, (p.Height-h)/2
			draw.BiLinear.Scale(dst, image.Rect(x0, y0, x0+w, y0+h), img, b, draw.Src, nil)
		}
		src = dst
	}
	out := make([]byte, p.RawSize())
	plane := p.Width * p.Height
	sb := src.Bounds()
	for y := 0; y < p.Height; y++ {
		for x := 0; x < p.Width; x++ {
			c := src.At(sb.Min.X+x, sb.Min.Y+y)
			i := y*p.Width + x
			if p.Channels == 1 {
				out[i] = color.GrayModel.Convert(c).(color.Gray).Y
				continue
			}
			r, g, bl, _ := c.RGBA()
			out[i], out[plane+i], out[2*plane+i] = byte(r>>8), byte(g>>8), byte(bl>>8)
		}
	}
	return out, nil
}

// TablePrep says how a table row (text fields, as read from CSV) becomes
// a feature vector: each column in order, a number standardised as
// (x - Mean)/Std, or a category one-hot encoded over Categories.
type TablePrep struct {
	Columns []ColumnPrep `json:"columns"`
}

// ColumnPrep is the encoder of one table column.
type ColumnPrep struct {
	Name string  `json:"name"`
	Mean float64 `json:"mean,omitempty"`
	Std  float64 `json:"std,omitempty"` // 0 means 1
	// Categories, when not empty, makes the column categorical: one
	// number per category, 1 for the row's and 0 for the others.
	Categories []string `json:"categories,omitempty"`
}

// Width returns the number of features the columns make.
func (t *TablePrep) Width() int {
	n := 0
	for _, c := range t.Columns {
		if len(c.Categories) > 0 {
			n += len(c.Categories)
		} else {
			n++
		}
	}
	return n
}

// Validate reports what is wrong with the encoders, if anything.
func (t *TablePrep) Validate() error {
	if len(t.Columns) == 0 || len(t.Columns) > maxColumns {
		return fmt.Errorf("%d columns, want 1…%d", len(t.Columns), maxColumns)
	}
	for _, c := range t.Columns {
		if len(c.Categories) > maxCategory {
			return fmt.Errorf("column %q: %d categories, more than %d", c.Name, len(c.Categories), maxCategory)
		}
		if !(math.Abs(c.Mean) <= maxMoment) || !(c.Std == 0 || c.Std >= 1/maxMoment && c.Std <= maxMoment) {
			return fmt.Errorf("column %q: mean %v must lie within ±%g and standard deviation %v within %g…%g (0 means 1)", c.Name, c.Mean, maxMoment, c.Std, 1/maxMoment, maxMoment)
		}
		seen := make(map[string]bool, len(c.Categories))
		for _, v := range c.Categories {
			if v != strings.TrimSpace(v) || seen[v] {
				return fmt.Errorf("column %q: category %q is repeated or has surrounding spaces (fields are trimmed before they are looked up)", c.Name, v)
			}
			seen[v] = true
		}
	}
	return nil
}

// Encode writes the features of one row into dst (of length Width). A
// field that is not a number, or not a known category, is an error naming
// the column.
func (t *TablePrep) Encode(dst []float32, fields []string) error {
	if len(fields) != len(t.Columns) {
		return fmt.Errorf("%d fields, want %d (%s)", len(fields), len(t.Columns), strings.Join(t.names(), ", "))
	}
	if len(dst) != t.Width() {
		panic(fmt.Sprintf("data: encoding a row into %d numbers, want %d", len(dst), t.Width()))
	}
	k := 0
	for i, c := range t.Columns {
		f := strings.TrimSpace(fields[i])
		if len(c.Categories) > 0 {
			j := slices.Index(c.Categories, f)
			if j < 0 {
				return fmt.Errorf("column %q: unknown category %q", c.Name, f)
			}
			clear(dst[k : k+len(c.Categories)])
			dst[k+j] = 1
			k += len(c.Categories)
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("column %q: %q is not a finite number", c.Name, f)
		}
		std := c.Std
		if std == 0 {
			std = 1
		}
		x := float32((v - c.Mean) / std)
		if math.IsInf(float64(x), 0) {
			return fmt.Errorf("column %q: %q is too large to standardise", c.Name, f)
		}
		dst[k] = x
		k++
	}
	return nil
}

func (t *TablePrep) names() []string {
	var s []string
	for _, c := range t.Columns {
		s = append(s, c.Name)
	}
	return s
}

// TextPrep says how a line of text becomes the token ids a character
// language model reads (see package data/text): each character is looked
// up in Vocab, whose k-th character (counting from 0) has id k+2; id 0
// is padding and id 1 the boundary that opens and closes every example.
type TextPrep struct {
	// Vocab holds the characters, in the order of their ids.
	Vocab string `json:"vocab"`
	// MaxLen is the longest example, in characters, the model was
	// trained on.
	MaxLen int `json:"max_len"`
}

// The limits of a text record: those of package data/text (MaxVocab
// characters, examples of at most MaxRunes).
const (
	maxTextVocab = 4096
	maxTextRunes = 256
)

// Runes returns the vocabulary's characters, in the order of their ids.
func (t *TextPrep) Runes() []rune { return []rune(t.Vocab) }

// Validate reports what is wrong with the record, if anything: a
// vocabulary that is empty, too large, not valid UTF-8, or holds a
// character twice or a control character; a maximum length outside
// 1…256.
func (t *TextPrep) Validate() error {
	if !utf8.ValidString(t.Vocab) {
		return errors.New("text vocabulary is not valid UTF-8")
	}
	n := utf8.RuneCountInString(t.Vocab)
	if n == 0 || n > maxTextVocab {
		return fmt.Errorf("text vocabulary of %d characters, want 1…%d", n, maxTextVocab)
	}
	if t.MaxLen < 1 || t.MaxLen > maxTextRunes {
		return fmt.Errorf("text max_len %d outside 1…%d", t.MaxLen, maxTextRunes)
	}
	seen := make(map[rune]bool, n)
	for _, r := range t.Vocab {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return fmt.Errorf("text vocabulary holds the control character %U", r)
		case seen[r]:
			return fmt.Errorf("text vocabulary holds %q twice", r)
		}
		seen[r] = true
	}
	return nil
}

// Shape returns the shape of one prepared example of the input: for
// text, the token ids of the longest example (its characters and the
// opening boundary).
func (in *InputPrep) Shape() []int {
	switch {
	case in.Image != nil:
		return in.Image.Shape()
	case in.Table != nil:
		return []int{in.Table.Width()}
	case in.Text != nil:
		return []int{in.Text.MaxLen + 1}
	}
	return nil
}

// Validate reports what is wrong with the record, if anything, naming
// the input.
func (p *Preprocess) Validate() error {
	if len(p.Inputs) == 0 {
		return errors.New("preprocessing record has no inputs")
	}
	if len(p.Classes) > maxClasses {
		return fmt.Errorf("preprocessing record names %d classes, more than %d", len(p.Classes), maxClasses)
	}
	for i := range p.Inputs {
		in := &p.Inputs[i]
		var err error
		kinds := 0
		for _, set := range []bool{in.Image != nil, in.Table != nil, in.Text != nil} {
			if set {
				kinds++
			}
		}
		switch {
		case kinds != 1:
			err = errors.New("needs exactly one of image, table and text")
		case in.Image != nil:
			err = in.Image.Validate()
		case in.Table != nil:
			err = in.Table.Validate()
		default:
			err = in.Text.Validate()
		}
		if err != nil {
			return fmt.Errorf("preprocessing record: input %d (%q): %w", i, in.Name, err)
		}
	}
	return nil
}

// ParsePreprocess decodes a record strictly: unknown fields, keys spelt
// in another case than the record's ("Height" for "height"), a key given
// twice in one object, trailing data and invalid values are errors.
func ParsePreprocess(js []byte) (*Preprocess, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var p Preprocess
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("preprocessing record: %w", err)
	}
	if len(bytes.Trim(js[dec.InputOffset():], " \t\r\n")) > 0 { // dec.More missed a trailing ] or }
		return nil, errors.New("preprocessing record: data after the JSON object")
	}
	// encoding/json matches keys regardless of case and lets a repeated
	// key overwrite the first; the record is compared key by key instead.
	if err := exactKeys(json.NewDecoder(bytes.NewReader(js)), reflect.TypeFor[Preprocess](), ""); err != nil {
		return nil, fmt.Errorf("preprocessing record: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// JSON returns the record as JSON, for a checkpoint's metadata.
func (p *Preprocess) JSON() string {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	return string(b)
}

// fill sets every number of d to v.
func fill(d []float32, v float32) {
	for j := range d {
		d[j] = v
	}
}
