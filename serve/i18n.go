package serve

import (
	"bytes"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// pageLanguages are the languages the page is written in (app.js holds
// its text in each), the first the default.
var pageLanguages = []string{"en", "ko"}

// maxLanguageRanges bounds how many entries of an Accept-Language header
// are read; browsers send a handful.
const maxLanguageRanges = 32

// pageLanguage picks the page's language from an Accept-Language header
// (RFC 9110: "ko-KR,ko;q=0.9,en;q=0.8"): the supported language of the
// highest weight, the earlier one on a tie, matched by its primary
// subtag; "*" stands for the default. It reports false when the header
// names no language the page is written in, and the page then follows
// the browser's own setting.
func pageLanguage(header string) (string, bool) {
	best, bestQ := "", 0.0
	for i, part := range strings.Split(header, ",") {
		if i >= maxLanguageRanges {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if primary == "*" {
			primary = pageLanguages[0]
		}
		for _, l := range pageLanguages {
			if l == primary && q > bestQ {
				best, bestQ = l, q
			}
		}
	}
	return best, best != ""
}

// indexPages builds the page in each of its languages: index.html with
// its <html lang> set to the language and marked as chosen by the
// request's Accept-Language, which app.js follows unless the reader chose
// another language with the page's switch.
func indexPages(files fs.FS) map[string][]byte {
	page, err := fs.ReadFile(files, "index.html")
	if err != nil {
		panic(err) // the embedded page is fixed at build time
	}
	pages := map[string][]byte{"": page}
	const tag = `<html lang="en">`
	for _, l := range pageLanguages {
		pages[l] = bytes.Replace(page, []byte(tag), []byte(`<html lang="`+l+`" data-lang-from="accept-language">`), 1)
	}
	return pages
}

// handleIndex serves the page, in the language the request's
// Accept-Language prefers.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	lang, _ := pageLanguage(r.Header.Get("Accept-Language"))
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Add("Vary", "Accept-Language")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(s.index[lang]))
}
