package serve

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// inCI reports whether the tests run in continuous integration, where
// the browser test must run rather than skip.
func inCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "false" && v != "0"
}

// chromium finds a Chromium or Chrome binary: $BAEUM_CHROMIUM, or the
// first of the usual names on $PATH.
func chromium() string {
	if p := os.Getenv("BAEUM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// stroke is a pen stroke, in fractions of the canvas's width and height.
type stroke [][2]float64

// TestBrowserDrawing opens the page in headless Chromium, draws with the
// mouse on the canvas and waits for the prediction to appear: a 1 and a 7
// in digit mode, then a three-digit ZIP code. It also checks that the page
// throws no error and asks nothing of any host but its own.
func TestBrowserDrawing(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t, Options{MaxConcurrent: 2, QueueWait: 5 * time.Second}))
	t.Cleanup(ts.Close) // after the browser closes
	bctx, check := openPage(t, ts.URL, "#canvas")

	one := []stroke{{{0.52, 0.15}, {0.5, 0.85}}}
	seven := []stroke{{{0.25, 0.2}, {0.75, 0.2}, {0.42, 0.85}}}
	for _, tc := range []struct {
		name    string
		strokes []stroke
		want    string
	}{
		{"one", one, "1"},
		{"seven", seven, "7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clickID(t, bctx, "clear")
			draw(t, bctx, tc.strokes)
			got := waitPrediction(t, bctx, tc.want)
			if got != tc.want {
				t.Fatalf("the page reads %q, want %q", got, tc.want)
			}
			// The bar chart and the 28×28 image follow the answer.
			state, err := chromedp.Run(bctx, chromedp.Evaluate[struct {
				Top    string  `json:"top"`
				Width  float64 `json:"width"`
				Ink    float64 `json:"ink"`
				Digits string  `json:"digits"`
			}](`(() => {
				const top = document.querySelector(".bar.top");
				const d = document.getElementById("seen").getContext("2d").getImageData(0, 0, 28, 28).data;
				let ink = 0;
				for (let i = 0; i < d.length; i += 4) ink += d[i];
				return {top: top ? top.querySelector(".bar-digit").textContent : "",
					width: top ? parseFloat(top.querySelector(".bar-fill").style.width) : 0,
					ink: ink / 255, digits: ""};
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			if state.Top != tc.want || state.Width < 30 || state.Ink < 30 {
				t.Errorf("bar chart tops at %q with width %.0f%%; the image the model saw has %.0f pixels' worth of ink", state.Top, state.Width, state.Ink)
			}
			screenshot(t, bctx, tc.name)
		})
	}

	t.Run("zip", func(t *testing.T) {
		clickID(t, bctx, "mode-zip")
		// 1, 7, 1 in a row, each in its own fifth of the canvas.
		var strokes []stroke
		for i, digit := range [][]stroke{one, seven, one} {
			x0 := 0.1 + 0.28*float64(i)
			for _, s := range digit {
				var moved stroke
				for _, p := range s {
					moved = append(moved, [2]float64{x0 + 0.2*p[0], 0.1 + 0.8*p[1]})
				}
				strokes = append(strokes, moved)
			}
		}
		draw(t, bctx, strokes)
		got := waitPrediction(t, bctx, "171")
		if got != "171" {
			t.Fatalf("the page reads %q, want 171", got)
		}
		n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#glyphs .glyph").length`))
		if err != nil || n != 3 {
			t.Errorf("%d digit images shown (%v), want 3", n, err)
		}
		screenshot(t, bctx, "zip")
	})

	check()
}

// screenshot saves a picture of the page as $BAEUM_SCREENSHOTS/name.png
// when that variable names a folder, to look at the page by eye.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("BAEUM_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		t.Errorf("screenshot: %v", err)
	}
}

// clickID clicks the element with the given id.
func clickID(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+id))); err != nil {
		t.Fatalf("clicking #%s: %v", id, err)
	}
}

// draw moves the mouse over the canvas along each stroke with the left
// button down, in steps of a few pixels, as a hand would.
func draw(t *testing.T, ctx context.Context, strokes []stroke) {
	t.Helper()
	rect, err := chromedp.Run(ctx, chromedp.Evaluate[[4]float64](`(() => {
		const r = document.getElementById("canvas").getBoundingClientRect();
		return [r.left, r.top, r.width, r.height];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	at := func(p [2]float64) (float64, float64) { return rect[0] + p[0]*rect[2], rect[1] + p[1]*rect[3] }
	left := func(p *input.DispatchMouseEventParams) {
		p.Button = input.MouseButtonLeft
		p.Buttons = 1
	}
	var steps []chromedp.Action[chromedp.Void]
	for _, s := range strokes {
		x, y := at(s[0])
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x, y), chromedp.MouseEvent(chromedp.MousePressed, x, y, left, chromedp.ClickCount(1)))
		for i := 1; i < len(s); i++ {
			x1, y1 := at(s[i])
			n := max(1, int(math.Hypot(x1-x, y1-y)/6))
			for k := 1; k <= n; k++ {
				f := float64(k) / float64(n)
				steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x+f*(x1-x), y+f*(y1-y), left))
			}
			x, y = x1, y1
		}
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x, y, left, chromedp.ClickCount(1)))
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("drawing: %v", err)
	}
}

// waitPrediction waits, up to 20 s, until the page shows a finished
// prediction equal to want, and returns the last one it showed.
func waitPrediction(t *testing.T, ctx context.Context, want string) string {
	t.Helper()
	type shown struct {
		State string `json:"state"`
		Text  string `json:"text"`
	}
	var last shown
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[shown](`(() => {
			const p = document.getElementById("prediction");
			return {state: p.dataset.state, text: p.textContent};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		last = s
		if s.State == "done" && s.Text == want {
			return s.Text
		}
		time.Sleep(100 * time.Millisecond)
	}
	status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("status").textContent`))
	t.Logf("last prediction %q (state %s), status line %q", last.Text, last.State, status)
	return fmt.Sprintf("%s (%s)", last.Text, last.State)
}

// openPage opens the page served at serverURL in headless Chromium (the
// test is skipped when there is none, outside CI) and waits until the
// element sel is visible. It returns the browser's context and a function
// that reports, as test errors, what went wrong meanwhile: script errors,
// and requests to any host but the page's own.
// Actions in before run once the browser is up, before the page is
// opened (to set request headers, say).
func openPage(t *testing.T, serverURL, sel string, before ...chromedp.Action[chromedp.Void]) (context.Context, func()) {
	t.Helper()
	path := chromium()
	if path == "" {
		if inCI() {
			t.Fatal("CI is set but no Chromium was found: install it (apt-get install chromium) or set BAEUM_CHROMIUM")
		}
		t.Skip("no Chromium found (install the chromium package or set BAEUM_CHROMIUM); this test runs, and must pass, when CI is set")
	}
	origin, _ := url.Parse(serverURL)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)

	// Watch for script errors and for requests to other hosts.
	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			problems = append(problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				problems = append(problems, "console error")
			}
		case *log.EventEntryAdded:
			// 422 "no digit yet" answers are expected while drawing.
			if ev.Entry.Level == log.EntryLevelError && !strings.Contains(ev.Entry.Text, "422") {
				problems = append(problems, "log: "+ev.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			if u, err := url.Parse(ev.Request.URL); err != nil || (u.Host != origin.Host && u.Scheme != "data" && u.Scheme != "blob") {
				problems = append(problems, "request to another host: "+ev.Request.URL)
			}
		}
	}); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}

	steps := append(before, chromedp.Navigate(serverURL+"/"), chromedp.WaitVisible(chromedp.CSS(sel)))
	if err := chromedp.Do(bctx, steps...); err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	return bctx, func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Error(p)
		}
	}
}
