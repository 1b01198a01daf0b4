// Command csvclassifier is the path a Go engineer takes with their own
// data: it reads a CSV file of numeric features and a class label, defines
// a small network, trains it, saves it, loads it back and predicts.
//
//	go run ./examples/csvclassifier --csv examples/csvclassifier/testdata/blobs.csv --label class
//
// Every step is a few lines of baeum; read main from top to bottom.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

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
// measured with the model loaded back from disk and each row encoded from
// its text by the preprocessing record saved with the model.
func run(csvPath, label string, epochs int, out string, log *os.File) (float64, error) {
	// 1. Read the data: every column except the label is a feature. The
	// encoders (each column's mean and standard deviation) are measured on
	// the training rows and kept in a preprocessing record.
	tab, err := regression.ReadCSVFile(csvPath)
	if err != nil {
		return 0, err
	}
	n := len(tab.Rows)
	split := n * 8 / 10
	table, err := encoders(tab, label, split)
	if err != nil {
		return 0, err
	}
	ds, classes, err := load(tab, label, table)
	if err != nil {
		return 0, err
	}
	trainSet := data.Range(ds, 0, split)

	// 2. Define a model (see newModel).
	rng := tensor.NewRNG(1)
	model := newModel(rng, table.Width(), len(classes))

	// 3. Train: mini-batches of 32, Adam, cross-entropy, through the same
	// trainer baeum train uses.
	opt, err := optim.NewAdam(model.Params(), optim.DefaultAdam(0.01))
	if err != nil {
		return 0, err
	}
	tr, err := train.New(model, opt, train.Config{Epochs: epochs, Batch: 32, Seed: 1, Loss: train.CrossEntropy{}, Log: log})
	if err != nil {
		return 0, err
	}
	if _, err := tr.Fit(context.Background(), trainSet, nil, nil, nil); err != nil {
		return 0, err
	}

	// 4. Save: a safetensors file, with the preprocessing record (the
	// column encoders and the class names) in its metadata.
	rec := data.Preprocess{Inputs: []data.InputPrep{{Name: "x", Table: table}}, Classes: classes}
	if err := checkpoint.Save(out, model, map[string]string{data.KeyPreprocess: rec.JSON()}); err != nil {
		return 0, err
	}

	// 5. Load into a fresh model of the same shape and predict, preparing
	// each held-out row from its text by the record read back.
	meta, err := checkpoint.ReadMetadata(out)
	if err != nil {
		return 0, err
	}
	saved, err := data.ParsePreprocess([]byte(meta[data.KeyPreprocess]))
	if err != nil {
		return 0, err
	}
	fresh := newModel(tensor.NewRNG(2), saved.Inputs[0].Table.Width(), len(saved.Classes))
	if _, err := checkpoint.Load(out, fresh); err != nil {
		return 0, err
	}
	right := 0
	for i := split; i < n; i++ {
		class, err := predict(fresh, saved, features(tab, label, i))
		if err != nil {
			return 0, fmt.Errorf("%s: line %d: %w", tab.Source, tab.Lines[i], err)
		}
		if class == tab.Rows[i][tab.Index(label)] {
			right++
		}
	}
	return float64(right) / float64(n-split), nil
}

// predict encodes one row's text fields as the record says and returns
// the name of the most probable class.
func predict(m nn.Module, rec *data.Preprocess, fields []string) (string, error) {
	t := rec.Inputs[0].Table
	x := tensor.New(tensor.Float32, 1, t.Width())
	if err := t.Encode(x.F32(), fields); err != nil {
		return "", err
	}
	g := autograd.NewInferenceGraph()
	logits := m.Forward(g, g.Input(x)).Data()
	return rec.Classes[tensor.ArgMaxRows(nil, logits)[0]], nil
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

// encoders measures, on the first rows, each feature column's mean and
// standard deviation: the record that standardises it.
func encoders(tab *regression.Table, label string, rows int) (*data.TablePrep, error) {
	if tab.Index(label) < 0 {
		_, err := tab.Float(label) // the table's own error, naming the columns
		return nil, err
	}
	t := &data.TablePrep{}
	for _, name := range tab.Names {
		if name == label {
			continue
		}
		c, err := tab.Float(name)
		if err != nil {
			return nil, err
		}
		var mean, sd float64
		for _, v := range c[:rows] {
			mean += v
		}
		mean /= float64(rows)
		for _, v := range c[:rows] {
			sd += (v - mean) * (v - mean)
		}
		sd = math.Sqrt(sd / float64(rows))
		if sd == 0 {
			sd = 1
		}
		t.Columns = append(t.Columns, data.ColumnPrep{Name: name, Mean: mean, Std: sd})
	}
	if len(t.Columns) == 0 {
		return nil, fmt.Errorf("%s has no feature columns besides %q", tab.Source, label)
	}
	return t, nil
}

// features returns row i's feature fields, as text.
func features(tab *regression.Table, label string, i int) []string {
	var f []string
	for j, name := range tab.Names {
		if name != label {
			f = append(f, tab.Rows[i][j])
		}
	}
	return f
}

// load turns a table into a dataset: every row encoded by the record, and
// the label column's values as classes (named by their text, in order of
// first appearance).
func load(tab *regression.Table, label string, t *data.TablePrep) (*data.Tensors, []string, error) {
	n := len(tab.Rows)
	x := tensor.New(tensor.Float32, n, t.Width())
	y := tensor.New(tensor.Int64, n)
	var classes []string
	li := tab.Index(label)
	for i := range tab.Rows {
		if err := t.Encode(x.F32()[i*t.Width():(i+1)*t.Width()], features(tab, label, i)); err != nil {
			return nil, nil, fmt.Errorf("%s: line %d: %w", tab.Source, tab.Lines[i], err)
		}
		c := slices.Index(classes, tab.Rows[i][li])
		if c < 0 {
			c = len(classes)
			classes = append(classes, tab.Rows[i][li])
		}
		y.I64()[i] = int64(c)
	}
	ds, err := data.NewTensors(x, y, classes)
	return ds, classes, err
}
