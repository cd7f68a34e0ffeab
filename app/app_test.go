package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/health"
)

// TestServeShowsXWebhookAndSpend runs serve's assembly against the fake
// X (v2, self-serve) and checks that /healthz carries what an operator
// needs: the webhook's last delivery and refused signatures, today's
// spend equal to X's bill, and the budget component.
func TestServeShowsXWebhookAndSpend(t *testing.T) {
	fk := twfake.New(twfake.Options{SelfServe: true})
	defer fk.Close()
	a := runApp(t, append(xEnv(fk), "INBOXBOT_TWITTER_POLL_INTERVAL=200ms", "INBOXBOT_TWITTER_DAILY_BUDGET_USD=5"))
	if err := fk.SetWebhook("http://" + a.Addr() + "/webhooks/twitter"); err != nil {
		t.Fatal(err)
	}
	fk.AddMention(twfake.User{ID: 5001, ScreenName: "guest1", Name: "Guest"}, "@HotelHelp is breakfast included?", "en", 0)
	if status, err := fk.DeliverRaw([]byte(`{"for_user_id":"1"}`), "sha256=forged"); err != nil || status != http.StatusUnauthorized {
		t.Errorf("forged delivery: %d %v", status, err)
	}

	var rep health.Report
	deadline := time.Now().Add(30 * time.Second)
	for {
		// What signed-in agents and /api/health see (anonymous /healthz
		// callers get the states only).
		rep = a.Health.Report()
		tw := rep.Components["twitter"]
		spent, _ := tw.Details["spend_today_usd"].(float64)
		if tw.Details["webhook_last_delivery"] != nil && spent > 0 && spent*1e6 >= float64(fk.Bill())-0.5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz never showed the delivery and the spend: %+v (bill %d µ$)", rep.Components["twitter"], fk.Bill())
		}
		time.Sleep(50 * time.Millisecond)
	}
	tw := rep.Components["twitter"]
	if tw.Details["webhook_bad_signatures"] != int64(1) {
		t.Errorf("bad signatures %v, want 1", tw.Details["webhook_bad_signatures"])
	}
	if b := rep.Components["twitter_budget"]; b.State != health.OK || b.Details["daily_budget_usd"] != float64(5) {
		t.Errorf("budget component %+v", b)
	}
	// Anonymous /healthz: states, no details.
	resp, err := http.Get("http://" + a.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var anon map[string]any
	err = json.NewDecoder(resp.Body).Decode(&anon)
	resp.Body.Close()
	if err != nil || anon["components"] == nil {
		t.Fatalf("anonymous /healthz: %v %v", anon, err)
	}
	if tw := anon["components"].(map[string]any)["twitter"].(map[string]any); tw["details"] != nil || tw["reason"] != nil {
		t.Errorf("anonymous /healthz shows %v", tw)
	}
}

// TestServeShowsBudgetReached runs serve's assembly against the fake X
// with a daily budget of $0.02: users/me ($0.01) leaves it ok, then 15
// mentions ($0.015) reach it, and /healthz turns degraded with the
// twitter_budget component over_budget, its reason saying what stopped
// and how slow polling is now (TestDailyBudgetSlowsPolling in
// connectors/twitter checks that it is).
func TestServeShowsBudgetReached(t *testing.T) {
	fk := twfake.New(twfake.Options{SelfServe: true})
	defer fk.Close()
	a := runApp(t, append(xEnv(fk), "INBOXBOT_TWITTER_POLL_INTERVAL=200ms", "INBOXBOT_TWITTER_DAILY_BUDGET_USD=0.02"))
	waitFor(t, 60*time.Second, "healthz ok within the budget", func() bool {
		b, _ := a.Health.Get("twitter_budget")
		return a.Health.Report().Status == health.StatusOK && b.Details["spend_today_usd"] == 0.01
	})

	for i := range 15 {
		fk.AddMention(twfake.User{ID: int64(5000 + i), ScreenName: fmt.Sprintf("guest%d", i), Name: "Guest"},
			fmt.Sprintf("@HotelHelp question %d", i), "en", 0)
	}
	var b health.Component
	waitFor(t, 30*time.Second, "twitter_budget over_budget", func() bool {
		b, _ = a.Health.Get("twitter_budget")
		return b.State == health.OverBudget
	})
	for _, want := range []string{"daily X budget of $0.02 reached", "automatic posts stopped", "polling slowed to every 15m0s"} {
		if !strings.Contains(b.Reason, want) {
			t.Errorf("reason %q does not say %q", b.Reason, want)
		}
	}
	if spent, _ := b.Details["spend_today_usd"].(float64); spent < 0.02 {
		t.Errorf("spend_today_usd %v, want at least the budget", spent)
	}
	// The budget alone degrades the service: every other component is ok
	// (or off).
	rep := a.Health.Report()
	for name, c := range rep.Components {
		if name != "twitter_budget" && c.State != health.OK && c.State != health.Disabled {
			t.Errorf("%s is %s (%s)", name, c.State, c.Reason)
		}
	}
	if rep.Status != health.StatusDegraded {
		t.Errorf("status %s, want degraded", rep.Status)
	}
	// What a load balancer sees on the anonymous /healthz.
	resp, err := http.Get("http://" + a.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var anon health.PublicReport
	err = json.NewDecoder(resp.Body).Decode(&anon)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || anon.Status != health.StatusDegraded ||
		anon.Components["twitter_budget"].State != health.OverBudget {
		t.Errorf("/healthz: %d %+v %v", resp.StatusCode, anon, err)
	}
}

// TestWebhooksOnTheirOwnAddress: with http.webhook_addr the webhooks (and
// an anonymous /healthz) listen there, and the desk's address has none.
func TestWebhooksOnTheirOwnAddress(t *testing.T) {
	fk := twfake.New(twfake.Options{SelfServe: true})
	defer fk.Close()
	a := runApp(t, append(xEnv(fk), "INBOXBOT_HTTP_WEBHOOK_ADDR=127.0.0.1:0"))
	if a.WebhookAddr() == "" || a.WebhookAddr() == a.Addr() {
		t.Fatalf("webhook listener %q, desk %q", a.WebhookAddr(), a.Addr())
	}
	if err := fk.SetWebhook("http://" + a.WebhookAddr() + "/webhooks/twitter"); err != nil {
		t.Fatalf("CRC check on the webhook address: %v", err)
	}
	resp, err := http.Get("http://" + a.Addr() + "/webhooks/twitter?crc_token=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Error("the desk's address also serves the webhook")
	}
	if resp, err := http.Get("http://" + a.WebhookAddr() + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("healthz on the webhook address: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}
