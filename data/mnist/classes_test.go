package mnist

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadClasses(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     []string
		err      string
	}{
		{"lines", "cat\ndog\n", []string{"cat", "dog"}, ""},
		{"no last newline, CRLF, BOM", "\xef\xbb\xbfcat\r\nT-shirt/top", []string{"cat", "T-shirt/top"}, ""},
		{"empty file", "", nil, "no class names"},
		{"empty line", "cat\n\ndog\n", nil, "line 2: empty class name"},
		{"repeated", "cat\ndog\ncat\n", nil, `line 3: class name "cat" repeats line 1`},
		{"spaces", "cat\n dog\n", nil, `line 2: class name " dog" has spaces`},
		{"control", "cat\nd\x00g\n", nil, "line 2: class name \"d\\x00g\" holds a control character"},
		{"bad UTF-8", "cat\n\xff\n", nil, "line 2: the class name is not valid UTF-8"},
		{"long", "cat\n" + strings.Repeat("x", MaxClassName+1), nil, "line 2: a class name of 257 bytes"},
		{"too many", manyNames(MaxLabels + 1), nil, "line 257: more than 256 class names"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadClasses(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// manyNames returns n distinct names, one a line.
func manyNames(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("c")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(string(rune('a' + i/7%26)))
		b.WriteString(string(rune('a' + i/182)))
		b.WriteString("\n")
	}
	return b.String()
}

// FuzzReadClasses checks that ReadClasses never panics and that what it
// accepts is a list of distinct, non-empty, trimmed names.
func FuzzReadClasses(f *testing.F) {
	for _, s := range []string{"cat\ndog\n", "a\r\nb", "\xef\xbb\xbfa\nb\n", "", "\n", "a\n\nb", "a\na"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		names, err := ReadClasses(strings.NewReader(string(in)))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, n := range names {
			if n == "" || strings.TrimSpace(n) != n || seen[n] || strings.ContainsAny(n, "\r\n") {
				t.Fatalf("accepted %q in %q", n, names)
			}
			seen[n] = true
		}
	})
}

// TestNamedIDXFolder reads IDX files whose labels go beyond 9, named by a
// classes.txt, and refuses a classes.txt of the wrong count naming it.
func TestNamedIDXFolder(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "train-images-idx3-ubyte", idxImages(3, 4, 5))
	writeFile(t, dir, "train-labels-idx1-ubyte", idxLabels(0, 11, 2))
	writeFile(t, dir, "t10k-images-idx3-ubyte", idxImages(2, 4, 5))
	writeFile(t, dir, "t10k-labels-idx1-ubyte", idxLabels(3, 1))
	if _, _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "label 11 at index 1 is not a digit") {
		t.Errorf("Load with a label 11: %v", err)
	}
	tr, te, err := LoadAny(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Split("a b c d e f g h i j k l", " ")
	p := writeFile(t, dir, ClassesFile, []byte(strings.Join(names, "\n")+"\n"))
	got, err := FindClasses(dir)
	if err != nil || !slices.Equal(got, names) {
		t.Fatalf("FindClasses = %q, %v", got, err)
	}
	if err := CheckClasses(got, p, tr, te); err != nil {
		t.Error(err)
	}
	if err := CheckClasses(got[:11], p, tr, te); err == nil || !strings.Contains(err.Error(), p+" names 11 classes but the labels run 0…11 (12 classes)") {
		t.Errorf("11 names for 12 labels: %v", err)
	}
	ds, err := tr.DatasetNamed(tr.Prep(), names)
	if err != nil || ds.Label(1) != 11 || len(ds.Spec().Classes) != 12 {
		t.Errorf("DatasetNamed: %v", err)
	}
	writeFile(t, dir, ClassesFile, []byte("a\n\nb\n"))
	if _, err := FindClasses(dir); err == nil || !strings.Contains(err.Error(), p+": line 2: empty class name") {
		t.Errorf("a classes.txt with an empty line: %v", err)
	}
	if got, err := FindClasses(t.TempDir()); got != nil || err != nil {
		t.Errorf("no classes.txt: %q, %v", got, err)
	}
}

func TestLoadFashionMissing(t *testing.T) {
	_, _, err := LoadFashion(filepath.Join(t.TempDir(), "absent"))
	if !errors.Is(err, ErrNoFashion) || !strings.Contains(err.Error(), "sudo apt-get install "+FashionPackage) {
		t.Errorf("error %v", err)
	}
	if len(FashionClasses) != 10 {
		t.Errorf("%d Fashion-MNIST classes", len(FashionClasses))
	}
}

// TestLoadFashion reads the Debian package's files when they are there.
func TestLoadFashion(t *testing.T) {
	if _, err := os.Stat(FashionDir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing in CI (.ci/run installs %s)", FashionDir, FashionPackage)
		}
		t.Skipf("Fashion-MNIST is not installed (sudo apt-get install %s)", FashionPackage)
	}
	tr, te, err := LoadFashion("")
	if err != nil {
		t.Fatal(err)
	}
	if tr.N != 60000 || te.N != 10000 || tr.Rows != 28 || tr.Cols != 28 {
		t.Errorf("%d and %d images of %d×%d", tr.N, te.N, tr.Rows, tr.Cols)
	}
}
