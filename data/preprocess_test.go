package data

import (
	"image"
	"image/color"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// TestPrepareBitIdentical checks that Prepare's numbers are exactly those
// of tensor.BytesToFloat32 with scale float32(1/(255·std)) and offset
// float32(-mean/std) on the same bytes, the padding exactly the
// background (the offset), for grey and colour images, with and without
// padding, at sizes that exercise whole vectors and tails.
func TestPrepareBitIdentical(t *testing.T) {
	rng := tensor.NewRNG(3)
	for _, p := range []ImagePrep{
		{Height: 28, Width: 28, Channels: 1, Mean: []float64{0.1307}, Std: []float64{0.3081}},
		{Height: 28, Width: 28, Channels: 1, Mean: []float64{0.1307}, Std: []float64{0.3081}, Pad: 2},
		{Height: 5, Width: 19, Channels: 1, Pad: 3, Flatten: true},
		{Height: 17, Width: 21, Channels: 3, Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}},
		{Height: 17, Width: 21, Channels: 3, Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}, Pad: 1},
		{Height: 4, Width: 33, Channels: 3, Mean: []float64{0.5}, Std: []float64{0.7}, Pad: 5, Flatten: true},
		{Height: 1, Width: 1, Channels: 3, Mean: []float64{-3, 0, 1e3}, Std: []float64{1e-3, 1, 7}, Pad: 1},
	} {
		raw := make([]byte, p.RawSize())
		for i := range raw {
			raw[i] = byte(rng.IntN(256))
		}
		raw[0], raw[len(raw)-1] = 255, 0
		shape := p.Shape()
		dst := make([]float32, tensor.Numel(shape))
		for i := range dst {
			dst[i] = float32(math.NaN()) // every number must be written
		}
		p.Prepare(dst, raw)
		h, w, pad := p.Height, p.Width, p.Pad
		oh, ow := h+2*pad, w+2*pad
		if want := []int{p.Channels, oh, ow}; p.Flatten && !slices.Equal(shape, []int{p.Channels * oh * ow}) || !p.Flatten && !slices.Equal(shape, want) {
			t.Fatalf("%+v: shape %v", p, shape)
		}
		for c := 0; c < p.Channels; c++ {
			mean, std := 0.0, 1.0
			switch len(p.Mean) {
			case 1:
				mean, std = p.Mean[0], p.Std[0]
			case 3:
				mean, std = p.Mean[c], p.Std[c]
			}
			scale, offset := float32(1/(255*std)), float32(-mean/std)
			want := make([]float32, h*w)
			tensor.BytesToFloat32(want, raw[c*h*w:(c+1)*h*w], scale, offset)
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					got := dst[(c*oh+y)*ow+x]
					iy, ix := y-pad, x-pad
					if iy < 0 || iy >= h || ix < 0 || ix >= w {
						if math.Float32bits(got) != math.Float32bits(offset) {
							t.Fatalf("%+v: channel %d padding (%d, %d) = %v, want the background %v", p, c, y, x, got, offset)
						}
						continue
					}
					v := want[iy*w+ix]
					if math.Float32bits(got) != math.Float32bits(v) {
						t.Fatalf("%+v: channel %d pixel (%d, %d) = %v (%#x), BytesToFloat32 gives %v (%#x)", p, c, iy, ix, got, math.Float32bits(got), v, math.Float32bits(v))
					}
					// And the formula is the normalisation it stands for.
					exact := (float64(raw[(c*h+iy)*w+ix])/255 - mean) / std
					if math.Abs(float64(got)-exact) > 1e-5*math.Max(1, math.Abs(exact)) {
						t.Fatalf("%+v: channel %d pixel (%d, %d) = %v, want about %v", p, c, iy, ix, got, exact)
					}
				}
			}
		}
	}
	p := grey(2, 3)
	mustPanic(t, "Prepare of too few bytes", func() { p.Prepare(make([]float32, 6), make([]byte, 5)) })
	mustPanic(t, "Prepare into too few numbers", func() { p.Prepare(make([]float32, 5), make([]byte, 6)) })
}

// fullRecord is a record with an image input, a table input and classes.
func fullRecord() *Preprocess {
	return &Preprocess{
		Inputs: []InputPrep{
			{Name: "image", Image: &ImagePrep{Height: 32, Width: 24, Channels: 3, Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}, Pad: 2, Flatten: true, Resize: "fit"}},
			{Name: "row", Table: &TablePrep{Columns: []ColumnPrep{{Name: "age", Mean: 38.5, Std: 13.25}, {Name: "colour", Categories: []string{"red", "green", "blue"}}, {Name: "height"}}}},
		},
		Classes: []string{"cat", "dog", "ünïcode \"quoted\""},
	}
}

func TestPreprocessRoundTrip(t *testing.T) {
	p := fullRecord()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	js := p.JSON()
	q, err := ParsePreprocess([]byte(js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Errorf("round trip changed the record:\n%+v\n%+v", p, q)
	}
	if q.JSON() != js {
		t.Errorf("JSON is not stable:\n%s\n%s", js, q.JSON())
	}
	if got := q.Inputs[0].Shape(); !slices.Equal(got, []int{3 * 36 * 28}) {
		t.Errorf("image input shape %v", got)
	}
	if got := q.Inputs[1].Shape(); !slices.Equal(got, []int{5}) {
		t.Errorf("table input shape %v", got)
	}
	if got := (&InputPrep{Name: "none"}).Shape(); got != nil {
		t.Errorf("an input of neither kind has shape %v", got)
	}
	// The metadata key is part of the checkpoint format.
	if KeyPreprocess != "baeum.preprocess" {
		t.Errorf("KeyPreprocess %q", KeyPreprocess)
	}
	// Whitespace around the object is fine.
	if _, err := ParsePreprocess([]byte("\n  " + js + " \n\t")); err != nil {
		t.Errorf("surrounding whitespace: %v", err)
	}
	// A digit record, as MNIST's preparation makes it.
	d := &Preprocess{Inputs: []InputPrep{{Name: "image", Image: &ImagePrep{Height: 28, Width: 28, Channels: 1, Mean: []float64{0.1307}, Std: []float64{0.3081}, Resize: "digit"}}}, Classes: []string{"0", "1"}}
	if q, err := ParsePreprocess([]byte(d.JSON())); err != nil || !reflect.DeepEqual(d, q) {
		t.Errorf("digit record: %v\n%+v\n%+v", err, d, q)
	}
}

func TestParsePreprocessRejects(t *testing.T) {
	img := func(fields string) string {
		return `{"inputs":[{"name":"img","image":{` + fields + `}}]}`
	}
	valid := img(`"height":28,"width":28,"channels":1`)
	if _, err := ParsePreprocess([]byte(valid)); err != nil {
		t.Fatalf("valid record: %v", err)
	}
	for _, c := range []struct {
		name, js string
		substrs  []string
	}{
		{"empty", ``, nil},
		{"null", `null`, []string{"no inputs"}},
		{"not an object", `[1, 2]`, nil},
		{"no inputs", `{"inputs":[]}`, []string{"no inputs"}},
		{"unknown top-level field", `{"inputs":[],"extra":1}`, []string{`"extra"`}},
		{"unknown input field", `{"inputs":[{"name":"img","kind":"image"}]}`, []string{`"kind"`}},
		{"unknown image field", img(`"height":28,"width":28,"channels":1,"colour":true`), []string{`"colour"`}},
		{"unknown column field", `{"inputs":[{"name":"t","table":{"columns":[{"name":"a","scale":2}]}}]}`, []string{`"scale"`}},
		{"wrong type", img(`"height":"28","width":28,"channels":1`), []string{"height"}},
		{"fractional size", img(`"height":28.5,"width":28,"channels":1`), []string{"height"}},
		{"trailing object", valid + ` {}`, []string{"after"}},
		{"trailing garbage", valid + `x`, nil},
		{"trailing bracket", valid + `]`, nil},
		{"trailing brace", valid + `}`, nil},
		{"truncated", valid[:len(valid)-1], nil},
		{"channels 2", img(`"height":28,"width":28,"channels":2`), []string{"channels 2", `input 0 ("img")`}},
		{"channels 0", img(`"height":28,"width":28`), []string{"channels 0"}},
		{"std 0", img(`"height":28,"width":28,"channels":1,"std":[0]`), []string{"standard deviation 0"}},
		{"negative std", img(`"height":28,"width":28,"channels":3,"std":[1,-1,1]`), []string{"standard deviation -1"}},
		{"negative pad", img(`"height":28,"width":28,"channels":1,"pad":-1`), []string{"pad -1"}},
		{"huge pad", img(`"height":28,"width":28,"channels":1,"pad":100000`), []string{"pad 100000"}},
		{"huge size", img(`"height":100000,"width":28,"channels":1`), []string{"100000"}},
		{"huge width", img(`"height":28,"width":100000,"channels":1`), []string{"100000"}},
		{"zero size", img(`"height":0,"width":28,"channels":1`), []string{"0×28"}},
		{"resize zoom", img(`"height":28,"width":28,"channels":1,"resize":"zoom"`), []string{`"zoom"`}},
		{"digit of 32×32", img(`"height":32,"width":32,"channels":1,"resize":"digit"`), []string{"digit", "32×32"}},
		{"digit in colour", img(`"height":28,"width":28,"channels":3,"resize":"digit"`), []string{"digit", "3×28×28"}},
		{"two means for three channels", img(`"height":28,"width":28,"channels":3,"mean":[0.5,0.5]`), []string{"2 means", "3 channels"}},
		{"two deviations for three channels", img(`"height":28,"width":28,"channels":3,"std":[0.5,0.5]`), []string{"2 standard deviations", "3 channels"}},
		{"huge number", img(`"height":28,"width":28,"channels":1,"mean":[1e999]`), []string{"mean"}},
		{"table with no columns", `{"inputs":[{"name":"t","table":{"columns":[]}}]}`, []string{"0 columns", `input 0 ("t")`}},
		{"table without columns", `{"inputs":[{"name":"t","table":{}}]}`, []string{"0 columns"}},
		{"negative column std", `{"inputs":[{"name":"t","table":{"columns":[{"name":"age","std":-2}]}}]}`, []string{`column "age"`}},
		{"both image and table", `{"inputs":[{"name":"x","image":{"height":1,"width":1,"channels":1},"table":{"columns":[{"name":"a"}]}}]}`, []string{"exactly one", `"x"`}},
		{"neither image nor table", `{"inputs":[{"name":"x"}]}`, []string{"exactly one", `"x"`}},
		{"second input bad", `{"inputs":[{"name":"a","table":{"columns":[{"name":"c"}]}},{"name":"b","image":{"height":1,"width":1,"channels":4}}]}`, []string{`input 1 ("b")`, "channels 4"}},
	} {
		p, err := ParsePreprocess([]byte(c.js))
		if p != nil {
			t.Errorf("%s: a record with the error", c.name)
		}
		wantErr(t, c.name, err, c.substrs...)
	}
}

func TestTablePrepEncode(t *testing.T) {
	tp := &TablePrep{Columns: []ColumnPrep{
		{Name: "age", Mean: 30, Std: 10},
		{Name: "colour", Categories: []string{"red", "green", "blue"}},
		{Name: "height", Mean: 1}, // std 0 means 1
	}}
	if err := tp.Validate(); err != nil {
		t.Fatal(err)
	}
	if tp.Width() != 5 {
		t.Fatalf("width %d, want 5", tp.Width())
	}
	dst := make([]float32, 5)
	if err := tp.Encode(dst, []string{"45", " green ", "2.5"}); err != nil {
		t.Fatal(err)
	}
	if want := []float32{1.5, 0, 1, 0, 1.5}; !slices.Equal(dst, want) {
		t.Errorf("encoded %v, want %v", dst, want)
	}
	// The one-hot block is rewritten, not added to.
	if err := tp.Encode(dst, []string{"-1e1", "blue", "1"}); err != nil {
		t.Fatal(err)
	}
	if want := []float32{-4, 0, 0, 1, 0}; !slices.Equal(dst, want) {
		t.Errorf("encoded %v, want %v", dst, want)
	}
	for _, c := range []struct {
		name    string
		fields  []string
		substrs []string
	}{
		{"not a number", []string{"abc", "red", "1"}, []string{`column "age"`, `"abc"`}},
		{"empty number", []string{"30", "red", ""}, []string{`column "height"`}},
		{"NaN", []string{"NaN", "red", "1"}, []string{`column "age"`, "NaN"}},
		{"infinity", []string{"30", "red", "-Inf"}, []string{`column "height"`}},
		{"overflow", []string{"1e999", "red", "1"}, []string{`column "age"`}},
		{"unknown category", []string{"30", "purple", "1"}, []string{`column "colour"`, `"purple"`}},
		{"category case", []string{"30", "Red", "1"}, []string{`column "colour"`, `"Red"`}},
		{"too few fields", []string{"30", "red"}, []string{"2 fields, want 3", "age, colour, height"}},
		{"too many fields", []string{"30", "red", "1", "2"}, []string{"4 fields, want 3"}},
	} {
		wantErr(t, c.name, tp.Encode(make([]float32, 5), c.fields), c.substrs...)
	}
	mustPanic(t, "Encode into the wrong width", func() { _ = tp.Encode(make([]float32, 4), []string{"1", "red", "1"}) })

	for _, c := range []struct {
		name   string
		tp     TablePrep
		substr string
	}{
		{"no columns", TablePrep{}, "0 columns"},
		{"NaN mean", TablePrep{Columns: []ColumnPrep{{Name: "a", Mean: math.NaN()}}}, `column "a"`},
		{"infinite std", TablePrep{Columns: []ColumnPrep{{Name: "b", Std: math.Inf(1)}}}, `column "b"`},
		{"negative std", TablePrep{Columns: []ColumnPrep{{Name: "c", Std: -1}}}, `column "c"`},
		{"too many categories", TablePrep{Columns: []ColumnPrep{{Name: "d", Categories: make([]string, maxCategory+1)}}}, `column "d"`},
	} {
		wantErr(t, c.name, c.tp.Validate(), c.substr)
	}
}

func TestImagePrepValidate(t *testing.T) {
	for _, c := range []struct {
		name   string
		p      ImagePrep
		substr string
	}{
		{"NaN mean", ImagePrep{Height: 1, Width: 1, Channels: 1, Mean: []float64{math.NaN()}}, "mean NaN"},
		{"infinite mean", ImagePrep{Height: 1, Width: 1, Channels: 1, Mean: []float64{math.Inf(-1)}}, "mean -Inf"},
		{"NaN std", ImagePrep{Height: 1, Width: 1, Channels: 1, Std: []float64{math.NaN()}}, "standard deviation NaN"},
		{"infinite std", ImagePrep{Height: 1, Width: 1, Channels: 1, Std: []float64{math.Inf(1)}}, "standard deviation +Inf"},
		{"width 4097", ImagePrep{Height: 1, Width: 4097, Channels: 1}, "1×4097"},
	} {
		wantErr(t, c.name, c.p.Validate(), c.substr)
	}
	if err := (&ImagePrep{Height: 4096, Width: 4096, Channels: 3, Pad: 256}).Validate(); err != nil {
		t.Errorf("the largest valid record: %v", err)
	}
}

func TestImagePrepRaw(t *testing.T) {
	// Grey pictures of the right size are their bytes.
	g := image.NewGray(image.Rect(0, 0, 3, 2))
	copy(g.Pix, []byte{0, 10, 20, 30, 40, 255})
	p := grey(2, 3)
	raw, err := p.Raw(g)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(raw, g.Pix) {
		t.Errorf("grey raw %v, want %v", raw, g.Pix)
	}
	// A sub-image that does not start at the origin.
	big := image.NewGray(image.Rect(0, 0, 6, 5))
	for i := range big.Pix {
		big.Pix[i] = byte(i)
	}
	raw, err = p.Raw(big.SubImage(image.Rect(2, 1, 5, 3)))
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{8, 9, 10, 14, 15, 16}; !slices.Equal(raw, want) {
		t.Errorf("sub-image raw %v, want %v", raw, want)
	}

	// Colour pictures become RGB planes.
	c := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := 0; i < 6; i++ {
		c.Set(i%3, i/3, color.NRGBA{R: byte(10 + i), G: byte(100 + i), B: byte(200 + i), A: 255})
	}
	p3 := ImagePrep{Height: 2, Width: 3, Channels: 3}
	raw, err = p3.Raw(c)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{10, 11, 12, 13, 14, 15, 100, 101, 102, 103, 104, 105, 200, 201, 202, 203, 204, 205}
	if !slices.Equal(raw, want) {
		t.Errorf("RGB raw %v, want %v", raw, want)
	}
	if len(raw) != p3.RawSize() {
		t.Errorf("%d bytes, want RawSize %d", len(raw), p3.RawSize())
	}
	// … and grey through image/color's luma.
	raw, err = p.Raw(c)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		if want := color.GrayModel.Convert(c.At(i%3, i/3)).(color.Gray).Y; raw[i] != want {
			t.Errorf("grey of colour pixel %d is %d, image/color says %d", i, raw[i], want)
		}
	}
	// A grey picture read as RGB has three equal planes.
	raw, err = p3.Raw(g)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(raw[:6], g.Pix) || !slices.Equal(raw[6:12], g.Pix) || !slices.Equal(raw[12:], g.Pix) {
		t.Errorf("RGB of grey %v", raw)
	}

	// The wrong size without a way to resize is an error naming both.
	_, err = p.Raw(image.NewGray(image.Rect(0, 0, 4, 4)))
	wantErr(t, "4×4 for 3×2", err, "4×4", "3×2")
	_, err = p.Raw(image.NewGray(image.Rect(0, 0, 0, 0)))
	wantErr(t, "an empty image", err, "empty")

	// Stretching fills the whole size; a uniform picture stays uniform.
	u := image.NewGray(image.Rect(0, 0, 10, 6))
	for i := range u.Pix {
		u.Pix[i] = 200
	}
	st := ImagePrep{Height: 3, Width: 5, Channels: 1, Resize: "stretch"}
	raw, err = st.Raw(u)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 15 || slices.ContainsFunc(raw, func(b byte) bool { return b != 200 }) {
		t.Errorf("stretched %v, want 15 × 200", raw)
	}
	raw, err = (&ImagePrep{Height: 12, Width: 4, Channels: 3, Resize: "stretch"}).Raw(c)
	if err != nil || len(raw) != 3*12*4 {
		t.Errorf("stretched colour: %d bytes, %v", len(raw), err)
	}

	// Fitting keeps the aspect ratio: a wide white picture in a square
	// leaves background rows above and below.
	wide := image.NewGray(image.Rect(0, 0, 40, 10))
	for i := range wide.Pix {
		wide.Pix[i] = 255
	}
	fit := ImagePrep{Height: 20, Width: 20, Channels: 1, Resize: "fit"}
	raw, err = fit.Raw(wide)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 400 {
		t.Fatalf("fitted %d bytes", len(raw))
	}
	// Scale 1/2: 20×5 centred, rows 7…11.
	for y := 0; y < 20; y++ {
		row := raw[y*20 : (y+1)*20]
		var want byte
		if y >= 7 && y < 12 {
			want = 255
		}
		if slices.ContainsFunc(row, func(b byte) bool { return b != want }) {
			t.Errorf("fitted row %d is %v, want all %d", y, row, want)
		}
	}
	// A tall picture leaves background columns left and right.
	tall := image.NewGray(image.Rect(0, 0, 10, 40))
	for i := range tall.Pix {
		tall.Pix[i] = 255
	}
	raw, err = fit.Raw(tall)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < 20; y++ {
		for x := 0; x < 20; x++ {
			var want byte
			if x >= 7 && x < 12 {
				want = 255
			}
			if raw[y*20+x] != want {
				t.Fatalf("fitted tall picture (%d, %d) = %d, want %d", x, y, raw[y*20+x], want)
			}
		}
	}

	// Digits: grey 28×28, the ink centred.
	ink := image.NewGray(image.Rect(0, 0, 60, 80))
	for i := range ink.Pix {
		ink.Pix[i] = 255
	}
	for y := 10; y < 70; y++ {
		for x := 25; x < 35; x++ {
			ink.SetGray(x, y, color.Gray{})
		}
	}
	dp := ImagePrep{Height: 28, Width: 28, Channels: 1, Resize: "digit"}
	raw, err = dp.Raw(ink)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 784 || raw[0] != 0 || raw[14*28+14] == 0 {
		t.Errorf("digit: %d bytes, corner %d, centre %d", len(raw), raw[0], raw[14*28+14])
	}

	// Raw and Prepare together: what serving does.
	x := make([]float32, tensor.Numel(fit.Shape()))
	fit.Prepare(x, mustRaw(t, &fit, wide))
	if x[0] != 0 || x[10*20+10] != 1 {
		t.Errorf("prepared fitted picture: corner %v, centre %v", x[0], x[10*20+10])
	}
}

func mustRaw(t *testing.T, p *ImagePrep, img image.Image) []byte {
	t.Helper()
	raw, err := p.Raw(img)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestPreprocessImagesAgree checks that a record's image preparation is
// what a dataset built from it feeds a model.
func TestPreprocessImagesAgree(t *testing.T) {
	p, err := ParsePreprocess([]byte(`{"inputs":[{"name":"image","image":{"height":5,"width":19,"channels":3,"mean":[0.2,0.3,0.4],"std":[0.6,0.5,0.4],"pad":2}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	d, pix := rgb(t, 3, 5, 19, *p.Inputs[0].Image)
	b := collate(d, 0, 1, 2)
	per := tensor.Numel(p.Inputs[0].Shape())
	dp := d.Prep()
	rs := dp.RawSize()
	for i := 0; i < 3; i++ {
		want := make([]float32, per)
		p.Inputs[0].Image.Prepare(want, pix[i*rs:(i+1)*rs])
		got := b.Input("image").F32()[i*per : (i+1)*per]
		for j := range want {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("image %d number %d: the loader gives %v, the record %v", i, j, got[j], want[j])
			}
		}
	}
	if !strings.Contains(p.JSON(), `"pad":2`) {
		t.Errorf("JSON %s", p.JSON())
	}
}

// TestRecordBoundsKeepNumbersFinite refuses records whose normalisation
// would make infinite inputs, and categories that can never be looked up.
func TestRecordBoundsKeepNumbersFinite(t *testing.T) {
	for _, tc := range []struct{ record, want string }{
		{`{"inputs":[{"name":"i","image":{"height":2,"width":2,"channels":1,"mean":[1e300]}}]}`, "mean 1e+300"},
		{`{"inputs":[{"name":"i","image":{"height":2,"width":2,"channels":1,"std":[1e-300]}}]}`, "standard deviation 1e-300"},
		{`{"inputs":[{"name":"t","table":{"columns":[{"name":"a","mean":1e300}]}}]}`, `column "a": mean`},
		{`{"inputs":[{"name":"t","table":{"columns":[{"name":"c","categories":["x"," y"]}]}}]}`, `category " y"`},
		{`{"inputs":[{"name":"t","table":{"columns":[{"name":"c","categories":["x","x"]}]}}]}`, `category "x" is repeated`},
	} {
		if _, err := ParsePreprocess([]byte(tc.record)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.record, err, tc.want)
		}
	}
	tp := &TablePrep{Columns: []ColumnPrep{{Name: "a"}}}
	if err := tp.Encode(make([]float32, 1), []string{"1e300"}); err == nil || !strings.Contains(err.Error(), `column "a"`) {
		t.Errorf("a field too large for float32: %v", err)
	}
}

// TestParsePreprocessExactKeys: encoding/json matches keys regardless of
// case and keeps the last of a repeated key; a record must spell every key
// as written and give it once, and the error names the key.
func TestParsePreprocessExactKeys(t *testing.T) {
	for _, c := range []struct {
		name, js string
		substrs  []string
	}{
		{"capitalised top-level", `{"Inputs":[{"name":"img","image":{"height":28,"width":28,"channels":1}}]}`, []string{`"Inputs"`, `"inputs"`, "case"}},
		{"capitalised image field", `{"inputs":[{"name":"img","image":{"HEIGHT":28,"width":28,"channels":1}}]}`, []string{`"inputs[0].image.HEIGHT"`, `"height"`}},
		{"capitalised column field", `{"inputs":[{"name":"t","table":{"columns":[{"Name":"a"}]}}]}`, []string{`"inputs[0].table.columns[0].Name"`}},
		{"repeated top-level", `{"inputs":[{"name":"a","table":{"columns":[{"name":"c"}]}}],"inputs":[{"name":"img","image":{"height":28,"width":28,"channels":1}}]}`, []string{`"inputs"`, "twice"}},
		{"repeated image field", `{"inputs":[{"name":"img","image":{"height":28,"width":28,"channels":1,"height":32}}]}`, []string{`"inputs[0].image.height"`, "twice"}},
		{"repeated class list", `{"inputs":[{"name":"img","image":{"height":28,"width":28,"channels":1}}],"classes":["a","b"],"classes":["c","d"]}`, []string{`"classes"`, "twice"}},
		{"repeated name", `{"inputs":[{"name":"a","name":"b","table":{"columns":[{"name":"c"}]}}]}`, []string{`"inputs[0].name"`, "twice"}},
	} {
		p, err := ParsePreprocess([]byte(c.js))
		if p != nil {
			t.Errorf("%s: a record with the error", c.name)
		}
		wantErr(t, c.name, err, c.substrs...)
	}
	// The same key in two different objects is fine.
	ok := `{"inputs":[{"name":"a","table":{"columns":[{"name":"c"},{"name":"d"}]}},{"name":"img","image":{"height":28,"width":28,"channels":1}}],"classes":["x","y"]}`
	if _, err := ParsePreprocess([]byte(ok)); err != nil {
		t.Errorf("valid record: %v", err)
	}
}
