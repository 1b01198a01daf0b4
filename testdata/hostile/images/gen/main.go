// Command gen writes the crafted images of the hostile-input corpus
// (testdata/hostile/images) from internal/imageio/imagebomb:
//
//	go run ./testdata/hostile/images/gen
//
// It is run by hand when the images change; the images are committed.
package main

import (
	"bytes"
	"image"
	"image/gif"
	_ "image/png" // the test digit
	"log"
	"os"
	"path/filepath"

	"github.com/baeum-ml/baeum/internal/imageio/imagebomb"
)

func main() {
	dir := filepath.Join("testdata", "hostile", "images")
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			log.Fatal(err)
		}
		log.Printf("%s: %d bytes", name, len(b))
	}
	// 10,000 scans: a hundred times the limit, 12 s of CPU for image/jpeg
	// (the 54,000-scan bomb of issue #16 is built in memory by the tests).
	write("scan-bomb.jpg", imagebomb.ScanBomb(2048, 2048, 10000))
	// 3000×3000 16-bit grey: 24 KB that decode into 18 MB (over 4 MP).
	write("gray16-3000.png", imagebomb.Gray16(3000, 3000))
	// A million dots in 8 KB.
	write("dot-grid.png", imagebomb.DotGrid(2048, 2048, 2))
	// A GIF of a handwritten 7.
	write("seven.gif", seven())
}

// seven re-encodes one of the committed test digits (a 7) as a GIF.
func seven() []byte {
	f, err := os.Open(filepath.Join("digits", "testdata", "single", "12_label7.png"))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		log.Fatal(err)
	}
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}
