// Package plottest checks pictures in tests: that a PNG decodes, has a
// reasonable size and is not blank, and that an SVG is well-formed XML
// that draws something.
package plottest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// PNGStats describes a decoded PNG picture.
type PNGStats struct {
	Width, Height int
	Colors        int     // distinct colours
	Ink           float64 // fraction of pixels that are not the background (the corner colour)
}

// InspectPNG decodes the PNG file at path and measures it.
func InspectPNG(path string) (PNGStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return PNGStats{}, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return PNGStats{}, fmt.Errorf("%s: %w", path, err)
	}
	b := img.Bounds()
	st := PNGStats{Width: b.Dx(), Height: b.Dy()}
	if st.Width == 0 || st.Height == 0 {
		return st, fmt.Errorf("%s: empty picture", path)
	}
	bg := color.RGBAModel.Convert(img.At(b.Min.X, b.Min.Y))
	colors := map[color.Color]bool{}
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y))
			if len(colors) < 100000 {
				colors[c] = true
			}
			if c != bg {
				ink++
			}
		}
	}
	st.Colors = len(colors)
	st.Ink = float64(ink) / float64(st.Width*st.Height)
	return st, nil
}

// SVGStats describes a parsed SVG picture.
type SVGStats struct {
	Width, Height string         // the root element's attributes
	Elements      map[string]int // how many elements of each name
	Text          string         // the text of every <text> element, joined by newlines
}

// Marks counts the elements that draw something: paths, lines, shapes,
// text and images.
func (s SVGStats) Marks() int {
	n := 0
	for _, name := range []string{"path", "line", "polyline", "polygon", "rect", "circle", "ellipse", "text", "image"} {
		n += s.Elements[name]
	}
	return n
}

// InspectSVG parses the SVG file at path as XML.
func InspectSVG(path string) (SVGStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return SVGStats{}, err
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	d.Strict = true
	st := SVGStats{Elements: map[string]int{}}
	var text []string
	inText, root := 0, ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("%s: not well-formed XML: %w", path, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = t.Name.Local
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "width":
						st.Width = a.Value
					case "height":
						st.Height = a.Value
					}
				}
			}
			st.Elements[t.Name.Local]++
			if t.Name.Local == "text" {
				inText++
				text = append(text, "")
			}
		case xml.EndElement:
			if t.Name.Local == "text" {
				inText--
			}
		case xml.CharData:
			if inText > 0 {
				text[len(text)-1] += string(t)
			}
		}
	}
	if root != "svg" {
		return st, fmt.Errorf("%s: root element is %q, want svg", path, root)
	}
	st.Text = strings.Join(text, "\n")
	return st, nil
}

// TB is the part of testing.TB that the checks use.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Check checks the picture at path, by its extension: a PNG must decode,
// be at least minW×minH pixels, have at least 8 distinct colours and at
// least 1% of its pixels differing from the background; an SVG must be
// well-formed, with an <svg> root and at least 10 drawing elements.
func Check(t TB, path string, minW, minH int) {
	t.Helper()
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		st, err := InspectPNG(path)
		if err != nil {
			t.Fatalf("%v", err)
			return
		}
		if st.Width < minW || st.Height < minH {
			t.Errorf("%s is %d×%d pixels, want at least %d×%d", path, st.Width, st.Height, minW, minH)
		}
		if st.Colors < 8 || st.Ink < 0.01 {
			t.Errorf("%s looks blank: %d colours, %.2f%% ink", path, st.Colors, 100*st.Ink)
		}
	case ".svg":
		st, err := InspectSVG(path)
		if err != nil {
			t.Fatalf("%v", err)
			return
		}
		if st.Width == "" || st.Height == "" {
			t.Errorf("%s: the svg element has no width or height", path)
		}
		if st.Marks() < 10 {
			t.Errorf("%s draws only %d elements: %v", path, st.Marks(), st.Elements)
		}
	default:
		t.Errorf("%s: not a picture file", path)
	}
}

// Decode returns the decoded PNG at path, for tests that look at pixels.
func Decode(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}
