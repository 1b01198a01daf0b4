package mnist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A Set is one split of MNIST (or of any data set in the same format): N
// grey-scale images of Rows×Cols pixels and their labels.
//
// The pixels stay bytes, exactly as stored in the files: 0 is background
// and 255 is full ink. Converting to floats is left to the caller, one batch
// at a time, so a loaded set costs one byte per pixel.
type Set struct {
	// Images holds N·Rows·Cols bytes: image 0 row by row, then image 1, ...
	Images []byte
	// Labels holds N digits 0–9; Labels[i] belongs to image i.
	Labels []uint8
	// N is the number of images; Rows and Cols are the size of each.
	N, Rows, Cols int
}

// Image returns the pixels of image i, Rows·Cols bytes in row-major order.
// The slice shares memory with s.Images but cannot be appended into the
// next image. Image panics if i is out of range.
func (s *Set) Image(i int) []byte {
	if i < 0 || i >= s.N {
		panic(fmt.Sprintf("mnist: image index %d out of range [0, %d)", i, s.N))
	}
	n := s.Rows * s.Cols
	return s.Images[i*n : (i+1)*n : (i+1)*n]
}

// Split names accepted by [LoadSplit].
const (
	Train = "train" // the 60,000 training images
	Test  = "test"  // the 10,000 test images (the files named t10k)
)

// splitFiles gives the base names of a split's image and label files.
var splitFiles = map[string][2]string{
	Train: {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
	Test:  {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
}

// Load reads both splits of MNIST from dir, or from the folder [Dir] finds
// when dir is "".
func Load(dir string) (train, test *Set, err error) {
	dir, err = Dir(dir)
	if err != nil {
		return nil, nil, err
	}
	return loadBoth(dir, true)
}

// LoadAny reads both splits of a set in MNIST's format from dir, as Load
// does, but takes any byte as a label: for sets whose classes are named
// elsewhere (a classes.txt, see [LoadClasses]), up to 256 of them.
func LoadAny(dir string) (train, test *Set, err error) {
	if dir == "" {
		return nil, nil, errors.New("mnist: no folder given")
	}
	dir, err = checkDir(dir, "the folder given")
	if err != nil {
		return nil, nil, err
	}
	return loadBoth(dir, false)
}

// loadBoth reads both splits from a resolved folder.
func loadBoth(dir string, digits bool) (train, test *Set, err error) {
	// The two splits are independent; reading the small test split on a
	// second goroutine hides most of its cost behind the training split.
	type result struct {
		set *Set
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := loadSplit(dir, Test, digits)
		done <- result{s, err}
	}()
	train, err = loadSplit(dir, Train, digits)
	r := <-done
	if err != nil {
		return nil, nil, err
	}
	if r.err != nil {
		return nil, nil, r.err
	}
	return train, r.set, nil
}

// LoadSplit reads one split, "train" or "test", from dir, or from the folder
// [Dir] finds when dir is "". In the folder, each file may be plain or
// gzip-compressed and may carry a .gz suffix:
// train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
// t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]
// (the spelling train-images.idx3-ubyte is accepted too).
func LoadSplit(dir, split string) (*Set, error) {
	if _, ok := splitFiles[split]; !ok {
		return nil, fmt.Errorf("mnist: unknown split %q: want %q or %q", split, Train, Test)
	}
	dir, err := Dir(dir)
	if err != nil {
		return nil, err
	}
	return loadSplit(dir, split, true)
}

// loadSplit is LoadSplit for a resolved folder and a valid split; digits
// says whether labels must be digits 0–9.
func loadSplit(dir, split string, digits bool) (*Set, error) {
	names := splitFiles[split]
	images, err := findFile(dir, names[0], split+" images")
	if err != nil {
		return nil, err
	}
	labels, err := findFile(dir, names[1], split+" labels")
	if err != nil {
		return nil, err
	}
	return loadFiles(images, labels, digits)
}

// findFile returns the first existing variant of base in dir.
func findFile(dir, base, what string) (string, error) {
	dotted := strings.Replace(base, "-idx", ".idx", 1)
	cands := []string{base, base + ".gz", dotted, dotted + ".gz"}
	for _, c := range cands {
		p := filepath.Join(dir, c)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", &Error{File: p, Err: err}
		}
	}
	return "", fmt.Errorf("mnist: no %s file in %s: looked for %s", what, dir, strings.Join(cands, ", "))
}

// LoadFiles reads a set from an IDX image file and an IDX label file, each
// plain or gzip-compressed, and checks that they hold as many images as
// labels. Use it for data in MNIST's format under other names, such as
// Fashion-MNIST.
func LoadFiles(imagesPath, labelsPath string) (*Set, error) {
	return loadFiles(imagesPath, labelsPath, true)
}

// loadFiles is LoadFiles; digits says whether labels must be digits 0–9.
func loadFiles(imagesPath, labelsPath string, digits bool) (*Set, error) {
	data, n, rows, cols, err := readImagesFile(imagesPath)
	if err != nil {
		return nil, err
	}
	labels, err := readLabelsFile(labelsPath, digits)
	if err != nil {
		return nil, err
	}
	if len(labels) != n {
		return nil, &Error{File: labelsPath, Err: fmt.Errorf("holds %d labels but %s holds %d images", len(labels), imagesPath, n)}
	}
	return &Set{Images: data, Labels: labels, N: n, Rows: rows, Cols: cols}, nil
}

// readImagesFile reads an IDX image file, plain or gzip-compressed.
func readImagesFile(path string) (data []byte, n, rows, cols int, err error) {
	f, hint, err := openIDX(path)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	defer f.Close()
	data, n, rows, cols, err = readImages(f, hint)
	if err != nil {
		return nil, 0, 0, 0, &Error{File: path, Err: err}
	}
	return data, n, rows, cols, nil
}

// readLabelsFile reads an IDX label file, plain or gzip-compressed.
func readLabelsFile(path string, digits bool) ([]uint8, error) {
	f, _, err := openIDX(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	labels, err := readLabels(f, digits)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	return labels, nil
}

// maxDeflateRatio bounds how much deflate can expand data (about 1032:1).
const maxDeflateRatio = 1100

// openIDX opens path and checks that a file named .gz is gzip-compressed. It
// also returns how many data bytes follow a 16-byte IDX image header if the
// file is what it seems (from the file size, or the size a gzip trailer
// records), or -1. The reader uses the hint only to allocate once.
func openIDX(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, -1, &Error{File: path, Err: errors.Unwrap(err)}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, -1, &Error{File: path, Err: err}
	}
	size := fi.Size()
	var head [2]byte
	n, _ := f.ReadAt(head[:], 0)
	gzipped := n == 2 && head[0] == 0x1f && head[1] == 0x8b
	if strings.HasSuffix(path, ".gz") && !gzipped {
		f.Close()
		return nil, -1, &Error{File: path, Err: fmt.Errorf("named .gz but not gzip-compressed (starts with % x)", head[:n])}
	}
	hint := size - 16
	if gzipped {
		hint = -1
		var trailer [4]byte
		if size >= 18+4 {
			if _, err := f.ReadAt(trailer[:], size-4); err == nil {
				// ISIZE: the uncompressed size modulo 2^32.
				isize := int64(binary.LittleEndian.Uint32(trailer[:]))
				if isize-16 <= size*maxDeflateRatio {
					hint = isize - 16
				}
			}
		}
	}
	return f, hint, nil
}
