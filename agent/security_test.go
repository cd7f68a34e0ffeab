package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// The tests of this file each cover one finding of the security review
// (issue 15).

// TestLoginParallelWrongPasswords: parallel guesses must not slip past the
// limiter while the first ones are still being checked, and a flood of
// sign-ins from many addresses must not run more than maxPasswordChecks
// bcrypt comparisons at once.
func TestLoginParallelWrongPasswords(t *testing.T) {
	e := newTestEnv(t)
	e.addAgent(t, "alice", RoleAgent)
	var inFlight, peak, checks atomic.Int32
	compare := e.srv.svc.compare
	e.srv.svc.compare = func(hash, pw []byte) error {
		checks.Add(1)
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		// A real check takes ~70 ms: long enough for parallel requests
		// to overlap, which is what the limiter must cope with.
		time.Sleep(20 * time.Millisecond)
		return compare(hash, pw)
	}
	const ip = "198.51.100.20:4000"
	cookie, field := loginForm(t, e, ip)

	const n = 40
	parallel := func(post func(i int) int) map[int]int {
		codes := make([]int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				codes[i] = post(i)
			})
		}
		close(start)
		wg.Wait()
		got := map[int]int{}
		for _, c := range codes {
			got[c]++
		}
		return got
	}

	// One address guessing one agent's password: at most the limit are
	// checked, the rest are refused at once.
	got := parallel(func(int) int { return postLogin(t, e, ip, cookie, field, "alice", "wrong", false).Code })
	if got[http.StatusUnauthorized] > DefaultLoginAttempts || got[http.StatusUnauthorized]+got[http.StatusTooManyRequests] != n {
		t.Errorf("%d parallel wrong passwords: %v, want at most %d × 401 and the rest 429", n, got, DefaultLoginAttempts)
	}
	if c := checks.Load(); c > DefaultLoginAttempts {
		t.Errorf("%d passwords checked, want at most %d", c, DefaultLoginAttempts)
	}

	// Many addresses, many names, each within its own limit: all are
	// checked, but never more than maxPasswordChecks at once. (Real
	// agents, whose test hashes are cheap; unknown names would be checked
	// against the full-cost dummy hash.)
	for i := range n {
		e.addAgent(t, fmt.Sprintf("agent%d", i), RoleAgent)
	}
	peak.Store(0)
	got = parallel(func(i int) int {
		return postLogin(t, e, fmt.Sprintf("203.0.113.%d:1", i+1), cookie, field, fmt.Sprintf("agent%d", i), "wrong", false).Code
	})
	if got[http.StatusUnauthorized] != n {
		t.Errorf("%d sign-ins from distinct addresses: %v, want %d × 401", n, got, n)
	}
	if p := peak.Load(); p > maxPasswordChecks {
		t.Errorf("%d password checks ran at once, want at most %d", p, maxPasswordChecks)
	}

	// A good sign-in gives its attempt back: it does not count as a failure.
	pw, err := e.srv.svc.ResetPassword(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	const ip2 = "198.51.100.21:4000"
	e.srv.limiter.reset("name:alice") // its failures above are not what this checks
	for i := range DefaultLoginAttempts + 2 {
		if rec := postLogin(t, e, ip2, cookie, field, "alice", pw, false); rec.Code != http.StatusSeeOther {
			t.Fatalf("good sign-in %d: got %d, want 303", i+1, rec.Code)
		}
	}
}

// TestLoginBusy: when every password check slot stays taken, a sign-in
// waits a bounded time and then gets 503 with Retry-After, not a hang.
func TestLoginBusy(t *testing.T) {
	e := newTestEnv(t)
	e.addAgent(t, "alice", RoleAgent)
	e.srv.loginWait = 50 * time.Millisecond
	for range maxPasswordChecks {
		e.srv.svc.pwSem <- struct{}{}
	}
	const ip = "198.51.100.30:4000"
	cookie, field := loginForm(t, e, ip)
	rec := postLogin(t, e, ip, cookie, field, "alice", "wrong", false)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("sign-in with no free check: got %d (Retry-After %q), want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	for range maxPasswordChecks {
		<-e.srv.svc.pwSem
	}
	// The refused attempt was not counted: the limit is still whole.
	for i := range DefaultLoginAttempts {
		if rec := postLogin(t, e, ip, cookie, field, "alice", "wrong", false); rec.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d after a busy refusal: got %d, want 401", i+1, rec.Code)
		}
	}
}

// TestSafeNext: the post-sign-in redirect stays on this site, however the
// target is disguised. Browsers drop tabs and newlines from URLs and read
// "\" as "/", so "/\t/host" and "/\host" are "//host" to them.
func TestSafeNext(t *testing.T) {
	tests := []struct{ next, want string }{
		{"/conversations/1", "/conversations/1"},
		{"/?status=open&platform=twitter", "/?status=open&platform=twitter"},
		{"/conversations/12?x=a%20b", "/conversations/12?x=a%20b"},
		{"/@evil.example", "/@evil.example"}, // a path on this host
		{"/a/http://evil.example", "/a/http://evil.example"},
		{"", "/"},
		{"conversations/1", "/"},
		{"//evil.example/", "/"},
		{"///evil.example/", "/"},
		{"https://evil.example/", "/"},
		{"http:/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"\t//evil.example", "/"},
		{"/\n\\evil.example", "/"},
		{" //evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/%09/evil.example", "/"},
		{"/%2f%2fevil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/%5cevil.example", "/"},
		{"%2f%2fevil.example", "/"},
		{"/%252f%252fevil.example", "/"},
		{"/%zz", "/"},
		{"/login", "/"},
		{"/login?next=//evil.example", "/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.next); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
		}
	}

	// End to end: the sign-in form carries the target, and the redirect
	// after sign-in goes to this site.
	e := newTestEnv(t)
	pw := e.addAgent(t, "alice", RoleAgent)
	const ip = "198.51.100.40:4000"
	req, _ := http.NewRequest("GET", "/login?next="+url.QueryEscape("/\t/evil.example"), nil)
	req.RemoteAddr = ip
	rec := e.anon().serve(req)
	if strings.Contains(rec.Body.String(), "evil.example") {
		t.Errorf("sign-in form keeps the foreign target")
	}
	cookie, field := loginForm(t, e, ip)
	for _, next := range []string{"/\t/evil.example", "/%09/evil.example", "/\\evil.example"} {
		form := url.Values{"name": {"alice"}, "password": {pw}, "csrf": {field}, "next": {next}}
		req := newForm("/login", form, ip, cookie)
		rec := e.anon().serve(req)
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/" {
			t.Errorf("sign-in with next=%q: %d to %q, want 303 to /", next, rec.Code, loc)
		}
	}
	// A page behind sign-in sends the browser to the form with its whole
	// address as the target, escaped, so that the query survives.
	rec = e.anon().do(t, "GET", "/?status=all&platform=twitter", "", "")
	if loc := rec.Header().Get("Location"); loc != "/login?next="+url.QueryEscape("/?status=all&platform=twitter") {
		t.Errorf("redirect to sign-in: %q", loc)
	}
}

// TestReadTimeout: a client that sends the headers and then trickles the
// body is cut off after http.read_timeout, while the long-lived event
// stream keeps going past it.
func TestReadTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	e := newTestEnv(t, func(o *Options) { o.Config.ReadTimeout = timeout })
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
	defer func() {
		cancel()
		<-served
	}()
	addr := ln.Addr().String()

	// The event stream, opened first, must outlive the read timeout.
	req, _ := http.NewRequest("GET", "http://"+addr+"/events", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess.Token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/events: %d", resp.StatusCode)
	}

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprint(conn, "POST /login HTTP/1.1\r\nHost: desk\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte("a")); err != nil {
					return
				}
			}
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(10 * timeout))
	_, err = io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("a trickled body kept the connection open for %s (read timeout %s)", time.Since(start).Round(time.Millisecond), timeout)
	}

	// Well past the read timeout, the stream still delivers.
	time.Sleep(2 * timeout)
	ev, _ := json.Marshal(map[string]any{"type": "action", "conversation_id": 9, "action_id": 1, "state": "sent"})
	e.publish("inbox.events.conversation.9", ev)
	lines := make(chan string)
	go func() {
		rd := bufio.NewReader(resp.Body)
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				close(lines)
				return
			}
			lines <- line
		}
	}()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the event stream ended after the read timeout")
			}
			if strings.Contains(line, `"conversation_id":9`) {
				return
			}
		case <-deadline:
			t.Fatal("no event on the stream after the read timeout")
		}
	}
}

// TestCloseReopenRespectHolder: close and reopen follow the rule of claim,
// assign and reply: only the holder, anyone on an unassigned conversation,
// or an admin.
func TestCloseReopenRespectHolder(t *testing.T) {
	e := newTestEnv(t)
	alice := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	bob := e.session(t, "bob", e.addAgent(t, "bob", RoleAgent))
	root := e.session(t, "root", e.addAgent(t, "root", RoleAdmin))
	ctx := context.Background()
	conv := e.conv(t, inbox.Facebook, inbox.Comment, "cust", "The shower is broken")
	api := "/api/conversations/" + strconv.FormatInt(conv, 10)
	page := "/conversations/" + strconv.FormatInt(conv, 10)
	status := func() inbox.Status {
		t.Helper()
		c, err := e.st.Conversation(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		return c.Status
	}

	if rec := alice.json(t, "POST", api+"/claim", ""); rec.Code != http.StatusOK {
		t.Fatalf("alice claims: %d %s", rec.Code, rec.Body)
	}
	// Bob may neither close nor reopen alice's conversation, by API or form.
	for _, step := range []string{"/close", "/reopen"} {
		rec := bob.json(t, "POST", api+step, "")
		var body apiError
		if err := json.Unmarshal(rec.Body.Bytes(), &body); rec.Code != http.StatusConflict || err != nil || body.Code != "held" || body.Assignee != "alice" {
			t.Errorf("bob %s by API: %d %s, want 409 held by alice", step, rec.Code, rec.Body)
		}
		if rec := bob.form(t, page+step); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "held by alice") {
			t.Errorf("bob %s by form: %d, want 409 page naming alice", step, rec.Code)
		}
		if st := status(); st != inbox.Open {
			t.Fatalf("after bob's refused %s the status is %s", step, st)
		}
	}
	if _, err := e.srv.svc.Close(ctx, "bob", conv); !errors.Is(err, ErrHeld) {
		t.Errorf("Service.Close by bob: %v, want ErrHeld", err)
	}
	// The holder may.
	if rec := alice.json(t, "POST", api+"/close", ""); rec.Code != http.StatusOK || status() != inbox.Closed {
		t.Errorf("alice closes her conversation: %d %s", rec.Code, rec.Body)
	}
	if rec := bob.form(t, page+"/reopen"); rec.Code != http.StatusConflict || status() != inbox.Closed {
		t.Errorf("bob reopens alice's closed conversation by form: %d, want 409", rec.Code)
	}
	// An admin may always, by API and by form, and the audit says whose it was.
	if rec := root.json(t, "POST", api+"/reopen", ""); rec.Code != http.StatusOK || status() != inbox.Open {
		t.Errorf("admin reopens alice's conversation: %d %s", rec.Code, rec.Body)
	}
	if rec := root.form(t, page+"/close"); rec.Code != http.StatusSeeOther || status() != inbox.Closed {
		t.Errorf("admin closes alice's conversation by form: %d", rec.Code)
	}
	d, err := e.srv.svc.ShowConversation(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	if last := d.Audit[len(d.Audit)-1]; last.Actor != "agent:root" || last.Action != "close" || !strings.Contains(last.Detail, "alice") {
		t.Errorf("audit of the admin's close = %+v, want root closing alice's conversation", last)
	}
	// An unassigned conversation is anyone's to close and reopen.
	free := e.conv(t, inbox.Twitter, inbox.DM, "guest", "hello")
	freeAPI := "/api/conversations/" + strconv.FormatInt(free, 10)
	if rec := bob.json(t, "POST", freeAPI+"/close", ""); rec.Code != http.StatusOK {
		t.Errorf("bob closes an unassigned conversation: %d %s", rec.Code, rec.Body)
	}
	if rec := bob.form(t, "/conversations/"+strconv.FormatInt(free, 10)+"/reopen"); rec.Code != http.StatusSeeOther {
		t.Errorf("bob reopens an unassigned conversation by form: %d", rec.Code)
	}
}

// TestHealthzRedacted: anonymous /healthz callers learn the status and
// each component's state, nothing more; signed-in agents (session or
// bearer) and /api/health get the reasons and details.
func TestHealthzRedacted(t *testing.T) {
	e := newTestEnv(t)
	pw := e.addAgent(t, "alice", RoleAgent)
	e.health.Register("store", true)
	e.health.Success("store")
	e.health.Register("facebook", false)
	e.health.Set("facebook", health.Unauthorized, "Graph API: (#190) token of page 1000 expired at 10.0.0.7")
	e.health.SetDetail("facebook", "webhook_last_delivery", "2026-05-01T09:30:00Z")

	rec := e.anon().do(t, "GET", "/healthz", "", "")
	body := rec.Body.String()
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("anonymous /healthz: %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	for _, leak := range []string{"Graph API", "10.0.0.7", "webhook_last_delivery", "reason", "details"} {
		if strings.Contains(body, leak) {
			t.Errorf("anonymous /healthz shows %q: %s", leak, body)
		}
	}
	var pub struct {
		Status     string `json:"status"`
		Components map[string]struct {
			State health.State `json:"state"`
		} `json:"components"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &pub); err != nil || pub.Status != health.StatusDegraded ||
		pub.Components["facebook"].State != health.Unauthorized || pub.Components["store"].State != health.OK {
		t.Errorf("anonymous /healthz = %s (%v), want the status and the states", body, err)
	}
	// A forged credential is anonymous.
	if body := (&client{e: e, token: "ibx_forged"}).do(t, "GET", "/healthz", "", "").Body.String(); strings.Contains(body, "Graph API") {
		t.Errorf("/healthz with a forged token shows the reason")
	}

	for name, c := range map[string]*client{"session": e.session(t, "alice", pw), "bearer": e.bearer(t, "alice")} {
		for _, path := range []string{"/healthz", "/api/health"} {
			body := c.do(t, "GET", path, "", "").Body.String()
			if !strings.Contains(body, "token of page 1000 expired") || !strings.Contains(body, "webhook_last_delivery") {
				t.Errorf("%s %s lacks the reason or details: %s", name, path, body)
			}
		}
	}

	// Down is still 503 for anyone, so that load balancers see it.
	e.health.Set("store", health.Down, "database is locked: /var/lib/inboxbot/inboxbot.db")
	rec = e.anon().do(t, "GET", "/healthz", "", "")
	if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "locked") {
		t.Errorf("anonymous /healthz when down: %d %s, want 503 without the reason", rec.Code, rec.Body)
	}
}

// TestReadJSONTrailingData: a body is one JSON value; anything after it
// but white space is refused.
func TestReadJSONTrailingData(t *testing.T) {
	e := newTestEnv(t)
	api := e.bearer(t, mustAgent(t, e, "alice"))
	conv := e.conv(t, inbox.Twitter, inbox.DM, "cust", "hi")
	base := "/api/conversations/" + strconv.FormatInt(conv, 10)
	for _, body := range []string{`{} garbage`, `{}{}`, `{"expect":""} {"expect":"bob"}`, `{}]`, "{}\x00"} {
		rec := api.json(t, "POST", base+"/claim", body)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "one JSON value") {
			t.Errorf("claim with body %q: %d %s, want 400 saying one JSON value", body, rec.Code, rec.Body)
		}
	}
	if c, _ := e.st.Conversation(context.Background(), conv); c.Assignee != "" {
		t.Fatalf("a refused body claimed the conversation")
	}
	for _, body := range []string{"{} \n\t ", ""} {
		if rec := api.json(t, "POST", base+"/claim", body); rec.Code != http.StatusOK {
			t.Errorf("claim with body %q: %d %s, want 200", body, rec.Code, rec.Body)
		}
	}
}

// TestBadRequestsSayWhatIsWrong: 400 answers give a sentence for the
// caller, never an internal error chain.
func TestBadRequestsSayWhatIsWrong(t *testing.T) {
	e := newTestEnv(t)
	e.addAgent(t, "root", RoleAdmin)
	api := e.bearer(t, "root")
	sess := e.session(t, "root", func() string {
		pw, err := e.srv.svc.ResetPassword(context.Background(), "root")
		if err != nil {
			t.Fatal(err)
		}
		return pw
	}())
	conv := e.conv(t, inbox.Twitter, inbox.DM, "cust", "hi")
	base := "/api/conversations/" + strconv.FormatInt(conv, 10)
	page := "/conversations/" + strconv.FormatInt(conv, 10)
	leaks := []string{"json: ", "Go struct", "Go value", "strconv.", "sql:", "http: ", "invalid URL escape", "store: ", "agent: ", "looking for beginning"}

	cases := []struct {
		name string
		rec  func() *http.Response
		want string // a word the message must hold
	}{
		{"syntax", func() *http.Response { return api.json(t, "POST", base+"/reply", `{"text":`).Result() }, "JSON"},
		{"bad character", func() *http.Response { return api.json(t, "POST", base+"/reply", `{"text": x}`).Result() }, "JSON"},
		{"wrong type", func() *http.Response { return api.json(t, "POST", base+"/reply", `{"text": 5}`).Result() }, "text"},
		{"wrong type nested", func() *http.Response { return api.json(t, "POST", base+"/assign", `{"expect": ["a"]}`).Result() }, "expect"},
		{"unknown field", func() *http.Response { return api.json(t, "POST", base+"/reply", `{"txt":"hello"}`).Result() }, "txt"},
		{"not an object", func() *http.Response { return api.json(t, "POST", base+"/claim", `"alice"`).Result() }, "JSON"},
		{"too large", func() *http.Response {
			return api.json(t, "POST", base+"/reply", `{"text":"`+strings.Repeat("a", maxBody)+`"}`).Result()
		}, "large"},
		{"bad id", func() *http.Response { return api.json(t, "GET", "/api/conversations/abc", "").Result() }, "conversation id"},
		{"bad filter", func() *http.Response { return api.json(t, "GET", "/api/conversations?limit=x", "").Result() }, "limit"},
		{"bad form", func() *http.Response {
			req := httptest.NewRequest("POST", page+"/reply", strings.NewReader("text=%zz&visibility=private"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-CSRF-Token", sess.csrf)
			return sess.serve(req).Result()
		}, "the form is malformed"},
		{"bad agent name", func() *http.Response { return api.json(t, "POST", "/api/agents", `{"name":"Bad Name!"}`).Result() }, "name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.rec()
			b, _ := io.ReadAll(resp.Body)
			body := string(b)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("got %d %s, want 400", resp.StatusCode, body)
			}
			for _, leak := range leaks {
				if strings.Contains(body, leak) {
					t.Errorf("400 body holds %q: %s", leak, body)
				}
			}
			if !strings.Contains(body, tc.want) {
				t.Errorf("400 body does not mention %q: %s", tc.want, body)
			}
		})
	}

	// An invalid-input error from below (the store) is not ours to show:
	// a generic sentence, the detail stays in the log.
	status, body := classify(fmt.Errorf("updating conversation 5: %w: sql: no such column: foo", store.ErrInvalid))
	if status != http.StatusBadRequest || body.Code != "invalid" || strings.Contains(body.Error, "sql") || strings.Contains(body.Error, "store") {
		t.Errorf("classify(store.ErrInvalid chain) = %d %+v", status, body)
	}
}
