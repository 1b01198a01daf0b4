// Command gen writes the crafted checkpoints of the hostile-input corpus
// (testdata/hostile/checkpoints): headers that ask for models too large to
// build, weights that overflow, a training summary that claims an accuracy
// of 150%, and a picture that is not a checkpoint at all. Each file is a
// few KB. Run it from the repository's root:
//
//	go run ./testdata/hostile/checkpoints/gen
//
// The files are written with the safetensors encoder, not through package
// models, so that they stay what they are whatever the loader does.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"math"
	"path/filepath"

	"github.com/baeum-ml/baeum/internal/atomicfile"
	"github.com/baeum-ml/baeum/internal/safetensors"
)

// mnistMLP is the preprocessing record of an MLP for MNIST's digits, as
// baeum train writes it.
const mnistMLP = `{"inputs":[{"name":"image","image":{"height":28,"width":28,"channels":1,"mean":[0.1307],"std":[0.3081],"flatten":true,"resize":"digit"}}],"classes":["0","1","2","3","4","5","6","7","8","9"]}`

func main() {
	dir := flag.String("dir", "testdata/hostile/checkpoints", "folder to write the files to")
	flag.Parse()
	write := func(name string, tensors []safetensors.Tensor, meta map[string]string) {
		meta["format"] = "pt"
		if err := safetensors.WriteFile(filepath.Join(*dir, name), tensors, meta); err != nil {
			log.Fatal(err)
		}
	}

	// Headers only: models that must be refused before anything is built.
	write("hidden-maxint.safetensors", nil, map[string]string{
		"baeum.model": `{"name":"mlp","activation":"relu","hidden":[9223372036854775807]}`})
	write("hidden-40000x40000.safetensors", nil, map[string]string{
		"baeum.model": `{"name":"mlp","activation":"relu","hidden":[40000,40000]}`})
	write("image-4096x4096.safetensors", nil, map[string]string{
		"baeum.model":      `{"name":"lenet5","activation":"tanh"}`,
		"baeum.preprocess": `{"inputs":[{"name":"image","image":{"height":4096,"width":4096,"channels":3,"pad":2}}],"classes":["a","b"]}`})

	// An MLP 784-2-10 whose weights are all ±3e38: finite, so they pass
	// the check for NaN and infinity, but the first layer overflows.
	write("weights-3e38.safetensors", mlp(func(i int) float32 { return float32(3e38 * math.Pow(-1, float64(i))) }),
		map[string]string{"baeum.model": `{"name":"mlp","activation":"relu","hidden":[2]}`, "baeum.preprocess": mnistMLP})

	// A sound MLP whose training summary claims 150% test accuracy.
	write("accuracy-1.5.safetensors", mlp(func(i int) float32 { return float32(math.Sin(float64(i))) / 10 }),
		map[string]string{"baeum.model": `{"name":"mlp","activation":"relu","hidden":[2]}`, "baeum.preprocess": mnistMLP,
			"baeum.training": `{"epochs":1,"best_epoch":1,"val_accuracy":0.9,"test_accuracy":1.5}`})

	// A handwritten-looking 1 to give predict, and the same PNG named as
	// a checkpoint.
	var buf bytes.Buffer
	if err := png.Encode(&buf, digit()); err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"one.png", "not-a-checkpoint.safetensors"} {
		err := atomicfile.Write(filepath.Join(*dir, name), func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err })
		if err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("wrote the crafted checkpoints to", *dir)
}

// mlp returns the tensors of an MLP 784-2-10 with element i of each
// tensor set to value(i).
func mlp(value func(i int) float32) []safetensors.Tensor {
	t := func(name string, shape ...int) safetensors.Tensor {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = value(i)
		}
		return safetensors.FromFloat32(name, shape, v)
	}
	return []safetensors.Tensor{t("fc1.weight", 2, 784), t("fc1.bias", 2), t("output.weight", 10, 2), t("output.bias", 10)}
}

// digit draws a vertical stroke, dark on white, 28×28.
func digit() image.Image {
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := 0; y < 28; y++ {
		for x := 0; x < 28; x++ {
			img.SetGray(x, y, color.Gray{Y: 255})
			if x >= 12 && x <= 15 && y >= 4 && y <= 23 {
				img.SetGray(x, y, color.Gray{Y: 0})
			}
		}
	}
	return img
}
