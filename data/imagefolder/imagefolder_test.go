package imagefolder

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/internal/imageio"
)

// put writes b to dir/rel, making its folders.
func put(t testing.TB, dir, rel string, b []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pngOf encodes a w×h picture, grey or colour, whose pixels depend on v.
func pngOf(t testing.TB, w, h int, grey bool, v uint8) []byte {
	t.Helper()
	var img image.Image
	if grey {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for i := range g.Pix {
			g.Pix[i] = v + uint8(i)
		}
		img = g
	} else {
		c := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				c.Set(x, y, color.RGBA{v, uint8(x), uint8(y), 255})
			}
		}
		img = c
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// classFolder makes n grey 6×5 pictures in each class folder.
func classFolder(t testing.TB, n int, classes ...string) string {
	dir := t.TempDir()
	for k, c := range classes {
		for i := range n {
			put(t, dir, c+"/"+string(rune('a'+i))+".png", pngOf(t, 6, 5, true, uint8(40*k+i)))
		}
	}
	return dir
}

func TestLoadStratifiedSplit(t *testing.T) {
	dir := classFolder(t, 10, "cat", "dog", "eel")
	put(t, dir, "README.txt", []byte("not a picture"))
	put(t, dir, "cat/notes.md", []byte("nor this"))
	put(t, dir, "cat/.hidden.png", []byte("corrupt, but hidden"))
	put(t, dir, ".git/x.png", []byte("corrupt, but hidden"))
	f, err := Load(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Classes, []string{"cat", "dog", "eel"}) {
		t.Errorf("classes %v", f.Classes)
	}
	if f.Train.Len() != 24 || f.Test.Len() != 6 {
		t.Fatalf("%d training and %d test pictures, want 24 and 6 (a fifth of each class)", f.Train.Len(), f.Test.Len())
	}
	count := map[int]int{}
	for i := range f.Test.Len() {
		count[f.Test.Label(i)]++
	}
	for k := range 3 {
		if count[k] != 2 {
			t.Errorf("class %d has %d test pictures, want 2", k, count[k])
		}
	}
	// The classes are mixed: the last three (held out by --val 3) are not all of one.
	if a, b, c := f.Train.Label(21), f.Train.Label(22), f.Train.Label(23); a == b && b == c {
		t.Errorf("the last training pictures are all of class %d", a)
	}
	if p := f.Prep; p.Height != 5 || p.Width != 6 || p.Channels != 1 || p.Resize != "stretch" {
		t.Errorf("prep %+v, want grey 5×6 stretched", p)
	}
	if !slices.Equal(f.Skipped, []string{"README.txt", "cat/notes.md"}) {
		t.Errorf("skipped %v", f.Skipped)
	}
	// The same split every time.
	g, err := Load(context.Background(), dir, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Train.Len() {
		if !bytes.Equal(f.Train.Pixels(i), g.Train.Pixels(i)) || f.Train.Label(i) != g.Train.Label(i) {
			t.Fatalf("training picture %d differs between two loads", i)
		}
	}
}

func TestLoadTrainTestColourMixedSizes(t *testing.T) {
	dir := t.TempDir()
	put(t, dir, "train/a/1.png", pngOf(t, 8, 8, false, 10))
	put(t, dir, "train/a/2.jpg", smallJPEG(t, 12, 6))
	put(t, dir, "train/b/1.png", pngOf(t, 5, 9, true, 200))
	put(t, dir, "train/b/2.gif", gifOf(t))
	put(t, dir, "test/b/1.png", pngOf(t, 7, 7, true, 100))
	put(t, dir, "val/a/1.png", pngOf(t, 7, 7, true, 100))
	if _, err := Load(context.Background(), dir, Options{}); err == nil || !strings.Contains(err.Error(), "sizes") {
		t.Fatalf("mixed sizes without a size: %v", err)
	}
	f, err := Load(context.Background(), dir, Options{Height: 4, Width: 4, Resize: "fit"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Train.Len() != 4 || f.Test.Len() != 1 || f.Prep.Channels != 3 || f.Prep.Resize != "fit" {
		t.Errorf("%d/%d pictures, prep %+v", f.Train.Len(), f.Test.Len(), f.Prep)
	}
	if !slices.Equal(f.Ignored, []string{"val"}) || f.Test.Label(0) != 1 {
		t.Errorf("ignored %v, test label %d", f.Ignored, f.Test.Label(0))
	}
}

// gifOf encodes a small paletted picture as GIF.
func gifOf(t testing.TB) []byte {
	t.Helper()
	// A 1×1 GIF89a with a two-colour palette.
	return []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\x00\x00\x00\x00\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
}

// TestLoadEXIF: a JPEG stored sideways with orientation 6 is read upright,
// its width and height swapped.
func TestLoadEXIF(t *testing.T) {
	dir := t.TempDir()
	put(t, dir, "a/1.jpg", withSegment(smallJPEG(t, 8, 4), exifSegment(binary.LittleEndian, [4]uint32{tagOrientation, typeShort, 1, 6})))
	put(t, dir, "a/2.jpg", withSegment(smallJPEG(t, 4, 8), nil))
	put(t, dir, "b/1.png", pngOf(t, 4, 8, false, 1))
	f, err := Load(context.Background(), dir, Options{TestFraction: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if f.Prep.Height != 8 || f.Prep.Width != 4 {
		t.Errorf("size %d×%d, want 8×4 (the sideways JPEG turned upright)", f.Prep.Height, f.Prep.Width)
	}
	bad := t.TempDir()
	put(t, bad, "a/1.jpg", withSegment(smallJPEG(t, 8, 4), exifSegment(binary.LittleEndian, [4]uint32{tagOrientation, typeShort, 1, 12})))
	put(t, bad, "b/1.png", pngOf(t, 4, 8, false, 1))
	if _, err := Load(context.Background(), bad, Options{}); err == nil || !strings.Contains(err.Error(), "a/1.jpg: EXIF: orientation 12") {
		t.Errorf("orientation 12: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	outside := t.TempDir()
	put(t, outside, "secret.png", pngOf(t, 6, 5, true, 0))
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		opt   Options
		want  string
	}{
		{"empty folder", func(t *testing.T, dir string) {}, Options{}, "has no class folders"},
		{"one class", func(t *testing.T, dir string) { put(t, dir, "cat/a.png", pngOf(t, 6, 5, true, 0)) }, Options{}, "only one class folder (cat)"},
		{"a class without pictures", func(t *testing.T, dir string) {
			put(t, dir, "cat/a.png", pngOf(t, 6, 5, true, 0))
			put(t, dir, "dog/readme.txt", nil)
		}, Options{}, "/dog holds no pictures"},
		{"corrupt pictures", func(t *testing.T, dir string) {
			put(t, dir, "cat/a.png", pngOf(t, 6, 5, true, 0))
			put(t, dir, "cat/b.png", []byte("\x89PNG\r\n\x1a\nbroken"))
			put(t, dir, "dog/c.jpg", []byte("not a jpeg"))
			put(t, dir, "dog/d.png", pngOf(t, 6, 5, true, 0))
		}, Options{}, "2 files cannot be read: cat/b.png: corrupt PNG image"},
		{"a picture whose pixels are cut short", func(t *testing.T, dir string) {
			put(t, dir, "cat/a.png", pngOf(t, 6, 5, true, 0))
			p := pngOf(t, 6, 5, true, 0)
			put(t, dir, "dog/cut.png", p[:len(p)-20])
		}, Options{}, "1 file cannot be read: dog/cut.png"},
		{"a link out of the folder", func(t *testing.T, dir string) {
			put(t, dir, "cat/a.png", pngOf(t, 6, 5, true, 0))
			put(t, dir, "dog/d.png", pngOf(t, 6, 5, true, 0))
			if err := os.Symlink(filepath.Join(outside, "secret.png"), filepath.Join(dir, "dog", "e.png")); err != nil {
				t.Skip(err)
			}
		}, Options{}, "dog/e.png: a symbolic link out of the folder"},
		{"train without test", func(t *testing.T, dir string) {
			put(t, dir, "train/cat/a.png", pngOf(t, 6, 5, true, 0))
			put(t, dir, "train/dog/a.png", pngOf(t, 6, 5, true, 0))
		}, Options{}, "but not both"},
		{"a test class unknown to training", func(t *testing.T, dir string) {
			put(t, dir, "train/cat/a.png", pngOf(t, 6, 5, true, 0))
			put(t, dir, "train/dog/a.png", pngOf(t, 6, 5, true, 0))
			put(t, dir, "test/eel/a.png", pngOf(t, 6, 5, true, 0))
		}, Options{}, "test/eel is a class the training pictures"},
		{"too many files", func(t *testing.T, dir string) {
			for _, c := range []string{"cat", "dog"} {
				for _, n := range []string{"a", "b"} {
					put(t, dir, c+"/"+n+".png", pngOf(t, 6, 5, true, 0))
				}
			}
		}, Options{Limits: Limits{MaxFiles: 3}}, "more than 3 pictures, the limit"},
		{"too many pixels", func(t *testing.T, dir string) {
			put(t, dir, "cat/a.png", pngOf(t, 60, 50, true, 0))
			put(t, dir, "dog/a.png", pngOf(t, 60, 50, true, 0))
		}, Options{Limits: Limits{MaxTotalPixels: 5000}}, "hold 6000 pixels, over the limit of 5000"},
		{"too many stored bytes", func(t *testing.T, dir string) {
			put(t, dir, "cat/a.png", pngOf(t, 6, 5, true, 0))
			put(t, dir, "dog/a.png", pngOf(t, 6, 5, true, 0))
		}, Options{Height: 100, Width: 100, Channels: 3, Limits: Limits{MaxStoredBytes: 1 << 10}}, "over the limit of 1 KiB"},
		{"a picture over the pixel limit", func(t *testing.T, dir string) {
			put(t, dir, "cat/a.png", pngOf(t, 60, 50, true, 0))
			put(t, dir, "dog/a.png", pngOf(t, 6, 5, true, 0))
		}, Options{Limits: Limits{Image: imageLimits(100)}}, "cat/a.png: the PNG image is 60×50 pixels, over the limit of 100 pixels"},
		{"bad resize", func(t *testing.T, dir string) {}, Options{Resize: "crop"}, `resize "crop"`},
		{"bad channels", func(t *testing.T, dir string) {}, Options{Channels: 2}, "2 channels"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			_, err := Load(context.Background(), dir, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestLoadCancelled stops with the context's error.
func TestLoadCancelled(t *testing.T) {
	dir := classFolder(t, 3, "a", "b")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, dir, Options{}); err != context.Canceled {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

// imageLimits bounds each picture's pixels.
func imageLimits(pixels int) imageio.Limits { return imageio.Limits{MaxPixels: pixels} }
