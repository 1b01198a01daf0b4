package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/regression"
	"github.com/baeum-ml/baeum/tensor"
)

// saveModel saves an untrained MLP of images as prep describes, of the
// given classes, and returns its checkpoint's path.
func saveModel(t *testing.T, prep data.ImagePrep, classes []string) string {
	t.Helper()
	m, err := models.New(tensor.NewRNG(5), models.Config{Name: "mlp", Hidden: []int{8}}, prep, classes)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := m.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPredictClassNames classifies colour pictures of two sizes with a
// model of three named classes that reads no digits: each line names
// the classes, and --json gives the label beside the class's index.
func TestPredictClassNames(t *testing.T) {
	classes := []string{"cat", "dog", "ship"}
	ckpt := saveModel(t, data.ImagePrep{Height: 16, Width: 16, Channels: 3, Resize: "stretch"}, classes)
	dir := t.TempDir()
	var files []string
	for i, size := range [][2]int{{40, 30}, {12, 20}} {
		img := image.NewRGBA(image.Rect(0, 0, size[0], size[1]))
		for y := 0; y < size[1]; y++ {
			for x := 0; x < size[0]; x++ {
				img.Set(x, y, color.RGBA{uint8(9 * x), uint8(5*y + 80*i), 128, 255})
			}
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.Join(dir, []string{"a.png", "b.png"}[i]))
		if err := os.WriteFile(files[i], buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := run(t, append([]string{"predict", "--model", ckpt, "--top", "5"}, files...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("predict printed %d lines, want 2:\n%s", len(lines), out)
	}
	for i, line := range lines {
		file, rest, _ := strings.Cut(line, ": ")
		parts := strings.Split(rest, ", ")
		var named []string
		for _, p := range parts {
			name, _, _ := strings.Cut(p, " (")
			named = append(named, name)
		}
		slices.Sort(named)
		if file != files[i] || !slices.Equal(named, classes) || !strings.HasSuffix(rest, "%)") {
			t.Errorf("line %q: want %s and the three classes by name with their probabilities", line, files[i])
		}
	}
	out, err = run(t, "predict", "--json", "--model", ckpt, files[0])
	var res []struct {
		Digit         int       `json:"digit"`
		Label         string    `json:"label"`
		Probabilities []float64 `json:"probabilities"`
	}
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || len(res) != 1 || len(res[0].Probabilities) != 3 || res[0].Label != classes[res[0].Digit] {
		t.Errorf("predict --json: %v\n%s", err, out)
	}
}

// writeIDXTest writes a test split in MNIST's layout into dir: n grey
// rows×cols images and their labels.
func writeIDXTest(t *testing.T, dir string, rows, cols int, labels []uint8) {
	t.Helper()
	header := func(magic uint32, dims ...int) []byte {
		b := binary.BigEndian.AppendUint32(nil, magic)
		for _, d := range dims {
			b = binary.BigEndian.AppendUint32(b, uint32(d))
		}
		return b
	}
	img := header(0x803, len(labels), rows, cols)
	for i, l := range labels {
		for j := 0; j < rows*cols; j++ {
			img = append(img, byte(int(l)*90+j*3+i))
		}
	}
	lab := append(header(0x801, len(labels)), labels...)
	for name, b := range map[string][]byte{"t10k-images-idx3-ubyte": img, "t10k-labels-idx1-ubyte": lab} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEvalClassNames evaluates a model of three classes with long names
// on a small IDX test set: the matrix numbers the classes and names them
// down the side, the per-class table names them, and --json gives the
// names beside the counts. A label the model has no class for is an
// error that says so.
func TestEvalClassNames(t *testing.T) {
	classes := []string{"T-shirt/top", "Trouser", "Ankle boot"}
	ckpt := saveModel(t, data.ImagePrep{Height: 8, Width: 6, Channels: 1}, classes)
	dir := t.TempDir()
	var labels []uint8
	for i := 0; i < 30; i++ {
		labels = append(labels, uint8(i%3))
	}
	writeIDXTest(t, dir, 8, 6, labels)
	out, err := run(t, "eval", "--model", ckpt, "--data", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"on 30 test images from " + dir, "true \\ predicted", "0 T-shirt/top", "2 Ankle boot", "class", "precision", "recall", "\nTrouser "} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	out, err = run(t, "eval", "--json", "--model", ckpt, "--data", dir)
	var res struct {
		Images    int      `json:"images"`
		Labels    []string `json:"labels"`
		Confusion [][]int  `json:"confusion"`
		Classes   []struct {
			Class   int    `json:"class"`
			Label   string `json:"label"`
			Support int    `json:"support"`
		} `json:"classes"`
	}
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || res.Images != 30 || !slices.Equal(res.Labels, classes) || len(res.Confusion) != 3 ||
		len(res.Classes) != 3 || res.Classes[2].Label != "Ankle boot" || res.Classes[2].Class != 2 || res.Classes[2].Support != 10 {
		t.Errorf("eval --json: %v\n%s", err, out)
	}

	labels[7] = 5
	writeIDXTest(t, dir, 8, 6, labels)
	if _, err := run(t, "eval", "--model", ckpt, "--data", dir); err == nil || !strings.Contains(err.Error(), "image 7 has label 5") || !strings.Contains(err.Error(), "3 classes") {
		t.Errorf("a label beyond the model's classes: %v", err)
	}
}

// TestWriteClassReport prints the report of 3 and of 25 classes: the
// matrix of up to 20 classes, never of more; a per-class table for all,
// its columns aligned whatever the names' lengths (a long one cut with an
// ellipsis), and "-" for a precision of a class never predicted.
func TestWriteClassReport(t *testing.T) {
	var b strings.Builder
	cm, err := regression.NewConfusionMatrix([]int{0, 1, 2, 2}, []int{0, 2, 2, 2}, []string{"cat", "dog", "sailing ship"})
	if err != nil {
		t.Fatal(err)
	}
	writeClassReport(&b, cm)
	got := b.String()
	for _, want := range []string{"true \\ predicted", "0 cat", "2 sailing ship", "\ndog                   -    0.0000         -        1\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}

	var names []string
	var truth, pred []int
	for k := 0; k < 25; k++ {
		names = append(names, strings.Repeat("ü", k+1))
		truth, pred = append(truth, k), append(pred, (k+1)%25)
	}
	if cm, err = regression.NewConfusionMatrix(truth, pred, names); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	writeClassReport(&b, cm)
	got = b.String()
	if strings.Contains(got, "true \\ predicted") || !strings.Contains(got, "25 classes is not printed") {
		t.Errorf("a matrix of 25 classes was printed:\n%s", got)
	}
	_, table, _ := strings.Cut(got, "\n\n")
	rows := strings.Split(strings.TrimSpace(table), "\n")
	if len(rows) != 26 {
		t.Fatalf("%d rows in the per-class table, want 26:\n%s", len(rows), table)
	}
	for _, r := range rows {
		if utf8.RuneCountInString(r) != utf8.RuneCountInString(rows[0]) {
			t.Errorf("row %q is not as wide as the header %q", r, rows[0])
		}
	}
	if !strings.Contains(got, strings.Repeat("ü", maxNameWidth-1)+"… ") {
		t.Errorf("a 25-letter name is not cut to %d:\n%s", maxNameWidth, got)
	}
}
