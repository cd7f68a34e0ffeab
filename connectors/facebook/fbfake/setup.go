package fbfake

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Setting an app up, as Meta documents it (Graph API v27.0):
//
//   - GET /oauth/access_token?grant_type=fb_exchange_token&client_id=…
//     &client_secret=…&fb_exchange_token=… exchanges a short-lived user
//     token (UserToken) for a long-lived one: {"access_token",
//     "token_type":"bearer","expires_in"} (about 60 days). POST is
//     accepted too, as Graph does. A wrong client_id is error 101, a
//     wrong client_secret error 1, an unknown token error 190.
//   - GET /me/accounts (or /{user-id}/accounts) with a user token lists
//     the Pages the user manages: {"data":[{"id","name","category",
//     "access_token","tasks"}]}. Without pages_show_list the list is
//     empty. A Page token listed with a long-lived user token never
//     expires; with a short-lived one it expires with it. Either way it
//     has the user's permissions and the user's data access expiry.
//   - GET /debug_token?input_token=…&access_token=… inspects a token. The
//     access token is the app token ("{app-id}|{app-secret}") or any valid
//     token of the app. The answer is {"data":{"app_id","type",
//     "application","data_access_expires_at","expires_at","is_valid",
//     "issued_at","scopes","granular_scopes","user_id"[,"profile_id"]}},
//     times in Unix seconds and 0 for "never"; an invalid token has
//     is_valid false and an "error" object inside data.
//   - POST /{page-id}/subscribed_apps?subscribed_fields=messages,feed
//     with the Page token subscribes the app to the Page's webhook
//     fields ({"success":true}); it needs pages_manage_metadata (error
//     200 otherwise). GET lists the app with its subscribed_fields.
//   - POST /{app-id}/subscriptions (object=page, callback_url,
//     verify_token, fields) with the app token sets the app's webhook
//     callback, after the same verification request as SetWebhook.

// DefaultAppID is Options.AppID's default.
const DefaultAppID = "100200300400500"

// AppName is the app's name in debug_token and subscribed_apps.
const AppName = "inboxbot (fbfake)"

// AdminUserID is the id of the person who manages the Page: the user of
// every UserToken.
const AdminUserID = "10001"

// The token types debug_token reports.
const (
	TokenUser = "USER"
	TokenPage = "PAGE"
)

// Permissions the fake knows; DefaultScopes are every one inboxbot needs.
var DefaultScopes = []string{
	"pages_show_list", "pages_messaging", "pages_read_engagement",
	"pages_read_user_content", "pages_manage_metadata", "pages_manage_engagement",
}

// Token lifetimes, as Meta documents them.
const (
	// ShortLivedTTL: a user token from Facebook Login lives about an hour
	// or two.
	ShortLivedTTL = 2 * time.Hour
	// LongLivedTTL: a long-lived user token lives about 60 days.
	LongLivedTTL = 60 * 24 * time.Hour
	// DataAccessTTL: access to user data expires 90 days after the
	// person last used the app, whatever the token.
	DataAccessTTL = 90 * 24 * time.Hour
)

// pageWebhookFields are the Page webhook fields subscribed_apps accepts
// (the ones Messenger and Page feeds document; the fake takes no others).
var pageWebhookFields = []string{
	"messages", "message_echoes", "message_deliveries", "message_reads", "messaging_postbacks",
	"messaging_optins", "messaging_referrals", "message_reactions", "standby", "feed", "mention",
}

// TokenInfo is what the fake knows of an access token, as debug_token
// reports it.
type TokenInfo struct {
	// Type is TokenUser or TokenPage.
	Type string
	// UserID is the person the token acts for.
	UserID string
	// ProfileID is the Page, for a Page token.
	ProfileID string
	// Scopes are the permissions granted.
	Scopes []string
	// IssuedAt is when the token was made.
	IssuedAt time.Time
	// ExpiresAt is when the token expires; zero means never.
	ExpiresAt time.Time
	// DataAccessExpiresAt is when access to user data expires.
	DataAccessExpiresAt time.Time
}

// ManagedPage is a Page the admin user manages besides the fake's own,
// listed by /me/accounts. Its token is known to debug_token only: the
// fake serves one Page.
type ManagedPage struct {
	ID, Name, Token string
}

// setupState is the Server's set-up state, guarded by Server.mu.
type setupState struct {
	tokens     map[string]*TokenInfo
	pages      []ManagedPage
	subscribed []string // the Page's subscribed webhook fields
	seq        int
}

// info returns the record of tok, creating the default one of the
// Page token on first use. s.mu must be held.
func (s *Server) info(tok string) *TokenInfo {
	if s.setup.tokens == nil {
		s.setup.tokens = map[string]*TokenInfo{}
	}
	ti := s.setup.tokens[tok]
	if ti == nil && tok == s.token {
		now := s.opts.Now()
		ti = &TokenInfo{
			Type: TokenPage, UserID: AdminUserID, ProfileID: s.opts.PageID, Scopes: slices.Clone(DefaultScopes),
			IssuedAt: now, DataAccessExpiresAt: now.Add(DataAccessTTL),
		}
		s.setup.tokens[tok] = ti
	}
	return ti
}

func (s *Server) appID() string {
	if s.opts.AppID != "" {
		return s.opts.AppID
	}
	return DefaultAppID
}

// AppID returns the app's id (Options.AppID or DefaultAppID).
func (s *Server) AppID() string { return s.appID() }

// UserToken issues a short-lived user token of the Page's admin with the
// given permissions (DefaultScopes when none are given), as Facebook
// Login or the Graph API Explorer would.
func (s *Server) UserToken(scopes ...string) string {
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	return s.issue(&TokenInfo{
		Type: TokenUser, UserID: AdminUserID, Scopes: slices.Clone(scopes),
		IssuedAt: now, ExpiresAt: now.Add(ShortLivedTTL), DataAccessExpiresAt: now.Add(DataAccessTTL),
	}, "EAAuser")
}

// issue records a new token and returns it. s.mu must be held.
func (s *Server) issue(ti *TokenInfo, prefix string) string {
	s.info(s.token) // make sure the map exists
	s.setup.seq++
	tok := prefix + strconv.Itoa(s.setup.seq) + "x" + strconv.FormatInt(s.next(), 36)
	s.setup.tokens[tok] = ti
	return tok
}

// AddManagedPage makes the admin manage another Page, listed by
// /me/accounts before or after the fake's own (by id).
func (s *Server) AddManagedPage(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := "EAApage" + id
	s.setup.pages = append(s.setup.pages, ManagedPage{ID: id, Name: name, Token: tok})
	s.info(s.token)
	s.setup.tokens[tok] = &TokenInfo{Type: TokenPage, UserID: AdminUserID, ProfileID: id, Scopes: slices.Clone(DefaultScopes), IssuedAt: s.opts.Now()}
}

// TokenInfo returns what the fake knows of tok, and false for a token
// it never issued.
func (s *Server) TokenInfo(tok string) (TokenInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ti := s.info(tok)
	if ti == nil {
		return TokenInfo{}, false
	}
	out := *ti
	out.Scopes = slices.Clone(ti.Scopes)
	return out, true
}

// SetTokenExpiry sets when tok expires (zero: never) and when its data
// access expires, as debug_token will report them.
func (s *Server) SetTokenExpiry(tok string, expiresAt, dataAccessExpiresAt time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ti := s.info(tok); ti != nil {
		ti.ExpiresAt, ti.DataAccessExpiresAt = expiresAt, dataAccessExpiresAt
	}
}

// SetScopes sets the permissions tok has.
func (s *Server) SetScopes(tok string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ti := s.info(tok); ti != nil {
		ti.Scopes = slices.Clone(scopes)
	}
}

// SubscribedFields returns the Page webhook fields the app is
// subscribed to through subscribed_apps, sorted.
func (s *Server) SubscribedFields() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.setup.subscribed)
}

// serveSetup answers the set-up endpoints; handled is false for any other
// request. s.mu is held.
func (s *Server) serveSetup(q *request) (v any, e *apiError, handled bool) {
	get, post := q.r.Method == http.MethodGet, q.r.Method == http.MethodPost
	parts := strings.Split(strings.Trim(q.path, "/"), "/")
	if len(parts) == 1 && parts[0] == "debug_token" && get {
		v, e = s.debugToken(q)
		return v, e, true
	}
	if len(parts) != 2 {
		return nil, nil, false
	}
	switch {
	case parts[0] == "oauth" && parts[1] == "access_token" && (get || post):
		v, e = s.exchange(q)
	case parts[1] == "accounts" && get && s.userToken(accessToken(q)):
		v, e = s.accounts(q, parts[0])
	case (parts[0] == s.opts.PageID || parts[0] == "me") && parts[1] == "subscribed_apps" && (get || post):
		v, e = s.subscribedApps(q)
	case parts[0] == s.appID() && parts[1] == "subscriptions" && post:
		v, e = s.appSubscription(q)
	default:
		return nil, nil, false
	}
	return v, e, true
}

// userToken reports whether tok is a user token the fake issued. s.mu
// is held.
func (s *Server) userToken(tok string) bool {
	ti := s.info(tok)
	return ti != nil && ti.Type == TokenUser
}

// valid checks a token the fake issued: known, not expired. s.mu is held.
func (s *Server) valid(tok string) (*TokenInfo, *apiError) {
	ti := s.info(tok)
	switch {
	case tok == "":
		return nil, errorFor(104, 0, "An access token is required to request this resource.")
	case ti == nil:
		return nil, errorFor(190, 0, "")
	case tok == s.token && s.expired, !ti.ExpiresAt.IsZero() && !ti.ExpiresAt.After(s.opts.Now()):
		return ti, errorFor(190, 463, "")
	}
	return ti, nil
}

func (s *Server) appToken() string { return s.appID() + "|" + s.AppSecret() }

// exchange serves the fb_exchange_token grant.
func (s *Server) exchange(q *request) (any, *apiError) {
	p := q.params
	switch {
	case p.Get("grant_type") != "fb_exchange_token":
		return nil, errorFor(100, 0, "(#100) Unsupported grant_type; this fake serves fb_exchange_token")
	case p.Get("client_id") != s.appID():
		return nil, errorFor(101, 0, "Error validating application. Invalid application ID.")
	case p.Get("client_secret") != s.AppSecret():
		return nil, errorFor(1, 0, "Error validating client secret.")
	}
	ti, e := s.valid(p.Get("fb_exchange_token"))
	if e != nil {
		return nil, e
	}
	if ti.Type != TokenUser {
		return nil, errorFor(190, 0, "Invalid OAuth access token - only user tokens can be exchanged")
	}
	now := s.opts.Now()
	long := &TokenInfo{
		Type: TokenUser, UserID: ti.UserID, Scopes: slices.Clone(ti.Scopes),
		IssuedAt: now, ExpiresAt: now.Add(LongLivedTTL), DataAccessExpiresAt: ti.DataAccessExpiresAt,
	}
	tok := s.issue(long, "EAAlong")
	return map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int64(LongLivedTTL / time.Second)}, nil
}

// accounts lists the Pages the user manages, with Page tokens that carry
// the user's permissions.
func (s *Server) accounts(q *request, node string) (any, *apiError) {
	tok := accessToken(q)
	user, e := s.valid(tok)
	if e != nil {
		return nil, e
	}
	if e := s.checkProof(q, tok); e != nil {
		return nil, e
	}
	if node != "me" && node != user.UserID {
		return nil, notFound(node)
	}
	data := []map[string]any{}
	if !slices.Contains(user.Scopes, "pages_show_list") {
		return map[string]any{"data": data}, nil
	}
	tasks := []string{"ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE"}
	list := append([]ManagedPage{{ID: s.opts.PageID, Name: s.opts.PageName, Token: s.token}}, s.setup.pages...)
	slices.SortFunc(list, func(a, b ManagedPage) int { return strings.Compare(a.ID, b.ID) })
	for _, pg := range list {
		ti := s.info(pg.Token)
		// A Page token has the permissions of the user who got it; from a
		// long-lived user token it never expires.
		ti.UserID, ti.Scopes, ti.DataAccessExpiresAt = user.UserID, slices.Clone(user.Scopes), user.DataAccessExpiresAt
		ti.ExpiresAt = time.Time{}
		if user.ExpiresAt.Sub(user.IssuedAt) < LongLivedTTL {
			ti.ExpiresAt = user.ExpiresAt
		}
		data = append(data, map[string]any{
			"id": pg.ID, "name": pg.Name, "category": "Hotel", "access_token": pg.Token, "tasks": tasks,
		})
	}
	return map[string]any{"data": data}, nil
}

// unix renders a time for debug_token: Unix seconds, 0 for never.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// debugToken inspects input_token.
func (s *Server) debugToken(q *request) (any, *apiError) {
	caller := accessToken(q)
	if caller != s.appToken() {
		if _, e := s.valid(caller); e != nil {
			return nil, e
		}
	}
	in := q.params.Get("input_token")
	if in == "" {
		return nil, errorFor(100, 0, "(#100) The parameter input_token is required")
	}
	ti, e := s.valid(in)
	if ti == nil {
		return map[string]any{"data": map[string]any{
			"error":    map[string]any{"code": 190, "message": "Invalid OAuth access token."},
			"is_valid": false, "scopes": []string{},
		}}, nil
	}
	granular := []map[string]any{}
	for _, sc := range ti.Scopes {
		g := map[string]any{"scope": sc}
		if strings.HasPrefix(sc, "pages_") && sc != "pages_show_list" {
			g["target_ids"] = []string{s.opts.PageID}
		}
		granular = append(granular, g)
	}
	data := map[string]any{
		"app_id": s.appID(), "type": ti.Type, "application": AppName,
		"data_access_expires_at": unix(ti.DataAccessExpiresAt), "expires_at": unix(ti.ExpiresAt),
		"is_valid": e == nil, "issued_at": unix(ti.IssuedAt),
		"scopes": slices.Clone(ti.Scopes), "granular_scopes": granular, "user_id": ti.UserID,
	}
	if ti.Type == TokenPage {
		data["profile_id"] = ti.ProfileID
	}
	if e != nil {
		data["error"] = map[string]any{"code": e.code, "subcode": e.subcode, "message": e.msg}
	}
	return map[string]any{"data": data}, nil
}

// subscribedApps subscribes the app to the Page's webhook fields, or
// lists the subscription.
func (s *Server) subscribedApps(q *request) (any, *apiError) {
	if e := s.authorize(q); e != nil {
		return nil, e
	}
	if q.r.Method == http.MethodGet {
		data := []map[string]any{}
		if len(s.setup.subscribed) > 0 {
			data = append(data, map[string]any{
				"category": "Business", "link": "https://inboxbot.example/", "name": AppName, "id": s.appID(),
				"subscribed_fields": slices.Clone(s.setup.subscribed),
			})
		}
		return map[string]any{"data": data}, nil
	}
	if ti := s.info(s.token); !slices.Contains(ti.Scopes, "pages_manage_metadata") {
		return nil, errorFor(200, 0, "(#200) Permissions error: subscribing an app to a Page's webhooks requires the pages_manage_metadata permission")
	}
	raw := q.params.Get("subscribed_fields")
	if raw == "" {
		return nil, errorFor(100, 0, "(#100) The parameter subscribed_fields is required")
	}
	var fields []string
	for i, f := range strings.Split(raw, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(pageWebhookFields, f) {
			return nil, errorFor(100, 0, fmt.Sprintf("(#100) Param subscribed_fields[%d] must be one of {%s} but got \"%s\"", i, strings.Join(pageWebhookFields, ", "), f))
		}
		if !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	slices.Sort(fields)
	s.setup.subscribed = fields
	return map[string]any{"success": true}, nil
}

// appSubscription sets the app's Page webhook callback, verifying it as
// Meta does (see SetWebhook). The verification request is made with the
// server's lock held, which is safe: the receiver never calls back.
func (s *Server) appSubscription(q *request) (any, *apiError) {
	if accessToken(q) != s.appToken() {
		return nil, errorFor(190, 0, "Invalid OAuth access token: this call takes the app access token")
	}
	p := q.params
	if p.Get("object") != "page" {
		return nil, errorFor(100, 0, "(#100) object must be page in this fake")
	}
	if err := s.SetWebhook(p.Get("callback_url"), p.Get("verify_token")); err != nil {
		return nil, errorFor(2200, 0, "(#2200) callback verification failed: "+err.Error())
	}
	return map[string]any{"success": true}, nil
}
