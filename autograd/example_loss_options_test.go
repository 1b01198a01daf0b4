package autograd_test

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// Padded steps of a batch of sequences carry the label -100, which the
// zero CrossEntropyOptions ignore as PyTorch does: they add no loss, no
// gradient and no weight to the mean. Here two of four steps are padding;
// PyTorch 1.13 gives the same loss, 0.33390052798808934.
func ExampleGraph_CrossEntropyWith() {
	logits := autograd.NewParam("logits", tensor.FromFloat64([]float64{
		2, 0, 0,
		0, 0, 0,
		0, 3, 0,
		0, 0, 0,
	}, 4, 3))
	labels := []int64{0, -100, 1, -100}
	g := autograd.NewGraph()
	loss := g.CrossEntropyWith(logits, labels, autograd.CrossEntropyOptions{LabelSmoothing: 0.1}, autograd.ReduceMean)
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	fmt.Println("gradient of a padded row:", logits.Grad().At(1, 0), logits.Grad().At(1, 1), logits.Grad().At(1, 2))
	// Output:
	// loss 0.3339
	// gradient of a padded row: 0 0 0
}
