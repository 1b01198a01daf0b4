package table

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/tensor"
)

const fruit = `weight,colour,kind
150,red,apple
170,green,apple
120,yellow,banana
130,yellow,banana
160,red,apple
110,yellow,banana
`

func read(t *testing.T, s string) *Encoded {
	t.Helper()
	tab, err := Read(strings.NewReader(s), "fruit.csv")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Encode(tab, []int{0, 1, 2, 3}, Spec{Target: "kind", Categorical: []string{"colour"}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEncodeClassification(t *testing.T) {
	e := read(t, fruit)
	if got := strings.Join(e.Classes, ","); got != "apple,banana" {
		t.Errorf("classes %s", got)
	}
	if e.Width() != 4 || e.Prep.Width() != 4 {
		t.Fatalf("width %d, record %d, want 4", e.Width(), e.Prep.Width())
	}
	// Training rows 0–3 only: mean 142.5, population std sqrt(312.5).
	w := e.Prep.Columns[0]
	if w.Mean != 142.5 || math.Abs(w.Std-math.Sqrt(trainVar())) > 1e-12 {
		t.Errorf("weight encoder %+v", w)
	}
	if got := strings.Join(e.Prep.Columns[1].Categories, ","); got != "green,red,yellow" {
		t.Errorf("categories %s", got)
	}
	// Training encodes each row exactly as the record's Encode does.
	rows := e.Rows([]int{0, 1, 2, 3, 4, 5})
	b := data.NewBatch(rows.Spec(), 6)
	b.Collate(rows, []int{0, 1, 2, 3, 4, 5})
	tab, _ := Read(strings.NewReader(fruit), "")
	for i, r := range tab.Rows {
		want := make([]float32, 4)
		if err := e.Prep.Encode(want, r[:2]); err != nil {
			t.Fatal(err)
		}
		got := b.Inputs[0].Index(i).F32()
		for j := range want {
			if got[j] != want[j] {
				t.Errorf("row %d feature %d: %v, Encode gives %v", i, j, got[j], want[j])
			}
		}
		if l := b.Labels()[i]; e.Classes[l] != r[2] {
			t.Errorf("row %d label %d, want %s", i, l, r[2])
		}
	}
	rec := e.Preprocess()
	if _, err := data.ParsePreprocess([]byte(rec.JSON())); err != nil {
		t.Errorf("the record does not parse back: %v", err)
	}
}

// trainVar is the training rows' population variance of weight.
func trainVar() float64 { return (56.25 + 756.25 + 506.25 + 156.25) / 4 }

func TestEncodeRegression(t *testing.T) {
	tab, err := Read(strings.NewReader("x,y\n1,2\n2,4.5\n3,6\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Encode(tab, []int{0, 1, 2}, Spec{Target: "y", Regression: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.Classes != nil || e.y.DType() != tensor.Float32 || e.y.F32()[1] != 4.5 {
		t.Errorf("classes %v, target %v", e.Classes, e.y)
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		name, csv string
		fit       []int
		spec      Spec
		want      []string
	}{
		{"no target column", fruit, []int{0, 1}, Spec{Target: "species"}, []string{"fruit.csv", `no target column named "species"`, `"kind"`}},
		{"missing number", "weight,colour,kind\n150,red,apple\n,green,banana\n", []int{0, 1}, Spec{Target: "kind", Categorical: []string{"colour"}}, []string{"fruit.csv", "row 2", `column "weight"`, "missing"}},
		{"missing category", "weight,colour,kind\n150,red,apple\n140,,banana\n", []int{0, 1}, Spec{Target: "kind", Categorical: []string{"colour"}}, []string{"row 2", `column "colour"`, "missing"}},
		{"unseen category", fruit, []int{0, 2, 3}, Spec{Target: "kind", Categorical: []string{"colour"}}, []string{"fruit.csv", "row 2", `column "colour"`, `"green"`, "training rows do not have"}},
		{"one class", "x,kind\n1,a\n2,a\n3,a\n", []int{0, 1}, Spec{Target: "kind"}, []string{"fruit.csv", `"kind"`, "one value only", "at least 2 classes"}},
		{"missing class", "x,kind\n1,a\n2,\n3,b\n", []int{0, 1}, Spec{Target: "kind"}, []string{"row 2", `column "kind"`, "missing"}},
		{"text without --categorical", fruit, []int{0, 1}, Spec{Target: "kind"}, []string{"row 1", `column "colour"`, "--categorical colour"}},
		{"hex number", "x,y\n0x1p-2,1\n2,3\n", []int{0, 1}, Spec{Target: "y", Regression: true}, []string{"row 1", `column "x"`, "plain decimals"}},
		{"underscore target", "x,y\n1,1_000\n2,3\n", []int{0, 1}, Spec{Target: "y", Regression: true}, []string{"row 1", `column "y"`}},
		{"huge target", "x,y\n1,1e300\n2,3\n", []int{0, 1}, Spec{Target: "y", Regression: true}, []string{"row 1", `column "y"`, "limit"}},
		{"huge mean", "x,y\n1e9,1\n2e9,3\n", []int{0, 1}, Spec{Target: "y", Regression: true}, []string{`column "x"`, "rescale"}},
		{"categorical target", fruit, []int{0, 1}, Spec{Target: "kind", Categorical: []string{"kind"}}, []string{"target column"}},
		{"categorical unknown", fruit, []int{0, 1}, Spec{Target: "kind", Categorical: []string{"shape"}}, []string{`no column "shape"`}},
		{"only target", "kind\na\nb\n", []int{0, 1}, Spec{Target: "kind"}, []string{"no features"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab, err := Read(strings.NewReader(c.csv), "fruit.csv")
			if err != nil {
				t.Fatal(err)
			}
			_, err = Encode(tab, c.fit, c.spec)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestReadLimits(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.csv")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := ReadFile(context.Background(), big); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("a file over MaxBytes: %v", err)
	}
	// A stream over the limit stops at it.
	r := strings.NewReader("a,b\n" + strings.Repeat("1,2\n", MaxBytes/4+1))
	if _, err := Read(r, "pipe"); err == nil || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("a stream over MaxBytes: %v", err)
	}
	if _, err := ReadFile(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Errorf("a folder: %v", err)
	}
	if _, err := Read(strings.NewReader("a,b\n1,2,3\n"), "x.csv"); err == nil || !strings.Contains(err.Error(), "x.csv: row 1") {
		t.Errorf("a ragged row: %v", err)
	}
}

func TestSplit(t *testing.T) {
	fit, val, test, err := Split(100, 10, tensor.NewRNG(1))
	if err != nil || len(fit) != 70 || len(val) != 10 || len(test) != 20 {
		t.Fatalf("split %d/%d/%d, %v", len(fit), len(val), len(test), err)
	}
	seen := map[int]bool{}
	for _, s := range [][]int{fit, val, test} {
		for _, i := range s {
			if seen[i] {
				t.Fatalf("row %d twice", i)
			}
			seen[i] = true
		}
	}
	fit2, _, _, _ := Split(100, 10, tensor.NewRNG(1))
	if fit2[0] != fit[0] || fit2[69] != fit[69] {
		t.Error("the same seed cut other splits")
	}
	if _, _, _, err := Split(10, 8, tensor.NewRNG(1)); err == nil || !strings.Contains(err.Error(), "--val 8") {
		t.Errorf("--val too large: %v", err)
	}
}

func TestEncodeTable(t *testing.T) {
	e := read(t, fruit)
	tab, err := Read(strings.NewReader("id,colour,weight\n7,red,150\n8,blue,120\n"), "new.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := EncodeTable(&e.Prep, tab); err == nil || !strings.Contains(err.Error(), `new.csv: row 2 (line 3), column "colour"`) || !strings.Contains(err.Error(), `"blue"`) {
		t.Errorf("unknown category: %v", err)
	}
	tab.Rows = tab.Rows[:1]
	x, err := EncodeTable(&e.Prep, tab)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, 4)
	e.Prep.Encode(want, []string{"150", "red"})
	for j, v := range x.F32() {
		if v != want[j] {
			t.Errorf("feature %d: %v, want %v", j, v, want[j])
		}
	}
	tab.Names[2] = "mass"
	if _, err := EncodeTable(&e.Prep, tab); err == nil || !strings.Contains(err.Error(), `no column named "weight"`) {
		t.Errorf("missing column: %v", err)
	}
	if _, err := FromRows(&e.Prep, [][]string{{"1"}}, ""); err == nil || !strings.Contains(err.Error(), "row 1 has 1 fields, want 2") {
		t.Errorf("short row: %v", err)
	}
}

// FuzzEncode feeds arbitrary CSV through Read, Split, Encode and
// EncodeTable: none may panic, and an accepted table gives a valid record
// whose features are finite.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{
		fruit, "x,y\n1,2\n2,4.5\n3,6\n", "x,kind\n1,a\n2,a\n", "weight,colour,kind\n150,red,apple\n,green,banana\n",
		"x,y\n1,1_000\n2,3\n", "x,y\n0x1p-2,1\n2,3\n", "x,y\n1e308,1\n-1e308,2\n0,3\n", "\ufeffy,x\n1,2\n3,4\n", "x,x\n1,2\n",
		"x,y\nInf,1\n2,2\n", "a\n", "",
	} {
		f.Add([]byte(s), true, "colour")
		f.Add([]byte(s), false, "")
	}
	f.Fuzz(func(t *testing.T, b []byte, regress bool, categorical string) {
		tab, err := Read(strings.NewReader(string(b)), "f.csv")
		if err != nil {
			return
		}
		fit, _, _, err := Split(len(tab.Rows), 0, tensor.NewRNG(1))
		if err != nil {
			return
		}
		target := tab.Names[len(tab.Names)-1]
		e, err := Encode(tab, fit, Spec{Target: target, Regression: regress, Categorical: strings.Split(categorical, ",")})
		if err != nil {
			return
		}
		rec := e.Preprocess()
		if err := rec.Validate(); err != nil {
			t.Fatalf("an accepted table gives an invalid record: %v", err)
		}
		for _, v := range e.x.F32() {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("feature %v", v)
			}
		}
		x, err := EncodeTable(&e.Prep, tab)
		if err != nil {
			t.Fatalf("the table it was fitted on does not encode: %v", err)
		}
		if x.Shape()[0] != len(tab.Rows) {
			t.Fatalf("%d rows encoded, want %d", x.Shape()[0], len(tab.Rows))
		}
	})
}
