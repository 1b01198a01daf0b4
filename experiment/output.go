package experiment

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"path/filepath"

	"github.com/baeum-ml/baeum/plot"
)

// Output says where and how an experiment's Draw writes its files: into
// Dir, each picture in every one of Formats ("png", "svg"; both when
// empty).
type Output struct {
	Dir     string
	Formats []string
}

func (o Output) formats() []string {
	if len(o.Formats) == 0 {
		return plot.Formats
	}
	return o.Formats
}

// picture writes fig as Dir/name.png, Dir/name.svg, … and appends the
// paths written to *paths.
func (o Output) picture(paths *[]string, fig *plot.Figure, name string) error {
	ps, err := fig.SaveAll(filepath.Join(o.Dir, name), o.formats())
	*paths = append(*paths, ps...)
	return err
}

// csv writes rows (the first one the header) to Dir/name atomically and
// appends its path to *paths.
func (o Output) csv(paths *[]string, name string, rows [][]string) error {
	p := filepath.Join(o.Dir, name)
	err := plot.WriteFileAtomic(p, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
	if err == nil {
		*paths = append(*paths, p)
	}
	return err
}

// json writes v, indented, to Dir/name atomically and appends its path to
// *paths.
func (o Output) json(paths *[]string, name string, v any) error {
	p := filepath.Join(o.Dir, name)
	err := plot.WriteFileAtomic(p, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
	if err == nil {
		*paths = append(*paths, p)
	}
	return err
}
