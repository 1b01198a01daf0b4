package plot

import (
	"fmt"
	"image"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// FuncGrid samples a function of two variables on a regular grid, for
// contour plots: Cols points from XMin to XMax and Rows from YMin to YMax.
// It implements gonum's plotter.GridXYZ.
type FuncGrid struct {
	F                      func(x, y float64) float64
	XMin, XMax, YMin, YMax float64
	Cols, Rows             int
}

// Dims returns the number of columns and rows.
func (g FuncGrid) Dims() (c, r int) { return g.Cols, g.Rows }

// X returns the x coordinate of column c.
func (g FuncGrid) X(c int) float64 { return g.XMin + (g.XMax-g.XMin)*float64(c)/float64(g.Cols-1) }

// Y returns the y coordinate of row r.
func (g FuncGrid) Y(r int) float64 { return g.YMin + (g.YMax-g.YMin)*float64(r)/float64(g.Rows-1) }

// Z returns the function's value at column c, row r.
func (g FuncGrid) Z(c, r int) float64 { return g.F(g.X(c), g.Y(r)) }

// Contour returns contour lines of the grid's function at the given
// levels, shaded from light (low) to darker blue (high).
func Contour(g FuncGrid, levels []float64) *plotter.Contour {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, l := range levels {
		lo, hi = math.Min(lo, l), math.Max(hi, l)
	}
	c := plotter.NewContour(g, levels, ramp{
		color.RGBA{0xb3, 0xcd, 0xe3, 0xff},
		color.RGBA{0x4a, 0x6f, 0x9c, 0xff},
		len(levels),
	})
	c.Min, c.Max = lo, hi
	for i := range c.LineStyles {
		c.LineStyles[i].Width = vg.Points(0.8)
	}
	return c
}

// ramp is a palette of n colours from a to b.
type ramp struct {
	a, b color.RGBA
	n    int
}

// Colors implements gonum's palette.Palette.
func (r ramp) Colors() []color.Color {
	n := max(r.n, 2)
	out := make([]color.Color, n)
	for i := range out {
		out[i] = lerp(r.a, r.b, float64(i)/float64(n-1))
	}
	return out
}

func lerp(a, b color.RGBA, t float64) color.RGBA {
	f := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + t*(float64(y)-float64(x)))) }
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 0xff}
}

// Path returns a line through the points with a dot at each, in colour c,
// for drawing an optimizer's walk.
func Path(points [][2]float64, c color.Color) (*plotter.Line, *plotter.Scatter, error) {
	xys := make(plotter.XYs, 0, len(points))
	for _, p := range points {
		if finite(p[0]) && finite(p[1]) {
			xys = append(xys, plotter.XY{X: p[0], Y: p[1]})
		}
	}
	if len(xys) == 0 {
		return nil, nil, fmt.Errorf("plot: a path with no finite point")
	}
	l, s, err := plotter.NewLinePoints(xys)
	if err != nil {
		return nil, nil, err
	}
	l.Color, l.Width = c, vg.Points(1.2)
	s.Color, s.Shape, s.Radius = c, draw.CircleGlyph{}, vg.Points(1.8)
	return l, s, nil
}

// Marker returns a single glyph at (x, y), such as a cross on a minimum.
func Marker(x, y float64, shape draw.GlyphDrawer, c color.Color, radius float64) *plotter.Scatter {
	s, _ := plotter.NewScatter(plotter.XYs{{X: x, Y: y}})
	s.Shape, s.Color, s.Radius = shape, c, vg.Points(radius)
	return s
}

// ColorMap maps a number in [0, 1] to a colour.
type ColorMap func(t float64) color.RGBA

// Gray maps 0 to white and 1 to black: ink on paper, as digits are shown.
func Gray(t float64) color.RGBA {
	v := uint8(math.Round(255 * (1 - clamp01(t))))
	return color.RGBA{v, v, v, 0xff}
}

// BlueRed maps 0 to blue, ½ to white and 1 to red, for signed values such
// as weights (with a range symmetric around zero).
func BlueRed(t float64) color.RGBA {
	t = clamp01(t)
	blue := color.RGBA{0x21, 0x66, 0xac, 0xff}
	white := color.RGBA{0xf7, 0xf7, 0xf7, 0xff}
	red := color.RGBA{0xb2, 0x18, 0x2b, 0xff}
	if t < 0.5 {
		return lerp(blue, white, t*2)
	}
	return lerp(white, red, t*2-1)
}

func clamp01(t float64) float64 {
	if math.IsNaN(t) {
		return 0.5
	}
	return math.Max(0, math.Min(1, t))
}

// Raster turns a w×h array of numbers (row-major, top row first) into an
// image, mapping lo to cmap(0) and hi to cmap(1), each value enlarged to a
// block of scale×scale pixels so that the cells stay sharp when the
// picture is scaled. It panics if len(values) != w·h (a programmer error).
func Raster(values []float64, w, h int, lo, hi float64, cmap ColorMap, scale int) *image.RGBA {
	if len(values) != w*h {
		panic(fmt.Sprintf("plot: Raster of %d×%d needs %d values, got %d", w, h, w*h, len(values)))
	}
	scale = max(scale, 1)
	img := image.NewRGBA(image.Rect(0, 0, w*scale, h*scale))
	span := hi - lo
	if span == 0 {
		span = 1
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := cmap((values[y*w+x] - lo) / span)
			for dy := 0; dy < scale; dy++ {
				row := img.Pix[(y*scale+dy)*img.Stride:]
				for dx := 0; dx < scale; dx++ {
					o := (x*scale + dx) * 4
					row[o], row[o+1], row[o+2], row[o+3] = c.R, c.G, c.B, c.A
				}
			}
		}
	}
	return img
}

// ImagePanel returns a panel without axes that shows img as large as it
// fits, keeping its aspect ratio, under a title, with a thin frame.
func ImagePanel(title string, img image.Image) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(9)
	p.Title.Padding = vg.Points(2)
	p.HideAxes()
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	p.X.Padding, p.Y.Padding = 0, 0
	p.Add(fitted{img})
	return p
}

// fitted draws an image centred in the data area, as large as fits while
// keeping its aspect ratio.
type fitted struct{ img image.Image }

// Plot implements gonum's plot.Plotter.
func (f fitted) Plot(c draw.Canvas, _ *gplot.Plot) {
	b := f.img.Bounds()
	cw, ch := c.Max.X-c.Min.X, c.Max.Y-c.Min.Y
	if cw <= 0 || ch <= 0 || b.Dx() == 0 || b.Dy() == 0 {
		return
	}
	s := math.Min(float64(cw)/float64(b.Dx()), float64(ch)/float64(b.Dy()))
	w, h := vg.Length(s*float64(b.Dx())), vg.Length(s*float64(b.Dy()))
	x0 := c.Min.X + (cw-w)/2
	y0 := c.Min.Y + (ch-h)/2
	r := vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x0 + w, Y: y0 + h}}
	c.DrawImage(r, f.img)
	c.StrokeLines(draw.LineStyle{Color: color.Gray{Y: 120}, Width: vg.Points(0.5)},
		[]vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}, r.Min})
}

// DataRange implements gonum's plot.DataRanger.
func (fitted) DataRange() (xmin, xmax, ymin, ymax float64) { return 0, 1, 0, 1 }
