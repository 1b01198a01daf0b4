package plot_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/plot/plottest"
	"github.com/baeum-ml/baeum/train"
)

func history(n int, val, test bool) []train.EpochStats {
	var h []train.EpochStats
	for i := 1; i <= n; i++ {
		s := train.EpochStats{Epoch: i, TrainLoss: 1 / float64(i), TrainAccuracy: 1 - 0.5/float64(i)}
		if val {
			s.ValLoss, s.ValAccuracy = 1.1/float64(i), 1-0.6/float64(i)
		}
		if test {
			s.TestLoss, s.TestAccuracy = 1.2/float64(i), 1-0.65/float64(i)
		}
		h = append(h, s)
	}
	return h
}

func TestTrainingCurves(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name      string
		hist      []train.EpochStats
		file      string
		wantNames []string // legend entries expected in the SVG
		noNames   []string
	}{
		{"all sets png", history(10, true, true), "a.png", nil, nil},
		{"all sets svg", history(10, true, true), "a.svg", []string{"train", "validation", "test", "Loss", "Accuracy"}, nil},
		{"no validation", history(3, false, true), "b.svg", []string{"train", "test"}, []string{"validation"}},
		{"one epoch", history(1, true, false), "c.svg", []string{"train", "validation"}, []string{"test"}},
		{"one epoch png", history(1, true, true), "c.png", nil, nil},
		{"upper-case extension", history(2, true, true), "d.PNG", nil, nil},
		{"nested folder", history(2, true, true), "x/y/e.png", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			if err := plot.TrainingCurves(tc.hist, path); err != nil {
				t.Fatal(err)
			}
			plottest.Check(t, path, 600, 250)
			if strings.HasSuffix(path, ".svg") {
				st, err := plottest.InspectSVG(path)
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range tc.wantNames {
					if !strings.Contains(st.Text, w) {
						t.Errorf("SVG lacks the text %q; it has %q", w, st.Text)
					}
				}
				for _, w := range tc.noNames {
					if strings.Contains(st.Text, w) {
						t.Errorf("SVG has the text %q", w)
					}
				}
			}
		})
	}
}

func TestTrainingCurvesErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		hist []train.EpochStats
		path string
		want string
	}{
		{"empty history", nil, filepath.Join(dir, "a.png"), "no epochs"},
		{"bad extension", history(2, true, true), filepath.Join(dir, "a.jpg"), "unknown picture format"},
		{"no extension", history(2, true, true), filepath.Join(dir, "curves"), "unknown picture format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := plot.TrainingCurves(tc.hist, tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if _, err := os.Stat(tc.path); err == nil {
				t.Errorf("%s was written", tc.path)
			}
		})
	}
}

func TestParseFormats(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{"png,svg", "png,svg", false},
		{"SVG", "svg", false},
		{" png , png ", "png", false},
		{"", "", true},
		{"pdf", "", true},
		{"png,jpg", "", true},
	}
	for _, tc := range tests {
		got, err := plot.ParseFormats(tc.in)
		if (err != nil) != tc.err || strings.Join(got, ",") != tc.want {
			t.Errorf("ParseFormats(%q) = %v, %v; want %q (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestLineChartErrors(t *testing.T) {
	if _, err := plot.LineChart("t", "x", "y", plot.Series{X: []float64{1, 2}, Y: []float64{1}}); err == nil {
		t.Error("mismatched lengths accepted")
	}
	nan := 0.0
	nan /= nan
	if _, err := plot.LineChart("t", "x", "y", plot.Series{X: []float64{1}, Y: []float64{nan}}); err == nil {
		t.Error("a chart with nothing finite accepted")
	}
}

func TestWriteFileAtomicLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.png")
	if err := plot.TrainingCurves(history(2, true, true), path); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "a.png" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %v, want only a.png", names)
	}
}
