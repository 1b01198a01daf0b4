package models

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

func tablePrep() data.TablePrep {
	return data.TablePrep{Columns: []data.ColumnPrep{{Name: "weight", Mean: 140, Std: 20}, {Name: "colour", Categories: []string{"green", "red", "yellow"}}}}
}

func TestTableModels(t *testing.T) {
	cases := []struct {
		name    string
		cfg     Config
		classes []string
		params  int
	}{
		{"softmax classifier", Config{Name: "softmax"}, []string{"apple", "banana"}, 4*2 + 2},
		{"linear regressor", Config{Name: "linear"}, nil, 4 + 1},
		{"mlp classifier", Config{Name: "mlp", Hidden: []int{8}}, []string{"a", "b", "c"}, 4*8 + 8 + 8*3 + 3},
		{"mlp regressor", Config{Name: "mlp", Hidden: []int{8, 4}}, nil, 4*8 + 8 + 8*4 + 4 + 4 + 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := NewTable(tensor.NewRNG(1), c.cfg, tablePrep(), c.classes)
			if err != nil {
				t.Fatal(err)
			}
			if n := nn.CountParams(m); n != c.params {
				t.Errorf("%d parameters, want %d", n, c.params)
			}
			if _, n, _ := TableSpec(c.cfg, tablePrep(), c.classes); n != c.params {
				t.Errorf("TableSpec counts %d parameters, want %d", n, c.params)
			}
			if m.IsRegressor() != (c.classes == nil) || m.Table() == nil || m.Image() != nil {
				t.Errorf("regressor %v, table %v", m.IsRegressor(), m.Table())
			}
			path := filepath.Join(t.TempDir(), "m.safetensors")
			if err := m.Save(path, nil); err != nil {
				t.Fatal(err)
			}
			back, _, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if back.Config.Name != c.cfg.Name || back.Table().Width() != 4 || len(back.Prep.Classes) != len(c.classes) {
				t.Errorf("loaded %+v with record %+v", back.Config, back.Prep)
			}
			fm, err := FromMetadata(map[string]string{"baeum.model": `{"name":"` + c.cfg.Name + `","hidden":[8]}`, data.KeyPreprocess: back.Prep.JSON()})
			if err != nil || fm.Table() == nil {
				t.Errorf("FromMetadata: %v", err)
			}
			x := tensor.New(tensor.Float32, 2, 4)
			x.Fill(0.5)
			g := autograd.NewInferenceGraph()
			out := m.Forward(g, g.Input(x)).Data()
			if want := []int{2, max(1, len(c.classes))}; out.Shape()[0] != want[0] || out.Shape()[1] != want[1] {
				t.Errorf("output shape %v, want %v", out.Shape(), want)
			}
		})
	}
}

func TestTableModelErrors(t *testing.T) {
	cases := []struct {
		name    string
		cfg     Config
		prep    data.TablePrep
		classes []string
		want    string
	}{
		{"lenet5", Config{Name: "lenet5"}, tablePrep(), []string{"a", "b"}, "unknown model"},
		{"softmax regressor", Config{Name: "softmax"}, tablePrep(), nil, "use --model linear"},
		{"one class", Config{Name: "linear"}, tablePrep(), []string{"a"}, "at least 2 classes"},
		{"huge mlp", Config{Name: "mlp", Hidden: []int{60000, 60000}}, tablePrep(), nil, "limit"},
		{"no columns", Config{Name: "linear"}, data.TablePrep{}, nil, "columns"},
		{"bad activation", Config{Name: "mlp", Activation: "swish2"}, tablePrep(), nil, "swish2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewTable(tensor.NewRNG(1), c.cfg, c.prep, c.classes)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
