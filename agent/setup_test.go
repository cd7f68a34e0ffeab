package agent

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/health"
)

// postSetup posts the set-up form as a browser would.
func postSetup(t *testing.T, e *testEnv, tok, name, pw, confirm string) *http.Response {
	t.Helper()
	req := newForm(SetupPath, url.Values{"token": {tok}, "name": {name}, "password": {pw}, "confirm": {confirm}}, "192.0.2.7:1234", "")
	return e.anon().serve(req).Result()
}

// TestSetupLink: with no agent, a set-up link creates the first admin,
// who is signed in at once; the link works once, expires after 15
// minutes, and only its hash is stored.
func TestSetupLink(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	svc := e.srv.svc
	tok, err := svc.StartSetup(ctx)
	if err != nil || len(tok) < 40 {
		t.Fatalf("StartSetup = %q, %v", tok, err)
	}
	if raw, _, _ := e.st.Cursor(ctx, setupKey); strings.Contains(raw, tok) || !strings.Contains(raw, hashToken(tok)) {
		t.Errorf("stored %q: want the hash only", raw)
	}
	if rec := e.anon().do(t, "GET", SetupPath+"?token=wrong", "", ""); rec.Code != http.StatusGone {
		t.Errorf("a wrong token: %d", rec.Code)
	}
	rec := e.anon().do(t, "GET", SetupPath+"?token="+tok, "", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="token" value="`+tok+`"`) || rec.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("set-up page: %d %v\n%s", rec.Code, rec.Header(), rec.Body)
	}
	// Mistakes keep the link working.
	const pw = "correct horse battery"
	for _, bad := range [][3]string{{"ana", pw, pw + "x"}, {"ana", "short", "short"}, {"Ana Smith", pw, pw}} {
		if resp := postSetup(t, e, tok, bad[0], bad[1], bad[2]); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("set-up %q: %d, want 400", bad, resp.StatusCode)
		}
	}
	resp := postSetup(t, e, tok, "ana", pw, pw)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/agents" {
		t.Fatalf("set-up: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			cookie = c.Value
		}
	}
	// Signed in, as an admin: the Agents page opens.
	if rec := (&client{e: e, cookie: cookie}).do(t, "GET", "/agents", "", ""); rec.Code != http.StatusOK {
		t.Errorf("/agents after set-up: %d", rec.Code)
	}
	if a, err := e.st.Agent(ctx, "ana"); err != nil || a.Role != RoleAdmin {
		t.Errorf("agent = %+v, %v", a, err)
	}
	// The password chosen signs in.
	if _, err := svc.Login(ctx, "ana", pw); err != nil {
		t.Errorf("sign-in with the chosen password: %v", err)
	}
	// Once only.
	if resp := postSetup(t, e, tok, "eve", pw, pw); resp.StatusCode != http.StatusGone {
		t.Errorf("second use: %d", resp.StatusCode)
	}
	if rec := e.anon().do(t, "GET", SetupPath+"?token="+tok, "", ""); rec.Code != http.StatusGone {
		t.Errorf("second view: %d", rec.Code)
	}
	// No new link while an agent exists.
	if tok, err := svc.StartSetup(ctx); tok != "" || err != nil {
		t.Errorf("StartSetup with an agent = %q, %v", tok, err)
	}
}

func TestSetupLinkExpires(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	svc := e.srv.svc
	start := time.Now()
	svc.now = func() time.Time { return start }
	tok, err := svc.StartSetup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	svc.now = func() time.Time { return start.Add(SetupTTL - time.Second) }
	if err := svc.CheckSetup(ctx, tok); err != nil {
		t.Errorf("just before 15 minutes: %v", err)
	}
	svc.now = func() time.Time { return start.Add(SetupTTL) }
	if _, err := svc.CompleteSetup(ctx, tok, "ana", "correct horse battery"); !errors.Is(err, ErrSetupLink) {
		t.Errorf("after 15 minutes: %v", err)
	}
	// A new link replaces the old one.
	tok2, _ := svc.StartSetup(ctx)
	if err := svc.CheckSetup(ctx, tok); !errors.Is(err, ErrSetupLink) {
		t.Errorf("the replaced link: %v", err)
	}
	if _, err := svc.CompleteSetup(ctx, tok2, "ana", "correct horse battery"); err != nil {
		t.Errorf("the new link: %v", err)
	}
}

// TestBannerShowsExpiringToken: a token about to expire and an instance
// with no platform are on every page's banner, with what they mean.
func TestBannerShowsExpiringToken(t *testing.T) {
	e := newTestEnv(t)
	pw := e.addAgent(t, "ana", RoleAgent)
	c := e.session(t, "ana", pw)
	e.health.Register("facebook_token", false)
	e.health.Set("facebook_token", health.Expiring, "the Page token's access to user data expires on 2026-12-07 (in 6 days); renew it before then: inboxbot connect facebook")
	e.health.Register("platforms", false)
	e.health.Set("platforms", health.Unconfigured, "no platform enabled")
	body := c.do(t, "GET", "/", "", "").Body.String()
	for _, want := range []string{"<b>facebook_token</b> is expiring", "2026-12-07", "inboxbot connect facebook", "An admin must renew it", "<b>platforms</b> is unconfigured (no platform enabled)"} {
		if !strings.Contains(body, want) {
			t.Errorf("banner lacks %q", want)
		}
	}
}
