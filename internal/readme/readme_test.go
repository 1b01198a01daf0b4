package readme

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// snippetParams are the variables a README snippet may use without
// declaring them, as the prose around it introduces them.
const snippetParams = "loader *data.Loader, model nn.Module, opt optim.Optimizer"

// packages are the module's packages a snippet may name, by their
// package name.
var packages = map[string]string{
	"tensor": "tensor", "autograd": "autograd", "nn": "nn", "initializers": "nn/initializers",
	"optim": "optim", "data": "data", "models": "models", "train": "train",
	"checkpoint": "checkpoint", "infer": "infer",
}

// TestSnippetsCompile compiles every ```go block of README.md, importing the
// packages it names: a block of declarations as file-level code, any other
// as the body of a function.
func TestSnippetsCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the README's snippets with the go command")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 2 {
		t.Fatalf("README.md has %d Go snippets, expected at least 2", len(blocks))
	}
	dir, err := os.MkdirTemp(".", "_snippets")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var src strings.Builder
	imports := map[string]bool{"data": true, "nn": true, "optim": true}
	for i, b := range blocks {
		body := b[1]
		for name := range packages {
			if regexp.MustCompile(`\b` + name + `\.`).MatchString(body) {
				imports[name] = true
			}
		}
		if regexp.MustCompile(`(?m)^(func|type) `).MatchString(body) {
			src.WriteString(body + "\n") // declarations: the snippet is file-level code
			continue
		}
		fmt.Fprintf(&src, "func snippet%d(%s) {\n\t_, _, _ = loader, model, opt\n%s}\n\n", i+1, snippetParams, body)
	}
	var head strings.Builder
	head.WriteString("package snippets\n\nimport (\n")
	for name := range imports {
		fmt.Fprintf(&head, "\t%q\n", "github.com/baeum-ml/baeum/"+packages[name])
	}
	head.WriteString(")\n\n")
	file := filepath.Join(dir, "snippets.go")
	if err := os.WriteFile(file, []byte(head.String()+src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", os.DevNull, "./"+filepath.ToSlash(dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("README.md's Go snippets do not compile: %v\n%s\n--- generated file ---\n%s", err, out, head.String()+src.String())
	}
}
