// Package plot draws baeum's pictures — training curves, optimizer paths
// over a contour plot, histograms of activations, learned filters and
// feature maps, computational graphs — as PNG or SVG files.
//
// Charts are built with gonum/plot (gonum.org/v1/plot): a picture is a
// Figure, a grid of gonum plots under an optional title, and its file's
// extension says how it is written (.png through vg/vgimg, .svg through
// vg/vgsvg). Every file is written atomically: to a temporary file in the
// same folder, synced, then renamed, so a reader never sees half a picture.
//
// Computational graphs are written in Graphviz's DOT language (Graph,
// WriteDOT) and rendered by Graphviz's dot program when it is installed
// (RenderDOT).
//
// The package only draws: what is drawn is computed elsewhere (package
// experiment, train's history), so that tests can check the numbers behind
// a picture as well as the picture.
package plot

import (
	"errors"
	"fmt"
	"github.com/baeum-ml/baeum/internal/atomicfile"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The picture formats that Save and Figure.Save write.
const (
	PNG = "png"
	SVG = "svg"
)

// Formats lists the picture formats, in the order commands write them.
var Formats = []string{PNG, SVG}

// DPI is the resolution of PNG pictures, in dots per inch.
const DPI = 110

// FormatOf returns the picture format that path's extension names, "png"
// or "svg" (in any case), or an error naming the path.
func FormatOf(path string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	switch ext {
	case PNG, SVG:
		return ext, nil
	}
	return "", fmt.Errorf("plot: %s: unknown picture format %q (want a .png or .svg file)", path, filepath.Ext(path))
}

// ParseFormats parses a comma-separated list of picture formats such as
// "png,svg", as given to the --format flag of baeum's commands.
func ParseFormats(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if f != PNG && f != SVG {
			return nil, fmt.Errorf("unknown picture format %q (want png, svg or both: png,svg)", f)
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no picture format given (want png, svg or both: png,svg)")
	}
	return out, nil
}

// Figure is one picture: a grid of panels under an optional title.
// Panels holds rows of gonum plots; a nil entry leaves its cell empty.
// The panels of a grid are aligned, so that their axes line up.
type Figure struct {
	// Title is drawn centred above the panels ("" for none).
	Title string
	// Panels are the plots, row by row.
	Panels [][]*gplot.Plot
	// Width and Height are the size of the picture (default 6×4 inches).
	Width, Height vg.Length
}

// NewFigure returns a figure of one row of panels.
func NewFigure(title string, w, h vg.Length, row ...*gplot.Plot) *Figure {
	return &Figure{Title: title, Width: w, Height: h, Panels: [][]*gplot.Plot{row}}
}

// Save writes the figure to path as PNG or SVG, chosen by the extension.
func (f *Figure) Save(path string) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, func(w io.Writer) error { return f.Write(w, format) })
}

// SaveAll writes the figure in every format given, as base.png,
// base.svg, … and returns the paths written.
func (f *Figure) SaveAll(base string, formats []string) ([]string, error) {
	var paths []string
	for _, format := range formats {
		p := base + "." + format
		if err := f.Save(p); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// Write draws the figure in the given format ("png" or "svg") to w.
func (f *Figure) Write(w io.Writer, format string) error {
	width, height := f.Width, f.Height
	if width <= 0 {
		width = 6 * vg.Inch
	}
	if height <= 0 {
		height = 4 * vg.Inch
	}
	var c vg.CanvasWriterTo
	switch format {
	case PNG:
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(DPI))}
	case SVG:
		c = vgsvg.New(width, height)
	default:
		return fmt.Errorf("plot: unknown picture format %q (want png or svg)", format)
	}
	dc := draw.New(c)
	// A white background, so that SVGs read well on dark pages too.
	dc.FillPolygon(color.White, []vg.Point{dc.Min, {X: dc.Max.X, Y: dc.Min.Y}, dc.Max, {X: dc.Min.X, Y: dc.Max.Y}})
	if err := f.draw(dc); err != nil {
		return err
	}
	_, err := c.WriteTo(w)
	return err
}

// draw lays the panels out on c, recovering from gonum's panics (which
// bad data, such as a range with no extent, can cause) as errors.
func (f *Figure) draw(c draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plot: drawing %q: %v", f.Title, r)
		}
	}()
	if f.Title != "" {
		sty := TextStyle(13)
		sty.XAlign = draw.XCenter
		sty.YAlign = draw.YTop
		pad := vg.Points(6)
		c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - pad}, f.Title)
		lines := float64(strings.Count(f.Title, "\n") + 1)
		c = draw.Crop(c, 0, 0, 0, -(pad*2 + sty.Font.Size*vg.Length(1.25*lines)))
	}
	rows := len(f.Panels)
	cols := 0
	for _, r := range f.Panels {
		cols = max(cols, len(r))
	}
	if rows == 0 || cols == 0 {
		return errors.New("plot: figure without panels")
	}
	grid := make([][]*gplot.Plot, rows)
	for i, r := range f.Panels {
		grid[i] = make([]*gplot.Plot, cols)
		copy(grid[i], r)
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols,
		PadX: vg.Points(10), PadY: vg.Points(10),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	canvases := gplot.Align(grid, tiles, c)
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
	return nil
}

// Save writes one plot of the given size to path as PNG or SVG, chosen by
// the extension.
func Save(p *gplot.Plot, w, h vg.Length, path string) error {
	return NewFigure("", w, h, p).Save(path)
}

// WriteFileAtomic creates path's folder if needed and writes the file
// through write into a temporary file beside it, syncs it and renames it
// over path, so that path holds either the old or the whole new content.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.WriteAll(path, write)
}

// TextStyle returns the style of plain text of the given size in points,
// in the font gonum/plot uses for its axes.
func TextStyle(size float64) draw.TextStyle {
	return draw.TextStyle{
		Color:   color.Black,
		Font:    font.From(gplot.DefaultFont, vg.Points(size)),
		Handler: gplot.DefaultTextHandler,
	}
}

// palette is Tableau's ten colours, easy to tell apart on white.
var palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x7f, 0x7f, 0x7f, 0xff}, // grey
	{0xbc, 0xbd, 0x22, 0xff}, // olive
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

// Color returns the i-th colour of the package's palette, cycling after
// ten.
func Color(i int) color.RGBA { return palette[((i%len(palette))+len(palette))%len(palette)] }
