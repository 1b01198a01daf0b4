package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRecipeScripts checks the fastest-recipe scripts: recipe.sh parses
// as a shell script, torch_recipe.py as Python (beside torch_bench.py,
// which it imports), and the README's recipe is the script's defaults.
func TestRecipeScripts(t *testing.T) {
	sh, err := os.ReadFile("recipe.sh")
	if err != nil {
		t.Fatal(err)
	}
	def := func(name string) string {
		m := regexp.MustCompile(name + `=\$\{` + name + `:-([^}]+)\}`).FindSubmatch(sh)
		if m == nil {
			t.Fatalf("recipe.sh sets no default %s", name)
		}
		return string(m[1])
	}
	want := "baeum train --model lenet5-relu --augment=none --val 0 --schedule onecycle --lr " + def("LR") + " --batch " + def("BATCH") + " --epochs " + def("EPOCHS")
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), want) {
		t.Errorf("the README does not give the recipe as recipe.sh runs it:\n%s", want)
	}
	if err := exec.Command("sh", "-n", "recipe.sh").Run(); err != nil {
		t.Errorf("sh -n recipe.sh: %v", err)
	}
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 not found: .ci/run installs python3")
		}
		t.Skip("python3 not installed (Debian package python3)")
	}
	dir := t.TempDir()
	for _, name := range []string{"torch_recipe.py", "torch_bench.py"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("python3", "-m", "py_compile", "torch_recipe.py")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("python3 -m py_compile torch_recipe.py: %v\n%s", err, out)
	}
}
