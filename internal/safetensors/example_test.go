package safetensors_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/baeum-ml/baeum/internal/safetensors"
)

// Save two tensors atomically, read them back and look one up by name.
func Example() {
	dir, err := os.MkdirTemp("", "safetensors-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	tensors := []safetensors.Tensor{
		safetensors.FromFloat32("fc.weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
		safetensors.FromFloat32("fc.bias", []int{2}, []float32{0.5, -0.5}),
	}
	if err := safetensors.WriteFile(path, tensors, map[string]string{"format": "pt"}); err != nil {
		log.Fatal(err)
	}

	f, err := safetensors.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Names(), f.Metadata)
	w, _ := f.Tensor("fc.weight")
	values, err := w.Float32()
	fmt.Println(w.DType, w.Shape, values, err)
	// Output:
	// [fc.bias fc.weight] map[format:pt]
	// F32 [2 3] [1 2 3 4 5 6] <nil>
}

// Decode reports what is wrong with a corrupt file, never panicking.
func ExampleDecode() {
	file := []byte("\x36\x00\x00\x00\x00\x00\x00\x00" +
		`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}` +
		"\x00\x00\x80\x3f")
	_, err := safetensors.Decode(file)
	fmt.Println(err)
	// Output:
	// safetensors: tensor "w": shape [2] of F32 needs 8 bytes, data_offsets [0, 4] span 4
}
