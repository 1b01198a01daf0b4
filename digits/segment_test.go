package digits

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/png"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ink draws full-ink rectangles on a w×h ink map.
func inkRects(w, h int, rects ...image.Rectangle) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for _, r := range rects {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				g.SetGray(x, y, grayInk)
			}
		}
	}
	return g
}

var grayInk = color.Gray{Y: 255}

// ring is the outline of r, t pixels thick: a stand-in for a 0.
func ring(r image.Rectangle, t int) []image.Rectangle {
	return []image.Rectangle{
		image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+t),
		image.Rect(r.Min.X, r.Max.Y-t, r.Max.X, r.Max.Y),
		image.Rect(r.Min.X, r.Min.Y, r.Min.X+t, r.Max.Y),
		image.Rect(r.Max.X-t, r.Min.Y, r.Max.X, r.Max.Y),
	}
}

func cat(parts ...[]image.Rectangle) []image.Rectangle {
	var out []image.Rectangle
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestSegment(t *testing.T) {
	tests := []struct {
		name  string
		ink   *image.Gray
		boxes []image.Rectangle
	}{
		{
			name: "three bars, the right one highest",
			ink: inkRects(100, 40,
				image.Rect(10, 8, 14, 32), image.Rect(40, 6, 44, 30), image.Rect(70, 2, 74, 26)),
			boxes: []image.Rectangle{image.Rect(10, 8, 14, 32), image.Rect(40, 6, 44, 30), image.Rect(70, 2, 74, 26)},
		},
		{
			name: "a 5 whose bar is detached stays whole",
			ink: inkRects(60, 50,
				image.Rect(12, 5, 30, 9),   // the bar, apart
				image.Rect(10, 12, 14, 22), // the body: stem,
				image.Rect(10, 20, 28, 24), // belly top,
				image.Rect(26, 20, 30, 40), // belly right,
				image.Rect(10, 36, 30, 40), // belly bottom
			),
			boxes: []image.Rectangle{image.Rect(10, 5, 30, 40)},
		},
		{
			name: "two 0s that touch are cut apart at the bridge",
			ink: inkRects(80, 40, cat(
				ring(image.Rect(10, 5, 34, 35), 4),
				ring(image.Rect(36, 5, 60, 35), 4),
				[]image.Rectangle{image.Rect(34, 18, 36, 21)},
			)...),
			boxes: []image.Rectangle{image.Rect(10, 5, 35, 35), image.Rect(35, 5, 60, 35)},
		},
		{
			name: "specks of dirt are dropped",
			ink: inkRects(80, 40,
				image.Rect(10, 5, 14, 35), image.Rect(50, 5, 54, 35),
				image.Rect(30, 2, 31, 3), image.Rect(70, 37, 71, 38)),
			boxes: []image.Rectangle{image.Rect(10, 5, 14, 35), image.Rect(50, 5, 54, 35)},
		},
		{
			name: "a dash between digits is skipped",
			ink: inkRects(90, 40,
				image.Rect(10, 5, 14, 35), image.Rect(30, 18, 50, 22), image.Rect(70, 5, 74, 35)),
			boxes: []image.Rectangle{image.Rect(10, 5, 14, 35), image.Rect(70, 5, 74, 35)},
		},
		{
			name:  "a short wide 0 among taller digits is not cut",
			ink:   inkRects(90, 40, cat(ring(image.Rect(40, 14, 70, 36), 3), []image.Rectangle{image.Rect(10, 4, 14, 36)})...),
			boxes: []image.Rectangle{image.Rect(10, 4, 14, 36), image.Rect(40, 14, 70, 36)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Segment(tt.ink)
			if err != nil {
				t.Fatal(err)
			}
			var boxes []image.Rectangle
			for _, g := range got {
				boxes = append(boxes, g.Box)
			}
			if len(boxes) != len(tt.boxes) {
				t.Fatalf("boxes %v, want %v", boxes, tt.boxes)
			}
			for i := range boxes {
				if boxes[i] != tt.boxes[i] {
					t.Errorf("box %d is %v, want %v (all: %v)", i, boxes[i], tt.boxes[i], boxes)
				}
			}
		})
	}
}

// TestSegmentKeepsNeighboursOut checks that a glyph's ink map holds only
// its own strokes when another digit reaches into its box.
func TestSegmentKeepsNeighboursOut(t *testing.T) {
	left := []image.Rectangle{image.Rect(10, 5, 14, 35), image.Rect(10, 31, 40, 35)} // an L whose foot runs under
	right := []image.Rectangle{image.Rect(36, 5, 40, 28), image.Rect(28, 5, 52, 9)}  // a T over it
	ink := inkRects(70, 40, cat(left, right)...)
	got, err := Segment(ink)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d glyphs, want 2", len(got))
	}
	// The L's glyph must not hold the T's bar at (30, 6), inside its box.
	if !(image.Point{30, 6}).In(got[0].Ink.Bounds()) {
		t.Fatalf("L box %v does not reach the T", got[0].Box)
	}
	if v := got[0].Ink.GrayAt(30, 6).Y; v != 0 {
		t.Errorf("the L's ink holds the T's bar (%d)", v)
	}
	if v := got[1].Ink.GrayAt(30, 6).Y; v != 255 {
		t.Errorf("the T's ink lacks its bar (%d)", v)
	}
}

func TestSegmentOffsetBounds(t *testing.T) {
	ink := inkRects(100, 40, image.Rect(10, 8, 14, 32), image.Rect(40, 6, 44, 30))
	sub := ink.SubImage(image.Rect(5, 2, 100, 40)).(*image.Gray)
	got, err := Segment(sub)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Box != image.Rect(10, 8, 14, 32) || got[1].Box != image.Rect(40, 6, 44, 30) {
		t.Fatalf("glyphs %+v", got)
	}
	for _, g := range got {
		if !g.Box.In(g.Ink.Bounds()) || !g.Ink.Bounds().In(sub.Bounds()) {
			t.Errorf("ink bounds %v, box %v, image %v", g.Ink.Bounds(), g.Box, sub.Bounds())
		}
		if _, err := FromInk(g.Ink); err != nil {
			t.Errorf("FromInk: %v", err)
		}
	}
}

func TestSegmentErrors(t *testing.T) {
	dots := image.NewGray(image.Rect(0, 0, 200, 200))
	for y := 0; y < 200; y += 4 {
		for x := 0; x < 200; x += 4 {
			dots.SetGray(x, y, grayInk)
		}
	}
	tests := []struct {
		name string
		ink  *image.Gray
		want error
	}{
		{"blank", image.NewGray(image.Rect(0, 0, 30, 30)), ErrBlank},
		{"empty", image.NewGray(image.Rect(0, 0, 0, 30)), ErrBlank},
		{"faint", inkRects(30, 30), ErrBlank},
		{"noise", dots, ErrTooManyPieces},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Segment(tt.ink); !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}

// TestSegmentZipImages checks that each generated ZIP code image falls
// into as many glyphs as its name has digits, in order, left to right.
func TestSegmentZipImages(t *testing.T) {
	files, err := filepath.Glob("testdata/zip/*.png")
	if err != nil || len(files) < 10 {
		t.Fatalf("%d ZIP images (%v)", len(files), err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		want := strings.TrimSuffix(name[strings.Index(name, "_zip")+4:], ".png")
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got, err := Segment(Ink(Gray(img)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d glyphs, want %d", name, len(got), len(want))
			continue
		}
		for i := 1; i < len(got); i++ {
			if got[i].Box.Min.X < got[i-1].Box.Min.X {
				t.Errorf("%s: glyph %d at %v left of glyph %d at %v", name, i, got[i].Box, i-1, got[i-1].Box)
			}
		}
	}
}

func FuzzSegment(f *testing.F) {
	f.Add(uint8(20), []byte{0, 255, 255, 0, 0, 255, 0, 0, 255, 255, 255, 0})
	f.Add(uint8(3), []byte{255, 255, 255, 255, 0, 255, 255, 255, 255})
	f.Add(uint8(1), []byte{255})
	f.Add(uint8(0), []byte{})
	f.Fuzz(func(t *testing.T, w uint8, pix []byte) {
		if w == 0 || len(pix) < int(w) {
			return
		}
		h := len(pix) / int(w)
		g := image.NewGray(image.Rect(3, 4, 3+int(w), 4+h))
		copy(g.Pix, pix)
		glyphs, err := Segment(g)
		if err != nil {
			if !errors.Is(err, ErrBlank) && !errors.Is(err, ErrTooManyPieces) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(glyphs) == 0 {
			t.Fatal("no glyphs and no error")
		}
		for _, gl := range glyphs {
			if gl.Box.Empty() || !gl.Box.In(gl.Ink.Bounds()) || !gl.Ink.Bounds().In(g.Bounds()) {
				t.Fatalf("box %v, ink bounds %v, image %v", gl.Box, gl.Ink.Bounds(), g.Bounds())
			}
			if _, err := FromInk(gl.Ink); err != nil {
				t.Fatalf("FromInk of a glyph: %v", err)
			}
		}
	})
}

// Segment cuts a row of digits into glyphs, left to right; FromInk then
// makes each one an MNIST image.
func ExampleSegment() {
	// Three strokes: a 1, a 1 broken in two, and a bar far to the right.
	ink := image.NewGray(image.Rect(0, 0, 120, 40))
	for _, r := range []image.Rectangle{
		image.Rect(10, 5, 14, 35),
		image.Rect(50, 5, 54, 18), image.Rect(50, 21, 54, 35),
		image.Rect(90, 5, 94, 35),
	} {
		draw.Draw(ink, r, image.White, image.Point{}, draw.Src)
	}
	glyphs, err := Segment(ink)
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range glyphs {
		px, err := FromInk(g.Ink)
		fmt.Println(g.Box, len(px), err)
	}
	// Output:
	// (10,5)-(14,35) 784 <nil>
	// (50,5)-(54,35) 784 <nil>
	// (90,5)-(94,35) 784 <nil>
}

// TestComponentsLimit checks that labelling refuses an image of too many
// connected components as soon as enough of them are complete — a grid
// of a million dots within its first rows, before any work per
// component — and never refuses one whose components merge later.
func TestComponentsLimit(t *testing.T) {
	dots := func(w, h, step int) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for y := step / 2; y < h; y += step {
			for x := step / 2; x < w; x += step {
				g.SetGray(x, y, grayInk)
			}
		}
		return g
	}
	// comb has n teeth, one pixel wide, joined by a bar at the bottom:
	// n components until the last row, one at the end.
	comb := func(n, h int) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, 2*n, h))
		for x := 0; x < 2*n; x += 2 {
			for y := 0; y < h-1; y++ {
				g.SetGray(x, y, grayInk)
			}
		}
		for x := 0; x < 2*n; x++ {
			g.SetGray(x, h-1, grayInk)
		}
		return g
	}
	lastRow := dots(40, 3, 2) // 20 dots, all in row 1 of 3
	tests := []struct {
		name  string
		ink   *image.Gray
		max   int
		comps int    // when accepted
		rows  string // "in the first N rows" when refused
	}{
		{"a million dots, refused in the first rows", dots(2048, 2048, 2), MaxComponents, 0, "in the first 11 rows"},
		{"a comb of 1000 teeth is one component", comb(1000, 50), 100, 1, ""},
		{"exactly the limit", lastRow, 20, 20, ""},
		{"one over, told at the end", lastRow, 19, 0, "in the first 3 rows"},
		{"a row of digits", inkRects(100, 40, image.Rect(10, 8, 14, 32), image.Rect(40, 6, 44, 30)), 2, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			labels, comps, err := components(tt.ink, tt.max)
			if tt.rows == "" {
				if err != nil || len(comps) != tt.comps {
					t.Fatalf("%d components, error %v; want %d", len(comps), err, tt.comps)
				}
				return
			}
			if !errors.Is(err, ErrTooManyPieces) || !strings.Contains(err.Error(), tt.rows) {
				t.Fatalf("error %v, want ErrTooManyPieces %s", err, tt.rows)
			}
			if labels != nil || comps != nil {
				t.Error("components were listed for a refused image")
			}
		})
	}
	// Segment says the limit.
	if _, err := Segment(dots(600, 600, 2)); !errors.Is(err, ErrTooManyPieces) || !strings.Contains(err.Error(), "over 4096 connected components") {
		t.Errorf("Segment: %v", err)
	}
}
