package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	module  = "github.com/baeum-ml/baeum"
	kernels = module + "/internal/kernels"
)

// rawAccessors are the Tensor methods that hand out or poke the numbers
// behind a tensor: the host slices and single elements by flat index.
var rawAccessors = map[string]bool{"F32": true, "F64": true, "Float64s": true, "Flat": true, "SetFlat": true}

// rawStorageAllowed lists the files outside tensor that may read or write a
// tensor's raw storage, with the reason. Everything else goes through
// tensor operations, so that a tensor whose numbers live elsewhere (a GPU)
// would only need tensor to change.
var rawStorageAllowed = map[string]string{
	"autograd/gradcheck.go":           "numerical differentiation nudges single elements of the checked values",
	"experiment/gradient.go":          "the gradient experiment prints single elements of numerical and backpropagated gradients side by side",
	"infer/activations.go":            "I/O edge: each layer's outputs out to 8-bit maps for the page",
	"internal/statedict/statedict.go": "I/O edge: tensors to and from safetensors bytes",
	"data/images.go":                  "I/O edge: stored examples (image bytes, tensors) into a batch",
	"data/data.go":                    "I/O edge: a collated batch's mask of real and padded steps",
	"data/table/table.go":             "I/O edge: CSV rows into feature and target tensors",
	"train/metrics.go":                "I/O edge: model outputs and targets out to metric sums",
	"examples/csvclassifier/main.go":  "I/O edge: table rows into features",
	"infer/infer.go":                  "I/O edge: prepared images into a batch, probabilities out",
	"infer/table.go":                  "I/O edge: encoded table rows into a batch, probabilities and values out",
	"experiment/inspect.go":           "I/O edge: filters and feature maps out to pictures",
	"experiment/init.go":              "I/O edge: activations out to histograms",
	"experiment/rnn.go":               "the forget gate's bias set by hand, and the recurrent matrix out to gonum for its spectral radius",
	"regression/gd.go":                "I/O edge: fitted coefficients out to a result",
	"nn/module.go":                    "initialization draws into parameters",
	"onnx/tensors.go":                 "I/O edge: tensors to and from ONNX TensorProto bytes",
	"nn/initializers/initializers.go": "initialization draws into parameters",
}

// goFiles returns the module's Go files (relative, slash-separated paths),
// parsed with imports.
func goFiles(t *testing.T) map[string]*ast.File {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "go.mod")); err != nil || !strings.Contains(string(b), "module "+module+"\n") {
		t.Fatalf("%s is not the module root (%v)", root, err)
	}
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files[filepath.ToSlash(rel)] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 100 {
		t.Fatalf("found only %d Go files under %s", len(files), root)
	}
	return files
}

// TestOnlyTensorImportsKernels keeps the backend seam single: package
// tensor (and the kernels' own tests and tools) may import
// internal/kernels, nothing else, tests included.
func TestOnlyTensorImportsKernels(t *testing.T) {
	for path, f := range goFiles(t) {
		if strings.HasPrefix(path, "tensor/") || strings.HasPrefix(path, "internal/kernels/") {
			continue
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == kernels || strings.HasPrefix(p, kernels+"/") {
				t.Errorf("%s imports %s: only package tensor may call the kernels", path, p)
			}
		}
	}
}

// rawAccesses counts the calls of raw-storage accessors in a file: method
// calls with those names, not functions of imported packages such as
// sort.Float64s.
func rawAccesses(f *ast.File) int {
	pkgs := map[string]bool{}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		pkgs[name] = true
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		if call, ok := node.(*ast.CallExpr); ok {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && rawAccessors[sel.Sel.Name] {
				if id, ok := sel.X.(*ast.Ident); !ok || !pkgs[id.Name] {
					n++
				}
			}
		}
		return true
	})
	return n
}

// TestRawStorageOnlyAtEdges fails when a file outside tensor that is not on
// the allowlist reads or writes raw tensor storage, and when an allowlisted
// file no longer does (so that the list stays true).
func TestRawStorageOnlyAtEdges(t *testing.T) {
	total, files := 0, 0
	used := map[string]bool{}
	for path, f := range goFiles(t) {
		if strings.HasPrefix(path, "tensor/") || strings.HasPrefix(path, "internal/kernels/") || strings.HasSuffix(path, "_test.go") {
			continue
		}
		n := rawAccesses(f)
		if n == 0 {
			continue
		}
		total += n
		files++
		if _, ok := rawStorageAllowed[path]; !ok {
			t.Errorf("%s reads or writes raw tensor storage %d times (F32, F64, Float64s, Flat, SetFlat): use tensor operations, or add the file to rawStorageAllowed with the reason it is an I/O edge", path, n)
		}
		used[path] = true
	}
	for _, path := range slices.Sorted(maps.Keys(rawStorageAllowed)) {
		if !used[path] {
			t.Errorf("%s is allowlisted for raw storage but no longer uses it: remove it from rawStorageAllowed", path)
		}
	}
	t.Logf("raw-storage accesses outside tensor: %d in %d files", total, files)
}
