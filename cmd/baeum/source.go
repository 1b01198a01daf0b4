package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/imagefolder"
	"github.com/baeum-ml/baeum/data/mnist"
)

// Names of --data that are not folders.
const (
	dataFashion = "fashion-mnist"
)

// sourceOptions say how an image source is read: what train's flags
// give, or what a checkpoint's record says (for eval).
type sourceOptions struct {
	// Classes is --classes: names for the labels of an IDX folder,
	// separated by commas.
	Classes string
	// ClassNames, when not nil, are the classes a checkpoint names: an
	// IDX folder's labels are named by them (unless Classes is given),
	// and an image folder's class folders must be these.
	ClassNames []string
	// Height, Width and Channels are the stored size of an image folder's
	// pictures (0: their own size, and grey when all are); an IDX source
	// must already have them.
	Height, Width, Channels int
	// Resize is "stretch" or "fit" (see data.ImagePrep), or "" for the
	// source's default: stretch for image and IDX folders, fit for
	// Fashion-MNIST.
	Resize string
}

// imageSource is what an image --data source gives: both splits as
// stored bytes, with their classes.
type imageSource struct {
	// Name says what was read, for messages.
	Name string
	// Train and Test are the splits, prepared by Prep.
	Train, Test *data.Images
	// Classes names the labels.
	Classes []string
	// Prep is how the images are stored: size, channels, resize. Only
	// MNIST's carries normalisation (its usual statistics, those of its
	// training images); for the others Normalise is true and training
	// takes the statistics of its own training split.
	Prep      data.ImagePrep
	Normalise bool
	// Notes are things the user should hear (files skipped by name).
	Notes []string
}

// loadImageSource reads the image data set spec names, as train's --data
// (and eval's) take it:
//
//   - "" or "mnist": MNIST, from $BAEUM_MNIST_DIR or the GoMNIST module;
//   - "fashion-mnist": Fashion-MNIST, from Debian's dataset-fashion-mnist;
//   - a folder of IDX files like MNIST's, of any image size, with digit
//     labels or labels named by --classes or a classes.txt beside them;
//   - any other folder: pictures in one subfolder per class (see package
//     data/imagefolder).
func loadImageSource(ctx context.Context, spec string, opts sourceOptions) (*imageSource, error) {
	if opts.Resize != "" && opts.Resize != "stretch" && opts.Resize != "fit" {
		return nil, fmt.Errorf("--resize %q: want stretch or fit", opts.Resize)
	}
	var given []string
	if opts.Classes != "" {
		c, err := parseClasses(opts.Classes)
		if err != nil {
			return nil, err
		}
		given = c
	}
	switch spec {
	case "", "mnist":
		if given != nil {
			return nil, errors.New("--classes: MNIST's classes are the digits; --classes names the labels of an IDX folder")
		}
		tr, te, err := mnist.Load("")
		if err != nil {
			return nil, err
		}
		return idxSource("MNIST", tr, te, mnist.Classes, true, opts)
	case dataFashion:
		if given != nil {
			return nil, errors.New("--classes: Fashion-MNIST names its own ten classes")
		}
		tr, te, err := mnist.LoadFashion("")
		if err != nil {
			return nil, fmt.Errorf("--data %s: %w", spec, err)
		}
		if opts.Resize == "" {
			opts.Resize = "fit"
		}
		return idxSource("Fashion-MNIST", tr, te, mnist.FashionClasses, false, opts)
	}
	fi, err := os.Stat(spec)
	if err != nil {
		return nil, fmt.Errorf("--data %s: %w (want mnist, %s, a folder of IDX files or a folder of pictures in one subfolder per class)", spec, unwrapPathErr(err), dataFashion)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("--data %s: not a folder (want mnist, %s, a folder of IDX files or a folder of pictures in one subfolder per class)", spec, dataFashion)
	}
	if isIDXDir(spec) {
		names, from := given, "--classes"
		if names == nil {
			p := filepath.Join(spec, mnist.ClassesFile)
			n, err := mnist.FindClasses(spec)
			if err != nil {
				return nil, fmt.Errorf("--data: %w", err)
			}
			names, from = n, p
		}
		if names == nil && opts.ClassNames != nil && !slices.Equal(opts.ClassNames, mnist.Classes) {
			names, from = opts.ClassNames, "the model's record"
		}
		if names == nil {
			tr, te, err := mnist.Load(spec)
			if err != nil {
				return nil, err
			}
			return idxSource("IDX folder "+spec, tr, te, mnist.Classes, true, opts)
		}
		tr, te, err := mnist.LoadAny(spec)
		if err != nil {
			return nil, err
		}
		if err := mnist.CheckClasses(names, from, tr, te); err != nil {
			return nil, fmt.Errorf("--data %s: %w", spec, err)
		}
		return idxSource("IDX folder "+spec, tr, te, names, false, opts)
	}
	if given != nil {
		return nil, fmt.Errorf("--classes: the classes of the image folder %s are its subfolders' names", spec)
	}
	f, err := imagefolder.Load(ctx, spec, imagefolder.Options{Height: opts.Height, Width: opts.Width, Channels: opts.Channels, Resize: opts.Resize})
	if err != nil {
		return nil, err
	}
	if opts.ClassNames != nil && !slices.Equal(opts.ClassNames, f.Classes) {
		return nil, fmt.Errorf("--data %s: the class folders (%s) are not the model's classes (%s)", spec, strings.Join(f.Classes, ", "), strings.Join(opts.ClassNames, ", "))
	}
	src := &imageSource{Name: "image folder " + spec, Train: f.Train, Test: f.Test, Classes: f.Classes, Prep: f.Prep, Normalise: true}
	if n := len(f.Skipped); n > 0 {
		src.Notes = append(src.Notes, fmt.Sprintf("skipped %d %s whose names do not end in .png, .jpg, .jpeg or .gif: %s", n, plural(n, "file"), listSome(f.Skipped, 5)))
	}
	if n := len(f.Ignored); n > 0 {
		src.Notes = append(src.Notes, fmt.Sprintf("read only train/ and test/, not %s", listSome(f.Ignored, 5)))
	}
	src.Notes = append(src.Notes, "test split: "+f.Split)
	return src, nil
}

// idxSource makes a source of IDX sets. digits says whether the images
// are digits, prepared as MNIST's; the others are resized as opts.Resize
// says (stretch by default) and normalised by their training split.
func idxSource(name string, tr, te *mnist.Set, classes []string, digits bool, opts sourceOptions) (*imageSource, error) {
	if tr.Rows != te.Rows || tr.Cols != te.Cols {
		return nil, fmt.Errorf("--data: the test images are %d×%d but the training images %d×%d: both splits must have one size", te.Rows, te.Cols, tr.Rows, tr.Cols)
	}
	if (opts.Height != 0 && (opts.Height != tr.Rows || opts.Width != tr.Cols)) || opts.Channels > 1 {
		return nil, fmt.Errorf("--size/--channels: the images of %s are grey %d×%d; --size and --channels resize only the pictures of an image folder", name, tr.Rows, tr.Cols)
	}
	prep := tr.Prep()
	if !digits {
		prep = data.ImagePrep{Height: tr.Rows, Width: tr.Cols, Channels: 1, Resize: opts.Resize}
		if prep.Resize == "" {
			prep.Resize = "stretch"
		}
	}
	trainSet, err := tr.DatasetNamed(prep, classes)
	if err != nil {
		return nil, fmt.Errorf("--data: training images: %w", err)
	}
	testSet, err := te.DatasetNamed(prep, classes)
	if err != nil {
		return nil, fmt.Errorf("--data: test images: %w", err)
	}
	return &imageSource{Name: name, Train: trainSet, Test: testSet, Classes: classes, Prep: prep, Normalise: !digits}, nil
}

// isIDXDir reports whether dir holds a training image file in IDX form
// (train-images-idx3-ubyte, maybe with .gz or a dot for the dash).
func isIDXDir(dir string) bool {
	for _, n := range []string{"train-images-idx3-ubyte", "train-images.idx3-ubyte"} {
		for _, ext := range []string{"", ".gz"} {
			if _, err := os.Lstat(filepath.Join(dir, n+ext)); err == nil {
				return true
			}
		}
	}
	return false
}

// parseClasses parses --classes: names separated by commas, each trimmed
// of spaces, none empty or repeated.
func parseClasses(s string) ([]string, error) {
	parts := strings.Split(s, ",")
	seen := map[string]int{}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("--classes %q: name %d is empty", s, i+1)
		}
		if j, ok := seen[p]; ok {
			return nil, fmt.Errorf("--classes %q: %q is both name %d and name %d", s, p, j+1, i+1)
		}
		if len(p) > mnist.MaxClassName {
			return nil, fmt.Errorf("--classes: name %d is %d bytes, more than %d", i+1, len(p), mnist.MaxClassName)
		}
		seen[p] = i
		parts[i] = p
	}
	if len(parts) > mnist.MaxLabels {
		return nil, fmt.Errorf("--classes: %d names, more than %d (IDX labels are single bytes)", len(parts), mnist.MaxLabels)
	}
	return parts, nil
}

// parseSize parses --size HxW (or H×W); "" is 0, 0.
func parseSize(s string) (h, w int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(strings.ToLower(strings.ReplaceAll(s, "×", "x")), "x")
	if ok {
		h, err = strconv.Atoi(a)
		if err == nil {
			w, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || h < 1 || w < 1 || h > maxImageSide || w > maxImageSide {
		return 0, 0, fmt.Errorf("--size %q: want HEIGHTxWIDTH, each 1 to %d (like 32x32)", s, maxImageSide)
	}
	return h, w, nil
}

// maxImageSide bounds --size, as a preprocessing record does.
const maxImageSide = 4096

// listSome names the first n items of l, and how many more there are.
func listSome(l []string, n int) string {
	if len(l) <= n {
		return strings.Join(l, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(l[:n], ", "), len(l)-n)
}

// plural returns word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// unwrapPathErr drops an *fs.PathError's wrapper when the path is
// already named.
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
