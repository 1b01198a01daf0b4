package plot_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/train"
)

// Drawing a training run's loss and accuracy per epoch, as
// `baeum train --plot curves.png` does.
func ExampleTrainingCurves() {
	history := []train.EpochStats{
		{Epoch: 1, TrainLoss: 0.25, TrainAccuracy: 0.93, ValLoss: 0.08, ValAccuracy: 0.976, TestLoss: 0.08, TestAccuracy: 0.975},
		{Epoch: 2, TrainLoss: 0.07, TrainAccuracy: 0.978, ValLoss: 0.06, ValAccuracy: 0.983, TestLoss: 0.05, TestAccuracy: 0.984},
	}
	dir, _ := os.MkdirTemp("", "curves")
	defer os.RemoveAll(dir)
	for _, name := range []string{"curves.png", "curves.svg"} {
		if err := plot.TrainingCurves(history, filepath.Join(dir, name)); err != nil {
			fmt.Println(err)
		}
	}
	fmt.Println(plot.TrainingCurves(history, "curves.gif")) // checked before anything is drawn
	// Output:
	// plot: curves.gif: unknown picture format ".gif" (want a .png or .svg file)
}
