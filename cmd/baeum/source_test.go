package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/serve"
)

// needFashion skips the test, saying how to install Fashion-MNIST, when
// it is missing — and fails it in CI, where .ci/run installs it.
func needFashion(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(mnist.FashionDir); err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing in CI: .ci/run installs Debian's %s", mnist.FashionDir, mnist.FashionPackage)
	}
	t.Skipf("Fashion-MNIST is not installed: sudo apt-get install %s", mnist.FashionPackage)
}

// TestTrainFashionMNIST trains on Fashion-MNIST end to end and checks
// that the class names reach the output and the checkpoint, with the
// training split's statistics and the "fit" resize.
func TestTrainFashionMNIST(t *testing.T) {
	needFashion(t)
	out := filepath.Join(t.TempDir(), "fashion.safetensors")
	got, err := run(t, "train", "--data", "fashion-mnist", "--model", "softmax", "--limit", "1200", "--val", "200", "--epochs", "1", "--threads", "1", "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, got)
	}
	for _, want := range []string{"1000 training / 200 validation / 200 test images of 10 classes (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot)", "saved " + out} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	m, _, err := loadModelFlag(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Image()
	if !slices.Equal(m.Prep.Classes, mnist.FashionClasses) || p.Resize != "fit" || len(p.Mean) != 1 || p.Mean[0] == mnist.Mean || p.Mean[0] < 0.2 || p.Mean[0] > 0.4 {
		t.Errorf("checkpoint record: classes %q, %+v", m.Prep.Classes, *p)
	}
	// One Fashion-MNIST test picture, as a PNG of another size.
	_, te, err := mnist.LoadFashion("")
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	copy(img.Pix, te.Images[:28*28])
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	pic := filepath.Join(t.TempDir(), "item.png")
	if err := os.WriteFile(pic, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	usesClassNames(t, out, "fashion-mnist", pic, mnist.FashionClasses)
}

// usesClassNames checks that a checkpoint trained on spec's data is used
// by its class names everywhere: eval on spec's test split, predict on the
// picture pic, and serve's /v1/predict on it.
func usesClassNames(t *testing.T, ckpt, spec, pic string, classes []string) {
	t.Helper()
	got, err := run(t, "eval", "--model", ckpt, "--data", spec)
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, got)
	}
	for _, c := range classes {
		if !strings.Contains(got, "\n"+c+" ") && !strings.Contains(got, " "+c+" ") {
			t.Errorf("eval output lacks class %q:\n%s", c, got)
		}
	}
	got, err = run(t, "predict", "--model", ckpt, "--json", pic)
	var preds []struct {
		Label string `json:"label"`
	}
	if err != nil || json.Unmarshal([]byte(got), &preds) != nil || len(preds) != 1 || !slices.Contains(classes, preds[0].Label) {
		t.Errorf("predict: %v\n%s", err, got)
	}
	m, meta, err := loadModelFlag(ckpt, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := infer.New(m)
	p.Meta = meta
	body, err := os.ReadFile(pic)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/v1/predict", bytes.NewReader(body))
	req.Header.Set("Content-Type", "image/"+strings.TrimPrefix(filepath.Ext(pic), "."))
	rec := httptest.NewRecorder()
	serve.New(p, serve.Options{Model: "test"}).ServeHTTP(rec, req)
	var res serve.PredictResponse
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &res) != nil || !slices.Contains(classes, res.Label) || res.Label != preds[0].Label {
		t.Errorf("serve: %d %s (predict said %q)", rec.Code, rec.Body, preds[0].Label)
	}
}

// fashionFolder writes n Fashion-MNIST test pictures of each class into
// dir/CLASS/, as RGB PNG and JPEG files of mixed sizes, and returns the
// class folders' names (the class names, without slashes).
func fashionFolder(t *testing.T, dir string, n int) []string {
	t.Helper()
	_, te, err := mnist.LoadFashion("")
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(mnist.FashionClasses))
	for k, c := range mnist.FashionClasses {
		names[k] = strings.ReplaceAll(c, "/", " or ")
	}
	sizes := [][2]int{{28, 28}, {40, 40}, {21, 35}, {56, 30}}
	count := make([]int, len(names))
	for i := 0; i < te.N && slices.Min(count) < n; i++ {
		k := int(te.Labels[i])
		if count[k] == n {
			continue
		}
		w, h := sizes[i%len(sizes)][0], sizes[i%len(sizes)][1]
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		src := te.Image(i)
		for y := range h {
			for x := range w {
				v := src[(y*28/h)*28+x*28/w]
				img.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
			}
		}
		var b bytes.Buffer
		name := fmt.Sprintf("%05d", i)
		if i%2 == 0 {
			err, name = png.Encode(&b, img), name+".png"
		} else {
			err, name = jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}), name+".jpg"
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, names[k], name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		count[k]++
	}
	return names
}

// TestTrainImageFolder trains LeNet-5 on a folder of colour PNG and JPEG
// pictures of mixed sizes made from Fashion-MNIST, resized to 28×28.
func TestTrainImageFolder(t *testing.T) {
	needFashion(t)
	dir := t.TempDir()
	names := fashionFolder(t, dir, 10)
	slices.Sort(names) // class folders are read in sorted order, as torchvision does
	out := filepath.Join(t.TempDir(), "folder.safetensors")
	got, err := run(t, "train", "--data", dir, "--size", "28x28", "--channels", "3", "--model", "lenet5", "--batch", "16", "--epochs", "1", "--threads", "1", "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, got)
	}
	for _, want := range []string{"72 training / 8 validation / 20 test images of 10 classes (" + strings.Join(names, ", ") + ")", "test split: 20% of each class", "saved " + out} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	m, _, err := loadModelFlag(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Image(); p.Channels != 3 || p.Height != 28 || p.Width != 28 || p.Resize != "stretch" || len(p.Mean) != 3 || len(p.Std) != 3 || !slices.Equal(m.Prep.Classes, names) {
		t.Errorf("checkpoint record: %+v, classes %q", *p, m.Prep.Classes)
	}
	pics, _ := filepath.Glob(filepath.Join(dir, names[0], "*.jpg"))
	if len(pics) == 0 {
		t.Fatalf("no JPEG in %s", filepath.Join(dir, names[0]))
	}
	usesClassNames(t, out, dir, pics[0], names)
}

// writeIDX writes plain IDX files of n h×w images, labels[i] for image i,
// as the training and test splits in dir.
func writeIDX(t *testing.T, dir string, h, w int, train, test []uint8) {
	t.Helper()
	for _, s := range []struct {
		name   string
		labels []uint8
	}{{"train", train}, {"t10k", test}} {
		img := binary.BigEndian.AppendUint32(nil, mnist.ImageMagic)
		img = binary.BigEndian.AppendUint32(img, uint32(len(s.labels)))
		img = binary.BigEndian.AppendUint32(img, uint32(h))
		img = binary.BigEndian.AppendUint32(img, uint32(w))
		for i, l := range s.labels {
			for j := range h * w {
				img = append(img, byte(int(l)*60+(i+j)%7))
			}
		}
		lab := binary.BigEndian.AppendUint32(nil, mnist.LabelMagic)
		lab = binary.BigEndian.AppendUint32(lab, uint32(len(s.labels)))
		lab = append(lab, s.labels...)
		if err := os.WriteFile(filepath.Join(dir, s.name+"-images-idx3-ubyte"), img, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, s.name+"-labels-idx1-ubyte"), lab, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTrainIDXClasses trains on IDX files of 12×10 images in three
// classes named by a classes.txt, and by --classes.
func TestTrainIDXClasses(t *testing.T) {
	dir := t.TempDir()
	var train, test []uint8
	for i := range 60 {
		train = append(train, uint8(i%3))
	}
	for i := range 12 {
		test = append(test, uint8(i%3))
	}
	writeIDX(t, dir, 12, 10, train, test)
	classes := filepath.Join(dir, "classes.txt")
	if err := os.WriteFile(classes, []byte("red\ngreen\nblue\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "m.safetensors")
	got, err := run(t, "train", "--data", dir, "--model", "softmax", "--batch", "8", "--epochs", "1", "--threads", "1", "--out", out)
	if err != nil || !strings.Contains(got, "54 training / 6 validation / 12 test images of 3 classes (red, green, blue)") {
		t.Fatalf("%v\n%s", err, got)
	}
	got, err = run(t, "train", "--data", dir, "--classes", "R, G ,B", "--model", "mlp", "--hidden", "8", "--val", "10", "--batch", "8", "--epochs", "1", "--threads", "1", "--out", out)
	if err != nil || !strings.Contains(got, "of 3 classes (R, G, B)") {
		t.Fatalf("--classes: %v\n%s", err, got)
	}
	m, _, err := loadModelFlag(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Image(); p.Height != 12 || p.Width != 10 || p.Resize != "stretch" || len(p.Mean) != 1 {
		t.Errorf("record %+v", *p)
	}
}

// TestTrainSourceErrors: bad sources are errors that name the file or
// flag.
func TestTrainSourceErrors(t *testing.T) {
	idx := t.TempDir()
	writeIDX(t, idx, 4, 4, []uint8{0, 1, 2, 0, 1, 2}, []uint8{0, 1, 2})
	badClasses := filepath.Join(idx, "classes.txt")
	if err := os.WriteFile(badClasses, []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	one := t.TempDir()
	corrupt := t.TempDir()
	var pic bytes.Buffer
	png.Encode(&pic, image.NewGray(image.Rect(0, 0, 5, 5)))
	for _, f := range []struct {
		path string
		b    []byte
	}{{one + "/cat/a.png", pic.Bytes()}, {corrupt + "/cat/a.png", pic.Bytes()}, {corrupt + "/dog/b.png", pic.Bytes()[:30]}, {corrupt + "/dog/c.png", pic.Bytes()}} {
		os.MkdirAll(filepath.Dir(f.path), 0o755)
		if err := os.WriteFile(f.path, f.b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"empty folder", []string{"--data", empty}, empty + " has no class folders"},
		{"one class", []string{"--data", one}, "only one class folder (cat)"},
		{"corrupt picture", []string{"--data", corrupt}, "1 file cannot be read: dog/b.png: corrupt PNG image"},
		{"classes.txt of the wrong count", []string{"--data", idx}, badClasses + " names 2 classes but the labels run 0…2 (3 classes)"},
		{"--classes of the wrong count", []string{"--data", idx, "--classes", "a,b,c,d"}, "--classes names 4 classes but the labels run 0…2"},
		{"--classes repeated", []string{"--data", idx, "--classes", "a,b,a"}, `"a" is both name 1 and name 3`},
		{"--classes for an image folder", []string{"--data", one, "--classes", "a,b"}, "are its subfolders' names"},
		{"--classes for MNIST", []string{"--classes", "a,b"}, "MNIST's classes are the digits"},
		{"--size of an IDX folder", []string{"--data", idx, "--classes", "a,b,c", "--size", "8x8"}, "resize only the pictures of an image folder"},
		{"bad --size", []string{"--size", "28"}, `--size "28": want HEIGHTxWIDTH`},
		{"huge --size", []string{"--size", "5000x5"}, "each 1 to 4096"},
		{"bad --channels", []string{"--channels", "2"}, "--channels 2: want 1 (grey) or 3 (RGB)"},
		{"bad --resize", []string{"--resize", "crop"}, `--resize "crop": want stretch or fit`},
		{"bad --task", []string{"--task", "ranking"}, `--task "ranking"`},
		{"regression without a table", []string{"--task", "regression"}, "--task regression needs a table"},
		{"--size with a table", []string{"--target", "y", "--data", "x.csv", "--size", "4x4"}, "are for images"},
		{"missing --data", []string{"--data", filepath.Join(empty, "absent")}, "no such file or directory (want mnist, fashion-mnist"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"train", "--model", "softmax", "--epochs", "1", "--out", filepath.Join(t.TempDir(), "m.safetensors")}, tt.args...)
			_, err := run(t, args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestTrainImageFolderResume stops a run on an image folder after one
// epoch and resumes it: the model is rebuilt from the same pictures and
// statistics; another --size is refused.
func TestTrainImageFolderResume(t *testing.T) {
	dir := t.TempDir()
	for k, c := range []string{"dark", "light"} {
		for i := range 10 {
			img := image.NewGray(image.Rect(0, 0, 6+i%3, 6))
			for j := range img.Pix {
				img.Pix[j] = uint8(30 + 150*k + 7*((i+j)%5))
			}
			var b bytes.Buffer
			png.Encode(&b, img)
			p := filepath.Join(dir, c, fmt.Sprintf("%d.png", i))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	out := filepath.Join(t.TempDir(), "m.safetensors")
	args := []string{"train", "--data", dir, "--size", "6x6", "--model", "softmax", "--batch", "4", "--epochs", "2", "--threads", "1", "--out", out}
	got, err := run(t, append(args, "--stop-after", "1")...)
	if err != nil || !strings.Contains(got, "15 training / 1 validation / 4 test images of 2 classes (dark, light)") {
		t.Fatalf("%v\n%s", err, got)
	}
	if _, err := run(t, "train", "--data", dir, "--size", "8x8", "--out", out, "--resume"); err == nil || !strings.Contains(err.Error(), "--size 8x8 conflicts with the saved run's --size 6x6") {
		t.Errorf("another --size: %v", err)
	}
	got, err = run(t, "train", "--data", dir, "--out", out, "--resume", "--threads", "1")
	if err != nil || !strings.Contains(got, "epoch  2/2") {
		t.Errorf("resume: %v\n%s", err, got)
	}
}
