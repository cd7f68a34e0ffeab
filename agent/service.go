package agent

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
	"github.com/inboxbot/inboxbot/sla"
	"github.com/inboxbot/inboxbot/store"
)

// Roles of agents. Admins may also list and add agents.
const (
	RoleAgent = "agent"
	RoleAdmin = "admin"
)

// Kinds of store.Token.
const (
	TokenSession = "session"
	TokenAPI     = "api"
)

// MaxReplyBytes caps a reply's length; every platform's own limit is
// lower, so longer text is surely a mistake (a paste gone wrong).
const MaxReplyBytes = 8000

// Replier sends an agent's reply through the router's reply guard, which
// stores it as a pending action and puts it on OUTBOUND. The desk never
// talks to a platform itself. *router.Router implements it.
type Replier interface {
	// Reply checks and queues one reply. A refusal by the guard wraps
	// router.ErrRefused and says why. ctx bounds the call.
	Reply(ctx context.Context, req ReplyRequest) (inbox.Action, error)
}

// Store is what the desk reads and changes in the store: the queue and
// the conversations, their actions, notes and audit trail, search, the
// reports, the agents and their tokens, and (through Cursors) the
// one-time set-up link's hash (setup.go). It neither ingests nor sends:
// replies go through the Replier (the router's reply guard).
type Store interface {
	store.Cursors
	store.ConversationReader
	store.Queue
	store.ActionReader
	store.Accounts
	store.Auditor
	store.Desk
	store.Reporter
}

// Service is what agents can do, independent of how they ask: the web UI,
// the JSON API and the CLI all call it, so they enforce the same rules and
// write the same audit trail. It is safe for concurrent use.
type Service struct {
	store      Store
	replier    Replier
	sessionTTL time.Duration
	tokenTTL   time.Duration
	log        *slog.Logger
	now        func() time.Time
	cost       int // bcrypt cost; lowered in tests only
	// compare checks a password against its bcrypt hash; tests wrap it
	// to watch how many checks run at once.
	compare func(hash, password []byte) error
	// pwSem holds one token per password check in progress (see
	// maxPasswordChecks).
	pwSem chan struct{}
	// rd hides secrets in what the desk shows (see redact.Mask).
	rd *redact.Redactor
	// sla is the response targets the queue is coloured and sorted by.
	sla sla.Config
	// publish announces notes and bulk changes to every desk; nil: nowhere.
	publish func(inbox.Event)
}

// ServiceOption tunes a Service.
type ServiceOption func(*Service)

// WithSessionTTL sets how long browser sessions last (default 12h).
func WithSessionTTL(d time.Duration) ServiceOption {
	return func(s *Service) {
		if d > 0 {
			s.sessionTTL = d
		}
	}
}

// WithTokenTTL sets how long API tokens last (default one year).
func WithTokenTTL(d time.Duration) ServiceOption {
	return func(s *Service) {
		if d > 0 {
			s.tokenTTL = d
		}
	}
}

// WithLogger sets where the Service reports failures it does not return
// (an audit entry that could not be written). Default slog.Default().
func WithLogger(l *slog.Logger) ServiceOption {
	return func(s *Service) {
		if l != nil {
			s.log = l
		}
	}
}

// WithRedactor sets the redactor that hides secrets in everything the desk
// shows: the policy's (router.Config.Redactor), so that the company's own
// phone number is shown as it is. Default: redact's package-level rules.
func WithRedactor(rd *redact.Redactor) ServiceOption {
	return func(s *Service) {
		if rd != nil {
			s.rd = rd
		}
	}
}

// NewService returns a Service on st. r may be nil for callers that never
// reply (Reply then fails with ErrNoReplier).
func NewService(st Store, r Replier, opts ...ServiceOption) *Service {
	s := &Service{
		store: st, replier: r,
		sessionTTL: DefaultSessionTTL, tokenTTL: DefaultTokenTTL,
		log: slog.Default(), now: time.Now, cost: bcrypt.DefaultCost,
		compare: bcrypt.CompareHashAndPassword, pwSem: make(chan struct{}, maxPasswordChecks),
		rd: redact.New(),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// nameRE keeps agent names short and safe to show in URLs, logs and the
// audit trail.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)

// AddAgent creates an agent with a random one-time password and returns
// the password, which is shown once and never stored (only its bcrypt
// hash is). role is RoleAgent (default when "") or RoleAdmin.
func (s *Service) AddAgent(ctx context.Context, name, role string) (password string, err error) {
	if !nameRE.MatchString(name) {
		return "", invalidf("agent name %q: use 1-32 lower-case letters, digits, '.', '_' or '-'", name)
	}
	if role == "" {
		role = RoleAgent
	}
	if role != RoleAgent && role != RoleAdmin {
		return "", invalidf("role %q: want %s or %s", role, RoleAgent, RoleAdmin)
	}
	password, hash, err := s.newPassword()
	if err != nil {
		return "", err
	}
	_, err = s.store.CreateAgent(ctx, store.Agent{Name: name, Role: role, PasswordHash: hash, CreatedAt: s.now()})
	if errors.Is(err, store.ErrExists) {
		return "", fmt.Errorf("%w: agent %q", ErrExists, name)
	}
	if err != nil {
		return "", fmt.Errorf("adding agent %q: %w", name, err)
	}
	return password, nil
}

// ResetPassword gives an agent a new random password and returns it, for
// an agent who lost theirs. Existing sessions stay valid until they expire.
func (s *Service) ResetPassword(ctx context.Context, name string) (string, error) {
	if _, err := s.agent(ctx, name); err != nil {
		return "", err
	}
	password, hash, err := s.newPassword()
	if err != nil {
		return "", err
	}
	if err := s.store.SetPassword(ctx, name, hash); err != nil {
		return "", fmt.Errorf("setting password of %q: %w", name, err)
	}
	return password, nil
}

func (s *Service) newPassword() (password, hash string, err error) {
	password, err = randomToken(15)
	if err != nil {
		return "", "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return "", "", fmt.Errorf("hashing password: %w", err)
	}
	return password, string(h), nil
}

// Token creates a new API bearer token for an agent and returns it. Only
// its SHA-256 hash is stored, so it is shown once.
func (s *Service) Token(ctx context.Context, name string) (string, error) {
	a, err := s.agent(ctx, name)
	if err != nil {
		return "", err
	}
	tok, err := randomToken(32)
	if err != nil {
		return "", err
	}
	tok = "ibx_" + tok
	now := s.now()
	if err := s.store.CreateToken(ctx, store.Token{
		Hash: hashToken(tok), AgentID: a.ID, Kind: TokenAPI, ExpiresAt: now.Add(s.tokenTTL), CreatedAt: now,
	}); err != nil {
		return "", fmt.Errorf("storing token for %q: %w", name, err)
	}
	return tok, nil
}

// TemporaryToken creates an API bearer token for an agent that expires
// after ttl, and a function that revokes it. The CLI uses one to ask the
// running instance to act on the agent's behalf.
func (s *Service) TemporaryToken(ctx context.Context, name string, ttl time.Duration) (token string, revoke func(), err error) {
	a, err := s.agent(ctx, name)
	if err != nil {
		return "", nil, err
	}
	tok, err := randomToken(32)
	if err != nil {
		return "", nil, err
	}
	tok = "ibx_" + tok
	now := s.now()
	if err := s.store.CreateToken(ctx, store.Token{
		Hash: hashToken(tok), AgentID: a.ID, Kind: TokenAPI, ExpiresAt: now.Add(ttl), CreatedAt: now,
	}); err != nil {
		return "", nil, fmt.Errorf("storing token for %q: %w", name, err)
	}
	revoke = func() { _ = s.store.DeleteToken(context.WithoutCancel(ctx), hashToken(tok)) }
	return tok, revoke, nil
}

// Session is a browser sign-in.
type Session struct {
	// Token is the cookie value; only its hash is stored.
	Token string
	// CSRF must accompany every state-changing request of the session.
	CSRF      string
	Agent     store.Agent
	ExpiresAt time.Time
}

// maxPasswordChecks bounds the bcrypt comparisons that run at once. Each
// takes ~70 ms of a core, so a burst of sign-ins (each within its own
// limit, from many addresses) would otherwise take every core from the
// rest of inboxbot. The agents of one team sign in rarely: two at a time
// is ample.
const maxPasswordChecks = 2

// dummyHash is compared against when the name is unknown, so that a
// sign-in takes as long for unknown names as for wrong passwords.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("inboxbot-dummy-password"), bcrypt.DefaultCost)

// Login checks an agent's password and starts a session. A wrong name, a
// wrong password and a disabled agent all give ErrBadCredentials. At most
// maxPasswordChecks passwords are checked at once; a sign-in waits for its
// turn until ctx ends, and then gives ErrBusy.
func (s *Service) Login(ctx context.Context, name, password string) (Session, error) {
	a, err := s.store.Agent(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if _, err := s.checkPassword(ctx, dummyHash, password); err != nil {
			return Session{}, err
		}
		return Session{}, ErrBadCredentials
	case err != nil:
		return Session{}, fmt.Errorf("looking up agent: %w", err)
	}
	ok, err := s.checkPassword(ctx, []byte(a.PasswordHash), password)
	if err != nil {
		return Session{}, err
	}
	if !ok || a.Disabled {
		return Session{}, ErrBadCredentials
	}
	tok, err := randomToken(32)
	if err != nil {
		return Session{}, err
	}
	csrf, err := randomToken(32)
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	sess := Session{Token: tok, CSRF: csrf, Agent: a, ExpiresAt: now.Add(s.sessionTTL)}
	if err := s.store.CreateToken(ctx, store.Token{
		Hash: hashToken(tok), AgentID: a.ID, Kind: TokenSession, CSRF: csrf, ExpiresAt: sess.ExpiresAt, CreatedAt: now,
	}); err != nil {
		return Session{}, fmt.Errorf("storing session: %w", err)
	}
	return sess, nil
}

// checkPassword compares password with hash once a check slot is free,
// or gives ErrBusy when ctx ends first.
func (s *Service) checkPassword(ctx context.Context, hash []byte, password string) (bool, error) {
	select {
	case s.pwSem <- struct{}{}:
	case <-ctx.Done():
		return false, fmt.Errorf("%w: %w", ErrBusy, context.Cause(ctx))
	}
	defer func() { <-s.pwSem }()
	return s.compare(hash, []byte(password)) == nil, nil
}

// Logout ends a session (or revokes an API token). Ending one that does
// not exist is not an error, so signing out twice is harmless.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	if err := s.store.DeleteToken(ctx, hashToken(token)); err != nil {
		return fmt.Errorf("deleting session: %w", err)
	}
	return nil
}

// Principal is who made a request, and how.
type Principal struct {
	Agent store.Agent
	// Kind is TokenSession (a browser: CSRF applies) or TokenAPI.
	Kind string
	// CSRF is the session's CSRF token ("" for API tokens).
	CSRF string
	// Token is the session's cookie value, for sign-out.
	Token string
}

// Admin reports whether the principal may manage agents.
func (p *Principal) Admin() bool { return p.Agent.Role == RoleAdmin }

// Actor is how the audit trail names the principal.
func (p *Principal) Actor() string { return "agent:" + p.Agent.Name }

// Authenticate resolves a session cookie or bearer token. Expired tokens,
// unknown tokens and disabled agents give ErrUnauthenticated.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if token == "" || len(token) > 200 {
		return nil, ErrUnauthenticated
	}
	t, err := s.store.TokenByHash(ctx, hashToken(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrUnauthenticated
	case err != nil:
		return nil, fmt.Errorf("looking up token: %w", err)
	}
	if !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(s.now()) {
		return nil, ErrUnauthenticated
	}
	a, err := s.store.AgentByID(ctx, t.AgentID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrUnauthenticated
	case err != nil:
		return nil, fmt.Errorf("looking up agent: %w", err)
	}
	if a.Disabled {
		return nil, ErrUnauthenticated
	}
	return &Principal{Agent: a, Kind: t.Kind, CSRF: t.CSRF, Token: token}, nil
}

// Agents lists every agent by name.
func (s *Service) Agents(ctx context.Context) ([]store.Agent, error) {
	as, err := s.store.Agents(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing agents: %w", err)
	}
	if as == nil {
		as = []store.Agent{}
	}
	return as, nil
}

func (s *Service) agent(ctx context.Context, name string) (store.Agent, error) {
	a, err := s.store.Agent(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return a, fmt.Errorf("%w: agent %q", ErrNotFound, name)
	case err != nil:
		return a, fmt.Errorf("looking up agent %q: %w", name, err)
	}
	return a, nil
}

// ListConversations returns one page of the queue, oldest unanswered
// customer message first.
func (s *Service) ListConversations(ctx context.Context, f store.Filter) (ConversationPage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	f.Offset = max(f.Offset, 0)
	p, err := s.store.Conversations(ctx, f)
	if err != nil {
		return ConversationPage{}, fmt.Errorf("listing conversations: %w", err)
	}
	out := ConversationPage{Conversations: make([]ConversationView, len(p.Conversations)), Total: p.Total, Limit: f.Limit, Offset: f.Offset}
	for i, c := range p.Conversations {
		out.Conversations[i] = conversationView(c)
	}
	return out, nil
}

// Counts returns the queue's facet counts over the conversations f
// selects, each facet leaving out its own field of f, so that each count
// is the length of the list that choosing its value shows.
func (s *Service) Counts(ctx context.Context, f store.Filter) (store.Counts, error) {
	c, err := s.store.Counts(ctx, f)
	if err != nil {
		return c, fmt.Errorf("counting conversations: %w", err)
	}
	return c, nil
}

// Conversation returns one conversation without its thread.
func (s *Service) Conversation(ctx context.Context, id int64) (ConversationView, error) {
	c, err := s.conversation(ctx, id)
	return conversationView(c), err
}

func (s *Service) conversation(ctx context.Context, id int64) (store.Conversation, error) {
	c, err := s.store.Conversation(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return c, fmt.Errorf("%w: conversation %d", ErrNotFound, id)
	case err != nil:
		return c, fmt.Errorf("loading conversation %d: %w", id, err)
	}
	return c, nil
}

// ShowConversation returns a conversation with its whole thread, its
// actions and their delivery states, and its audit trail.
func (s *Service) ShowConversation(ctx context.Context, id int64) (ConversationDetail, error) {
	d, _, _, err := s.showConversation(ctx, id)
	return d, err
}

// showConversation is ShowConversation, returning also the messages and
// actions as stored, for the desk's thread (see Open).
func (s *Service) showConversation(ctx context.Context, id int64) (ConversationDetail, []store.Message, []inbox.Action, error) {
	c, err := s.conversation(ctx, id)
	if err != nil {
		return ConversationDetail{}, nil, nil, err
	}
	msgs, err := s.store.Messages(ctx, id)
	if err != nil {
		return ConversationDetail{}, nil, nil, fmt.Errorf("loading messages of %d: %w", id, err)
	}
	acts, err := s.store.Actions(ctx, id)
	if err != nil {
		return ConversationDetail{}, nil, nil, fmt.Errorf("loading actions of %d: %w", id, err)
	}
	trail, err := s.store.AuditTrail(ctx, id)
	if err != nil {
		return ConversationDetail{}, nil, nil, fmt.Errorf("loading audit trail of %d: %w", id, err)
	}
	d := ConversationDetail{
		ConversationView:   conversationView(c),
		Messages:           make([]MessageView, len(msgs)),
		Actions:            make([]ActionView, len(acts)),
		Audit:              make([]AuditView, len(trail)),
		MessengerWindow:    messengerWindow(c, s.now()),
		PrivateReplyEndsAt: privateReplyEndsAt(c),
	}
	for i, m := range msgs {
		d.Messages[i] = messageView(s.rd, m)
	}
	for i, a := range acts {
		d.Actions[i] = actionView(s.rd, a)
	}
	for i, a := range trail {
		d.Audit[i] = AuditView{Actor: a.Actor, Action: a.Action, Detail: a.Detail, At: a.At}
	}
	return d, msgs, acts, nil
}

// Reply sends an agent's reply through the reply guard. The agent must
// hold the conversation or it must be unassigned, in which case the reply
// claims it, so that two agents never answer the same customer at once;
// a conversation another agent holds gives *HeldError. A refusal by the
// guard gives *RefusedError with the guard's reason, and nothing is sent.
// The guard writes the reply's audit entry (queued or refused).
func (s *Service) Reply(ctx context.Context, req ReplyRequest) (ActionView, error) {
	if s.replier == nil {
		return ActionView{}, ErrNoReplier
	}
	req.Text = strings.TrimSpace(req.Text)
	switch {
	case req.Agent == "":
		return ActionView{}, invalidf("reply without an agent")
	case req.Text == "":
		return ActionView{}, invalidf("the reply is empty")
	case len(req.Text) > MaxReplyBytes:
		return ActionView{}, invalidf("the reply is longer than %d bytes", MaxReplyBytes)
	}
	c, err := s.conversation(ctx, req.ConversationID)
	if err != nil {
		return ActionView{}, err
	}
	switch c.Assignee {
	case req.Agent:
	case "":
		if _, err := s.assign(ctx, req.Agent, c.ID, req.Agent, "", "claim", "on reply"); err != nil {
			return ActionView{}, err
		}
	default:
		return ActionView{}, &HeldError{ConversationID: c.ID, Assignee: c.Assignee}
	}
	a, err := s.replier.Reply(ctx, req)
	if err != nil {
		if isRefusal(err) {
			return ActionView{}, &RefusedError{Reason: refusalReason(err), Err: err}
		}
		return ActionView{}, fmt.Errorf("queueing reply to conversation %d: %w", c.ID, err)
	}
	return actionView(s.rd, a), nil
}

// Claim makes agent the holder of a conversation. expect is who the agent
// believes holds it now: "" to claim an unassigned conversation, or the
// current holder's name to take it over explicitly. When someone else
// holds it, Claim fails with *HeldError naming them. Claiming a
// conversation one already holds succeeds.
func (s *Service) Claim(ctx context.Context, agent string, id int64, expect string) (ConversationView, error) {
	action := "claim"
	if expect != "" && expect != agent {
		action = "take_over"
	}
	c, err := s.assign(ctx, agent, id, agent, expect, action, "")
	if errors.Is(err, ErrHeld) {
		// A repeated claim (a double click) is not a conflict.
		if cur, cerr := s.conversation(ctx, id); cerr == nil && cur.Assignee == agent {
			return conversationView(cur), nil
		}
	}
	return conversationView(c), err
}

// Assign gives a conversation to assignee ("" releases it). The actor
// must hold it or it must be unassigned, unless expect names the current
// holder, which makes it an explicit take-over; otherwise *HeldError.
func (s *Service) Assign(ctx context.Context, actor string, id int64, assignee string, expect *string) (ConversationView, error) {
	if assignee != "" {
		if _, err := s.agent(ctx, assignee); err != nil {
			return ConversationView{}, err
		}
	}
	var exp string
	if expect != nil {
		exp = *expect
	} else {
		cur, err := s.conversation(ctx, id)
		if err != nil {
			return ConversationView{}, err
		}
		if cur.Assignee != "" && cur.Assignee != actor {
			return ConversationView{}, &HeldError{ConversationID: id, Assignee: cur.Assignee}
		}
		exp = cur.Assignee
	}
	action, detail := "assign", "to "+assignee
	if assignee == "" {
		action, detail = "release", ""
	}
	c, err := s.assign(ctx, actor, id, assignee, exp, action, detail)
	return conversationView(c), err
}

// assign is the compare-and-set behind Claim, Assign and Reply.
func (s *Service) assign(ctx context.Context, actor string, id int64, assignee, expect, action, detail string) (store.Conversation, error) {
	c, err := s.store.UpdateConversation(ctx, id, store.Update{Assignee: &assignee, ExpectAssignee: &expect})
	switch {
	case errors.Is(err, store.ErrConflict):
		if c.ID == 0 {
			if cur, cerr := s.conversation(ctx, id); cerr == nil {
				c = cur
			}
		}
		return c, &HeldError{ConversationID: id, Assignee: c.Assignee}
	case errors.Is(err, store.ErrNotFound):
		return c, fmt.Errorf("%w: conversation %d", ErrNotFound, id)
	case err != nil:
		return c, fmt.Errorf("assigning conversation %d: %w", id, err)
	}
	if expect != "" && expect != actor && action != "take_over" {
		detail = strings.TrimSpace(detail + " (from " + expect + ")")
	}
	s.audit(ctx, "agent:"+actor, action, id, detail)
	return c, nil
}

// Close closes a conversation: it leaves the queue until the customer
// writes again. Like a reply, it is for the holder: agent must hold the
// conversation or it must be unassigned, unless agent is an admin;
// otherwise *HeldError.
func (s *Service) Close(ctx context.Context, agent string, id int64) (ConversationView, error) {
	return s.setStatus(ctx, agent, id, inbox.Closed, "close")
}

// Reopen puts a closed or pending conversation back in the queue. The
// holder rule of Close applies.
func (s *Service) Reopen(ctx context.Context, agent string, id int64) (ConversationView, error) {
	return s.setStatus(ctx, agent, id, inbox.Open, "reopen")
}

// setStatus changes a conversation's status under the holder rule of
// Claim, Assign and Reply, so that no agent closes a conversation another
// is working on. Admins may always (to tidy the queue); their audit entry
// names the holder.
func (s *Service) setStatus(ctx context.Context, agent string, id int64, st inbox.Status, action string) (ConversationView, error) {
	return s.holderUpdate(ctx, agent, id, store.Update{Status: &st}, action, "")
}

// isAdmin reports whether name is an enabled admin. An unknown name (the
// CLI's default actor, say) is not one.
func (s *Service) isAdmin(ctx context.Context, name string) (bool, error) {
	a, err := s.store.Agent(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("looking up agent %q: %w", name, err)
	}
	return a.Role == RoleAdmin && !a.Disabled, nil
}

// audit records who did what. The change itself is already stored, so a
// failure here is logged rather than reported to the agent as a failure
// of their action, which did happen.
func (s *Service) audit(ctx context.Context, actor, action string, id int64, detail string) {
	if err := s.store.AddAudit(ctx, store.Audit{Actor: actor, Action: action, ConversationID: id, Detail: detail, At: s.now()}); err != nil {
		s.log.Error("writing audit entry", "conversation_id", id, "actor", actor, "action", action, "err", err)
	}
}

// hashToken is what the store keeps of a session or API token: a leaked
// database then holds no usable credential. Tokens are random, so an
// unsalted fast hash suffices.
func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// randomToken returns n random bytes, URL-safe encoded.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
