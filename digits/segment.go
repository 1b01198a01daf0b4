package digits

import (
	"errors"
	"fmt"
	"image"
	"sort"
)

// A Glyph is one digit cut out of a row of digits by Segment.
type Glyph struct {
	// Box is the digit's bounding box in the ink map's coordinates.
	Box image.Rectangle
	// Ink is the ink map of this digit alone (other digits' ink that
	// strays into its box is left out). Its bounds hold Box and a margin
	// of one pixel for the faint edges of the strokes.
	Ink *image.Gray
}

// ErrTooManyPieces is returned by Segment for an image that falls apart
// into more pieces than a row of digits can have, such as noise.
var ErrTooManyPieces = errors.New("digits: the image falls apart into too many pieces to be a row of digits")

// Segmentation parameters. The ink threshold matches the one that crops
// single digits; the others are fractions of sizes measured in the image,
// so that segmentation works the same at any resolution.
const (
	// segInk is the ink level (of 255) from which a pixel counts as ink.
	segInk = 51
	// speckFrac: a piece smaller than this fraction of the largest piece
	// (in pixels) is a speck of noise.
	speckFrac = 1.0 / 30
	// fragFrac: a piece shorter than this fraction of the tallest piece is
	// a fragment of a digit (the detached bar of a 5, say) rather than a
	// whole one.
	fragFrac = 0.6
	// dashFrac: a group shorter than this fraction of the tallest group
	// and wider than it is tall is a dash, as in 12345-6789, and skipped.
	dashFrac = 0.35
	// wideRatio: a group wider than this many times its height holds
	// digits that touch, and is cut.
	wideRatio = 1.25
	// maxPieces bounds the work done on noise: the pieces left after
	// specks are dropped.
	maxPieces = 512
	// MaxComponents bounds the connected components of ink that Segment
	// looks at. A row of digits has a few dozen, a photograph's specks of
	// dust and paper grain a thousand or two (the most among the test
	// images, noise included, is 1,407); a pattern such as a grid of dots
	// has a million in a few KiB of PNG. Labelling refuses an image as
	// soon as more than MaxComponents components are complete, before
	// any work per component.
	MaxComponents = 4096
)

// piece is a connected component of ink, or a group of them.
type piece struct {
	box    image.Rectangle
	area   int
	labels []int32 // component labels of the ink it holds
	x0, x1 int     // the columns it may take ink from: all, until it is cut
}

// Segment cuts an ink map (see Ink) of a row of handwritten digits, such
// as a ZIP code, into single digits, ordered left to right.
//
// The pieces are the connected components of the ink (8-connected, above
// a fifth of full ink). Specks much smaller than the largest piece are
// dropped; pieces that overlap horizontally are merged into one digit, so
// that a 5 whose bar is detached, or a broken stroke, stays whole; a dash
// is skipped; and a piece much wider than it is tall, which is two or more
// digits that touch, is cut at the column where the least ink crosses
// (the vertical projection's minimum near its middle), repeatedly.
//
// It returns ErrBlank when there is no ink and ErrTooManyPieces when the
// image falls apart into more than MaxComponents components, or into
// hundreds of pieces that are not specks.
func Segment(ink *image.Gray) ([]Glyph, error) {
	b := ink.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return nil, ErrBlank
	}
	labels, comps, err := components(ink, MaxComponents)
	if err != nil {
		return nil, err
	}
	if len(comps) == 0 {
		return nil, ErrBlank
	}
	// Drop specks.
	largest := 0
	for _, c := range comps {
		largest = max(largest, c.area)
	}
	var kept []*piece
	for i, c := range comps {
		if float64(c.area) < speckFrac*float64(largest) {
			continue
		}
		if len(kept) == maxPieces {
			return nil, fmt.Errorf("%w (over %d)", ErrTooManyPieces, maxPieces)
		}
		kept = append(kept, &piece{box: c.box, area: c.area, labels: []int32{int32(i + 1)}, x0: 0, x1: w})
	}
	groups := mergeOverlapping(kept)
	// Skip dashes.
	tallest := 0
	for _, g := range groups {
		tallest = max(tallest, g.box.Dy())
	}
	var digitsOnly []*piece
	for _, g := range groups {
		if float64(g.box.Dy()) < dashFrac*float64(tallest) && g.box.Dx() > g.box.Dy() {
			continue
		}
		digitsOnly = append(digitsOnly, g)
	}
	// Cut groups of touching digits. A digit's height is judged by the
	// row's median, so that a short, wide 0 is not taken for two digits.
	heights := make([]int, len(digitsOnly))
	for i, g := range digitsOnly {
		heights[i] = g.box.Dy()
	}
	sort.Ints(heights)
	median := 0
	if len(heights) > 0 {
		median = heights[len(heights)/2]
	}
	var cut []*piece
	for _, g := range digitsOnly {
		cut = append(cut, split(g, labels, w, median, 0)...)
	}
	sort.SliceStable(cut, func(i, j int) bool {
		ci, cj := cut[i].box.Min.X+cut[i].box.Max.X, cut[j].box.Min.X+cut[j].box.Max.X
		return ci < cj
	})
	out := make([]Glyph, 0, len(cut))
	for _, g := range cut {
		out = append(out, extract(ink, labels, g))
	}
	return out, nil
}

// components labels the 8-connected components of the pixels of ink at
// or above segInk, by two passes with union-find. labels holds one label
// per pixel (row-major over the bounds, 0 for background); comps[i] is the
// component labelled i+1.
//
// It refuses an image of more than maxComps components with
// ErrTooManyPieces as soon as it can tell, during the first pass: after
// each row, the components seen so far less those that reach the row
// (at most its runs of ink) are complete, and can only grow in number.
func components(ink *image.Gray, maxComps int) ([]int32, []component, error) {
	b := ink.Bounds()
	w, h := b.Dx(), b.Dy()
	labels := make([]int32, w*h)
	parent := []int32{0}
	live := 0 // distinct components so far: roots of the union-find
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	union := func(a, c int32) int32 {
		ra, rc := find(a), find(c)
		if ra == rc {
			return ra
		}
		live--
		if ra < rc {
			parent[rc] = ra
			return ra
		}
		parent[ra] = rc
		return rc
	}
	for y := 0; y < h; y++ {
		row := ink.Pix[(y)*ink.Stride : (y)*ink.Stride+w]
		runs := 0 // runs of ink in this row: the most components that reach it
		for x := 0; x < w; x++ {
			if row[x] < segInk {
				continue
			}
			if x == 0 || row[x-1] < segInk {
				runs++
			}
			var l int32
			// Neighbours already visited: W, NW, N, NE.
			try := func(nx, ny int) {
				if nx < 0 || nx >= w || ny < 0 {
					return
				}
				n := labels[ny*w+nx]
				if n == 0 {
					return
				}
				if l == 0 {
					l = find(n)
				} else {
					l = union(l, n)
				}
			}
			try(x-1, y)
			try(x-1, y-1)
			try(x, y-1)
			try(x+1, y-1)
			if l == 0 {
				l = int32(len(parent))
				parent = append(parent, l)
				live++
			}
			labels[y*w+x] = l
		}
		if complete := live - runs; complete > maxComps || (y == h-1 && live > maxComps) {
			return nil, nil, fmt.Errorf("%w: over %d connected components (the limit) in the first %d rows", ErrTooManyPieces, maxComps, y+1)
		}
	}
	// Second pass: flatten labels to consecutive component numbers.
	number := make([]int32, len(parent))
	var comps []component
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			l := labels[y*w+x]
			if l == 0 {
				continue
			}
			r := find(l)
			if number[r] == 0 {
				comps = append(comps, component{box: image.Rect(x, y, x+1, y+1)})
				number[r] = int32(len(comps))
			}
			n := number[r]
			labels[y*w+x] = n
			c := &comps[n-1]
			c.area++
			c.box.Min.X, c.box.Max.X = min(c.box.Min.X, x), max(c.box.Max.X, x+1)
			c.box.Max.Y = y + 1
		}
	}
	return labels, comps, nil
}

// component is a connected component's bounding box and size in pixels,
// kept small because noise can make a million of them.
type component struct {
	box  image.Rectangle
	area int
}

// mergeOverlapping merges pieces that overlap horizontally into groups,
// one per digit, until no two groups do. Two pieces of full height (two
// digits side by side whose boxes touch) must overlap over most of the
// narrower one's width to merge; a fragment (a piece much shorter than
// the tallest) merges with any piece it overlaps by a third of its width.
func mergeOverlapping(ps []*piece) []*piece {
	tallest := 0
	for _, p := range ps {
		tallest = max(tallest, p.box.Dy())
	}
	groups := append([]*piece(nil), ps...)
	for merged := true; merged; {
		merged = false
		sort.Slice(groups, func(i, j int) bool { return groups[i].box.Min.X < groups[j].box.Min.X })
		for i := 0; i < len(groups) && !merged; i++ {
			for j := i + 1; j < len(groups); j++ {
				a, c := groups[i], groups[j]
				if c.box.Min.X >= a.box.Max.X {
					break // sorted by left edge: no later group overlaps a
				}
				ov := min(a.box.Max.X, c.box.Max.X) - max(a.box.Min.X, c.box.Min.X)
				narrow := min(a.box.Dx(), c.box.Dx())
				need := 0.75
				if float64(min(a.box.Dy(), c.box.Dy())) < fragFrac*float64(tallest) {
					need = 0.3
				}
				if float64(ov) < need*float64(narrow) {
					continue
				}
				g := &piece{
					box:    a.box.Union(c.box),
					area:   a.area + c.area,
					labels: append(append([]int32(nil), a.labels...), c.labels...),
				}
				g.x0, g.x1 = min(a.x0, c.x0), max(a.x1, c.x1)
				groups[i] = g
				groups = append(groups[:j], groups[j+1:]...)
				merged = true
				break
			}
		}
	}
	return groups
}

// owns reports whether the pixel labelled l belongs to g.
func (g *piece) owns(l int32) bool {
	if l == 0 {
		return false
	}
	for _, m := range g.labels {
		if m == l {
			return true
		}
	}
	return false
}

// split cuts a group wider than wideRatio times its height (or the row's
// median height, if that is more) where the least ink crosses near the
// expected boundary between digits, and recurses on both sides. Boxes
// are in label-map coordinates (origin at the ink map's Min, which
// extract adds back).
func split(g *piece, labels []int32, stride, median, depth int) []*piece {
	w, h := g.box.Dx(), max(g.box.Dy(), median)
	if depth >= 6 || float64(w) <= wideRatio*float64(h) || w < 4 {
		return []*piece{g}
	}
	proj := make([]int, w)
	for y := g.box.Min.Y; y < g.box.Max.Y; y++ {
		for x := g.box.Min.X; x < g.box.Max.X; x++ {
			if g.owns(labels[y*stride+x]) {
				proj[x-g.box.Min.X]++
			}
		}
	}
	// How many digits wide is it? Cut where a digit boundary is expected
	// (for two digits, the middle; for three, a third of the way), looking
	// for the least ink within a quarter of a digit's width either side.
	n := max(2, int(float64(w)/(0.8*float64(h))+0.5))
	digitW := float64(w) / float64(n)
	target := digitW * float64(n/2)
	lo := max(1, int(target-digitW/2))
	hi := min(w-1, int(target+digitW/2))
	best, bestCost := -1, 0.0
	for c := lo; c < hi; c++ {
		// Prefer little ink; break ties towards the expected boundary.
		d := (float64(c) - target) / digitW
		cost := float64(proj[c]) + 2*d*d
		if best < 0 || cost < bestCost {
			best, bestCost = c, cost
		}
	}
	if best <= 0 {
		return []*piece{g}
	}
	cutX := g.box.Min.X + best
	var out []*piece
	for _, r := range [2][2]int{{g.box.Min.X, cutX}, {cutX, g.box.Max.X}} {
		part := &piece{labels: g.labels, x0: max(g.x0, r[0]), x1: min(g.x1, r[1])}
		// The part's box: its ink's bounds within its columns.
		box := image.Rectangle{}
		first := true
		for y := g.box.Min.Y; y < g.box.Max.Y; y++ {
			for x := r[0]; x < r[1]; x++ {
				if g.owns(labels[y*stride+x]) {
					part.area++
					px := image.Rect(x, y, x+1, y+1)
					if first {
						box, first = px, false
					} else {
						box = box.Union(px)
					}
				}
			}
		}
		if first {
			continue
		}
		part.box = box
		out = append(out, split(part, labels, stride, median, depth+1)...)
	}
	return out
}

// extract copies the ink of group g: its pixels and, to keep the
// anti-aliased edges of its strokes, the faint pixels next to them.
func extract(ink *image.Gray, labels []int32, g *piece) Glyph {
	b := ink.Bounds()
	w, h := b.Dx(), b.Dy()
	// Widen the box by one pixel for the fringe, within the image and the
	// group's columns.
	box := g.box.Inset(-1).Intersect(image.Rect(g.x0, 0, g.x1, h))
	out := image.NewGray(box.Add(b.Min))
	inCols := func(x int) bool { return x >= g.x0 && x < g.x1 }
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			take := false
			if l := labels[y*w+x]; l != 0 {
				take = g.owns(l) && inCols(x)
			} else {
				// A faint pixel: take it if it touches the group's ink.
				for dy := -1; dy <= 1 && !take; dy++ {
					for dx := -1; dx <= 1; dx++ {
						nx, ny := x+dx, y+dy
						if nx >= 0 && nx < w && ny >= 0 && ny < h && inCols(nx) && g.owns(labels[ny*w+nx]) {
							take = true
							break
						}
					}
				}
			}
			if take {
				out.Pix[(y-box.Min.Y)*out.Stride+(x-box.Min.X)] = ink.Pix[y*ink.Stride+x]
			}
		}
	}
	return Glyph{Box: g.box.Add(b.Min), Ink: out}
}
