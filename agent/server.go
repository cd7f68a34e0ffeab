// Package agent is the agents' desk: the web inbox, the JSON API under
// /api/, and the Service behind both (and behind the CLI's queue
// commands), so that every way in enforces the same rules and leaves the
// same audit trail.
//
// The desk never talks to a platform. Replies go through a Replier (the
// router's reply guard), which stores them as pending actions and puts them
// on OUTBOUND for the connectors; the desk shows their delivery state as
// it changes, live, from the bus's conversation events.
//
// The web UI is server-rendered html/template with a little vanilla
// JavaScript, all embedded, under a strict Content-Security-Policy.
// Customer text is always rendered as text.
package agent

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
	"github.com/inboxbot/inboxbot/sla"
)

//go:embed web
var webFS embed.FS

// Options are the Server's collaborators.
type Options struct {
	// Config is the http section; WithDefaults is applied.
	Config Config
	// Store is required.
	Store Store
	// Replier is the router's reply guard; nil disables replies (503).
	Replier Replier
	// Health feeds the connector banner and /healthz, /api/health. The
	// Server registers the registry's OnChange hook to push changes live;
	// it replaces any hook set before. Nil shows no banner.
	Health *health.Registry
	// Subscribe subscribes fn to the bus's live events (bus.SubscribeEvents)
	// and returns the unsubscribe function. Nil means no live updates.
	Subscribe func(fn func(subject string, data []byte)) (unsubscribe func(), err error)
	// Metrics serves /metrics: open to loopback clients, signed-in agents
	// only otherwise. Nil means no /metrics route.
	Metrics http.Handler
	// Log receives operational messages, never customer text.
	Log *slog.Logger
	// Service, when set, is used instead of one built from Store and
	// Replier (e.g. to share one with the CLI).
	Service *Service
	// Webhooks are platform webhooks by path (e.g. "/webhooks/twitter"),
	// served without sign-in: each handler authenticates the platform
	// itself, by signature.
	Webhooks map[string]http.Handler
	// SLA is the response targets (policy.sla) that reports count
	// breaches against; WithDefaults is applied.
	SLA sla.Config
	// Redactor hides secrets in what the desk shows (WithRedactor); nil:
	// redact's package-level rules. Ignored when Service is set.
	Redactor *redact.Redactor
	// Clock is the desk's time; nil: the system clock.
	Clock Clock
	// Publish sends a live event to every desk instance (bus.PublishEvent):
	// notes, presence, bulk changes. Nil: events stay in this instance.
	Publish func(inbox.Event)
}

// Server serves the agents' desk. Create it with New, mount Handler, and
// Close it before (or when) shutting the HTTP server down.
type Server struct {
	cfg      Config
	svc      *Service
	health   *health.Registry
	metrics  http.Handler
	log      *slog.Logger
	pages    map[string]*template.Template
	static   http.Handler
	assetVer string
	hub      *hub
	limiter  *limiter
	handler  http.Handler
	webhooks map[string]http.Handler
	unsub    func()
	once     sync.Once
	// loginWait bounds how long a sign-in waits for a free password
	// check before it gets 503.
	loginWait time.Duration
	// clock, publish and presence serve the desk's live parts: the SLA
	// tick, notes and presence (see presence.go).
	clock    Clock
	publish  func(inbox.Event)
	presence *presenceTable
	stopTick func()
	// sla is Options.SLA with its defaults.
	sla sla.Config
}

// New builds a Server and subscribes it to live events.
func New(o Options) (*Server, error) {
	cfg := o.Config.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: http: %w", ErrInvalid, err)
	}
	if o.Store == nil && o.Service == nil {
		return nil, fmt.Errorf("%w: agent.New needs a Store", ErrInvalid)
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	svc := o.Service
	if svc == nil {
		svc = NewService(o.Store, o.Replier, WithSessionTTL(cfg.SessionTTL), WithTokenTTL(cfg.TokenTTL), WithLogger(o.Log), WithRedactor(o.Redactor))
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Service == nil {
		for _, opt := range []ServiceOption{WithSLA(o.SLA.WithDefaults()), WithClock(o.Clock), WithPublisher(o.Publish)} {
			opt(svc)
		}
	}
	s := &Server{
		cfg: cfg, svc: svc, health: o.Health, metrics: o.Metrics, log: o.Log,
		hub: newHub(), limiter: newLimiter(cfg.LoginAttempts, time.Minute), webhooks: o.Webhooks,
		loginWait: defaultLoginWait,
		clock:     o.Clock, publish: o.Publish, presence: newPresenceTable(),
	}
	s.sla = o.SLA.WithDefaults()
	var err error
	if s.pages, err = parseTemplates(); err != nil {
		return nil, err
	}
	static, err := fs.Sub(webFS, "web/static")
	if err != nil {
		return nil, fmt.Errorf("opening embedded assets: %w", err)
	}
	s.static = http.StripPrefix("/static/", http.FileServerFS(static))
	if s.assetVer, err = assetVersion(static); err != nil {
		return nil, err
	}
	s.handler = s.securityHeaders(s.mux())
	s.stopTick = s.clock.Every(TickInterval, s.tick)
	if o.Health != nil {
		o.Health.OnChange(s.onHealthChange)
	}
	if o.Subscribe != nil {
		if s.unsub, err = o.Subscribe(s.onBusEvent); err != nil {
			return nil, fmt.Errorf("subscribing to live events: %w", err)
		}
	}
	return s, nil
}

// Handler returns the HTTP handler of the whole desk: UI, API, /events,
// /static/, /healthz and /metrics.
func (s *Server) Handler() http.Handler { return s.handler }

// Service returns the service layer the Server uses.
func (s *Server) Service() *Service { return s.svc }

// Close unsubscribes from live events and ends every event stream, so
// that http.Server.Shutdown does not wait for open browser tabs. It is
// idempotent. Register it with http.Server.RegisterOnShutdown.
func (s *Server) Close() error {
	s.once.Do(func() {
		if s.unsub != nil {
			s.unsub()
		}
		s.stopTick()
		s.hub.close()
	})
	return nil
}

// Serve serves the desk on ln until ctx ends, over TLS when the config
// names a certificate, then shuts down gracefully within timeout. It is a
// convenience for callers that do not run their own http.Server.
func (s *Server) Serve(ctx context.Context, ln net.Listener, timeout time.Duration) error {
	// ReadTimeout bounds reading a whole request, body included, so that
	// slow clients cannot hold connections open by trickling a body. It
	// does not cut the long-lived /events response: net/http lifts the
	// read deadline once a request is read. A WriteTimeout would cut it,
	// so there is none.
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: min(10*time.Second, s.cfg.ReadTimeout),
		ReadTimeout:       s.cfg.ReadTimeout,
		IdleTimeout:       2 * time.Minute,
	}
	srv.RegisterOnShutdown(func() { _ = s.Close() })
	errc := make(chan error, 1)
	go func() {
		var err error
		if s.cfg.TLS() {
			err = srv.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			err = srv.Serve(ln)
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serving http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down http: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving http: %w", err)
	}
	return nil
}

// defaultLoginWait is how long a sign-in may queue for a password check:
// a burst from many addresses is served in turn, and beyond this the
// client is told to come back rather than held.
const defaultLoginWait = 10 * time.Second

// access says who may use a route.
type access int

const (
	open      access = iota // anyone: sign-in, assets, /healthz
	signedIn                // any signed-in agent
	adminOnly               // admins
	loopback                // loopback clients, else signed-in agents (/metrics)
)

// route is one entry of the route table. The table is the single list the
// mux is built from and the tests iterate, so no route can miss its checks.
type route struct {
	method  string
	path    string // ServeMux pattern path
	access  access
	api     bool // JSON errors and 401, not a redirect to /login
	handler func(w http.ResponseWriter, r *http.Request, p *Principal)
}

func (s *Server) routes() []route {
	rs := []route{
		{"GET", "/login", open, false, s.handleLoginForm},
		{"POST", "/login", open, false, s.handleLogin},
		{"GET", SetupPath, open, false, s.handleSetupForm},
		{"POST", SetupPath, open, false, s.handleSetup},
		{"GET", "/static/", open, false, func(w http.ResponseWriter, r *http.Request, _ *Principal) { s.serveStatic(w, r) }},
		{"GET", "/healthz", open, true, s.handleHealthz},

		{"POST", "/logout", signedIn, false, s.handleLogout},
		{"GET", "/{$}", signedIn, false, s.handleQueue},
		{"GET", "/conversations/{id}", signedIn, false, s.handleConversation},
		{"POST", "/conversations/{id}/reply", signedIn, false, s.formAction(actReply)},
		{"POST", "/conversations/{id}/claim", signedIn, false, s.formAction(actClaim)},
		{"POST", "/conversations/{id}/assign", signedIn, false, s.formAction(actAssign)},
		{"POST", "/conversations/{id}/close", signedIn, false, s.formAction(actClose)},
		{"POST", "/conversations/{id}/reopen", signedIn, false, s.formAction(actReopen)},
		{"POST", "/conversations/{id}/notes", signedIn, false, s.formAction(actNote)},
		{"POST", "/conversations/{id}/tags", signedIn, false, s.formAction(actTag)},
		{"POST", "/conversations/{id}/merge", signedIn, false, s.formAction(actMerge)},
		{"POST", "/bulk", signedIn, false, s.handleBulkForm},
		{"GET", "/agents", adminOnly, false, s.handleAgentsPage},
		{"POST", "/agents", adminOnly, false, s.handleAddAgentForm},
		{"GET", "/events", signedIn, true, s.handleEvents},

		{"GET", "/api/me", signedIn, true, s.apiMe},
		{"GET", "/api/conversations", signedIn, true, s.apiConversations},
		{"GET", "/api/conversations/{id}", signedIn, true, s.apiConversation},
		{"POST", "/api/conversations/{id}/reply", signedIn, true, s.apiReply},
		{"POST", "/api/conversations/{id}/claim", signedIn, true, s.apiClaim},
		{"POST", "/api/conversations/{id}/assign", signedIn, true, s.apiAssign},
		{"POST", "/api/conversations/{id}/close", signedIn, true, s.apiClose},
		{"POST", "/api/conversations/{id}/reopen", signedIn, true, s.apiReopen},
		{"POST", "/api/messages/{id}/reveal", signedIn, true, s.apiReveal},
		{"POST", "/api/conversations/{id}/notes", signedIn, true, s.apiNote},
		{"POST", "/api/conversations/{id}/tags", signedIn, true, s.apiTag},
		{"POST", "/api/conversations/{id}/merge", signedIn, true, s.apiMerge},
		{"POST", "/api/conversations/{id}/presence", signedIn, true, s.apiPresence},
		{"POST", "/api/conversations/bulk", signedIn, true, s.apiBulk},
		{"GET", "/api/counts", signedIn, true, s.apiCounts},
		{"GET", "/reports", adminOnly, false, s.handleReports},
		{"GET", "/api/reports", adminOnly, true, s.apiReports},
		{"GET", "/api/reports.csv", adminOnly, true, s.apiReportsCSV},
		{"GET", "/api/health", signedIn, true, s.apiHealth},
		{"GET", "/api/agents", adminOnly, true, s.apiAgents},
		{"POST", "/api/agents", adminOnly, true, s.apiAddAgent},
		{"POST", "/api/agents/{name}/token", adminOnly, true, s.apiToken},
	}
	if s.metrics != nil {
		rs = append(rs, route{"GET", "/metrics", loopback, true, func(w http.ResponseWriter, r *http.Request, _ *Principal) {
			s.metrics.ServeHTTP(w, r)
		}})
	}
	return rs
}

func (s *Server) mux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.method+" "+rt.path, s.guard(rt))
	}
	for path, h := range s.webhooks {
		mux.Handle(path, h)
	}
	return mux
}

// Cookie names. The session cookie carries the session token; the login
// cookie carries the CSRF token of the sign-in form, which has no session
// yet to bind it to (double-submit).
const (
	sessionCookie = "inboxbot_session"
	loginCookie   = "inboxbot_login"
)

// guard authenticates, authorizes and CSRF-checks a request before its
// handler runs.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.access == open {
			rt.handler(w, r, nil)
			return
		}
		if rt.access == loopback && isLoopback(r) {
			rt.handler(w, r, nil)
			return
		}
		p, err := s.principal(r)
		if err != nil {
			if !errors.Is(err, ErrUnauthenticated) {
				s.fail(w, r, rt.api, err)
				return
			}
			// Programs get 401; so does a form posted after the session
			// expired (a redirect would lose it); page views go to sign-in.
			if api := rt.api || r.Header.Get("Authorization") != ""; api || r.Method != http.MethodGet {
				w.Header().Set("WWW-Authenticate", `Bearer realm="inboxbot"`)
				s.fail(w, r, api, err)
				return
			}
			// Escaped, so that the page's own query survives as one value.
			http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
			return
		}
		if rt.access == adminOnly && !p.Admin() {
			s.fail(w, r, rt.api, fmt.Errorf("%w: only admins may manage agents", ErrForbidden))
			return
		}
		if stateChanging(r.Method) && p.Kind == TokenSession && !validCSRF(w, r, p.CSRF) {
			s.fail(w, r, rt.api, ErrCSRF)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		rt.handler(w, r, p)
	})
}

// principal authenticates a request: a bearer token (API clients, which
// carry no ambient credential and so need no CSRF token) or the session
// cookie (browsers). Each credential works only in its own place, so a
// stolen API token cannot pose as a cookie that bypasses CSRF, nor the
// other way round.
func (s *Server) principal(r *http.Request) (*Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, ErrUnauthenticated
		}
		p, err := s.svc.Authenticate(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			return nil, err
		}
		if p.Kind != TokenAPI {
			return nil, ErrUnauthenticated
		}
		return p, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, ErrUnauthenticated
	}
	p, err := s.svc.Authenticate(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	if p.Kind != TokenSession || p.CSRF == "" {
		return nil, ErrUnauthenticated
	}
	return p, nil
}

func stateChanging(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// validCSRF checks the session's token in the X-CSRF-Token header (fetch)
// or the csrf form field (HTML forms).
func validCSRF(w http.ResponseWriter, r *http.Request, want string) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err == nil {
			got = r.PostForm.Get("csrf")
		}
	}
	return got != "" && constantTimeEqual(got, want)
}

// maxBody caps request bodies: replies are at most MaxReplyBytes.
const maxBody = 64 << 10

// isLoopback reports whether the client connected from the machine itself.
// Behind a reverse proxy on the same host every request looks local, so
// such deployments must not forward /metrics.
func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// contentSecurityPolicy lets pages load only their own scripts, styles and
// images (and customers' profile pictures and attachments from the
// platforms' image hosts, see imageHosts): no inline script, so injected
// markup could not run even if it escaped html/template, and no framing
// (clickjacking).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' https://pbs.twimg.com https://abs.twimg.com https://platform-lookaside.fbsbx.com https://*.fbcdn.net; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.secure(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// secure reports whether cookies must be Secure.
func (s *Server) secure(r *http.Request) bool { return r.TLS != nil || s.cfg.SecureCookies }

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	// Asset URLs carry the content hash (?v=), so they can be cached long.
	if r.URL.Query().Get("v") == s.assetVer {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	s.static.ServeHTTP(w, r)
}

// handleHealthz serves the health report. Anonymous callers (load
// balancers, uptime checks, anyone who can reach the port) get the status
// and each component's state only: reasons and details can hold platform
// error texts, hosts, file paths and account ids. Signed-in agents get
// the whole report, as on /api/health. Down is 503 for everyone.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request, _ *Principal) {
	rep := s.healthReport()
	var body any = rep.Public()
	if s.signedIn(r) {
		body = rep
	}
	status := http.StatusOK
	if rep.Status == health.StatusDown {
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, body)
}

// healthzAuthWait bounds the credential check of /healthz: a health check
// must answer even while the store (which holds sessions) hangs.
const healthzAuthWait = 2 * time.Second

// signedIn reports whether r carries a valid session or API token. A
// request without credentials costs no store lookup.
func (s *Server) signedIn(r *http.Request) bool {
	if r.Header.Get("Authorization") == "" {
		if _, err := r.Cookie(sessionCookie); err != nil {
			return false
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), healthzAuthWait)
	defer cancel()
	p, err := s.principal(r.WithContext(ctx))
	return err == nil && p != nil
}

// assetVersion hashes the static files, so their URLs change with them.
func assetVersion(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(data)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hashing embedded assets: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}
