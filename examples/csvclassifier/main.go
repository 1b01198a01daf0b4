// Command csvclassifier is the path a Go engineer takes with their own
// data: it reads a CSV file of numeric features and a class label, defines
// a small network, trains it, saves it, loads it back and predicts.
//
//	go run ./examples/csvclassifier --csv examples/csvclassifier/testdata/blobs.csv --label class
//
// Every step is a few lines of baeum; read main from top to bottom.
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/regression"
	"github.com/baeum-ml/baeum/tensor"
	"github.com/baeum-ml/baeum/train"
)

func main() {
	csvPath := flag.String("csv", "examples/csvclassifier/testdata/blobs.csv", "CSV file with a header row")
	label := flag.String("label", "class", "column holding the class (integers 0, 1, …)")
	epochs := flag.Int("epochs", 30, "passes over the training rows")
	out := flag.String("out", filepath.Join(os.TempDir(), "csvclassifier.safetensors"), "where to save the model")
	flag.Parse()
	acc, err := run(*csvPath, *label, *epochs, *out, os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("accuracy on the held-out rows after loading: %.3f\n", acc)
}

// run trains on 80% of the rows and returns the accuracy on the rest,
// measured with the model loaded back from disk.
func run(csvPath, label string, epochs int, out string, log *os.File) (float64, error) {
	// 1. Read the data: every column except the label is a feature.
	tab, err := regression.ReadCSVFile(csvPath)
	if err != nil {
		return 0, err
	}
	ds, classes, err := load(tab, label)
	if err != nil {
		return 0, err
	}
	n := ds.Len()
	split := n * 8 / 10
	trainSet, test := data.Range(ds, 0, split), data.Range(ds, split, n)
	features := ds.Shape()[0]

	// 2. Define a model (see newModel).
	rng := tensor.NewRNG(1)
	model := newModel(rng, features, classes)

	// 3. Train: mini-batches of 32, Adam, cross-entropy.
	opt, err := optim.NewAdam(model.Params(), optim.DefaultAdam(0.01))
	if err != nil {
		return 0, err
	}
	loader := data.NewLoader(trainSet, 32, true, false, rng)
	g := autograd.NewGraph()
	g.Training = true
	for epoch := 1; epoch <= epochs; epoch++ {
		var total float64
		for x, y := range loader.Epoch() {
			opt.ZeroGrad()
			loss := g.CrossEntropy(model.Forward(g, g.Input(x)), y, autograd.ReduceMean)
			loss.Backward()
			opt.Step()
			total += loss.Item() * float64(len(y))
			g.Reset()
		}
		if epoch%10 == 0 {
			fmt.Fprintf(log, "epoch %d: training loss %.4f\n", epoch, total/float64(trainSet.Len()))
		}
	}

	// 4. Save: a safetensors file, with the classes in its metadata.
	if err := checkpoint.Save(out, model, map[string]string{"classes": strconv.Itoa(classes)}); err != nil {
		return 0, err
	}

	// 5. Load into a fresh model of the same shape and predict.
	fresh := newModel(tensor.NewRNG(2), features, classes)
	if _, err := checkpoint.Load(out, fresh); err != nil {
		return 0, err
	}
	_, acc := train.Evaluate(fresh, test, 64)
	return acc, nil
}

// newModel defines the network: two hidden layers of 32 units with ReLU,
// and a linear output of one logit per class.
func newModel(rng *rand.Rand, features, classes int) *nn.Sequential {
	return nn.NewSequential(
		nn.Named{Name: "hidden1", Module: nn.NewLinear(rng, features, 32)},
		nn.Named{Name: "relu1", Module: nn.ReLU{}},
		nn.Named{Name: "hidden2", Module: nn.NewLinear(rng, 32, 32)},
		nn.Named{Name: "relu2", Module: nn.ReLU{}},
		nn.Named{Name: "output", Module: nn.NewLinear(rng, 32, classes)},
	)
}

// load turns a table into a dataset: standardised features (mean 0,
// standard deviation 1 per column) and integer labels.
func load(tab *regression.Table, label string) (*data.Tensors, int, error) {
	ys, err := tab.Float(label)
	if err != nil {
		return nil, 0, err
	}
	var cols [][]float64
	for _, name := range tab.Names {
		if name == label {
			continue
		}
		c, err := tab.Float(name)
		if err != nil {
			return nil, 0, err
		}
		cols = append(cols, c)
	}
	if len(cols) == 0 {
		return nil, 0, fmt.Errorf("%s has no feature columns besides %q", tab.Source, label)
	}
	n := len(ys)
	x := tensor.New(tensor.Float32, n, len(cols))
	for j, c := range cols {
		var mean, sd float64
		for _, v := range c {
			mean += v
		}
		mean /= float64(n)
		for _, v := range c {
			sd += (v - mean) * (v - mean)
		}
		sd = math.Sqrt(sd / float64(n))
		if sd == 0 {
			sd = 1
		}
		for i, v := range c {
			x.Set((v-mean)/sd, i, j)
		}
	}
	labels := make([]int, n)
	classes := 0
	for i, v := range ys {
		if v != math.Trunc(v) || v < 0 {
			return nil, 0, fmt.Errorf("%s: row %d: label %v is not a class number 0, 1, …", tab.Source, i+1, v)
		}
		labels[i] = int(v)
		classes = max(classes, labels[i]+1)
	}
	return &data.Tensors{X: x, Labels: labels}, classes, nil
}
