// Package imagefolder reads a folder of pictures sorted into one
// subfolder per class — the convention of torchvision's ImageFolder and
// Keras' image_dataset_from_directory — into datasets of images kept as
// bytes:
//
//	pets/cat/001.jpg
//	pets/cat/002.png
//	pets/dog/a.gif
//
// The class names are the subfolders' names, sorted. When the folder holds
// train/ and test/, each laid out so, they are the two splits; otherwise
// a stratified share of each class (TestFraction, by default a fifth) is
// set aside for testing, chosen by a seeded hash of each file's path, so
// that every run and every command (train, eval) sees the same split, and
// adding pictures moves no other picture from one split to the other.
//
// Pictures are PNG, JPEG or GIF (the first frame), decoded once through
// internal/imageio with its limits, turned upright by their EXIF
// orientation (JPEG), and resized to one size as a data.ImagePrep says
// (its Resize, "stretch" or "fit", is recorded in the checkpoint, so that
// prediction prepares pictures the same way). Before any picture is
// decoded, the number of files and the pixels of all of them (read from
// their headers) are checked against Limits.
//
// Hidden files and folders (names starting with a dot) are skipped, and
// so are files whose names do not end in .png, .jpg, .jpeg or .gif
// (Folder.Skipped lists them). Symbolic links are followed only when they
// stay inside the folder, and only to files (and at the top, to class
// folders). A picture that cannot be read is never silently left out:
// Load fails with a *ReadError that names each one and counts them.
package imagefolder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/internal/imageio"
)

// DefaultTestFraction is the share of each class set aside for testing
// when the folder has no train/ and test/ subfolders: a fifth, as Keras'
// examples hold out with validation_split=0.2.
const DefaultTestFraction = 0.2

// DefaultSeed seeds the split when Options.Seed is 0.
const DefaultSeed = 1

// Defaults of Limits.
const (
	// DefaultMaxFiles bounds the number of picture files: about a million.
	DefaultMaxFiles = 1 << 20
	// DefaultMaxTotalPixels bounds the pixels of all pictures together,
	// as their headers declare them (which bounds decoding time): 4 Gi.
	DefaultMaxTotalPixels = 1 << 32
	// DefaultMaxStoredBytes bounds the bytes kept after resizing,
	// N·C·H·W: 4 GiB.
	DefaultMaxStoredBytes = 1 << 32
)

// Limits bound what a folder may cost. Zero fields take their defaults.
type Limits struct {
	MaxFiles       int
	MaxTotalPixels int64
	MaxStoredBytes int64
	// Image bounds each picture (see internal/imageio).
	Image imageio.Limits
}

func (l Limits) withDefaults() Limits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxTotalPixels <= 0 {
		l.MaxTotalPixels = DefaultMaxTotalPixels
	}
	if l.MaxStoredBytes <= 0 {
		l.MaxStoredBytes = DefaultMaxStoredBytes
	}
	return l
}

// Options say how pictures become stored images.
type Options struct {
	// Height and Width are the stored size. Zero (both) takes the
	// pictures' own size when they all have one (after EXIF orientation)
	// and is an error otherwise.
	Height, Width int
	// Channels is 1 (grey) or 3 (RGB); 0 takes 1 when every picture is
	// grey and 3 otherwise.
	Channels int
	// Resize is how a picture of another size is brought to Height×Width:
	// "stretch" (the default) or "fit" (aspect ratio kept, centred on
	// black). See data.ImagePrep.
	Resize string
	// TestFraction is the share of each class set aside for testing when
	// there are no train/ and test/ subfolders; 0 means
	// DefaultTestFraction.
	TestFraction float64
	// Seed seeds the split and the order of the examples; 0 means
	// DefaultSeed.
	Seed uint64
	// Limits bound the work; Threads is the number of pictures decoded at
	// once (0: GOMAXPROCS).
	Limits  Limits
	Threads int
}

// Folder is what Load read.
type Folder struct {
	// Train and Test are the two splits, in an order shuffled by the seed
	// (the classes mixed), prepared by Prep (without normalisation: take
	// it from Train, see data.Images.ChannelStats).
	Train, Test *data.Images
	// Classes names the labels: the class folders, sorted.
	Classes []string
	// Prep is how the pictures were stored: size, channels and resize.
	Prep data.ImagePrep
	// Split says where the test split came from, for messages.
	Split string
	// Skipped lists the files left out for their names (not .png, .jpg,
	// .jpeg or .gif), and Ignored the folders left out beside train/ and
	// test/, relative to the folder.
	Skipped, Ignored []string
}

// ReadError reports the files Load could not read: each by its path
// relative to the folder, and their count.
type ReadError struct {
	Dir   string
	Files []FileError
}

// plural returns word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// FileError is one file that could not be read, and why.
type FileError struct {
	Path string
	Err  error
}

// maxNamed is the number of files a ReadError names in its message.
const maxNamed = 10

// Error names the files (the first ten) and counts them.
func (e *ReadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "imagefolder: %s: %d %s cannot be read:", e.Dir, len(e.Files), plural(len(e.Files), "file"))
	for i, f := range e.Files {
		if i == maxNamed {
			fmt.Fprintf(&b, "; and %d more", len(e.Files)-maxNamed)
			break
		}
		sep := " "
		if i > 0 {
			sep = "; "
		}
		fmt.Fprintf(&b, "%s%s: %v", sep, f.Path, f.Err)
	}
	return b.String()
}

// entry is one picture file.
type entry struct {
	path  string // relative to the folder, slash-separated
	class int
	test  bool
	slot  int // its index in its split
	h, w  int // upright size
	o     int // EXIF orientation
	grey  bool
}

// imageExts are the file name endings read as pictures.
var imageExts = []string{".png", ".jpg", ".jpeg", ".gif"}

// Load reads the folder dir (see the package comment). ctx stops the
// decoding.
func Load(ctx context.Context, dir string, opt Options) (*Folder, error) {
	lim := opt.Limits.withDefaults()
	if opt.Resize == "" {
		opt.Resize = "stretch"
	}
	if opt.Resize != "stretch" && opt.Resize != "fit" {
		return nil, fmt.Errorf("imagefolder: resize %q, want stretch or fit", opt.Resize)
	}
	if opt.Channels != 0 && opt.Channels != 1 && opt.Channels != 3 {
		return nil, fmt.Errorf("imagefolder: %d channels, want 1 or 3", opt.Channels)
	}
	if (opt.Height == 0) != (opt.Width == 0) || opt.Height < 0 || opt.Width < 0 {
		return nil, fmt.Errorf("imagefolder: size %d×%d: give both or neither", opt.Height, opt.Width)
	}
	frac := opt.TestFraction
	if frac == 0 {
		frac = DefaultTestFraction
	}
	if !(frac > 0 && frac < 1) {
		return nil, fmt.Errorf("imagefolder: test fraction %v, want more than 0 and less than 1", opt.TestFraction)
	}
	seed := opt.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("imagefolder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("imagefolder: %s is not a folder", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("imagefolder: %w", err)
	}
	defer root.Close()
	w := &walker{root: root, fsys: root.FS(), dir: dir, lim: lim}
	f := &Folder{}

	// The layout: train/ and test/, or one folder per class.
	top, err := w.folders(".")
	if err != nil {
		return nil, err
	}
	hasTrain, hasTest := slices.Contains(top, "train"), slices.Contains(top, "test")
	switch {
	case hasTrain && hasTest:
		trainClasses, err := w.folders("train")
		if err != nil {
			return nil, err
		}
		if err := checkClasses(dir+"/train", trainClasses); err != nil {
			return nil, err
		}
		testClasses, err := w.folders("test")
		if err != nil {
			return nil, err
		}
		for _, c := range testClasses {
			if !slices.Contains(trainClasses, c) {
				return nil, fmt.Errorf("imagefolder: %s/test/%s is a class the training pictures (train/) do not have", dir, c)
			}
		}
		f.Classes = trainClasses
		for _, t := range top {
			if t != "train" && t != "test" {
				f.Ignored = append(f.Ignored, t)
			}
		}
		for k, c := range trainClasses {
			if err := w.walk("train/"+c, k, false); err != nil {
				return nil, err
			}
		}
		for _, c := range testClasses {
			if err := w.walk("test/"+c, slices.Index(trainClasses, c), true); err != nil {
				return nil, err
			}
		}
		f.Split = "train/ and test/ folders"
	case hasTrain != hasTest:
		return nil, fmt.Errorf("imagefolder: %s has a train/ folder or a test/ folder but not both: give both (each with one folder per class), or one folder per class", dir)
	default:
		if err := checkClasses(dir, top); err != nil {
			return nil, err
		}
		f.Classes = top
		for k, c := range top {
			if err := w.walk(c, k, false); err != nil {
				return nil, err
			}
		}
		f.Split = fmt.Sprintf("%g%% of each class set aside by a hash of its path seeded with %d", frac*100, seed)
	}
	f.Skipped = w.skipped
	if len(w.failed) > 0 {
		return nil, &ReadError{Dir: dir, Files: w.failed}
	}
	// Every class needs a picture to learn from.
	count := make([]int, len(f.Classes))
	for _, e := range w.entries {
		if !e.test {
			count[e.class]++
		}
	}
	for k, n := range count {
		if n == 0 {
			where := f.Classes[k]
			if hasTrain {
				where = "train/" + where
			}
			return nil, fmt.Errorf("imagefolder: %s/%s holds no pictures (.png, .jpg, .jpeg or .gif)", dir, where)
		}
	}
	if hasTrain {
		shuffle(w.entries, seed)
	} else {
		split(w.entries, len(f.Classes), frac, seed)
	}

	// The headers, before any picture is decoded.
	if err := w.headers(ctx, opt.Threads); err != nil {
		return nil, err
	}
	var total int64
	sizes := map[[2]int]int{}
	grey := true
	for _, e := range w.entries {
		total += int64(e.h) * int64(e.w)
		sizes[[2]int{e.h, e.w}]++
		grey = grey && e.grey
	}
	if total > lim.MaxTotalPixels {
		return nil, fmt.Errorf("imagefolder: the %d pictures in %s hold %d pixels, over the limit of %d: scale them down or use fewer", len(w.entries), dir, total, lim.MaxTotalPixels)
	}
	prep := data.ImagePrep{Height: opt.Height, Width: opt.Width, Channels: opt.Channels, Resize: opt.Resize}
	if prep.Height == 0 {
		if len(sizes) > 1 {
			return nil, fmt.Errorf("imagefolder: the pictures in %s have %d sizes (%s): choose the size to resize them to", dir, len(sizes), sizeList(sizes))
		}
		for s := range sizes {
			prep.Height, prep.Width = s[0], s[1]
		}
	}
	if prep.Channels == 0 {
		prep.Channels = 3
		if grey {
			prep.Channels = 1
		}
	}
	if err := prep.Validate(); err != nil {
		return nil, fmt.Errorf("imagefolder: %w", err)
	}
	per := int64(prep.RawSize())
	if stored := per * int64(len(w.entries)); stored > lim.MaxStoredBytes || stored > math.MaxInt {
		return nil, fmt.Errorf("imagefolder: %d pictures of %d×%d×%d take %s, over the limit of %s: choose a smaller size", len(w.entries), prep.Channels, prep.Height, prep.Width, imageio.SizeString(stored), imageio.SizeString(lim.MaxStoredBytes))
	}

	// Decode, each picture once, into its slot.
	var nTrain, nTest int
	for i := range w.entries {
		e := &w.entries[i]
		if e.test {
			e.slot, nTest = nTest, nTest+1
		} else {
			e.slot, nTrain = nTrain, nTrain+1
		}
	}
	pix := [2][]byte{make([]byte, nTrain*int(per)), make([]byte, nTest*int(per))}
	labels := [2][]int{make([]int, nTrain), make([]int, nTest)}
	err = w.each(ctx, opt.Threads, func(e *entry, b []byte) error {
		img, _, err := imageio.DecodeBytes(ctx, b, lim.Image)
		if err != nil {
			return err
		}
		raw, err := prep.Raw(Orient(img, e.o))
		if err != nil {
			return err
		}
		s := 0
		if e.test {
			s = 1
		}
		copy(pix[s][e.slot*int(per):], raw)
		labels[s][e.slot] = e.class
		return nil
	})
	if err != nil {
		return nil, err
	}
	if f.Train, err = data.NewImages(pix[0], labels[0], prep, f.Classes); err != nil {
		return nil, err
	}
	if f.Test, err = data.NewImages(pix[1], labels[1], prep, f.Classes); err != nil {
		return nil, err
	}
	f.Prep = prep
	return f, nil
}

// checkClasses refuses a folder with fewer than two class folders.
func checkClasses(dir string, classes []string) error {
	switch len(classes) {
	case 0:
		return fmt.Errorf("imagefolder: %s has no class folders: want one subfolder per class, holding its pictures", dir)
	case 1:
		return fmt.Errorf("imagefolder: %s has only one class folder (%s): a classifier needs at least two", dir, classes[0])
	}
	return nil
}

// sizeList names the commonest sizes, for messages.
func sizeList(sizes map[[2]int]int) string {
	type sz struct {
		s [2]int
		n int
	}
	var l []sz
	for s, n := range sizes {
		l = append(l, sz{s, n})
	}
	sort.Slice(l, func(i, j int) bool {
		if l[i].n != l[j].n {
			return l[i].n > l[j].n
		}
		return l[i].s[0]*l[i].s[1] < l[j].s[0]*l[j].s[1]
	})
	var parts []string
	for i, x := range l {
		if i == 3 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%d of %d×%d", x.n, x.s[0], x.s[1]))
	}
	return strings.Join(parts, ", ")
}

// walker lists a folder's pictures, inside its root.
type walker struct {
	root    *os.Root
	fsys    fs.FS
	dir     string
	lim     Limits
	entries []entry
	failed  []FileError
	skipped []string
}

// folders returns the names of the visible folders in p (symbolic links
// to folders inside the root included), sorted; visible files are noted
// as skipped.
func (w *walker) folders(p string) ([]string, error) {
	des, err := fs.ReadDir(w.fsys, p)
	if err != nil {
		return nil, fmt.Errorf("imagefolder: %s: %w", path.Join(w.dir, p), unwrapPath(err))
	}
	var names []string
	for _, d := range des {
		name := d.Name()
		rel := path.Join(p, name)
		if strings.HasPrefix(name, ".") {
			continue
		}
		isDir := d.IsDir()
		if d.Type()&fs.ModeSymlink != 0 {
			fi, err := w.root.Stat(rel)
			if err != nil {
				w.failed = append(w.failed, FileError{rel, fmt.Errorf("a symbolic link out of the folder or to nothing: %w", unwrapPath(err))})
				continue
			}
			isDir = fi.IsDir()
		}
		if isDir {
			names = append(names, name)
		} else {
			w.skipped = append(w.skipped, rel)
		}
	}
	return names, nil
}

// walk lists the pictures under the class folder p.
func (w *walker) walk(p string, class int, test bool) error {
	return fs.WalkDir(w.fsys, p, func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			w.failed = append(w.failed, FileError{rel, unwrapPath(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if rel == p {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		mode := d.Type()
		if d.IsDir() {
			return nil
		}
		if !hasImageExt(d.Name()) {
			w.skipped = append(w.skipped, rel)
			return nil
		}
		if mode&fs.ModeSymlink != 0 {
			fi, err := w.root.Stat(rel)
			switch {
			case err != nil:
				w.failed = append(w.failed, FileError{rel, fmt.Errorf("a symbolic link out of the folder or to nothing: %w", unwrapPath(err))})
				return nil
			case !fi.Mode().IsRegular():
				w.failed = append(w.failed, FileError{rel, errors.New("a symbolic link to something other than a file")})
				return nil
			}
		} else if !mode.IsRegular() {
			w.failed = append(w.failed, FileError{rel, errors.New("not a regular file")})
			return nil
		}
		if len(w.entries) >= w.lim.MaxFiles {
			return fmt.Errorf("imagefolder: %s holds more than %d pictures, the limit", w.dir, w.lim.MaxFiles)
		}
		w.entries = append(w.entries, entry{path: rel, class: class, test: test})
		return nil
	})
}

// hasImageExt reports whether name ends in a picture's extension.
func hasImageExt(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return slices.Contains(imageExts, ext)
}

// unwrapPath drops the *fs.PathError wrapper, whose path is the
// root-relative one already named.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// headers reads each picture's header: its size, EXIF orientation and
// whether it is grey, checking it against the limits without decoding.
func (w *walker) headers(ctx context.Context, threads int) error {
	return w.each(ctx, threads, func(e *entry, b []byte) error {
		cfg, err := imageio.Check(b, w.lim.Image)
		if err != nil {
			return err
		}
		e.h, e.w, e.o = cfg.Height, cfg.Width, 1
		if cfg.Format == imageio.JPEG {
			if e.o, err = Orientation(b); err != nil {
				return err
			}
			if e.o >= 5 {
				e.h, e.w = e.w, e.h
			}
		}
		ic, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return err
		}
		e.grey = isGrey(ic.ColorModel)
		return nil
	})
}

// isGrey reports whether a colour model holds only greys.
func isGrey(m color.Model) bool {
	switch m {
	case color.GrayModel, color.Gray16Model:
		return true
	}
	if p, ok := m.(color.Palette); ok {
		for _, c := range p {
			r, g, b, _ := c.RGBA()
			if r != g || g != b {
				return false
			}
		}
		return true
	}
	return false
}

// each reads every picture and calls fn on it, threads at a time, and
// returns a *ReadError naming every picture that failed, or ctx's error.
func (w *walker) each(ctx context.Context, threads int, fn func(e *entry, b []byte) error) error {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	var (
		mu     sync.Mutex
		failed []FileError
		wg     sync.WaitGroup
		next   = make(chan int)
	)
	for range min(threads, max(len(w.entries), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				e := &w.entries[i]
				b, err := w.read(e.path)
				if err == nil {
					err = fn(e, b)
				}
				if err != nil && ctx.Err() == nil {
					mu.Lock()
					failed = append(failed, FileError{e.path, err})
					mu.Unlock()
				}
			}
		}()
	}
	for i := range w.entries {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(failed) > 0 {
		sort.Slice(failed, func(i, j int) bool { return failed[i].Path < failed[j].Path })
		return &ReadError{Dir: w.dir, Files: failed}
	}
	return nil
}

// read reads a picture file, at most the image limit's bytes.
func (w *walker) read(rel string) ([]byte, error) {
	f, err := w.root.Open(rel)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	max := w.lim.Image.MaxBytes
	if max <= 0 {
		max = imageio.DefaultMaxBytes
	}
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		return nil, fmt.Errorf("the file is %s, over the limit of %s", imageio.SizeString(fi.Size()), imageio.SizeString(max))
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, unwrapPath(err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("the file is over the limit of %s", imageio.SizeString(max))
	}
	return b, nil
}

// split sets aside round(frac·n) pictures of each class of n (at least
// one and at most n-1 when n ≥ 2; none of a class of one) for testing:
// those whose hashed paths come first. Then it orders all the entries by
// their hashes, mixing the classes, so that the last ones (held out for
// validation) and the first ones (kept by a limit) are of every class.
func split(es []entry, classes int, frac float64, seed uint64) {
	byClass := make([][]int, classes)
	for i, e := range es {
		byClass[e.class] = append(byClass[e.class], i)
	}
	for _, idx := range byClass {
		sort.Slice(idx, func(a, b int) bool { return hashPath(seed, es[idx[a]].path) < hashPath(seed, es[idx[b]].path) })
		n := len(idx)
		k := int(math.Round(frac * float64(n)))
		if n >= 2 {
			k = min(max(k, 1), n-1)
		} else {
			k = 0
		}
		for _, i := range idx[:k] {
			es[i].test = true
		}
	}
	shuffle(es, seed)
}

// shuffle orders entries by the hash of their paths.
func shuffle(es []entry, seed uint64) {
	sort.SliceStable(es, func(a, b int) bool { return hashPath(seed+1, es[a].path) < hashPath(seed+1, es[b].path) })
}

// hashPath hashes a path with a seed (FNV-1a, then a finaliser that
// spreads the bits).
func hashPath(seed uint64, p string) uint64 {
	h := fnv.New64a()
	var s [8]byte
	for i := range s {
		s[i] = byte(seed >> (8 * i))
	}
	h.Write(s[:])
	io.WriteString(h, p)
	x := h.Sum64()
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}
