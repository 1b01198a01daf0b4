package onnx

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/onnx/internal/pb"
)

// nodeTestDir is where Debian's libonnx-testdata installs ONNX's
// per-operator test cases (ONNX 1.12: opsets up to 17).
const nodeTestDir = "/usr/share/libonnx-testdata/data/node"

// TestONNXNodeCases runs ONNX's own test cases of every operator baeum
// reads: each case whose nodes all use supported operators, at its
// opset, must either reproduce the expected outputs (to ONNX's backend
// test tolerance, rtol 1e-3 and atol 1e-7) or be one of the refusals
// listed with their reasons in testdata/node_refusals.txt — a feature of
// the operator that baeum says it does not support. Inputs after the
// first are given as initializers, since baeum's models take one input.
func TestONNXNodeCases(t *testing.T) {
	if _, err := os.Stat(nodeTestDir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ONNX's operator tests are missing in CI: apt-get install libonnx-testdata (%v)", err)
		}
		t.Skipf("skipping ONNX's operator tests: %s is missing (apt-get install libonnx-testdata)", nodeTestDir)
	}
	want := readRefusals(t)
	cases, err := filepath.Glob(filepath.Join(nodeTestDir, "test_*"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	passed := 0
	for _, dir := range cases {
		name := filepath.Base(dir)
		mp, ok := readCase(t, dir)
		if !ok {
			continue
		}
		err := runCase(mp, dir)
		switch {
		case err == nil:
			passed++
			if why, listed := want[name]; listed {
				t.Errorf("%s passes but is listed as refused (%s): remove it from testdata/node_refusals.txt", name, why)
			}
		case strings.Contains(err.Error(), "not supported") || strings.Contains(err.Error(), "is required") || strings.Contains(err.Error(), "baeum"):
			got[name] = err.Error()
			if _, listed := want[name]; !listed {
				t.Errorf("%s is refused but not listed in testdata/node_refusals.txt: %v", name, err)
			}
		default:
			t.Errorf("%s: %v", name, err)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			if _, err := os.Stat(filepath.Join(nodeTestDir, name)); err != nil {
				t.Errorf("%s is listed in testdata/node_refusals.txt but is not one of ONNX's cases", name)
			}
		}
	}
	if passed < 150 {
		t.Errorf("only %d of ONNX's operator cases pass; want the supported operators' cases to run", passed)
	}
	t.Logf("%d of ONNX's operator cases pass, %d are refused as listed", passed, len(got))
	if os.Getenv("BAEUM_WRITE_REFUSALS") != "" {
		var names []string
		for n := range got {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Printf("%s\t%s\n", n, got[n])
		}
	}
}

// readRefusals reads testdata/node_refusals.txt: a case name and a reason
// on each line.
func readRefusals(t *testing.T) map[string]string {
	f, err := os.Open(filepath.Join("testdata", "node_refusals.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, why, _ := strings.Cut(line, "\t")
		out[name] = why
	}
	return out
}

// readCase reads a case's model and reports whether baeum claims it: its
// opset is one baeum reads and all its operators are supported ones.
func readCase(t *testing.T, dir string) (*pb.ModelProto, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return nil, false
	}
	mp := &pb.ModelProto{}
	if err := proto.Unmarshal(b, mp); err != nil {
		t.Errorf("%s: %v", dir, err)
		return nil, false
	}
	opset := 0
	for _, op := range mp.GetOpsetImport() {
		if op.GetDomain() == "" || op.GetDomain() == "ai.onnx" {
			opset = int(op.GetVersion())
		}
	}
	if opset < MinImportOpset || opset > MaxImportOpset {
		return nil, false
	}
	for _, n := range mp.GetGraph().GetNode() {
		if !slices.Contains(Operators, n.GetOpType()) || (n.GetDomain() != "" && n.GetDomain() != "ai.onnx") {
			return nil, false
		}
	}
	return mp, true
}

// runCase imports the case's model with its inputs after the first made
// initializers, runs it on the first input and compares the first output.
func runCase(mp *pb.ModelProto, dir string) error {
	sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	if len(sets) == 0 {
		return fmt.Errorf("no test data")
	}
	for _, set := range sets {
		var ins []*pb.TensorProto
		for i := 0; ; i++ {
			tp, err := readTensor(filepath.Join(set, fmt.Sprintf("input_%d.pb", i)))
			if err != nil {
				break
			}
			ins = append(ins, tp)
		}
		out, err := readTensor(filepath.Join(set, "output_0.pb"))
		if err != nil {
			return err
		}
		m := proto.Clone(mp).(*pb.ModelProto)
		g := m.GetGraph()
		if len(ins) == 0 || len(g.GetInput()) != len(ins) {
			return fmt.Errorf("baeum runs models of one input; this case has %d", len(ins))
		}
		for i := 1; i < len(ins); i++ {
			ins[i].Name = proto.String(g.GetInput()[i].GetName())
			g.Initializer = append(g.Initializer, ins[i])
		}
		g.Input = g.Input[:1]
		g.Output = g.Output[:1]
		b, err := proto.Marshal(m)
		if err != nil {
			return err
		}
		im, err := ImportBytes(b)
		if err != nil {
			return err
		}
		x, err := decode(ins[0], nil)
		if err != nil {
			return err
		}
		if x.isInt {
			return fmt.Errorf("an integer input: baeum runs float models (not supported)")
		}
		want, err := decode(out, nil)
		if err != nil {
			return err
		}
		gr := autograd.NewInferenceGraph()
		y, err := im.Run(gr, gr.Input(x.tensor()))
		if err != nil {
			return err
		}
		got := float32s(y.Data())
		shape := y.Shape()
		if want.isInt {
			return fmt.Errorf("an integer output (not supported)")
		}
		if !slices.Equal(shape, want.shape) && !(len(want.shape) == 0 && len(got) == 1) {
			return fmt.Errorf("%s: output shape %v, want %v", filepath.Base(set), shape, want.shape)
		}
		for i, w := range want.f {
			d := math.Abs(float64(got[i]) - float64(w))
			if !(d <= 1e-7+1e-3*math.Abs(float64(w))) && !(math.IsNaN(float64(w)) && math.IsNaN(float64(got[i]))) {
				return fmt.Errorf("%s: output %d is %v, want %v", filepath.Base(set), i, got[i], w)
			}
		}
	}
	return nil
}

func readTensor(path string) (*pb.TensorProto, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	tp := &pb.TensorProto{}
	return tp, proto.Unmarshal(b, tp)
}
