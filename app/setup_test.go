package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/inboxbot/inboxbot/app"
	"github.com/inboxbot/inboxbot/connectors/facebook"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/health"
)

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNoPlatformIsDegraded: serve with no platform enabled says so on
// /healthz (degraded: no platform enabled) and in the metric the alert
// rules read, and, with no agent yet, offers the set-up link.
func TestNoPlatformIsDegraded(t *testing.T) {
	a := runApp(t, nil)
	rep := a.Health.Report()
	c := rep.Components[app.PlatformsComponent]
	if rep.Status != health.StatusDegraded || c.State != health.Unconfigured || !strings.HasPrefix(c.Reason, app.NoPlatformReason) {
		t.Fatalf("report %s, platforms %+v", rep.Status, c)
	}
	resp, err := http.Get("http://" + a.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var anon health.PublicReport
	_ = json.NewDecoder(resp.Body).Decode(&anon)
	resp.Body.Close()
	if anon.Status != health.StatusDegraded || anon.Components[app.PlatformsComponent].State != health.Unconfigured {
		t.Errorf("/healthz = %+v", anon)
	}
	waitFor(t, 60*time.Second, "the component state metric", func() bool {
		return testutil.ToFloat64(a.Metrics.ComponentState.WithLabelValues(app.PlatformsComponent, string(health.Unconfigured))) == 1
	})

	link, err := a.SetupLink(context.Background())
	if err != nil || !strings.HasPrefix(link, "http://127.0.0.1:") || !strings.Contains(link, "/setup?token=") {
		t.Fatalf("SetupLink = %q, %v", link, err)
	}
	resp, err = http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Create the first admin") {
		t.Errorf("set-up page: %d\n%s", resp.StatusCode, page)
	}
}

// TestPageTokenExpiryOnHealthz: a Page token whose data access expires in
// 6 days, as the fake's debug_token reports it, makes /healthz degraded
// with the date as soon as serve starts.
func TestPageTokenExpiryOnHealthz(t *testing.T) {
	fk := fbfake.New(fbfake.Options{PageID: "1000", Token: "EAApage", AppID: "4242", AppSecret: "app-secret"})
	defer fk.Close()
	expires := time.Now().Add(6*24*time.Hour + time.Hour).UTC()
	fk.SetTokenExpiry("EAApage", time.Time{}, expires)
	a := runApp(t, []string{
		"INBOXBOT_FACEBOOK_ENABLED=true", "INBOXBOT_FACEBOOK_PAGE_ID=1000", "INBOXBOT_FACEBOOK_PAGE_TOKEN=EAApage",
		"INBOXBOT_FACEBOOK_APP_ID=4242", "INBOXBOT_FACEBOOK_APP_SECRET=app-secret", "INBOXBOT_FACEBOOK_GRAPH_URL=" + fk.URL(),
	})
	var c health.Component
	waitFor(t, 60*time.Second, "the token's expiry on /healthz", func() bool {
		c, _ = a.Health.Get(facebook.TokenComponent)
		return c.State == health.Expiring
	})
	if !strings.Contains(c.Reason, expires.Format("2006-01-02")) || !strings.Contains(c.Reason, facebook.Renew) {
		t.Errorf("reason %q", c.Reason)
	}
	if a.Health.Report().Status != health.StatusDegraded {
		t.Errorf("status %s, want degraded", a.Health.Report().Status)
	}
	if _, ok := a.Health.Get(app.PlatformsComponent); ok {
		t.Error("platforms component with Facebook enabled")
	}
	if got := testutil.ToFloat64(a.Metrics.TokenExpiry.WithLabelValues("facebook", "data_access")); got != float64(expires.Unix()) {
		t.Errorf("expiry metric %v, want %d", got, expires.Unix())
	}
}

// TestXInvalidatedTokenShownAtOnce: an access token X no longer accepts
// (401, code 89) is on /healthz, with what to do, from the first poll.
func TestXInvalidatedTokenShownAtOnce(t *testing.T) {
	fk := twfake.New(twfake.Options{SelfServe: true})
	defer fk.Close()
	env := xEnv(fk)
	fk.ExpireToken()
	a := runApp(t, env)
	var c health.Component
	waitFor(t, 60*time.Second, "twitter unauthorized on /healthz", func() bool {
		c, _ = a.Health.Get("twitter")
		return c.State == health.Unauthorized
	})
	if !strings.Contains(c.Reason, "401") || !strings.Contains(c.Reason, "inboxbot connect x") {
		t.Errorf("reason %q", c.Reason)
	}
	if a.Health.Report().Status != health.StatusDegraded {
		t.Errorf("status %s", a.Health.Report().Status)
	}
}
