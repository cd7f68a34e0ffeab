package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestRevealBrowser: in real headless Chromium, a private message's
// booking number and PIN are hidden in the thread until the agent clicks
// Reveal; the click is audited, and a live refresh of the thread does not
// hide them again.
func TestRevealBrowser(t *testing.T) {
	exe := chromium()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is required in CI (apt-get install chromium)")
		}
		t.Skip("chromium not installed")
	}
	e, convID, msgID := revealEnv(t)
	pw := e.addAgent(t, "alice", RoleAgent)
	ts := httptest.NewServer(e.h)
	defer ts.Close()

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	run := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func() string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('li[data-message-id="%d"] p.text').textContent`, msgID)))
		if err != nil {
			t.Fatalf("reading the message: %v", err)
		}
		return v
	}
	thread := fmt.Sprintf("%s/conversations/%d", ts.URL, convID)
	run("sign in and open the thread",
		chromedp.Navigate(thread),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("name"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`button[data-reveal="%d"]`, msgID))),
		chromedp.WaitVisible(chromedp.CSS("#live.on")),
	)
	// The page refreshes its regions once the live stream opens (app.js
	// catches up on what changed since it was rendered); a click during
	// that refresh can find its button replaced ("Could not find node
	// with given id"), so wait for the refresh to have landed.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body.hasAttribute('data-refreshed')`)); err != nil {
		t.Fatalf("waiting for the page's catch-up refresh: %v", err)
	}
	if got := text(); strings.Contains(got, "4821553907") || strings.Contains(got, "5566") || !strings.Contains(got, "[booking number]") {
		t.Fatalf("before the click the thread shows %q", got)
	}
	if trail, _ := e.st.AuditTrail(context.Background(), convID); len(trail) != 0 {
		t.Fatalf("audit entries before the click: %+v", trail)
	}

	run("reveal",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-reveal="%d"]`, msgID))),
		chromedp.WaitVisible(chromedp.CSS("p.text.revealed")),
	)
	if got := text(); got != privateText {
		t.Errorf("after the click the thread shows %q, want %q", got, privateText)
	}
	trail, err := e.st.AuditTrail(context.Background(), convID)
	if err != nil || len(trail) != 1 || trail[0].Action != AuditReveal || trail[0].Actor != "agent:alice" {
		t.Errorf("audit trail after the click: %+v %v", trail, err)
	}

	// A live event refreshes the thread; the revealed text stays.
	before, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.getAttribute('data-refreshed') || ''`))
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := json.Marshal(map[string]any{"type": "message", "conversation_id": convID, "at": time.Now()})
	e.publish(fmt.Sprintf("inbox.events.conversation.%d", convID), ev)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`(document.body.getAttribute('data-refreshed') || '') !== %q`, before))); err != nil {
		t.Fatalf("waiting for the live refresh: %v", err)
	}
	if got := text(); got != privateText {
		t.Errorf("after a live refresh the thread shows %q", got)
	}
}
