package agent

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// loginForm fetches the sign-in form and returns its CSRF cookie and field.
func loginForm(t *testing.T, e *testEnv, remote string) (cookie, field string) {
	t.Helper()
	req := httptest.NewRequest("GET", "/login", nil)
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /login: %d", rec.Code)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == loginCookie {
			cookie = c.Value
		}
	}
	return cookie, csrfField(t, rec.Body.String())
}

func postLogin(t *testing.T, e *testEnv, remote, cookie, field, name, pw string, tlsOn bool) *httptest.ResponseRecorder {
	t.Helper()
	form := url.Values{"name": {name}, "password": {pw}, "csrf": {field}, "next": {"/conversations/1"}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = remote
	if tlsOn {
		req.TLS = &tls.ConnectionState{}
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: loginCookie, Value: cookie})
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func TestLogin(t *testing.T) {
	e := newTestEnv(t)
	pw := e.addAgent(t, "alice", RoleAgent)
	const ip = "198.51.100.7:5000"
	cookie, field := loginForm(t, e, ip)

	// Without the form's CSRF cookie: refused.
	if rec := postLogin(t, e, ip, "", field, "alice", pw, false); rec.Code != http.StatusForbidden {
		t.Errorf("login without CSRF cookie: got %d, want 403", rec.Code)
	}
	rec := postLogin(t, e, ip, cookie, field, "alice", pw, true)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/conversations/1" {
		t.Fatalf("login: got %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	var sess *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			sess = c
		}
	}
	if sess == nil || !sess.HttpOnly || !sess.Secure || sess.SameSite != http.SameSiteStrictMode || sess.Path != "/" {
		t.Fatalf("session cookie = %+v, want HttpOnly, Secure (TLS), SameSite=Strict", sess)
	}
	// Over plain HTTP without secure_cookies the cookie cannot be Secure
	// (the browser would drop it); with the flag it is.
	rec = postLogin(t, e, ip, cookie, field, "alice", pw, false)
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie && c.Secure {
			t.Errorf("cookie Secure over plain HTTP without secure_cookies")
		}
	}
	e.srv.cfg.SecureCookies = true
	rec = postLogin(t, e, ip, cookie, field, "alice", pw, false)
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie && !c.Secure {
			t.Errorf("cookie not Secure with secure_cookies")
		}
	}

	// The cookie works; sign-out ends it.
	c := &client{e: e, cookie: sess.Value}
	rec = c.do(t, "GET", "/", "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("queue with session: %d", rec.Code)
	}
	c.csrf = csrfField(t, rec.Body.String())
	if rec := c.form(t, "/logout"); rec.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", rec.Code)
	}
	if rec := c.do(t, "GET", "/api/me", "", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("after logout: got %d, want 401", rec.Code)
	}

	// Open redirects are not followed.
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q", next, got)
		}
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newTestEnv(t)
	pw := e.addAgent(t, "alice", RoleAgent)
	now := time.Now()
	e.srv.limiter.now = func() time.Time { return now }

	const ip = "198.51.100.9:5000"
	cookie, field := loginForm(t, e, ip)
	for i := 0; i < DefaultLoginAttempts; i++ {
		if rec := postLogin(t, e, ip, cookie, field, "alice", "wrong", false); rec.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: got %d, want 401", i+1, rec.Code)
		}
	}
	rec := postLogin(t, e, ip, cookie, field, "alice", pw, false)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: got %d, want 429", DefaultLoginAttempts, rec.Code)
	}
	if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After = %q", rec.Header().Get("Retry-After"))
	}
	// The name is limited from other addresses too (a distributed guess).
	if rec := postLogin(t, e, "203.0.113.50:1", cookie, field, "alice", pw, false); rec.Code != http.StatusTooManyRequests {
		t.Errorf("same name, other address: got %d, want 429", rec.Code)
	}
	// Another agent from another address is not affected.
	pw2 := e.addAgent(t, "bob", RoleAgent)
	if rec := postLogin(t, e, "203.0.113.51:1", cookie, field, "bob", pw2, false); rec.Code != http.StatusSeeOther {
		t.Errorf("other agent, other address: got %d, want 303", rec.Code)
	}
	// A minute later it works again.
	now = now.Add(61 * time.Second)
	if rec := postLogin(t, e, ip, cookie, field, "alice", pw, false); rec.Code != http.StatusSeeOther {
		t.Errorf("after the window: got %d, want 303", rec.Code)
	}
}

func TestSecurityHeadersAndOpenRoutes(t *testing.T) {
	e := newTestEnv(t)
	for _, path := range []string{"/login", "/healthz", "/static/app.css", "/static/app.js"} {
		rec := e.anon().do(t, "GET", path, "", "")
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline code", path)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff or Referrer-Policy", path)
		}
	}
	// /metrics is open to loopback only.
	if rec := (&client{e: e, remote: "127.0.0.1:9999"}).do(t, "GET", "/metrics", "", ""); rec.Code != http.StatusOK {
		t.Errorf("/metrics from loopback: %d", rec.Code)
	}
	if rec := (&client{e: e, remote: "[::1]:9999"}).do(t, "GET", "/metrics", "", ""); rec.Code != http.StatusOK {
		t.Errorf("/metrics from ::1: %d", rec.Code)
	}
	if rec := e.anon().do(t, "GET", "/metrics", "", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("/metrics from afar: %d, want 401", rec.Code)
	}
	// Unknown paths are 404, not the queue.
	if rec := e.anon().do(t, "GET", "/nope", "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET /nope: %d", rec.Code)
	}
}

// TestCustomerTextIsText checks the server side of XSS safety: customer
// text and names are escaped, whatever they hold.
func TestCustomerTextIsText(t *testing.T) {
	e := newTestEnv(t)
	c := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	hostile := `<script>alert(1)</script> <img src=x onerror=alert(1)> "quoted' &amp;`
	id := e.conv(t, inbox.Facebook, inbox.Message, "x<b>y", hostile)
	rec := c.do(t, "GET", "/conversations/"+strconv.FormatInt(id, 10), "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("conversation page: %d", rec.Code)
	}
	body := rec.Body.String()
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>y"} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains raw %q", bad)
		}
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("escaped text missing")
	}
	// Only the external app.js and desk.js.
	if n, ext := strings.Count(body, "<script"), strings.Count(body, `<script src="/static/`); n != 2 || ext != n {
		t.Errorf("page has %d script tags (%d external), want the 2 external ones", n, ext)
	}
	// The queue escapes customer names too.
	rec = c.do(t, "GET", "/", "", "")
	if strings.Contains(rec.Body.String(), "<b>y") {
		t.Errorf("queue contains a raw customer name")
	}
}

func TestConversationView(t *testing.T) {
	e := newTestEnv(t)
	c := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	ctx := context.Background()
	now := time.Now()
	// A public comment (stored redacted) and a private Messenger message
	// with a finding, linked.
	res, err := e.st.Ingest(ctx, []store.Item{
		{Message: inbox.Inbound{V: 1, Platform: inbox.Facebook, Kind: inbox.Comment, ExternalID: "c1", Thread: "t1",
			Author: inbox.Author{ID: "u1", Name: "Ann"}, Text: "My PIN is [PIN], help", CreatedAt: now.Add(-2 * time.Hour)},
			Findings: []inbox.Finding{{Kind: "pin", Start: 10, End: 14}}, Flags: []string{inbox.FlagPIIRedacted}},
		{Message: inbox.Inbound{V: 1, Platform: inbox.Facebook, Kind: inbox.Message, ExternalID: "m1", Thread: "t2",
			Author: inbox.Author{ID: "u1", Name: "Ann"}, Text: "Booking 1425587239 please", CreatedAt: now.Add(-3 * time.Hour)},
			Findings: []inbox.Finding{{Kind: "booking_number", Start: 8, End: 18}}, Link: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	pub, priv := res[0].ConversationID, res[1].ConversationID
	body := c.do(t, "GET", "/conversations/"+strconv.FormatInt(priv, 10), "", "").Body.String()
	for _, want := range []string{
		`<mark class="secret booking_number hidden" title="booking number">[booking number]</mark>`,
		`24-hour window: 21h`, `Human agent (7 days): 6d 21h left`,
		`href="/conversations/` + strconv.FormatInt(pub, 10) + `"`,
		`href="/?person=`,
		`value="private" id="vis-private" checked`,
		`value="public" id="vis-public" disabled`,
		`data-text="Thanks for reaching out! We&#39;re on it."`,
		`class="msg in private"`,
		`A reply now goes out as a standard response.`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("private conversation page lacks %q", want)
		}
	}
	if strings.Contains(body, "1425587239") {
		t.Errorf("private conversation page shows the booking number before it is revealed")
	}
	body = c.do(t, "GET", "/conversations/"+strconv.FormatInt(pub, 10), "", "").Body.String()
	for _, want := range []string{
		`<mark class="secret placeholder" title="placeholder">[PIN]</mark>`,
		`class="msg in public"`, `value="public" id="vis-public">`, `pii redacted`,
		`Private reply: 6d 22h left`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("public conversation page lacks %q", want)
		}
	}
	if strings.Contains(body, "24-hour window") {
		t.Errorf("public conversation shows a Messenger window")
	}

	// Close, reopen and claim through the forms, then see the audit trail.
	base := "/conversations/" + strconv.FormatInt(pub, 10)
	for _, step := range []string{"/claim", "/close", "/reopen"} {
		if rec := c.form(t, base+step, "expect", ""); rec.Code != http.StatusSeeOther {
			t.Fatalf("POST %s: %d %s", step, rec.Code, rec.Body)
		}
	}
	body = c.do(t, "GET", base, "", "").Body.String()
	for _, want := range []string{"<b>alice</b> claim", "<b>alice</b> close", "<b>alice</b> reopen", `id="release"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page after actions lacks %q", want)
		}
	}
}

func TestQueuePage(t *testing.T) {
	e := newTestEnv(t)
	c := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	e.conv(t, inbox.Facebook, inbox.Comment, "ann", "a")
	e.conv(t, inbox.Twitter, inbox.Mention, "ben", "b")
	rec := c.do(t, "GET", "/?platform=twitter", "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("queue: %d", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, "@ben") || strings.Contains(body, "@ann") {
		t.Errorf("platform filter not applied")
	}
	if !strings.Contains(body, `1 conversation<`) {
		t.Errorf("total missing")
	}
	// The banner shows a connector in trouble.
	e.health.Register("facebook", false)
	e.health.Set("facebook", health.Unauthorized, "token expired (code 190)")
	body = c.do(t, "GET", "/", "", "").Body.String()
	if !strings.Contains(body, "<b>facebook</b> is unauthorized (token expired (code 190))") {
		t.Errorf("banner missing")
	}
	if rec := c.do(t, "GET", "/?status=bogus", "", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("bad status filter: %d", rec.Code)
	}
}

// TestEventsStream checks that bus events and health changes reach a
// connected browser, as ids and states only, and that sign-out ends it.
func TestEventsStream(t *testing.T) {
	e := newTestEnv(t)
	pw := e.addAgent(t, "alice", RoleAgent)
	sess, err := e.srv.svc.Login(context.Background(), "alice", pw)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(e.h)
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/events", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess.Token})
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("/events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.hub.len() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	ev, _ := json.Marshal(map[string]any{"type": "action", "conversation_id": 7, "action_id": 3, "state": "sent", "text": "secret customer text", "at": time.Now()})
	e.publish("inbox.events.conversation.7", ev)
	e.health.Register("twitter", false)
	e.health.Set("twitter", health.RateLimited, "429 until 12:00")

	rd := bufio.NewReader(resp.Body)
	var got []string
	for len(got) < 2 {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("reading stream: %v (got %v)", err, got)
		}
		if strings.HasPrefix(line, "data: {") {
			got = append(got, strings.TrimSpace(line))
		}
	}
	if !strings.Contains(got[0], `"conversation_id":7`) || !strings.Contains(got[0], `"state":"sent"`) || strings.Contains(got[0], "secret") {
		t.Errorf("conversation event = %s", got[0])
	}
	if !strings.Contains(got[1], `"component":"twitter"`) || !strings.Contains(got[1], `"rate_limited"`) {
		t.Errorf("health event = %s", got[1])
	}
	// Sign-out ends the stream.
	if err := e.srv.svc.Logout(context.Background(), sess.Token); err != nil {
		t.Fatal(err)
	}
	e.srv.hub.endSession(hashToken(sess.Token))
	done := make(chan struct{})
	go func() {
		for {
			if _, err := rd.ReadString('\n'); err != nil {
				close(done)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("stream still open after sign-out")
	}
	// Close ends all streams and is idempotent.
	e.srv.Close()
	e.srv.Close()
}

// TestServeShutsDownWithOpenStreams checks that a graceful shutdown is
// not held up by browsers with an open event stream.
func TestServeShutsDownWithOpenStreams(t *testing.T) {
	e := newTestEnv(t)
	pw := e.addAgent(t, "alice", RoleAgent)
	sess, err := e.srv.svc.Login(context.Background(), "alice", pw)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ctx, ln, 5*time.Second) }()

	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/events", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess.Token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/events: %d", resp.StatusCode)
	}
	start := time.Now()
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("shutdown took %s", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}

func TestAdminsSeeTodaysSpend(t *testing.T) {
	e := newTestEnv(t)
	pw := e.addAgent(t, "boss", "admin")
	e.health.Register("twitter", false)
	e.health.SetDetail("twitter", "spend_today_usd", 0.215)
	e.health.Register("twitter_budget", false)
	e.health.SetDetail("twitter_budget", "daily_budget_usd", 0.2)
	e.health.Set("twitter_budget", health.OverBudget, "daily X budget reached")
	admin := e.session(t, "boss", pw)
	body := admin.do(t, http.MethodGet, "/agents", "", "").Body.String()
	for _, want := range []string{`id="spend"`, "$0.215", "$0.20", "automatic posts stopped"} {
		if !strings.Contains(body, want) {
			t.Errorf("agents page lacks %q", want)
		}
	}
	// The over-budget state is on every page's banner.
	if q := admin.do(t, http.MethodGet, "/", "", "").Body.String(); !strings.Contains(q, "daily X budget reached") {
		t.Error("no banner for the budget")
	}
}
