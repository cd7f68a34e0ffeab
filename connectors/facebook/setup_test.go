package facebook

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/metrics"
)

// setupFake is a fake Graph API whose app requires appsecret_proof, and
// the Setup that talks to it.
func setupFake(t *testing.T) (*fbfake.Server, Setup) {
	t.Helper()
	fk := fbfake.New(fbfake.Options{PageID: testPage, PageName: "Hotel Help", Token: testToken, AppSecret: "app-secret", AppID: "4242"})
	t.Cleanup(fk.Close)
	return fk, Setup{GraphURL: fk.URL(), AppID: "4242", AppSecret: "app-secret"}.WithDefaults()
}

// TestSetupFlow is what `inboxbot connect facebook` does, against the
// fake: exchange the user token, list the Pages, inspect the chosen
// Page's token and subscribe the app to its webhooks.
func TestSetupFlow(t *testing.T) {
	fk, s := setupFake(t)
	fk.AddManagedPage("0999", "Another Page")
	ctx := context.Background()
	short := fk.UserToken()

	long, ttl, err := s.ExchangeToken(ctx, short)
	if err != nil || long == "" || long == short || ttl < 50*24*time.Hour {
		t.Fatalf("ExchangeToken = %q, %s, %v", long, ttl, err)
	}
	// The exchange is a versioned GET carrying the app's credentials, as
	// Meta documents it.
	var exch fbfake.Call
	for _, c := range fk.Calls() {
		if c.Path == "/oauth/access_token" {
			exch = c
		}
	}
	if exch.Method != "GET" || exch.Version != DefaultVersion || exch.Query.Get("grant_type") != "fb_exchange_token" ||
		exch.Query.Get("client_id") != "4242" || exch.Query.Get("fb_exchange_token") != short {
		t.Errorf("exchange call = %+v", exch)
	}

	pages, err := s.Pages(ctx, long)
	if err != nil || len(pages) != 2 || pages[1].ID != testPage || pages[1].Token != testToken || pages[1].Name != "Hotel Help" {
		t.Fatalf("Pages = %+v, %v", pages, err)
	}
	ti, err := s.Debug(ctx, pages[1].Token)
	if err != nil || !ti.Valid || ti.Type != "PAGE" || ti.ProfileID != testPage || ti.AppID != "4242" {
		t.Fatalf("Debug = %+v, %v", ti, err)
	}
	// A Page token got with a long-lived user token does not expire; its
	// data access does.
	if !ti.ExpiresAt.IsZero() || ti.DataAccessExpiresAt.IsZero() {
		t.Errorf("expiry = %v / %v, want never / a date", ti.ExpiresAt, ti.DataAccessExpiresAt)
	}
	if m := MissingPermissions(ti.Scopes); len(m) != 0 {
		t.Errorf("missing %v", m)
	}
	if err := s.Subscribe(ctx, testPage, pages[1].Token, WebhookFields); err != nil {
		t.Fatal(err)
	}
	if got := fk.SubscribedFields(); !slices.Equal(got, []string{"feed", "messages"}) {
		t.Errorf("subscribed fields = %v", got)
	}
}

func TestSetupErrors(t *testing.T) {
	fk, s := setupFake(t)
	ctx := context.Background()
	short := fk.UserToken("pages_show_list", "pages_messaging", "pages_read_engagement")

	bad := s
	bad.AppSecret = "wrong"
	if _, _, err := bad.ExchangeToken(ctx, short); !errors.Is(err, ErrSetup) || !strings.Contains(err.Error(), "client secret") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("exchange with a wrong secret: %v", err)
	}
	if _, _, err := s.ExchangeToken(ctx, "not-a-token"); err == nil || !strings.Contains(err.Error(), "190") {
		t.Errorf("exchange of an unknown token: %v", err)
	}
	// A short-lived user token's Pages expire with it; the permissions it
	// lacks are named with Meta's names.
	pages, err := s.Pages(ctx, short)
	if err != nil || len(pages) != 1 {
		t.Fatalf("Pages = %v, %v", pages, err)
	}
	ti, err := s.Debug(ctx, pages[0].Token)
	if err != nil || ti.ExpiresAt.IsZero() {
		t.Fatalf("Debug = %+v, %v", ti, err)
	}
	var names []string
	for _, p := range MissingPermissions(ti.Scopes) {
		names = append(names, p.Name)
	}
	if want := []string{"pages_read_user_content", "pages_manage_metadata", "pages_manage_engagement"}; !slices.Equal(names, want) {
		t.Errorf("missing = %v, want %v", names, want)
	}
	// Subscribing needs pages_manage_metadata.
	if err := s.Subscribe(ctx, testPage, pages[0].Token, WebhookFields); err == nil || !strings.Contains(err.Error(), "pages_manage_metadata") {
		t.Errorf("subscribe without pages_manage_metadata: %v", err)
	}
	// A token the app never issued is not valid.
	if ti, err := s.Debug(ctx, "EAAbogus"); err != nil || ti.Valid || ti.Problem == "" {
		t.Errorf("Debug(bogus) = %+v, %v", ti, err)
	}
}

// TestTokenWatch: the Page token's expiry, read from the fake's
// debug_token, is ok far ahead, expiring with the date within 7 days
// (either date), and unauthorized once Meta calls it invalid.
func TestTokenWatch(t *testing.T) {
	fk, s := setupFake(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	h := health.New()
	m := metrics.New()
	w, err := NewTokenWatch(TokenWatchConfig{Setup: s, PageToken: testToken, Health: h, Expiry: m.TokenExpiry, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	check := func(expires, dataAccess time.Time) health.Component {
		t.Helper()
		fk.SetTokenExpiry(testToken, expires, dataAccess)
		if err := w.Check(ctx); err != nil {
			t.Fatal(err)
		}
		c, _ := h.Get(TokenComponent)
		return c
	}
	if c := check(time.Time{}, now.Add(30*24*time.Hour)); c.State != health.OK || c.Details["expires_at"] != "never" {
		t.Errorf("30 days ahead: %+v", c)
	}
	if got := testutil.ToFloat64(m.TokenExpiry.WithLabelValues("facebook", "data_access")); got != float64(now.Add(30*24*time.Hour).Unix()) {
		t.Errorf("data access expiry metric = %v", got)
	}
	c := check(time.Time{}, now.Add(6*24*time.Hour+time.Hour))
	if c.State != health.Expiring || !strings.Contains(c.Reason, "2026-12-07") || !strings.Contains(c.Reason, "access to user data") ||
		!strings.Contains(c.Reason, Renew) || !strings.Contains(c.Reason, "in 6 days") {
		t.Errorf("data access in 6 days: %+v", c)
	}
	if h.Report().Status != health.StatusDegraded {
		t.Errorf("status = %s, want degraded", h.Report().Status)
	}
	// The token itself expiring first is named as such.
	if c := check(now.Add(3*24*time.Hour), now.Add(60*24*time.Hour)); c.State != health.Expiring || !strings.Contains(c.Reason, "the Page token expires on 2026-12-04") {
		t.Errorf("token in 3 days: %+v", c)
	}
	if c := check(now.Add(8*24*time.Hour), now.Add(60*24*time.Hour)); c.State != health.OK {
		t.Errorf("8 days ahead: %+v", c)
	}
	fk.ExpireToken()
	if c := check(time.Time{}, now.Add(60*24*time.Hour)); c.State != health.Unauthorized || !strings.Contains(c.Reason, "463") {
		t.Errorf("expired token: %+v", c)
	}
}
