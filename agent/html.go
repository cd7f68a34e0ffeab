package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/store"
)

// pageNames are the templates under web/templates, each rendered inside
// layout.html.
var pageNames = []string{"login", "queue", "conversation", "agents", "error", "setup", "reports"}

func parseTemplates() (map[string]*template.Template, error) {
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(webFS, "web/templates/layout.html", "web/templates/partials/*.html", "web/templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parsing template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

var templateFuncs = template.FuncMap{
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return shortDuration(time.Since(t))
	},
	"duration": shortDuration,
	"stamp": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"rel":      relTime,
	"between":  func(from, to time.Time) string { return shortDuration(to.Sub(from)) },
	"withoutq": func(q url.Values) string { return withParam(q, "q", "") },
	"initials": initials,
	"label":    func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"who":      actorLabel,
}

// actorLabel names who wrote a message or did an action, for humans:
// "agent:bob" is bob, "router" is inboxbot's automatic policy.
func actorLabel(actor string) string {
	switch {
	case strings.HasPrefix(actor, "agent:"):
		return actor[len("agent:"):]
	case actor == "router":
		return "inboxbot (auto)"
	case strings.HasPrefix(actor, "connector:"):
		return actor[len("connector:"):] + " connector"
	}
	return actor
}

// pageData is what every template gets.
type pageData struct {
	Name         string
	Title        string
	Agent        *store.Agent
	CSRF         string
	AssetVersion string
	Banner       []bannerItem
	Error        string
	Status       int
	Now          time.Time

	Login  *loginPage
	Queue  *deskPage
	Conv   *convPage
	Agents *agentsPage
	Setup  *setupPage

	// Reports is the reports page (reports.go).
	Reports *reportsPage
}

// bannerItem is a connector whose trouble agents must know about: replies
// to its platform will wait or fail.
type bannerItem struct {
	Component string
	State     health.State
	Reason    string
	// Then says what it means for agents.
	Then string
}

// banner lists the connectors that are unauthorized or rate-limited (and
// critical parts that are down), credentials about to expire, and an
// instance with no platform connected.
func (s *Server) banner() []bannerItem {
	if s.health == nil {
		return nil
	}
	var out []bannerItem
	for name, c := range s.health.Report().Components {
		item := bannerItem{Component: name, State: c.State, Reason: c.Reason, Then: "Replies on this platform will wait or fail until it recovers."}
		switch {
		case c.State == health.Unauthorized, c.State == health.RateLimited, c.State == health.Forbidden,
			c.State == health.OverBudget, c.Critical && c.State == health.Down:
			out = append(out, item)
		case c.State == health.Expiring:
			item.Then = "An admin must renew it before then, or the platform stops on that day."
			out = append(out, item)
		case c.State == health.Unconfigured:
			item.Then = "No customer message arrives until an admin connects one."
			out = append(out, item)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Component < out[j].Component })
	return out
}

func (s *Server) newPage(name, title string, p *Principal) *pageData {
	pg := &pageData{Name: name, Title: title, AssetVersion: s.assetVer, Now: s.clock.Now(), Status: http.StatusOK}
	if p != nil {
		a := p.Agent
		pg.Agent, pg.CSRF = &a, p.CSRF
		pg.Banner = s.banner()
	}
	return pg
}

// render executes a page into a buffer first, so that a template error
// gives a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, pg *pageData) {
	var buf bytes.Buffer
	if err := s.pages[pg.Name].Execute(&buf, pg); err != nil {
		s.log.Error("rendering page", "page", pg.Name, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error; see the server log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(pg.Status)
	_, _ = buf.WriteTo(w)
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	var p *Principal
	if status != http.StatusUnauthorized {
		p, _ = s.principal(r)
	}
	pg := s.newPage("error", http.StatusText(status), p)
	pg.Status, pg.Error = status, msg
	s.render(w, r, pg)
}

// ---- sign-in ----

type loginPage struct {
	Name string
	Next string
}

// safeNext keeps a post-sign-in redirect on this site: it returns next if
// it is a path on this host, and "/" otherwise (and for the sign-in page
// itself, which would loop).
//
// It checks what a browser will make of next, not the raw text: browsers
// drop tabs and newlines anywhere in a URL, trim leading spaces and
// control characters, and read "\" as "/", so "/\t/host", " //host" and
// "/\host" all lead to another site. The same holds for every decoding of
// next, so that a "%2f%2fhost" cannot become "//host" in some later hop.
func safeNext(next string) string {
	clean, ok := browserURL(next)
	if !ok || !localPath(clean) {
		return "/"
	}
	// A malformed escape ("/%zz") is no link the desk made.
	if _, err := url.PathUnescape(clean); err != nil {
		return "/"
	}
	// Each decoding must be a local path too: "/%2f%2fhost" is harmless
	// as sent, but "//host" once something decodes it.
	dec := clean
	for i := 0; ; i++ {
		d, err := url.PathUnescape(dec)
		if err != nil || d == dec {
			break // nothing left to decode ("100%" is final)
		}
		if i == 3 {
			return "/" // still encoded after three decodings: no real link is
		}
		if d, ok = browserURL(d); !ok || !localPath(d) {
			return "/"
		}
		dec = d
	}
	if p := strings.SplitN(dec, "?", 2)[0]; p == "/login" || strings.HasPrefix(p, "/login/") {
		return "/"
	}
	return clean
}

// browserURL normalises u as a browser's URL parser does before it looks
// at the scheme and host: tabs, CR and LF are removed, leading spaces are
// trimmed, and backslashes are slashes. Other control characters make u
// unusable (false).
func browserURL(u string) (string, bool) {
	var b strings.Builder
	for _, c := range u {
		switch {
		case c == '\t', c == '\r', c == '\n':
		case c == '\\':
			b.WriteByte('/')
		case c < 0x20, c == 0x7f:
			return "", false
		default:
			b.WriteRune(c)
		}
	}
	return strings.TrimLeft(b.String(), " "), true
}

// localPath reports whether u, normalised by browserURL, is a path on this
// host: one "/" not followed by another, and no scheme or host.
func localPath(u string) bool {
	if len(u) == 0 || u[0] != '/' || (len(u) > 1 && u[1] == '/') {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && p.Scheme == "" && p.Host == "" && p.User == nil && p.Opaque == ""
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request, _ *Principal) {
	if p, err := s.principal(r); err == nil && p != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, "", "", r.URL.Query().Get("next"))
}

// renderLogin shows the sign-in form with a fresh CSRF token, bound to the
// browser through the login cookie (there is no session yet).
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg, name, next string) {
	tok, err := randomToken(24)
	if err != nil {
		s.fail(w, r, false, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: loginCookie, Value: tok, Path: "/login", MaxAge: 3600,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode,
	})
	pg := s.newPage("login", "Sign in", nil)
	pg.CSRF, pg.Status, pg.Error = tok, status, msg
	pg.Login = &loginPage{Name: name, Next: safeNext(next)}
	s.render(w, r, pg)
}

// clientIP is the address failed sign-ins are counted against. Forwarded
// headers are not trusted: anyone can set them.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// busyRetryAfter is the Retry-After, in seconds, of a sign-in refused
// because too many password checks were in progress.
const busyRetryAfter = 2

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request, _ *Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, false, formError(err))
		return
	}
	name, password, next := strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("password"), r.PostForm.Get("next")
	c, err := r.Cookie(loginCookie)
	if err != nil || !constantTimeEqual(c.Value, r.PostForm.Get("csrf")) {
		s.renderLogin(w, r, http.StatusForbidden, "The sign-in form expired. Please try again.", name, next)
		return
	}
	ipKey, nameKey := "ip:"+clientIP(r), "name:"+strings.ToLower(name)
	// The attempt is counted before the password is checked, so that a
	// burst of parallel guesses cannot all pass the limiter at once.
	wait, attempt := s.limiter.reserve(ipKey, nameKey)
	if wait > 0 {
		rl := &RateLimitError{RetryAfter: wait}
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.renderLogin(w, r, http.StatusTooManyRequests, rl.Error(), name, next)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.loginWait)
	defer cancel()
	sess, err := s.svc.Login(ctx, name, password)
	switch {
	case errors.Is(err, ErrBadCredentials):
		// The reserved attempt stays counted: it is the failure.
		s.log.Info("failed sign-in", "ip", clientIP(r))
		s.renderLogin(w, r, http.StatusUnauthorized, "Wrong name or password.", name, next)
		return
	case errors.Is(err, ErrBusy):
		// No password was checked, so nothing was guessed.
		attempt.release()
		s.log.Warn("sign-in refused: too many password checks at once", "ip", clientIP(r))
		w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
		s.renderLogin(w, r, http.StatusServiceUnavailable, "Too many sign-ins at once. Please try again in a moment.", name, next)
		return
	case err != nil:
		attempt.release()
		s.fail(w, r, false, err)
		return
	}
	attempt.release()
	s.limiter.reset(nameKey)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: sess.Token, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode,
	})
	s.log.Info("signed in", "agent", sess.Agent.Name)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, p *Principal) {
	if err := s.svc.Logout(r.Context(), p.Token); err != nil {
		s.fail(w, r, false, err)
		return
	}
	s.hub.endSession(hashToken(p.Token))
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// ---- agents (admin) ----

type agentsPage struct {
	Agents []store.Agent
	// Added and Password show a new agent's one-time password, once.
	Added    string
	Password string
	// Spend is today's pay-per-use spend per platform, for admins.
	Spend []spendRow
}

// spendRow is one platform's spend today (UTC) and its daily budget
// (0: none), as the connector reports it on /healthz.
type spendRow struct {
	Platform  string
	TodayUSD  float64
	BudgetUSD float64
	Over      bool
}

// spend reads today's spend from the health details the connectors set
// (spend_today_usd on the platform's component, daily_budget_usd on its
// _budget component).
func (s *Server) spend() []spendRow {
	if s.health == nil {
		return nil
	}
	comps := s.health.Report().Components
	var out []spendRow
	for name, c := range comps {
		today, ok := c.Details["spend_today_usd"].(float64)
		if !ok || strings.HasSuffix(name, "_budget") {
			continue
		}
		row := spendRow{Platform: name, TodayUSD: today}
		if b, ok := comps[name+"_budget"]; ok {
			row.BudgetUSD, _ = b.Details["daily_budget_usd"].(float64)
			row.Over = b.State == health.OverBudget
		}
		out = append(out, row)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Platform < out[j].Platform })
	return out
}

func (s *Server) handleAgentsPage(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.renderAgents(w, r, p, http.StatusOK, "", "", "")
}

func (s *Server) renderAgents(w http.ResponseWriter, r *http.Request, p *Principal, status int, msg, added, password string) {
	as, err := s.svc.Agents(r.Context())
	if err != nil {
		s.fail(w, r, false, err)
		return
	}
	pg := s.newPage("agents", "Agents", p)
	pg.Agents = &agentsPage{Agents: as, Added: added, Password: password, Spend: s.spend()}
	pg.Status, pg.Error = status, msg
	s.render(w, r, pg)
}

func (s *Server) handleAddAgentForm(w http.ResponseWriter, r *http.Request, p *Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, false, formError(err))
		return
	}
	name, role := strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("role")
	pw, err := s.svc.AddAgent(r.Context(), name, role)
	if err != nil {
		status, body := classify(err)
		if status >= 500 {
			s.fail(w, r, false, err)
			return
		}
		if status == http.StatusBadRequest {
			s.logInvalid(r, err)
		}
		s.renderAgents(w, r, p, status, body.Error, "", "")
		return
	}
	s.log.Info("agent added", "by", p.Agent.Name, "agent", name)
	// Rendered, not redirected: the password must be shown exactly once.
	s.renderAgents(w, r, p, http.StatusCreated, "", name, pw)
}
