package data

import (
	"reflect"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// normalised returns a copy of p with empty slices made nil, the form a
// record has after a trip through JSON (omitempty leaves them out).
func normalised(p *Preprocess) *Preprocess {
	q := &Preprocess{Classes: p.Classes}
	if len(q.Classes) == 0 {
		q.Classes = nil
	}
	for _, in := range p.Inputs {
		if in.Image != nil {
			im := *in.Image
			if len(im.Mean) == 0 {
				im.Mean = nil
			}
			if len(im.Std) == 0 {
				im.Std = nil
			}
			in.Image = &im
		}
		if in.Table != nil {
			tb := TablePrep{}
			for _, c := range in.Table.Columns {
				if len(c.Categories) == 0 {
					c.Categories = nil
				}
				tb.Columns = append(tb.Columns, c)
			}
			in.Table = &tb
		}
		q.Inputs = append(q.Inputs, in)
	}
	return q
}

// FuzzParsePreprocess checks that ParsePreprocess never panics, and that a
// record it accepts is valid, survives a trip through JSON unchanged, and
// prepares inputs of the size its Shape says.
func FuzzParsePreprocess(f *testing.F) {
	for _, s := range []string{
		fullRecord().JSON(),
		`{"inputs":[{"name":"image","image":{"height":28,"width":28,"channels":1,"mean":[0.1307],"std":[0.3081],"resize":"digit"}}],"classes":["0","1","2","3","4","5","6","7","8","9"]}`,
		`{"inputs":[{"name":"image","image":{"height":4,"width":5,"channels":3,"mean":[0.5,0.4,0.3],"std":[0.2,0.2,0.2],"pad":2,"flatten":true,"resize":"stretch"}}]}`,
		`{"inputs":[{"name":"row","table":{"columns":[{"name":"age","mean":38.5,"std":13.2},{"name":"colour","categories":["red","green"]},{"name":"x"}]}}],"classes":["no","yes"]}`,
		`{"inputs":[{"name":"img","image":{"height":28,"width":28,"channels":2}}]}`,
		`{"inputs":[{"name":"img","image":{"height":28,"width":28,"channels":1,"std":[0]}}]}`,
		`{"inputs":[{"name":"img","image":{"height":100000,"width":28,"channels":1}}]}`,
		`{"inputs":[{"name":"img","image":{"height":28,"width":28,"channels":1,"resize":"zoom"}}]}`,
		`{"inputs":[{"name":"t","table":{"columns":[]}}]}`,
		`{"inputs":[{"name":"x"}],"extra":1}`,
		`{"inputs":[]}} `,
		`{"inputs":[{"name":"img","image":{"height":2,"width":2,"channels":1}}]}]`,
		`null`,
		``,
		// Keys in the wrong case, and a key given twice.
		`{"INPUTS":[{"name":"img","image":{"height":28,"width":28,"channels":1}}]}`,
		`{"inputs":[{"name":"img","image":{"Height":28,"width":28,"channels":1}}]}`,
		`{"inputs":[{"name":"img","name":"x","image":{"height":28,"width":28,"channels":1}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		p, err := ParsePreprocess(js)
		if err != nil {
			if p != nil {
				t.Fatalf("error %v with a record", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted record is invalid: %v", err)
		}
		out := p.JSON()
		q, err := ParsePreprocess([]byte(out))
		if err != nil {
			t.Fatalf("JSON of an accepted record %s does not parse: %v", out, err)
		}
		if !reflect.DeepEqual(normalised(p), normalised(q)) {
			t.Fatalf("round trip changed the record:\n%s\n%s", js, out)
		}
		if q.JSON() != out {
			t.Fatalf("JSON is not stable:\n%s\n%s", out, q.JSON())
		}
		for i := range p.Inputs {
			in := &p.Inputs[i]
			shape := in.Shape()
			n := tensor.Numel(shape)
			if n <= 0 {
				t.Fatalf("input %d has shape %v", i, shape)
			}
			if im := in.Image; im != nil {
				if im.RawSize() <= 0 || im.RawSize() > 1<<20 {
					continue
				}
				dst := make([]float32, n)
				im.Prepare(dst, make([]byte, im.RawSize())) // panics unless n is the prepared length
				// A black image is the background everywhere: -mean/std.
				per := n / im.Channels
				for c := 0; c < im.Channels; c++ {
					mean, std := im.channel(c)
					bg := float32(-mean / std)
					for _, v := range dst[c*per : (c+1)*per] {
						if v != bg { // a black pixel of mean 0 is +0, the padding -0
							t.Fatalf("channel %d of a black image holds %v, want the background %v", c, v, bg)
						}
					}
				}
			}
			if tb := in.Table; tb != nil && n <= 1<<16 {
				// A row of zeros and first categories encodes.
				fields := make([]string, len(tb.Columns))
				for j, c := range tb.Columns {
					fields[j] = "0"
					if len(c.Categories) > 0 {
						fields[j] = c.Categories[0]
					}
				}
				dst := make([]float32, n)
				if err := tb.Encode(dst, fields); err != nil {
					t.Fatalf("a row of zeros and first categories: %v", err)
				}
			}
		}
	})
}
