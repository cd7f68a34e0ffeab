package agent

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/inboxbot/inboxbot/store"
)

// The first admin. A new installation has no agent, so nobody could sign
// in: `serve` then prints a one-time set-up link (StartSetup), and
// whoever opens it within SetupTTL chooses the first admin's name and
// password (CompleteSetup). The link's token is random; the store keeps
// only its SHA-256 hash and expiry. It works once: completing it marks it
// used, and no link works once any agent exists.

// SetupTTL is how long a set-up link works.
const SetupTTL = 15 * time.Minute

// SetupPath is the set-up page; the link is SetupPath?token=….
const SetupPath = "/setup"

// setupKey is where the set-up token is kept, in the store's key-value
// table (the connectors' cursors): no schema change for a record that
// lives 15 minutes.
const setupKey = "agent:setup"

// setupMu makes completing a set-up link one at a time in this process;
// a second instance is stopped by the agent the first one created.
var setupMu sync.Mutex

// MinPasswordLength is the shortest password the set-up page accepts.
const MinPasswordLength = 12

// maxPasswordLength is bcrypt's limit: it ignores bytes past 72.
const maxPasswordLength = 72

// ErrSetupLink means a set-up link is unknown, used or expired, or an
// agent exists already.
var ErrSetupLink = errors.New("this set-up link does not work: it was used already, it has expired, or an agent exists; " +
	"restart inboxbot serve for a new one, or run: inboxbot agents add NAME --role admin")

// setupRecord is the stored form of a set-up token.
type setupRecord struct {
	Hash      string    `json:"hash"`
	ExpiresAt time.Time `json:"expires_at"`
	Used      bool      `json:"used,omitempty"`
}

// StartSetup makes a new set-up token, valid for SetupTTL, replacing any
// earlier one, and returns it; it returns "" when an agent exists.
func (s *Service) StartSetup(ctx context.Context) (string, error) {
	agents, err := s.store.Agents(ctx)
	if err != nil {
		return "", fmt.Errorf("looking for agents: %w", err)
	}
	if len(agents) > 0 {
		return "", nil
	}
	tok, err := randomToken(32)
	if err != nil {
		return "", err
	}
	rec, _ := json.Marshal(setupRecord{Hash: hashToken(tok), ExpiresAt: s.now().Add(SetupTTL)})
	if err := s.store.SetCursor(ctx, setupKey, string(rec)); err != nil {
		return "", fmt.Errorf("storing the set-up token: %w", err)
	}
	return tok, nil
}

// checkSetup reports ErrSetupLink unless token is the live set-up token
// and there is still no agent.
func (s *Service) checkSetup(ctx context.Context, token string) error {
	raw, ok, err := s.store.Cursor(ctx, setupKey)
	if err != nil {
		return fmt.Errorf("reading the set-up token: %w", err)
	}
	var rec setupRecord
	if !ok || token == "" || json.Unmarshal([]byte(raw), &rec) != nil || rec.Used ||
		!rec.ExpiresAt.After(s.now()) || subtle.ConstantTimeCompare([]byte(rec.Hash), []byte(hashToken(token))) != 1 {
		return ErrSetupLink
	}
	agents, err := s.store.Agents(ctx)
	if err != nil {
		return fmt.Errorf("looking for agents: %w", err)
	}
	if len(agents) > 0 {
		return ErrSetupLink
	}
	return nil
}

// CheckSetup reports whether token is a working set-up link: nil, or
// ErrSetupLink.
func (s *Service) CheckSetup(ctx context.Context, token string) error {
	return s.checkSetup(ctx, token)
}

// CompleteSetup creates the first admin with the chosen name and
// password, if token is the live set-up token and there is still no
// agent, and spends the token. Bad names and passwords are ErrInvalid
// and leave the token working.
func (s *Service) CompleteSetup(ctx context.Context, token, name, password string) (store.Agent, error) {
	if !nameRE.MatchString(name) {
		return store.Agent{}, invalidf("name %q: use 1-32 lower-case letters, digits, '.', '_' or '-'", name)
	}
	if n := len(password); n < MinPasswordLength || n > maxPasswordLength {
		return store.Agent{}, invalidf("the password must be %d to %d characters long", MinPasswordLength, maxPasswordLength)
	}
	setupMu.Lock()
	defer setupMu.Unlock()
	if err := s.checkSetup(ctx, token); err != nil {
		return store.Agent{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return store.Agent{}, fmt.Errorf("hashing password: %w", err)
	}
	a, err := s.store.CreateAgent(ctx, store.Agent{Name: name, Role: RoleAdmin, PasswordHash: string(hash), CreatedAt: s.now()})
	if err != nil {
		return store.Agent{}, fmt.Errorf("creating the first admin: %w", err)
	}
	used, _ := json.Marshal(setupRecord{Used: true})
	if err := s.store.SetCursor(ctx, setupKey, string(used)); err != nil {
		// The admin exists, so the link no longer works anyway.
		s.log.Error("marking the set-up link used", "err", err)
	}
	s.log.Info("first admin created through the set-up link", "agent", name)
	return a, nil
}

// setupPage is the set-up form's data.
type setupPage struct {
	Token string
	Name  string
}

// handleSetupForm shows the form that creates the first admin.
func (s *Server) handleSetupForm(w http.ResponseWriter, r *http.Request, _ *Principal) {
	tok := r.URL.Query().Get("token")
	if err := s.svc.CheckSetup(r.Context(), tok); err != nil {
		s.setupFailed(w, r, err)
		return
	}
	s.renderSetup(w, r, http.StatusOK, "", tok, "")
}

func (s *Server) renderSetup(w http.ResponseWriter, r *http.Request, status int, msg, tok, name string) {
	pg := s.newPage("setup", "Create the first admin", nil)
	pg.Status, pg.Error = status, msg
	pg.Setup = &setupPage{Token: tok, Name: name}
	// The link's token must not leak to other sites through Referer.
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, pg)
}

// setupFailed shows why a link does not work: 410 for a dead link.
func (s *Server) setupFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrSetupLink) {
		s.errorPage(w, r, http.StatusGone, err.Error())
		return
	}
	s.fail(w, r, false, err)
}

// handleSetup creates the first admin and signs them in. The link's
// token is the form's credential, so the form needs no CSRF token of its
// own: a cross-site form cannot know it.
func (s *Server) handleSetup(w http.ResponseWriter, r *http.Request, _ *Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, false, formError(err))
		return
	}
	f := r.PostForm
	tok, name, pw := f.Get("token"), strings.TrimSpace(f.Get("name")), f.Get("password")
	if pw != f.Get("confirm") {
		s.renderSetup(w, r, http.StatusBadRequest, "The two passwords differ.", tok, name)
		return
	}
	if _, err := s.svc.CompleteSetup(r.Context(), tok, name, pw); err != nil {
		if errors.Is(err, ErrInvalid) {
			_, body := classify(err)
			s.renderSetup(w, r, http.StatusBadRequest, body.Error, tok, name)
			return
		}
		s.setupFailed(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.loginWait)
	defer cancel()
	sess, err := s.svc.Login(ctx, name, pw)
	if err != nil {
		// The admin exists; they can sign in on the usual page.
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: sess.Token, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, "/agents", http.StatusSeeOther)
}
