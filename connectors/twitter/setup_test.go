package twitter_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/connectors/twitter"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
)

// approve does what the account's owner does in a browser: open the
// authorization page, press "Authorize app", read the PIN.
func approve(t *testing.T, authURL string) string {
	t.Helper()
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := regexp.MustCompile(`name="oauth_token" value="([^"]+)"`).FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || tok == nil {
		t.Fatalf("authorization page: %d\n%s", resp.StatusCode, page)
	}
	u, _ := url.Parse(authURL)
	u.RawQuery = ""
	resp, err = http.PostForm(u.String(), url.Values{"oauth_token": {string(tok[1])}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	pin := regexp.MustCompile(`<code id="oauth_pin">(\d+)</code>`).FindSubmatch(page)
	if pin == nil {
		t.Fatalf("no PIN on the page:\n%s", page)
	}
	return string(pin[1])
}

// TestSetupPINFlow runs X's 3-legged OAuth 1.0a PIN flow against the
// fake, whose endpoints check the signatures: the access token it gives
// is then the account's, users/me names the account, and the old token
// no longer works.
func TestSetupPINFlow(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	key, secret, oldToken, oldSecret := fk.Credentials()
	s := twitter.Setup{ConsumerKey: key, ConsumerSecret: secret, APIURL: fk.URLv2()}.WithDefaults()
	ctx := context.Background()

	a, err := s.Authorize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.URL, strings.TrimSuffix(fk.URLv2(), "2/")+"oauth/authorize?oauth_token=") {
		t.Errorf("authorize URL = %s", a.URL)
	}
	if _, err := s.Finish(ctx, a, "0000000"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a PIN before approval must be refused: %v", err)
	}
	pin := approve(t, a.URL)
	tok, err := s.Finish(ctx, a, pin)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, at, as := fk.Credentials(); at != tok.Token || as != tok.Secret || tok.Token == oldToken {
		t.Errorf("token %+v, fake accepts %s/%s", tok, at, as)
	}
	acct, err := s.Verify(ctx, tok)
	if err != nil || acct.ID != fk.Self().IDStr() || acct.Username != fk.Self().ScreenName {
		t.Errorf("Verify = %+v, %v", acct, err)
	}
	// The request token is spent.
	if _, err := s.Finish(ctx, a, pin); err == nil {
		t.Error("a request token worked twice")
	}
	// The old token is no longer the account's: X answers 401 code 89.
	if _, err := s.Verify(ctx, twitter.Token{Token: oldToken, Secret: oldSecret}); !errors.Is(err, twitter.ErrSetup) || !strings.Contains(err.Error(), "401") {
		t.Errorf("Verify(old token) = %v", err)
	}
	for _, ep := range []string{twfake.RequestTokenEndpoint, twfake.AuthorizeEndpoint, twfake.AccessTokenEndpoint} {
		if fk.Requests(ep) == 0 {
			t.Errorf("no call to %s", ep)
		}
	}
}

func TestSetupRefusesABadSignature(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	key, _, _, _ := fk.Credentials()
	s := twitter.Setup{ConsumerKey: key, ConsumerSecret: "not-the-secret", APIURL: fk.URLv2()}.WithDefaults()
	if _, err := s.Authorize(context.Background()); err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "not-the-secret") {
		t.Errorf("Authorize with a wrong secret: %v", err)
	}
}

// TestSetupRegisterWebhook registers a webhook (X's CRC check included)
// and subscribes the account: activity is then delivered there.
func TestSetupRegisterWebhook(t *testing.T) {
	fk := twfake.New(twfake.Options{WebhookRetryDelay: 1})
	defer fk.Close()
	got := make(chan []byte, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("crc_token"); tok != "" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"response_token":"`+fk.Sign([]byte(tok))+`"}`)
			return
		}
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer hook.Close()
	key, secret, at, as := fk.Credentials()
	s := twitter.Setup{ConsumerKey: key, ConsumerSecret: secret, APIURL: fk.URLv2()}.WithDefaults()
	ctx := context.Background()
	tok := twitter.Token{Token: at, Secret: as}
	h, err := s.RegisterWebhook(ctx, hook.URL+"/webhooks/twitter", tok)
	if err != nil || h.ID == "" || !h.Valid {
		t.Fatalf("RegisterWebhook = %+v, %v", h, err)
	}
	// Registering again re-validates the same webhook.
	if h2, err := s.RegisterWebhook(ctx, hook.URL+"/webhooks/twitter", tok); err != nil || h2.ID != h.ID {
		t.Errorf("second RegisterWebhook = %+v, %v", h2, err)
	}
	if reg := fk.RegisteredWebhooks(); len(reg) != 1 || !reg[0].Subscribed {
		t.Errorf("registered = %+v", reg)
	}
	fk.AddDM(twfake.User{ID: 77, ScreenName: "maria", Name: "Maria"}, "hello")
	if b := <-got; !strings.Contains(string(b), `"direct_message_events"`) {
		t.Errorf("delivery = %s", b)
	}
	// Another URL is refused: one webhook per app.
	if _, err := s.RegisterWebhook(ctx, hook.URL+"/other", tok); err == nil || !strings.Contains(err.Error(), "WebhookLimitExceeded") {
		t.Errorf("a second URL: %v", err)
	}
}
