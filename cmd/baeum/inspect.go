package main

import (
	"fmt"
	_ "image/jpeg" // decode JPEG files given to --image
	_ "image/png"  // decode PNG files given to --image
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/experiment"
	"github.com/baeum-ml/baeum/internal/imageio"
)

func newInspectCmd() *cobra.Command {
	var oin onnxInputFlags
	var pf pictureFlags
	var model, imagePath, dataDir string
	var index int
	cmd := &cobra.Command{
		Use:   "inspect --model CHECKPOINT",
		Short: "Show a trained LeNet-5's first-layer filters and their feature maps",
		Long: `Draw what the first convolution (C1) of a trained LeNet-5 learned: its six 5×5
filters, and the six feature maps they produce from one digit — an MNIST test
image chosen by --index, or a picture of a handwritten digit given by --image
(prepared the way MNIST was made, as baeum predict does). Writes
inspect-<model>-<digit>.png and .svg.

  baeum train --model lenet5 --epochs 2
  baeum inspect --model runs/lenet5.safetensors --index 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := pf.output()
			if err != nil {
				return err
			}
			if imagePath != "" && cmd.Flags().Changed("index") {
				return fmt.Errorf("give --index or --image, not both")
			}
			m, _, err := loadModelFlag(model, &oin)
			if err != nil {
				return err
			}
			if m.Image() == nil {
				return fmt.Errorf("--model %s reads no images (it is %v): inspect shows an image model's filters and feature maps", model, m)
			}
			var px []byte
			label := -1
			var source, name string
			if imagePath != "" {
				f, err := os.Open(imagePath)
				if err != nil {
					return fmt.Errorf("--image: %w", err)
				}
				img, _, err := imageio.DecodeContext(cmd.Context(), f, imageio.Limits{})
				f.Close()
				if err != nil {
					return fmt.Errorf("--image %s: %w", imagePath, err)
				}
				// Prepared as predict and serve prepare pictures: by the
				// checkpoint's record (for MNIST models, digits.Prepare after
				// compositing any transparency).
				if px, err = m.Image().Raw(img); err != nil {
					return fmt.Errorf("--image %s: %w", imagePath, err)
				}
				source = filepath.Base(imagePath)
				name = fileStem(imagePath)
			} else {
				test, err := mnist.LoadSplit(dataDir, mnist.Test)
				if err != nil {
					return err
				}
				if index < 0 || index >= test.N {
					return fmt.Errorf("--index %d: the MNIST test set has images 0 to %d", index, test.N-1)
				}
				px, label = test.Image(index), int(test.Labels[index])
				source = fmt.Sprintf("MNIST test image %d", index)
				name = fmt.Sprintf("test%d", index)
			}
			fm, err := experiment.Filters(m, px, label, source)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: %s, predicted %d (%.1f%%)\n", m, source, fm.Predicted, 100*fm.Probability)
			files, err := fm.Draw(out, m.Config.Name+"-"+name)
			printFiles(w, files)
			return err
		},
	}
	pf.add(cmd)
	f := cmd.Flags()
	f.StringVar(&model, "model", "lenet5", "checkpoint of a LeNet-5, or lenet5 for runs/lenet5.safetensors")
	f.IntVar(&index, "index", 0, "MNIST test image to show")
	f.StringVar(&imagePath, "image", "", "a PNG, JPEG or GIF picture of one handwritten digit, instead of an MNIST image")
	f.StringVar(&dataDir, "data", "", "folder with the MNIST idx files (default: $BAEUM_MNIST_DIR, then the GoMNIST module)")
	oin.add(cmd.Flags())
	return cmd
}

// fileStem returns a file's base name without extension, keeping only
// letters, digits, - and _ so that it is safe in a file name.
func fileStem(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var b strings.Builder
	for _, r := range base {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "image"
	}
	return b.String()
}
