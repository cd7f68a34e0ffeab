package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/internal/testutil"
)

// inproc is one command running in this process, e.g. serve.
type inproc struct {
	cancel context.CancelFunc
	done   chan int
	stdout *syncBuffer
	stderr *syncBuffer
}

// start runs one command in process until stop; stdin may be nil.
func start(t *testing.T, environ []string, stdin io.Reader, args ...string) *inproc {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &inproc{cancel: cancel, done: make(chan int, 1), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	go func() { p.done <- run(ctx, env{stdin, p.stdout, p.stderr, environ}, args) }()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("%v: stdout:\n%s\nstderr:\n%s", args, p.stdout.String(), p.stderr.String())
		}
	})
	return p
}

// stop ends the command and returns its exit code (once).
func (p *inproc) stop(t *testing.T) int {
	t.Helper()
	p.cancel()
	select {
	case code, ok := <-p.done:
		if ok {
			close(p.done)
		}
		return code
	case <-time.After(60 * time.Second):
		t.Fatal("the command did not stop within 60 s")
	}
	return -1
}

// waitOutput waits until re matches the output and returns its first
// group.
func waitOutput(t *testing.T, what string, b *syncBuffer, re *regexp.Regexp) string {
	t.Helper()
	var m []string
	waitFor(t, 120*time.Second, func() bool {
		m = re.FindStringSubmatch(b.String())
		return m != nil
	})
	if len(m) < 2 {
		t.Fatalf("%s: no match", what)
	}
	return m[1]
}

// publicHealth is the anonymous /healthz.
func publicHealth(t *testing.T, addr string) (status string, states map[string]string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		return "", nil
	}
	defer resp.Body.Close()
	var rep struct {
		Status     string
		Components map[string]struct{ State string }
	}
	if json.NewDecoder(resp.Body).Decode(&rep) != nil {
		return "", nil
	}
	states = map[string]string{}
	for n, c := range rep.Components {
		states[n] = c.State
	}
	return rep.Status, states
}

// browser is an HTTP client that keeps cookies, as a browser would.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 60 * time.Second}
}

// page gets or posts and returns the final status and body.
func page(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = c.PostForm(u, form)
	} else {
		resp, err = c.Get(u)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var (
	setupLinkRE = regexp.MustCompile(`(http://\S+/setup\?token=\S+)`)
	xAuthURLRE  = regexp.MustCompile(`(http://\S+/oauth/authorize\?oauth_token=\S+)`)
	csrfRE      = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	oauthTokRE  = regexp.MustCompile(`name="oauth_token" value="([^"]+)"`)
	pinRE       = regexp.MustCompile(`<code id="oauth_pin">(\d+)</code>`)
)

// TestFirstRun is a new team's first hour, with no hand edit of the
// config file: init → serve with no agent and no platform (the set-up
// link; /healthz degraded) → the first admin chosen through the link and
// signed in → connect facebook and connect x against the fakes → serve
// again, webhooks registered → customers' messages flow in and the
// policy answers.
func TestFirstRun(t *testing.T) {
	fb := fbfake.New(fbfake.Options{PageID: "1000", PageName: "Hotel Help", Token: "EAApage-1000", AppID: "4242", AppSecret: "app-secret", WebhookRetryDelay: 50 * time.Millisecond})
	defer fb.Close()
	fb.AddManagedPage("2000", "Hotel Help Staff")
	tw := twfake.New(twfake.Options{SelfServe: true, WebhookRetryDelay: 50 * time.Millisecond})
	defer tw.Close()

	dir := t.TempDir()
	addr := testutil.FreeAddr(t)
	base := "http://" + addr + "/"
	// Only where the fakes are, and test-speed settings, come from the
	// environment; everything else is what the commands write.
	environ := []string{
		"INBOXBOT_FACEBOOK_GRAPH_URL=" + fb.URL(),
		"INBOXBOT_TWITTER_API_URL=" + tw.URLv2(),
		"INBOXBOT_FACEBOOK_POLL_INTERVAL=1s",
		"INBOXBOT_POLICY_LANGUAGE_LANGUAGES=en,es,it",
		"INBOXBOT_LOG_FORMAT=json",
	}
	cfg := filepath.Join(dir, "inboxbot.yaml")

	// init.
	if code, out, errs := runCmd(t, environ, "", "init", "--dir", dir, "--http-addr", addr, "--public-url", base, "--yes"); code != exitOK {
		t.Fatalf("init: %d\n%s\n%s", code, out, errs)
	}

	// serve: no agent, no platform.
	s1 := start(t, environ, nil, "serve", "--config", cfg)
	link := waitOutput(t, "the set-up link", s1.stderr, setupLinkRE)
	if !strings.HasPrefix(link, base+"setup?token=") {
		t.Fatalf("set-up link %q, want it on %s", link, base)
	}
	var status string
	var states map[string]string
	waitFor(t, 60*time.Second, func() bool { status, states = publicHealth(t, addr); return status != "" })
	if status != "degraded" || states["platforms"] != "unconfigured" {
		t.Errorf("/healthz with no platform: %s %v", status, states)
	}
	if n := strings.Count(s1.stderr.String(), "no platform enabled"); n != 1 {
		t.Errorf("serve said %d times that no platform is enabled, want once", n)
	}

	// The first admin, through the link, in a browser.
	b := browser(t)
	code, body := page(t, b, http.MethodGet, link, nil)
	if code != http.StatusOK || !strings.Contains(body, "Create the first admin") {
		t.Fatalf("set-up page: %d\n%s", code, body)
	}
	tok, _ := url.Parse(link)
	const password = "a long admin password"
	code, body = page(t, b, http.MethodPost, base+"setup", url.Values{
		"token": {tok.Query().Get("token")}, "name": {"ana"}, "password": {password}, "confirm": {password},
	})
	if code != http.StatusOK || !strings.Contains(body, "ana") || !strings.Contains(body, `action="/agents"`) {
		t.Fatalf("after set-up (the Agents page, signed in): %d\n%s", code, body)
	}
	if code, _ := page(t, b, http.MethodGet, link, nil); code != http.StatusGone {
		t.Errorf("the link worked twice: %d", code)
	}
	// Sign in afresh with the chosen password.
	b = browser(t)
	code, body = page(t, b, http.MethodGet, base+"login", nil)
	m := csrfRE.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		t.Fatalf("sign-in page: %d", code)
	}
	code, body = page(t, b, http.MethodPost, base+"login", url.Values{"csrf": {m[1]}, "name": {"ana"}, "password": {password}})
	if code != http.StatusOK || !strings.Contains(body, `id="sign-out"`) {
		t.Fatalf("sign-in: %d\n%s", code, body)
	}
	if c := s1.stop(t); c != exitOK {
		t.Fatalf("serve exited %d", c)
	}

	// connect facebook: a user token from a file, the app's id and secret.
	userToken := testutil.WriteFile(t, "user-token", fb.UserToken()+"\n")
	appSecret := testutil.WriteFile(t, "app-secret", "app-secret\n")
	code, out, errs := runCmd(t, environ, "1\n", "connect", "facebook", "--config", cfg, "--app-id", "4242", "--app-secret-file", appSecret, "--token-file", userToken)
	if code != exitOK || !strings.Contains(out, `Facebook connected: Page "Hotel Help" (1000)`) || !strings.Contains(out, "does not expire") {
		t.Fatalf("connect facebook: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "1. Hotel Help (1000)") || !strings.Contains(errs, "2. Hotel Help Staff (2000)") {
		t.Errorf("connect facebook did not offer the Pages:\n%s", errs)
	}
	if got := fb.SubscribedFields(); len(got) != 2 {
		t.Errorf("subscribed webhook fields %v", got)
	}

	// connect x: the app's keys asked, the PIN flow in a browser.
	ck, cs, _, _ := tw.Credentials()
	pr, pw := io.Pipe()
	cx := start(t, environ, pr, "connect", "x", "--config", cfg)
	fmt.Fprintf(pw, "%s\n%s\n", ck, cs)
	authURL := waitOutput(t, "the authorization page", cx.stdout, xAuthURLRE)
	code, body = page(t, b, http.MethodGet, authURL, nil)
	m = oauthTokRE.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		t.Fatalf("authorization page: %d\n%s", code, body)
	}
	u, _ := url.Parse(authURL)
	u.RawQuery = ""
	_, body = page(t, b, http.MethodPost, u.String(), url.Values{"oauth_token": {m[1]}})
	pin := pinRE.FindStringSubmatch(body)
	if pin == nil {
		t.Fatalf("no PIN:\n%s", body)
	}
	fmt.Fprintf(pw, "%s\n", pin[1])
	waitFor(t, 60*time.Second, func() bool { return strings.Contains(cx.stdout.String(), "Restart `inboxbot serve`") })
	if c := cx.stop(t); c != exitOK || !strings.Contains(cx.stdout.String(), "X connected: @HotelHelp") {
		t.Fatalf("connect x: %d\n%s\n%s", c, cx.stdout.String(), cx.stderr.String())
	}
	pw.Close()

	// No secret in the config file; every one in its own 0600 file.
	yaml, _ := os.ReadFile(cfg)
	_, _, at, as := tw.Credentials()
	for _, secret := range []string{"EAApage-1000", "app-secret", cs, at, as} {
		if bytes.Contains(yaml, []byte(secret)) {
			t.Errorf("the config file holds a secret:\n%s", yaml)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "secrets", "facebook_page_token")); string(b) != "EAApage-1000\n" {
		t.Errorf("page token file %q", b)
	}

	// serve again: both platforms on, straight from the file.
	fb.AddMessage("", fbfake.User{ID: "u1", Name: "Maria"}, "Hello, my booking for next week?", time.Time{})
	s2 := start(t, environ, nil, "serve", "--config", cfg)
	waitFor(t, 60*time.Second, func() bool {
		status, states = publicHealth(t, addr)
		return states["facebook"] == "ok" && states["twitter"] == "ok"
	})
	if strings.Contains(s2.stderr.String(), "/setup?token=") {
		t.Error("serve printed a set-up link while an admin exists")
	}
	for _, p := range []string{"x", "facebook"} {
		code, out, errs := runCmd(t, environ, "", "connect", p, "--webhook-only", "--config", cfg)
		if code != exitOK || !strings.Contains(out, "Webhook") {
			t.Fatalf("connect %s --webhook-only: %d\n%s\n%s", p, code, out, errs)
		}
	}
	if hooks := tw.RegisteredWebhooks(); len(hooks) != 1 || hooks[0].URL != base+"webhooks/twitter" || !hooks[0].Subscribed {
		t.Errorf("X webhooks %+v", hooks)
	}

	// Customers write; the messages flow in and the policy answers.
	tw.AddDM(twfake.User{ID: 7001, ScreenName: "luis", Name: "Luis"}, "Hi, I need to change my dates")
	tw.AddMention(twfake.User{ID: 7002, ScreenName: "giulia", Name: "Giulia"}, "@HotelHelp buongiorno, la mia prenotazione è stata cancellata senza motivo", "it", 0)
	fb.AddMessage("", fbfake.User{ID: "u2", Name: "Jon"}, "Is breakfast included?", time.Time{})
	var list []struct {
		Platform string `json:"platform"`
		Customer struct {
			Handle string `json:"handle"`
			Name   string `json:"name"`
		} `json:"customer"`
	}
	want := map[string]bool{"luis": false, "giulia": false, "Maria": false, "Jon": false}
	waitFor(t, 120*time.Second, func() bool {
		code, out, _ := runCmd(t, environ, "", "conversations", "list", "--json", "--config", cfg)
		if code != exitOK || json.Unmarshal([]byte(out), &list) != nil {
			return false
		}
		for _, c := range list {
			for k := range want {
				if c.Customer.Handle == k || c.Customer.Name == k {
					want[k] = true
				}
			}
		}
		for _, ok := range want {
			if !ok {
				return false
			}
		}
		return true
	})
	// The Italian tweet got the English-only notice.
	waitFor(t, 60*time.Second, func() bool { return len(tw.Replies()) > 0 })
	if err := tw.WaitDeliveries(context.Background(), 1); err != nil {
		t.Errorf("no X webhook delivery: %v", err)
	}
	waitFor(t, 120*time.Second, func() bool { status, states = publicHealth(t, addr); return status == "ok" })
	if c := s2.stop(t); c != exitOK {
		t.Errorf("serve exited %d", c)
	}
}
