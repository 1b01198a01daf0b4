package mnist

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/baeum-ml/baeum/data"
)

// ClassesFile is the name of the file, beside a set's IDX files, that
// names its classes: one name per line, the name of label 0 first.
const ClassesFile = "classes.txt"

// Limits of a classes file, checked as it is read.
const (
	// MaxClassesBytes bounds a classes file: 1 MiB.
	MaxClassesBytes = 1 << 20
	// MaxClassName bounds one name, in bytes.
	MaxClassName = 256
	// MaxLabels is the number of classes an IDX label file (one unsigned
	// byte a label) can name.
	MaxLabels = 256
)

// ReadClasses reads class names, one a line (LF or CRLF; the last line
// may lack its newline), the name of label 0 first. It is strict, and its
// errors name the line: a name must not be empty, repeated, longer than
// MaxClassName bytes, surrounded by spaces, or hold control characters or
// invalid UTF-8; there are at most MaxLabels names and MaxClassesBytes
// bytes. A UTF-8 byte-order mark at the start is skipped.
func ReadClasses(r io.Reader) ([]string, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxClassesBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxClassesBytes {
		return nil, fmt.Errorf("more than %d bytes", MaxClassesBytes)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if len(b) == 0 {
		return nil, errors.New("no class names (want one a line)")
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	var names []string
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), MaxClassesBytes+1)
	for line := 1; sc.Scan(); line++ {
		name := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case name == "":
			return nil, fmt.Errorf("line %d: empty class name", line)
		case len(name) > MaxClassName:
			return nil, fmt.Errorf("line %d: a class name of %d bytes, more than %d", line, len(name), MaxClassName)
		case !utf8.ValidString(name):
			return nil, fmt.Errorf("line %d: the class name is not valid UTF-8", line)
		case strings.TrimSpace(name) != name:
			return nil, fmt.Errorf("line %d: class name %q has spaces around it", line, name)
		case strings.IndexFunc(name, unicode.IsControl) >= 0:
			return nil, fmt.Errorf("line %d: class name %q holds a control character", line, name)
		}
		if first, ok := seen[name]; ok {
			return nil, fmt.Errorf("line %d: class name %q repeats line %d", line, name, first)
		}
		if len(names) == MaxLabels {
			return nil, fmt.Errorf("line %d: more than %d class names (labels are single bytes)", line, MaxLabels)
		}
		seen[name] = line
		names = append(names, name)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return names, nil
}

// LoadClasses reads the class names of the file at path (see
// ReadClasses); its errors name the file and line.
func LoadClasses(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Err: errors.Unwrap(err)}
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, &Error{File: path, Err: errors.New("not a regular file")}
	}
	names, err := ReadClasses(f)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	return names, nil
}

// FindClasses returns the class names in dir's ClassesFile, or nil when
// there is none.
func FindClasses(dir string) ([]string, error) {
	p := filepath.Join(dir, ClassesFile)
	if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return LoadClasses(p)
}

// CheckClasses returns an error, naming from (the file or flag the names
// came from), unless the number of names is the number of labels the sets
// use: one more than their largest label.
func CheckClasses(classes []string, from string, sets ...*Set) error {
	top := -1
	for _, s := range sets {
		for _, l := range s.Labels {
			top = max(top, int(l))
		}
	}
	if len(classes) != top+1 {
		return fmt.Errorf("%s names %d classes but the labels run 0…%d (%d classes): give one name per label, the name of label 0 first", from, len(classes), top, top+1)
	}
	if len(classes) < 2 {
		return fmt.Errorf("%s names %d class: a classifier needs at least 2", from, len(classes))
	}
	return nil
}

// DatasetNamed wraps the set as a data set of images whose labels are
// named by classes, prepared by prep.
func (s *Set) DatasetNamed(prep data.ImagePrep, classes []string) (*data.Images, error) {
	labels := make([]int, len(s.Labels))
	for i, l := range s.Labels {
		labels[i] = int(l)
	}
	return data.NewImages(s.Images, labels, prep, classes)
}
