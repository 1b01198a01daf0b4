package serve

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// mapsState is what the feature-map view shows: how many layers and
// canvases it holds, how many of those canvases are not of one colour,
// and a checksum of all their pixels.
type mapsState struct {
	Layers   int     `json:"layers"`
	Canvases int     `json:"canvases"`
	Drawn    int     `json:"drawn"`
	Sum      float64 `json:"sum"`
	State    string  `json:"state"`
}

const readMaps = `(() => {
	const root = document.getElementById("fmaps");
	const cs = [...root.querySelectorAll("canvas")];
	let drawn = 0, sum = 0;
	cs.forEach((c, i) => {
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		let lo = 255, hi = 0, alpha = 0;
		for (let k = 0; k < d.length; k += 4) {
			const v = d[k] + d[k + 2];
			lo = Math.min(lo, d[k]); hi = Math.max(hi, d[k]); alpha = Math.max(alpha, d[k + 3]);
			sum += v * ((k / 4) % 97 + 1) * (i + 1);
		}
		if (alpha > 0 && (hi > lo || c.width * c.height === 1)) drawn++;
	});
	return {layers: root.querySelectorAll(".layer").length, canvases: cs.length, drawn, sum, state: root.dataset.state};
})()`

// waitMaps waits, up to 20 s, until the feature-map view shows layers
// for a drawing whose prediction is want, and returns what it shows.
func waitMaps(t *testing.T, ctx context.Context, want string) mapsState {
	t.Helper()
	if got := waitPrediction(t, ctx, want); got != want {
		t.Fatalf("the page reads %q, want %q", got, want)
	}
	var s mapsState
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var err error
		if s, err = chromedp.Run(ctx, chromedp.Evaluate[mapsState](readMaps)); err != nil {
			t.Fatal(err)
		}
		if s.State == "done" && s.Layers > 0 {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no feature maps shown: %+v", s)
	return s
}

// TestBrowserFeatureMaps draws a digit with "show what the network sees"
// on and checks that each layer is drawn: LeNet-5's seven layers, 44
// feature maps and three bar strips, most of them not blank. It then
// draws another digit and checks that the maps change; in ZIP-code mode,
// each digit found shows its three best guesses.
func TestBrowserFeatureMaps(t *testing.T) {
	ts := browserServer(t)
	bctx, check := openPage(t, ts, "#canvas")

	if visible, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`!document.getElementById("fmaps-card").hidden`)); err != nil || visible {
		t.Fatalf("the feature-map view shows before it is asked for (%v)", err)
	}
	clickID(t, bctx, "fmaps-toggle")
	one := []stroke{{{0.52, 0.15}, {0.5, 0.85}}}
	seven := []stroke{{{0.25, 0.2}, {0.75, 0.2}, {0.42, 0.85}}}
	draw(t, bctx, one)
	first := waitMaps(t, bctx, "1")
	// c1 6, s2 6, c3 16, s4 16 maps; c5, f6 and the output as strips.
	if first.Layers != 7 || first.Canvases != 47 || first.Drawn < 30 {
		t.Errorf("after a 1: %+v, want 7 layers, 47 canvases, most drawn", first)
	}
	screenshot(t, bctx, "fmaps-one")

	clickID(t, bctx, "clear")
	draw(t, bctx, seven)
	second := waitMaps(t, bctx, "7")
	if second.Layers != 7 || second.Drawn < 30 {
		t.Errorf("after a 7: %+v", second)
	}
	if second.Sum == first.Sum {
		t.Errorf("the maps did not change when the drawing did: checksum %v both times", first.Sum)
	}
	screenshot(t, bctx, "fmaps-seven")

	// Drawing more on the 7 changes the maps again, without a clear.
	draw(t, bctx, []stroke{{{0.3, 0.55}, {0.6, 0.55}}})
	deadline := time.Now().Add(20 * time.Second)
	third := second
	for time.Now().Before(deadline) && third.Sum == second.Sum {
		time.Sleep(100 * time.Millisecond)
		var err error
		if third, err = chromedp.Run(bctx, chromedp.Evaluate[mapsState](readMaps)); err != nil {
			t.Fatal(err)
		}
	}
	if third.Sum == second.Sum {
		t.Error("the maps did not change when a stroke was added")
	}

	// A ZIP code: each digit with its three best guesses.
	clickID(t, bctx, "mode-zip")
	var strokes []stroke
	for i, digit := range [][]stroke{one, seven} {
		x0 := 0.15 + 0.4*float64(i)
		for _, s := range digit {
			var moved stroke
			for _, p := range s {
				moved = append(moved, [2]float64{x0 + 0.25*p[0], 0.1 + 0.8*p[1]})
			}
			strokes = append(strokes, moved)
		}
	}
	draw(t, bctx, strokes)
	if got := waitPrediction(t, bctx, "17"); got != "17" {
		t.Fatalf("the page reads %q, want 17", got)
	}
	guesses, err := chromedp.Run(bctx, chromedp.Evaluate[[]int](`[...document.querySelectorAll("#glyphs .glyph")].map((g) => g.querySelectorAll(".guesses li").length)`))
	if err != nil || len(guesses) != 2 || guesses[0] != 3 || guesses[1] != 3 {
		t.Errorf("guesses per digit %v (%v), want [3 3]", guesses, err)
	}
	screenshot(t, bctx, "fmaps-zip")
	check()
}

// browserServer serves the two-epoch LeNet-5 for a browser test and
// returns its address.
func browserServer(t *testing.T) string {
	t.Helper()
	ts := httptest.NewServer(newTestServer(t, Options{MaxConcurrent: 2, QueueWait: 5 * time.Second}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// hangul reports whether s holds a Hangul syllable.
func hangul(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 })
}

// TestBrowserKorean opens the page with a Korean Accept-Language and
// checks that its text is Korean, then that the EN/한국어 switch turns it
// to English, and that the choice outlives a reload.
func TestBrowserKorean(t *testing.T) {
	ts := browserServer(t)
	korean := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "ko-KR,ko;q=0.9"}})
		return err
	})
	bctx, check := openPage(t, ts, "#canvas", korean)

	type page struct {
		Lang   string `json:"lang"`
		Lede   string `json:"lede"`
		Toggle string `json:"toggle"`
		Mode   string `json:"mode"`
		Hint   string `json:"hint"`
	}
	read := func() page {
		t.Helper()
		p, err := chromedp.Run(bctx, chromedp.Evaluate[page](`(() => ({
			lang: document.documentElement.lang,
			lede: document.getElementById("lede").textContent,
			toggle: document.getElementById("fmaps-switch").textContent.trim(),
			mode: document.getElementById("mode-zip").textContent,
			hint: document.getElementById("hint").textContent,
		}))()`))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	ko := read()
	if ko.Lang != "ko" || !hangul(ko.Lede) || !hangul(ko.Toggle) || ko.Mode != "우편번호" || !hangul(ko.Hint) {
		t.Errorf("with Accept-Language ko: %+v, want Korean text", ko)
	}
	screenshot(t, bctx, "korean")

	// A drawing's answer is in Korean too.
	draw(t, bctx, []stroke{{{0.52, 0.15}, {0.5, 0.85}}})
	if got := waitPrediction(t, bctx, "1"); got != "1" {
		t.Fatalf("the page reads %q, want 1", got)
	}
	conf, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("confidence").textContent`))
	if err != nil || !strings.HasPrefix(conf, "확률") {
		t.Errorf("confidence %q (%v), want Korean", conf, err)
	}

	clickID(t, bctx, "lang-en")
	en := read()
	if en.Lang != "en" || hangul(en.Lede) || en.Toggle != "Show what the network sees" || en.Mode != "ZIP code" {
		t.Errorf("after the switch to English: %+v", en)
	}
	if conf, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("confidence").textContent`)); !strings.HasSuffix(conf, "sure") {
		t.Errorf("confidence after the switch %q, want English", conf)
	}

	// The choice is remembered over the Accept-Language.
	if err := chromedp.Do(bctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#canvas"))); err != nil {
		t.Fatal(err)
	}
	if again := read(); again.Lang != "en" || hangul(again.Lede) {
		t.Errorf("after a reload: %+v, want English as chosen", again)
	}
	clickID(t, bctx, "lang-ko")
	if back := read(); back.Lang != "ko" || !hangul(back.Toggle) {
		t.Errorf("after the switch back: %+v", back)
	}
	check()
}
