package facebook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	fb "github.com/huandu/facebook/v2"
)

// Setting a Page up, as Meta documents it: a user access token (from the
// Graph API Explorer or Facebook Login) is exchanged for a long-lived one
// (GET /oauth/access_token, grant_type=fb_exchange_token); the Pages the
// user manages come with their Page tokens (GET /me/accounts), which do
// not expire when got with a long-lived user token; the app is subscribed
// to the Page's webhook fields (POST /{page-id}/subscribed_apps); and
// debug_token says which permissions a token has and when it, and its
// access to user data, expire. `inboxbot connect facebook` and the token
// watch use these calls.

// Permission is a Meta permission inboxbot needs, and what for.
type Permission struct {
	// Name is Meta's name for it, as App Review and debug_token write it.
	Name string
	// Why says what inboxbot does with it.
	Why string
}

// Permissions are the permissions the Page token needs, in the order an
// operator should read them.
var Permissions = []Permission{
	{"pages_show_list", "list the Pages you manage, so that one can be chosen"},
	{"pages_messaging", "read and answer Messenger conversations, and send Private Replies to comments and visitor posts"},
	{"pages_read_engagement", "read the Page's posts and the comments on them"},
	{"pages_read_user_content", "read what visitors post on the Page, and their comments"},
	{"pages_manage_metadata", "subscribe the app to the Page's webhooks (messages, feed)"},
	{"pages_manage_engagement", "reply to comments in public, and hide comments that show a booking number or PIN"},
}

// MissingPermissions returns the Permissions that scopes lacks.
func MissingPermissions(scopes []string) []Permission {
	var out []Permission
	for _, p := range Permissions {
		if !slices.Contains(scopes, p.Name) {
			out = append(out, p)
		}
	}
	return out
}

// WebhookFields are the Page webhook fields inboxbot subscribes the app
// to: Messenger messages, and the feed (posts and comments).
var WebhookFields = []string{"messages", "feed"}

// ErrSetup wraps every failure of a set-up call (errors.Is).
var ErrSetup = errors.New("facebook set-up")

// Setup makes the set-up calls. Its zero value is not usable: set at
// least AppID and AppSecret (the token exchange and debug_token need
// them) and call WithDefaults.
type Setup struct {
	// GraphURL is the Graph API base URL with a trailing slash. Default
	// https://graph.facebook.com/.
	GraphURL string
	// Version is the Graph API version every call names. Default
	// DefaultVersion.
	Version string
	// AppID and AppSecret are the Meta app's; the secret also makes
	// appsecret_proof.
	AppID, AppSecret string
	// Client makes the requests. Default: a client with a 30 s timeout.
	Client *http.Client
}

// SetupFor returns the Setup of a facebook config.
func SetupFor(cfg Config) Setup {
	cfg = cfg.WithDefaults()
	return Setup{GraphURL: cfg.GraphURL, Version: cfg.Version, AppID: cfg.AppID, AppSecret: cfg.AppSecret}.WithDefaults()
}

// WithDefaults returns s with its zero fields set to their defaults.
func (s Setup) WithDefaults() Setup {
	d := Config{GraphURL: s.GraphURL, Version: s.Version}.WithDefaults()
	s.GraphURL, s.Version = d.GraphURL, d.Version
	if s.Client == nil {
		s.Client = &http.Client{Timeout: 30 * time.Second}
	}
	return s
}

// session returns a Graph session bound to ctx that sends token (none
// when empty) with its appsecret_proof.
func (s Setup) session(ctx context.Context, token string) *fb.Session {
	sess := fb.New(s.AppID, s.AppSecret).Session(token)
	if token != "" && s.AppSecret != "" {
		_ = sess.EnableAppsecretProof(true) // cannot fail: the session has an app
	}
	sess.BaseURL, sess.Version, sess.RFC3339Timestamps = s.GraphURL, s.Version, false
	sess.HttpClient = s.Client
	return sess.WithContext(ctx)
}

// call makes one call and wraps its failure: what names it, and the
// Graph error keeps its code, while tokens and the secret are left out.
func (s Setup) call(ctx context.Context, what, token string, method fb.Method, path string, params fb.Params) (fb.Result, error) {
	res, err := s.session(ctx, token).Api(path, method, params)
	if err == nil {
		return res, nil
	}
	var fe *fb.Error
	if errors.As(err, &fe) {
		return nil, fmt.Errorf("%w: %s: Graph API error %d/%d: %s", ErrSetup, what, fe.Code, fe.ErrorSubcode, s.scrub(fe.Message, token))
	}
	return nil, fmt.Errorf("%w: %s: %s", ErrSetup, what, s.scrub(err.Error(), token))
}

// scrub removes secrets from a text that may quote a URL.
func (s Setup) scrub(text string, token string) string {
	for _, secret := range []string{token, s.AppSecret} {
		if secret != "" {
			text = strings.ReplaceAll(text, secret, "[redacted]")
		}
	}
	return text
}

// appToken is the app access token, "{app-id}|{app-secret}".
func (s Setup) appToken() string { return s.AppID + "|" + s.AppSecret }

// ExchangeToken exchanges a user access token for a long-lived one and
// returns it with its lifetime (0 when Graph does not say).
func (s Setup) ExchangeToken(ctx context.Context, userToken string) (string, time.Duration, error) {
	if s.AppID == "" || s.AppSecret == "" {
		return "", 0, fmt.Errorf("%w: exchanging the token needs the app id and app secret", ErrSetup)
	}
	res, err := s.call(ctx, "exchanging the user token", "", fb.GET, "/oauth/access_token", fb.Params{
		"grant_type": "fb_exchange_token", "client_id": s.AppID, "client_secret": s.AppSecret, "fb_exchange_token": userToken,
	})
	if err != nil {
		return "", 0, err
	}
	var out struct {
		AccessToken string `facebook:"access_token"`
		ExpiresIn   int64  `facebook:"expires_in"`
	}
	if err := res.Decode(&out); err != nil || out.AccessToken == "" {
		return "", 0, fmt.Errorf("%w: exchanging the user token: the answer has no access_token", ErrSetup)
	}
	return out.AccessToken, time.Duration(out.ExpiresIn) * time.Second, nil
}

// Page is a Page the user manages, with its Page token.
type Page struct {
	ID, Name, Category string
	// Token is the Page access token.
	Token string
	// Tasks are what the user may do on the Page (MESSAGING, MODERATE…).
	Tasks []string
}

// Pages lists the Pages the user of userToken manages.
func (s Setup) Pages(ctx context.Context, userToken string) ([]Page, error) {
	res, err := s.call(ctx, "listing your Pages", userToken, fb.GET, "/me/accounts", fb.Params{
		"fields": "id,name,category,access_token,tasks", "limit": 100,
	})
	if err != nil {
		return nil, err
	}
	var out struct {
		Data []struct {
			ID          string   `facebook:"id"`
			Name        string   `facebook:"name"`
			Category    string   `facebook:"category"`
			AccessToken string   `facebook:"access_token"`
			Tasks       []string `facebook:"tasks"`
		} `facebook:"data"`
	}
	if err := res.Decode(&out); err != nil {
		return nil, fmt.Errorf("%w: listing your Pages: unexpected answer", ErrSetup)
	}
	pages := make([]Page, 0, len(out.Data))
	for _, d := range out.Data {
		pages = append(pages, Page{ID: d.ID, Name: d.Name, Category: d.Category, Token: d.AccessToken, Tasks: d.Tasks})
	}
	return pages, nil
}

// TokenInfo is what debug_token says of a token.
type TokenInfo struct {
	AppID string
	// Type is USER, PAGE, APP…
	Type string
	// Valid is false for an expired or revoked token; Problem says why.
	Valid   bool
	Problem string
	// UserID is the person; ProfileID the Page of a Page token.
	UserID, ProfileID string
	Scopes            []string
	IssuedAt          time.Time
	// ExpiresAt is zero for a token that does not expire.
	ExpiresAt time.Time
	// DataAccessExpiresAt is when the app loses access to user data
	// unless the person uses it again (zero when not reported).
	DataAccessExpiresAt time.Time
}

// Expiry is the first of the token's two expiry dates, and which it is
// ("access" or "data_access"); zero when neither is set.
func (ti TokenInfo) Expiry() (time.Time, string) {
	switch {
	case ti.ExpiresAt.IsZero() && ti.DataAccessExpiresAt.IsZero():
		return time.Time{}, ""
	case ti.ExpiresAt.IsZero():
		return ti.DataAccessExpiresAt, "data_access"
	case ti.DataAccessExpiresAt.IsZero() || !ti.DataAccessExpiresAt.Before(ti.ExpiresAt):
		return ti.ExpiresAt, "access"
	}
	return ti.DataAccessExpiresAt, "data_access"
}

// Debug inspects token with debug_token. The call is made with the app
// token when the app id and secret are known, else with the token itself.
func (s Setup) Debug(ctx context.Context, token string) (TokenInfo, error) {
	caller, proofToken := token, token
	if s.AppID != "" && s.AppSecret != "" {
		caller, proofToken = s.appToken(), ""
	}
	res, err := s.call(ctx, "inspecting the token (debug_token)", proofToken, fb.GET, "/debug_token", fb.Params{
		"input_token": token, "access_token": caller,
	})
	if err != nil {
		return TokenInfo{}, err
	}
	raw, _ := json.Marshal(res["data"])
	var d struct {
		AppID               flexID   `json:"app_id"`
		Type                string   `json:"type"`
		IsValid             bool     `json:"is_valid"`
		UserID              flexID   `json:"user_id"`
		ProfileID           flexID   `json:"profile_id"`
		Scopes              []string `json:"scopes"`
		IssuedAt            int64    `json:"issued_at"`
		ExpiresAt           int64    `json:"expires_at"`
		DataAccessExpiresAt int64    `json:"data_access_expires_at"`
		Error               struct {
			Code    int    `json:"code"`
			Subcode int    `json:"subcode"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &d); err != nil || res["data"] == nil {
		return TokenInfo{}, fmt.Errorf("%w: debug_token: unexpected answer", ErrSetup)
	}
	ti := TokenInfo{
		AppID: string(d.AppID), Type: d.Type, Valid: d.IsValid, UserID: string(d.UserID), ProfileID: string(d.ProfileID),
		Scopes: d.Scopes, IssuedAt: unixTime(d.IssuedAt), ExpiresAt: unixTime(d.ExpiresAt), DataAccessExpiresAt: unixTime(d.DataAccessExpiresAt),
	}
	if !d.IsValid {
		ti.Problem = fmt.Sprintf("Graph API error %d/%d: %s", d.Error.Code, d.Error.Subcode, s.scrub(d.Error.Message, token))
	}
	return ti, nil
}

// flexID is an id that Graph writes as a number or a string.
type flexID string

// UnmarshalJSON accepts "123", 123 and null.
func (f *flexID) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*f = flexID(n)
		return nil
	}
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s != nil {
		*f = flexID(*s)
	}
	return nil
}

// unixTime reads Graph's Unix seconds, 0 meaning "never".
func unixTime(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// Subscribe subscribes the app to the Page's webhook fields.
func (s Setup) Subscribe(ctx context.Context, pageID, pageToken string, fields []string) error {
	res, err := s.call(ctx, "subscribing the app to the Page's webhooks", pageToken, fb.POST, "/"+pageID+"/subscribed_apps", fb.Params{
		"subscribed_fields": strings.Join(fields, ","),
	})
	if err != nil {
		return err
	}
	if ok, _ := res.Get("success").(bool); !ok {
		return fmt.Errorf("%w: subscribing the app to the Page's webhooks: Graph did not answer success", ErrSetup)
	}
	return nil
}

// SetAppWebhook sets the app's Page webhook: Meta verifies callbackURL
// with verifyToken (a GET with hub.challenge) and then delivers the
// subscribed fields there.
func (s Setup) SetAppWebhook(ctx context.Context, callbackURL, verifyToken string, fields []string) error {
	if s.AppID == "" || s.AppSecret == "" {
		return fmt.Errorf("%w: setting the app's webhook needs the app id and app secret", ErrSetup)
	}
	res, err := s.call(ctx, "setting the app's webhook", "", fb.POST, "/"+s.AppID+"/subscriptions", fb.Params{
		"object": "page", "callback_url": callbackURL, "verify_token": verifyToken,
		"fields": strings.Join(fields, ","), "access_token": s.appToken(),
	})
	if err != nil {
		return err
	}
	if ok, _ := res.Get("success").(bool); !ok {
		return fmt.Errorf("%w: setting the app's webhook: Graph did not answer success", ErrSetup)
	}
	return nil
}

// ProbeWebhook makes the verification request Meta will make of
// callbackURL (hub.mode=subscribe with verifyToken and a challenge) and
// reports why it would fail, nil when the URL answers as inboxbot does.
func (s Setup) ProbeWebhook(ctx context.Context, callbackURL, verifyToken string) error {
	u, err := url.Parse(callbackURL)
	if err != nil {
		return fmt.Errorf("%w: webhook URL: %v", ErrSetup, err)
	}
	challenge := strconv.FormatInt(time.Now().UnixNano(), 10)
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.verify_token", verifyToken)
	q.Set("hub.challenge", challenge)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("%w: webhook URL: %v", ErrSetup, err)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: checking %s: %s", ErrSetup, callbackURL, s.scrub(err.Error(), verifyToken))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK || string(body) != challenge {
		return fmt.Errorf("%w: %s does not answer Meta's verification request (HTTP %d)", ErrSetup, callbackURL, resp.StatusCode)
	}
	return nil
}
