package tutorial

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Dir is the tutorial's folder, relative to the repository root.
const Dir = "docs/tutorial"

// Build compiles the baeum command of the repository at root into the
// file bin.
func Build(root, bin string) error {
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/baeum")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/baeum: %v\n%s", err, out)
	}
	return nil
}

// ImagePaths returns the pictures the chapter embeds, as paths relative to
// the repository root (root is where ch.Path is relative to, or absolute).
// Links to other sites are left out.
func (ch *Chapter) ImagePaths(root string) []string {
	var paths []string
	for _, im := range ch.Images {
		if strings.Contains(im, "://") {
			continue
		}
		p := filepath.Join(filepath.Dir(ch.Path), filepath.FromSlash(im))
		if rel, err := filepath.Rel(root, p); err == nil && filepath.IsAbs(p) {
			p = rel
		}
		paths = append(paths, filepath.ToSlash(filepath.Clean(p)))
	}
	return paths
}

// Runnable returns the commands of the chapters that are to be run, in
// order.
func Runnable(chs []*Chapter) []Command {
	var cs []Command
	for _, ch := range chs {
		for _, c := range ch.Commands {
			if !c.NoRun {
				cs = append(cs, c)
			}
		}
	}
	return cs
}

// Prepare makes dir a working directory in which the chapters' commands
// run as they do from the repository root: it copies docs/tutorial/data
// from root, and makes the folders of the pictures the chapters embed and
// runs/ (for files that the commands write but do not create folders for).
func Prepare(root, dir string, chs []*Chapter) error {
	data := filepath.Join(root, Dir, "data")
	err := filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", p)
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, src, 0o644)
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	dirs := []string{"runs"}
	for _, ch := range chs {
		for _, im := range ch.ImagePaths(root) {
			dirs = append(dirs, filepath.Dir(im))
		}
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// Run runs bin with args in dir, with at most timeout, and returns what it
// wrote to standard output and standard error together, in order.
func Run(bin, dir string, args []string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("still running after %v", timeout)
	}
	return strings.TrimRight(out.String(), "\n"), err
}
