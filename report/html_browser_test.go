package report

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/it-at-m/ospo-scan/rules"
)

// chromium returns the browser to drive. Without one the test skips on a
// developer machine but fails in CI, which installs it.
func chromium(t *testing.T) string {
	t.Helper()
	if p, ok := os.LookupEnv("CHROMIUM"); ok {
		return p
	}
	const debian = "/usr/bin/chromium"
	if _, err := os.Stat(debian); err == nil {
		return debian
	}
	if _, ci := os.LookupEnv("CI"); ci {
		t.Fatalf("no Chromium at %s and CHROMIUM is unset; CI must install it (apt-get install chromium)", debian)
	}
	t.Skipf("no Chromium at %s and CHROMIUM is unset", debian)
	return ""
}

type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string // console errors and uncaught exceptions
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	b := &browser{ctx: bctx}
	// Subscribe before any page loads, so no message is missed.
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.problems = append(b.problems, m.String())
				b.mu.Unlock()
			}
		}
	}()
	return b
}

func (b *browser) consoleProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.problems)
}

func (b *browser) load(t *testing.T, r *Report) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f, "html", r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b.ctx, chromedp.Navigate("file://"+path), chromedp.WaitReady("#matrix tbody")); err != nil {
		t.Fatalf("loading the report: %v", err)
	}
}

func evaluate[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

func artifactsDir(t *testing.T) string {
	dir := os.Getenv("OSPO_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// failingRepos names the repositories with a fail result of rule.
func failingRepos(r *Report, rule string) []string {
	var out []string
	for _, repo := range r.Repositories {
		for _, res := range repo.Results {
			if res.Rule == rule && res.Status == rules.StatusFail {
				out = append(out, repo.Name)
				break
			}
		}
	}
	return out
}

const visibleRowsJS = `[...document.querySelectorAll('#matrix tbody tr')].filter(r => !r.hidden).map(r => r.querySelector('th').textContent)`

func TestHTMLInChromium(t *testing.T) {
	b := newBrowser(t)
	r := injectedReport(t)
	b.load(t, r)

	// Open every repository, so the injected text is in the DOM, and give
	// an injected <img onerror> time to fire.
	evaluate[any](t, b, `(async () => {
		for (let i = 0; i < window.ospoReport.repoCount; i++) window.ospoReport.openRepo(i);
		await new Promise(ok => setTimeout(ok, 300));
		return null;
	})()`)
	if got := evaluate[string](t, b, `typeof window.__pwned`); got != "undefined" {
		t.Errorf("injected script ran: window.__pwned is %s", got)
	}
	// The injected text is visible as text.
	if !evaluate[bool](t, b, `document.body.innerText.includes('<script>window.__pwned=1</script>')`) {
		t.Error("injected description is not shown as text")
	}

	// Filter: rule actions/pinned with status fail leaves exactly the
	// repositories failing it, only that rule's column, and in the opened
	// details only its failing results.
	got := evaluate[[]string](t, b, `(() => {
		document.getElementById('f-rule').value = 'actions/pinned';
		document.getElementById('f-rule').dispatchEvent(new Event('change'));
		document.getElementById('f-status').value = 'fail';
		document.getElementById('f-status').dispatchEvent(new Event('change'));
		return `+visibleRowsJS+`;
	})()`)
	if want := failingRepos(r, "actions/pinned"); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("rows shown for actions/pinned fail = %q, want %q", got, want)
	}
	if n := evaluate[int](t, b, `[...document.querySelectorAll('#matrix thead th.rule')].filter(th => th.offsetParent !== null).length`); n != 1 {
		t.Errorf("%d rule columns visible, want 1", n)
	}
	rows := evaluate[[]string](t, b, `[...document.querySelectorAll('#repos table.results tbody tr')].filter(r => !r.hidden && r.offsetParent !== null).map(r => r.cells[2].textContent + ' ' + r.cells[0].textContent)`)
	if len(rows) != 2 {
		t.Errorf("visible result rows = %q, want the 2 failing actions/pinned results", rows)
	}
	for _, row := range rows {
		if row != "actions/pinned ✗ fail" {
			t.Errorf("visible result row %q", row)
		}
	}
	// Filtering by name narrows further; clearing shows everything.
	got = evaluate[[]string](t, b, `(() => {
		document.getElementById('f-rule').value = '';
		document.getElementById('f-status').value = '';
		const n = document.getElementById('f-name');
		n.value = 'DAVE';
		n.dispatchEvent(new Event('input'));
		return `+visibleRowsJS+`;
	})()`)
	if want := []string{"it-at-m/dave-backend", "landeshauptstadt-muenchen/dave-frontend"}; !slices.Equal(got, want) {
		t.Errorf("rows shown for name DAVE = %q, want %q", got, want)
	}
	// Sorting by severity puts the repository with the most errors first.
	got = evaluate[[]string](t, b, `(() => {
		const n = document.getElementById('f-name');
		n.value = '';
		n.dispatchEvent(new Event('input'));
		const s = document.getElementById('sort');
		s.value = 'severity';
		s.dispatchEvent(new Event('change'));
		return `+visibleRowsJS+`;
	})()`)
	if len(got) != len(r.Repositories) || got[0] != "it-at-m/<svg onload=\"window.__pwned=3\">" && got[0] != "it-at-m/dave-backend" {
		t.Errorf("rows sorted by severity = %q", got)
	}

	// Links: only http(s) to the forge or to rule sources, or in-page.
	hrefs := evaluate[[]string](t, b, `[...document.querySelectorAll('[href],[src]')].map(e => e.getAttribute('href') || ('src:' + e.getAttribute('src')))`)
	for _, h := range hrefs {
		switch {
		case strings.HasPrefix(h, "#repo-"),
			strings.HasPrefix(h, "https://github.com/it-at-m/"),
			strings.HasPrefix(h, "https://gitlab.opencode.de/landeshauptstadt-muenchen/"),
			strings.HasPrefix(h, "https://opensource.muenchen.de/"):
		default:
			t.Errorf("unexpected link or source %q", h)
		}
	}
	wantLink := "https://github.com/it-at-m/dave-backend/blob/main/.github/workflows/build.yml#L14"
	if !slices.Contains(hrefs, wantLink) {
		t.Errorf("no link %s among %q", wantLink, hrefs)
	}
	// Nothing was fetched: the page is one file.
	if n := evaluate[int](t, b, `performance.getEntriesByType('resource').length`); n != 0 {
		t.Errorf("page loaded %d resources", n)
	}

	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(artifactsDir(t), "html-report.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)

	// In print the controls go and the chart stays, with its labels.
	printMedia := chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	})
	if err := chromedp.Do(b.ctx, printMedia); err != nil {
		t.Fatalf("emulating print: %v", err)
	}
	type printView struct {
		Controls     string
		ChartHeight  float64
		ChartLabels  int
		MatrixScroll string
	}
	pv := evaluate[printView](t, b, `(() => {
		const chart = document.querySelector('svg.chart');
		return {
			Controls: getComputedStyle(document.getElementById('controls')).display,
			ChartHeight: chart.getBoundingClientRect().height,
			ChartLabels: [...chart.querySelectorAll('text')].filter(t => t.textContent.includes('%')).length,
			MatrixScroll: getComputedStyle(document.querySelector('.matrix-wrap')).overflow,
		};
	})()`)
	if pv.Controls != "none" || pv.ChartHeight < 100 || pv.ChartLabels != len(r.Rules) || pv.MatrixScroll != "visible" {
		t.Errorf("print view = %+v, want no controls, the chart with %d labels, no scrolling box", pv, len(r.Rules))
	}
	shot, err = chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("print screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(artifactsDir(t), "html-report-print.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}

	if p := b.consoleProblems(); len(p) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(p, "\n"))
	}
}

// TestHTMLFilterSpeedInChromium measures the filter of a report of 1,000
// repositories: a filter must feel instant.
func TestHTMLFilterSpeedInChromium(t *testing.T) {
	b := newBrowser(t)
	r := bigReport(1000)
	b.load(t, r)
	type timing struct {
		Build, Filter, Sort float64
		Shown               int
	}
	tm := evaluate[timing](t, b, `(() => {
		document.getElementById('f-rule').value = 'license/present';
		document.getElementById('f-status').value = 'fail';
		const t0 = performance.now();
		const shown = window.ospoReport.applyFilters();
		document.body.offsetHeight; // include the layout the filter causes
		const filter = performance.now() - t0;
		document.getElementById('sort').value = 'severity';
		const t1 = performance.now();
		window.ospoReport.applySort();
		document.body.offsetHeight;
		const sort = performance.now() - t1;
		return {Build: window.ospoReport.buildMs, Filter: filter, Sort: sort, Shown: shown};
	})()`)
	if want := len(failingRepos(r, "license/present")); tm.Shown != want {
		t.Errorf("filter shows %d repositories, want %d", tm.Shown, want)
	}
	t.Logf("1,000 repositories × %d rules in Chromium: build %.1f ms, filter %.1f ms, sort %.1f ms", len(catalogue), tm.Build, tm.Filter, tm.Sort)
	if tm.Filter > 1000 {
		t.Errorf("filtering took %.0f ms", tm.Filter)
	}
	if p := b.consoleProblems(); len(p) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(p, "\n"))
	}
}
