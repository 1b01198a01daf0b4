package spec_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/baeum-ml/baeum/models/spec"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// FuzzParse decodes arbitrary bytes as YAML or JSON. It must never panic;
// a description it accepts must survive a JSON round trip, plan without
// panicking for images and for vectors, and, when small, build into a
// network whose parameters, multiply-adds and output nn.Summarize
// confirms. The seeds are the example files and the hostile corpus's
// model files.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{examples + "/*", "../../testdata/hostile/modelfiles/*"} {
		files, _ := filepath.Glob(glob)
		for _, p := range files {
			format, ok := spec.FormatOf(p)
			if !ok {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b, format == spec.JSON)
		}
	}
	f.Add([]byte("layers:\n  - {type: residual, body: [{type: relu}]}\n  - {type: flatten}\n  - {type: linear, out: classes}\n"), false)
	f.Add([]byte(`{"layers":[{"type":"branches","join":"concat","branches":[{"type":"conv","out":2,"kernel":3},{"type":"maxpool","kernel":3,"stride":1}]},{"type":"globalavgpool"},{"type":"linear","out":"classes"}]}`), true)
	f.Fuzz(func(t *testing.T, data []byte, isJSON bool) {
		format := spec.YAML
		if isJSON {
			format = spec.JSON
		}
		d, err := spec.Parse(data, format)
		if err != nil {
			return
		}
		raw, err := d.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := spec.Parse(raw, spec.JSON)
		if err != nil {
			t.Fatalf("the JSON of an accepted description is refused: %v\n%s", err, raw)
		}
		stripLines(d.Layers)
		stripLines(back.Layers)
		if !reflect.DeepEqual(d, back) {
			t.Fatalf("round trip changed the description:\n%+v\n%+v", d, back)
		}
		for _, in := range [][]int{{1, 12, 12}, {3, 5, 7}, {20}} {
			plan, err := d.Plan(in, 3)
			if err != nil || plan.Params > 50_000 || plan.MultiplyAdds > 500_000 || d.Count() > 64 {
				continue
			}
			m, _, err := d.Build(tensor.NewRNG(1), in, 3)
			if err != nil {
				t.Fatalf("planned but not built: %v", err)
			}
			s := nn.Summarize(m, append([]int{1}, in...)...)
			if int64(s.Total) != plan.Params || int64(s.MultiplyAdds) != plan.MultiplyAdds {
				t.Fatalf("plan %d params, %d multiply-adds; built %d, %d", plan.Params, plan.MultiplyAdds, s.Total, s.MultiplyAdds)
			}
		}
	})
}
