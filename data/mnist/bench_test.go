package mnist

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoad reads both splits of the real data set from the gzipped
// files in the module cache.
func BenchmarkLoad(b *testing.B) {
	dir, err := Dir("")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(70000 * 784)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadSplitPlain reads the training split from uncompressed files.
func BenchmarkLoadSplitPlain(b *testing.B) {
	train, _ := loadReal(b)
	dir := b.TempDir()
	labels := idxLabels(train.Labels...)
	images := append(idxHeader(ImageMagic, uint32(train.N), 28, 28), train.Images...)
	if err := os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte"), images, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte"), labels, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(images)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := LoadSplit(dir, Train); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadImagesStream parses the training images from memory through
// the size-unknown path, where the buffer grows as data arrives.
func BenchmarkReadImagesStream(b *testing.B) {
	train, _ := loadReal(b)
	images := append(idxHeader(ImageMagic, uint32(train.N), 28, 28), train.Images...)
	b.SetBytes(int64(len(images)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, _, _, err := ReadImages(bytes.NewReader(images)); err != nil {
			b.Fatal(err)
		}
	}
}
