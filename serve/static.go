package serve

import (
	"embed"
	"io/fs"
)

// static holds the web page: index.html, app.js, style.css and the icon.
// Everything the page needs is here; it loads nothing from other hosts.
//
//go:embed static
var static embed.FS

// staticFS is the page's files at the root, as they are served.
var staticFS = mustSub(static, "static")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the embedded folder is fixed at build time
	}
	return sub
}
