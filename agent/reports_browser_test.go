package agent

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
)

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
	// The desk's Chromium helpers (desk_browser_test.go) on this server.
	d := &desk{url: ts.URL}
	b := d.signIn(t, browser(t), "ada", pw)
	ctx := b.ctx

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

	b.do("open the reports",
		chromedp.Navigate(ts.URL+reportPath("/reports", seed)),
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
	d.shot(t, ctx, "reports.png")

	// Split by flag through the form: the redacted conversations' bars
	// add up to the redacted count.
	b.do("split by flag",
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
