package agent

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// headless starts headless Chromium for a test and returns a context
// that drives one tab, bounded by timeout. Without Chromium the test is
// skipped, except under CI=true, where it fails.
func headless(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	exe := chromium()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is required in CI (apt-get install chromium)")
		}
		t.Skip("chromium not installed")
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1400),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	ctx, cancel := context.WithTimeout(bctx, timeout)
	t.Cleanup(cancel)
	return ctx
}

// TestBrowserReports opens the reports page of a seeded store in real
// Chromium and reads what it drew: each chart laid out with a size, the
// bars of the opened and closed charts adding up to the store's totals,
// per platform and then per flag after switching the split in the form.
func TestBrowserReports(t *testing.T) {
	e := newTestEnv(t)
	seed := seedReports(t, e.st)
	pw := e.addAgent(t, "ada", RoleAdmin)
	ts := httptest.NewServer(e.h)
	t.Cleanup(ts.Close)
	ctx := headless(t, 90*time.Second)

	run := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	number := func(expr string) int {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](expr))
		if err != nil {
			t.Fatalf("evaluating %s: %v", expr, err)
		}
		return int(v)
	}
	// sum adds up the data-value of the marks a selector finds.
	sum := func(sel string) int {
		return number(fmt.Sprintf(`[...document.querySelectorAll(%q)].reduce((n, e) => n + Number(e.dataset.value), 0)`, sel))
	}
	// drawn counts the charts that the browser laid out with a size, and
	// whose marks have one too.
	drawn := func() int {
		return number(`[...document.querySelectorAll("svg.chart")].filter(s => {
			const r = s.getBoundingClientRect();
			const marks = [...s.querySelectorAll("rect.bar")];
			return r.width > 100 && r.height > 30 && marks.every(m => m.getBoundingClientRect().width > 0);
		}).length`)
	}

	reports := ts.URL + reportPath("/reports", seed)
	run("sign in and open the reports",
		chromedp.Navigate(reports),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("name"), "ada"),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.ID("chart-opened")),
	)
	if n := drawn(); n != 7 {
		t.Errorf("%d charts drawn, want 7 (opened, closed, four times, answers)", n)
	}
	if got := sum("#chart-opened rect.bar"); got != seed.opened {
		t.Errorf("opened bars add up to %d, want %d", got, seed.opened)
	}
	if got := number(`Number(document.querySelector("#chart-opened").dataset.total)`); got != seed.opened {
		t.Errorf("opened chart total %d, want %d", got, seed.opened)
	}
	if got := sum("#chart-closed rect.bar"); got != seed.closed {
		t.Errorf("closed bars add up to %d, want %d", got, seed.closed)
	}
	for platform, want := range seed.openedByPlatform {
		if got := sum(fmt.Sprintf(`#chart-opened rect.bar[data-series=%q]`, platform)); got != want {
			t.Errorf("opened %s bars add up to %d, want %d", platform, got, want)
		}
	}
	if got := number(`Number(document.querySelector("#total-opened").textContent)`); got != seed.opened {
		t.Errorf("opened tile shows %d, want %d", got, seed.opened)
	}
	if got := number(`Number(document.querySelector("#chart-answers").dataset.total)`); got != seed.answers {
		t.Errorf("answers chart total %d, want %d", got, seed.answers)
	}
	if got := number(`document.querySelectorAll("#chart-first-agent g.row").length`); got != 2 {
		t.Errorf("first response chart has %d agents, want 2", got)
	}
	(&desk{}).shot(t, ctx, "reports.png")

	// Split by flag through the form: the redacted conversations' bars
	// add up to the redacted count.
	run("split by flag",
		chromedp.SetValue(chromedp.CSS(`#report-form select[name="group"]`), "flag"),
		chromedp.Submit(chromedp.CSS("#report-form")),
		chromedp.WaitVisible(chromedp.CSS(`#chart-opened[aria-label$="by flag"]`)),
	)
	if got := sum(`#chart-opened rect.bar[data-series="pii_redacted"]`); got != seed.redacted {
		t.Errorf("pii_redacted bars add up to %d, want %d", got, seed.redacted)
	}
	if got := number(`document.querySelector("#total-opened").textContent.trim() * 1`); got != seed.opened {
		t.Errorf("opened tile shows %d after the split, want %d", got, seed.opened)
	}
}
