package mnist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017) is a drop-in replacement
// for MNIST: 60,000 training and 10,000 test grey 28×28 pictures of
// clothing in ten classes, in the same four IDX files. Debian ships it as
// the package FashionPackage, installed under FashionDir.
const (
	FashionDir     = "/usr/share/datasets/fashion-mnist"
	FashionPackage = "dataset-fashion-mnist"
)

// FashionClasses names Fashion-MNIST's ten classes, label 0 first.
var FashionClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// ErrNoFashion is wrapped by LoadFashion's error when the folder is
// missing: the package is not installed.
var ErrNoFashion = errors.New("Fashion-MNIST is not installed")

// LoadFashion reads both splits of Fashion-MNIST from dir, or from
// FashionDir when dir is "". When the folder is missing the error says how
// to install it.
func LoadFashion(dir string) (train, test *Set, err error) {
	if dir == "" {
		dir = FashionDir
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("mnist: %w: %s is missing; install Debian's package with `sudo apt-get install %s`", ErrNoFashion, dir, FashionPackage)
	}
	return loadBoth(dir, true)
}
