package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/router"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// testEnv is a Server on a real SQLite store and a real embedded bus in a
// temporary directory, replying through a real router's reply guard.
type testEnv struct {
	st      store.Store
	bus     *bus.Bus
	srv     *Server
	h       http.Handler
	health  *health.Registry
	replier Replier
	// publish delivers a live event as the bus would.
	publish func(subject string, data []byte)
	mu      sync.Mutex
	seq     int
}

type envOption func(*Options)

func newTestEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlstore.Open(ctx, store.Config{Driver: "sqlite", DSN: filepath.Join(dir, "inboxbot.db")})
	if err != nil {
		t.Fatalf("opening store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := bus.Open(ctx, bus.Config{StoreDir: filepath.Join(dir, "nats")}, log)
	if err != nil {
		t.Fatalf("opening bus: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	e := &testEnv{st: st, bus: b, health: health.New()}
	o := Options{
		Config: Config{CannedReplies: []CannedReply{{Name: "Thanks", Text: "Thanks for reaching out! We're on it."}}},
		Store:  st, Health: e.health, Log: log,
		Replier: router.New(router.Options{Bus: b, Store: st, Metrics: metrics.New(), Log: log}),
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "# metrics\n") }),
		Subscribe: func(fn func(string, []byte)) (func(), error) {
			e.publish = fn
			return func() {}, nil
		},
	}
	for _, opt := range opts {
		opt(&o)
	}
	e.replier = o.Replier
	srv, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv.svc.cost = bcrypt.MinCost
	t.Cleanup(func() { srv.Close() })
	e.srv, e.h = srv, srv.Handler()
	return e
}

// addAgent creates an agent and returns its password.
func (e *testEnv) addAgent(t testing.TB, name, role string) string {
	t.Helper()
	pw, err := e.srv.svc.AddAgent(context.Background(), name, role)
	if err != nil {
		t.Fatalf("adding agent %s: %v", name, err)
	}
	return pw
}

// session signs an agent in and returns a client that sends its cookie.
func (e *testEnv) session(t testing.TB, name, password string) *client {
	t.Helper()
	s, err := e.srv.svc.Login(context.Background(), name, password)
	if err != nil {
		t.Fatalf("signing in %s: %v", name, err)
	}
	return &client{e: e, cookie: s.Token, csrf: s.CSRF}
}

// bearer returns a client that authenticates with a new API token.
func (e *testEnv) bearer(t testing.TB, name string) *client {
	t.Helper()
	tok, err := e.srv.svc.Token(context.Background(), name)
	if err != nil {
		t.Fatalf("token for %s: %v", name, err)
	}
	return &client{e: e, token: tok}
}

// client sends requests straight to the handler (no network), from
// httptest's default address (192.0.2.1, not loopback) unless remote is set.
type client struct {
	e      *testEnv
	cookie string
	csrf   string
	token  string
	noCSRF bool
	remote string
}

func (c *client) do(t testing.TB, method, path, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if c.remote != "" {
		req.RemoteAddr = c.remote
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.cookie})
		if !c.noCSRF && c.csrf != "" && contentType != "application/x-www-form-urlencoded" {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec := httptest.NewRecorder()
	c.e.h.ServeHTTP(rec, req.WithContext(ctx))
	return rec
}

// anon is a client without credentials.
func (e *testEnv) anon() *client { return &client{e: e} }

func (c *client) json(t testing.TB, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return c.do(t, method, path, ct, body)
}

// form posts an HTML form, adding the session's CSRF field unless noCSRF.
func (c *client) form(t testing.TB, path string, fields ...string) *httptest.ResponseRecorder {
	t.Helper()
	var parts []string
	for i := 0; i+1 < len(fields); i += 2 {
		parts = append(parts, urlEncode(fields[i])+"="+urlEncode(fields[i+1]))
	}
	if !c.noCSRF && c.csrf != "" {
		parts = append(parts, "csrf="+urlEncode(c.csrf))
	}
	return c.do(t, http.MethodPost, path, "application/x-www-form-urlencoded", strings.Join(parts, "&"))
}

func urlEncode(s string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "=", "%3D", "+", "%2B", " ", "+", "#", "%23", "\n", "%0A")
	return r.Replace(s)
}

// conv stores one inbound customer item and returns its conversation id.
func (e *testEnv) conv(t testing.TB, p inbox.Platform, k inbox.Kind, handle, text string) int64 {
	t.Helper()
	e.mu.Lock()
	e.seq++
	n := e.seq
	e.mu.Unlock()
	in := inbox.Inbound{
		V: inbox.SchemaVersion, Platform: p, Kind: k,
		ExternalID: fmt.Sprintf("%s-%d", k, n), Thread: fmt.Sprintf("thread-%d", n),
		Author: inbox.Author{ID: "user-" + handle, Handle: handle, Name: strings.ToUpper(handle[:1]) + handle[1:]},
		Text:   text, CreatedAt: time.Now().Add(-time.Duration(n) * time.Minute),
	}
	res, err := e.st.Ingest(context.Background(), []store.Item{{Message: in}})
	if err != nil {
		t.Fatalf("ingesting: %v", err)
	}
	return res[0].ConversationID
}

var csrfFieldRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfField extracts the CSRF token a page embeds in its forms.
func csrfField(t testing.TB, html string) string {
	t.Helper()
	m := csrfFieldRE.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no csrf field in page")
	}
	return m[1]
}

// serve runs req through the handler with the client's credentials.
func (c *client) serve(req *http.Request) *httptest.ResponseRecorder {
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.cookie})
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	rec := httptest.NewRecorder()
	c.e.h.ServeHTTP(rec, req)
	return rec
}

// newForm builds a sign-in style form post from remote, with the login
// form's CSRF cookie.
func newForm(path string, form url.Values, remote, loginCSRF string) *http.Request {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = remote
	if loginCSRF != "" {
		req.AddCookie(&http.Cookie{Name: loginCookie, Value: loginCSRF})
	}
	return req
}
