package mnist_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/baeum-ml/baeum/data/mnist"
)

// Load reads both splits from the copy of MNIST in the Go module cache.
func ExampleLoad() {
	train, test, err := mnist.Load("") // or a folder, like the CLI's --data
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("train: %d images of %dx%d, first label %d\n", train.N, train.Rows, train.Cols, train.Labels[0])
	fmt.Printf("test: %d images of %dx%d, first label %d\n", test.N, test.Rows, test.Cols, test.Labels[0])

	// Draw the middle of the first image, every other pixel of rows 4-23.
	img := train.Image(0)
	for r := 4; r < 24; r += 2 {
		line := make([]byte, 0, 14)
		for c := 0; c < 28; c += 2 {
			line = append(line, " .:#"[img[r*train.Cols+c]/64])
		}
		fmt.Printf("|%s|\n", line)
	}
	// Output:
	// train: 60000 images of 28x28, first label 5
	// test: 10000 images of 28x28, first label 7
	// |              |
	// |     .:#####  |
	// |    #####     |
	// |      #       |
	// |      :.      |
	// |       ##     |
	// |        .#    |
	// |        :#    |
	// |      ###.    |
	// |    ###.      |
}

// ReadLabels parses an IDX label file from any reader, plain or gzipped.
func ExampleReadLabels() {
	file := []byte{
		0x00, 0x00, 0x08, 0x01, // magic: unsigned bytes, 1 dimension
		0x00, 0x00, 0x00, 0x03, // 3 labels
		5, 0, 4,
	}
	labels, err := mnist.ReadLabels(bytes.NewReader(file))
	fmt.Println(labels, err)

	_, err = mnist.ReadLabels(bytes.NewReader(file[:10]))
	fmt.Println(err)
	// Output:
	// [5 0 4] <nil>
	// mnist: truncated: header says 3 labels, file holds 2
}
