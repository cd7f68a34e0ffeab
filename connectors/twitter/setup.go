package twitter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dghubble/oauth1"
)

// Connecting the support account, as X documents it: the 3-legged OAuth
// 1.0a flow with a PIN (oauth_callback=oob) gives the account's access
// token and secret; GET /2/users/me checks them; and, for real-time
// delivery, the webhook URL is registered with the app-only bearer token
// (POST /2/webhooks, which X checks with a CRC request) and the account
// subscribed to it (POST /2/account_activity/webhooks/:id/subscriptions/all,
// with the account's token). `inboxbot connect x` makes these calls.

// ErrSetup wraps every failure of a set-up call (errors.Is).
var ErrSetup = errors.New("x set-up")

// Setup makes the set-up calls for one X app.
type Setup struct {
	// ConsumerKey and ConsumerSecret are the app's (API key and secret).
	ConsumerKey, ConsumerSecret string
	// APIURL is the v2 API base URL (twitter.api_url), with a trailing
	// slash; the OAuth endpoints are on the same host. Default
	// DefaultURLv2.
	APIURL string
	// Client makes the requests. Default: a client with a 30 s timeout.
	Client *http.Client
}

// SetupFor returns the Setup of a twitter config. v1.1 configs still
// connect through X's v2 users/me: their api_url names the v1.1 host.
func SetupFor(cfg Config) Setup {
	s := Setup{ConsumerKey: cfg.ConsumerKey, ConsumerSecret: cfg.ConsumerSecret, APIURL: cfg.APIURL}
	if cfg.WithDefaults().API == APIv11 {
		s.APIURL = ""
	}
	return s.WithDefaults()
}

// WithDefaults returns s with its zero fields set to their defaults.
func (s Setup) WithDefaults() Setup {
	if s.APIURL == "" {
		s.APIURL = DefaultURLv2
	}
	if s.Client == nil {
		s.Client = &http.Client{Timeout: 30 * time.Second}
	}
	return s
}

// Validate reports missing app credentials.
func (s Setup) Validate() error {
	if s.ConsumerKey == "" || s.ConsumerSecret == "" {
		return fmt.Errorf("%w: the app's consumer key and secret (API key and secret) are required", ErrSetup)
	}
	if _, err := url.Parse(s.APIURL); err != nil {
		return fmt.Errorf("%w: api_url: %v", ErrSetup, err)
	}
	return nil
}

// root is scheme://host/ of the API, where X serves OAuth too.
func (s Setup) root() string {
	u, err := url.Parse(s.APIURL)
	if err != nil {
		return "https://api.x.com/"
	}
	return u.Scheme + "://" + u.Host + "/"
}

// client returns s.Client bound to ctx, since oauth1's token calls take
// no context.
func (s Setup) client(ctx context.Context) *http.Client {
	base := s.Client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	return &http.Client{
		Timeout: s.Client.Timeout,
		Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return base.RoundTrip(r.WithContext(ctx))
		}),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// oauth returns the app's OAuth 1.0a config with X's PIN-flow endpoints.
func (s Setup) oauth(ctx context.Context) *oauth1.Config {
	root := s.root()
	c := oauth1.NewConfig(s.ConsumerKey, s.ConsumerSecret)
	c.CallbackURL = "oob"
	c.Endpoint = oauth1.Endpoint{
		RequestTokenURL: root + "oauth/request_token",
		AuthorizeURL:    root + "oauth/authorize",
		AccessTokenURL:  root + "oauth/access_token",
	}
	c.HTTPClient = s.client(ctx)
	return c
}

// Authorization is a PIN flow under way: the account's owner opens URL,
// approves the app and is shown a PIN.
type Authorization struct {
	// URL is the page where the owner approves the app.
	URL string
	// RequestToken and RequestSecret are the temporary credentials.
	RequestToken, RequestSecret string
}

// Authorize starts the PIN flow: it gets a request token (POST
// /oauth/request_token with oauth_callback=oob).
func (s Setup) Authorize(ctx context.Context) (Authorization, error) {
	if err := s.Validate(); err != nil {
		return Authorization{}, err
	}
	c := s.oauth(ctx)
	tok, secret, err := c.RequestToken()
	if err != nil {
		return Authorization{}, fmt.Errorf("%w: getting a request token: %s", ErrSetup, s.scrub(err.Error()))
	}
	u, err := c.AuthorizationURL(tok)
	if err != nil {
		return Authorization{}, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	return Authorization{URL: u.String(), RequestToken: tok, RequestSecret: secret}, nil
}

// Token is the account's OAuth 1.0a access token.
type Token struct {
	Token, Secret string
}

// Finish trades the PIN for the account's access token (POST
// /oauth/access_token with oauth_verifier).
func (s Setup) Finish(ctx context.Context, a Authorization, pin string) (Token, error) {
	pin = strings.TrimSpace(pin)
	if pin == "" {
		return Token{}, fmt.Errorf("%w: no PIN given", ErrSetup)
	}
	tok, secret, err := s.oauth(ctx).AccessToken(a.RequestToken, a.RequestSecret, pin)
	if err != nil {
		return Token{}, fmt.Errorf("%w: trading the PIN for an access token: %s", ErrSetup, s.scrub(err.Error()))
	}
	return Token{Token: tok, Secret: secret}, nil
}

// scrub removes the consumer secret from a text.
func (s Setup) scrub(text string) string {
	if s.ConsumerSecret != "" {
		text = strings.ReplaceAll(text, s.ConsumerSecret, "[redacted]")
	}
	return text
}

// Account is who an access token belongs to.
type Account struct {
	ID, Username, Name string
}

// userClient signs requests with the account's token.
func (s Setup) userClient(ctx context.Context, t Token) *http.Client {
	c := oauth1.NewConfig(s.ConsumerKey, s.ConsumerSecret)
	hc := c.Client(context.WithValue(ctx, oauth1.HTTPClient, s.client(ctx)), oauth1.NewToken(t.Token, t.Secret))
	hc.Timeout = s.Client.Timeout
	return hc
}

// Verify checks the token with GET /2/users/me and returns its account.
// A rejected token gives an error that names X's code (89: invalid or
// expired token).
func (s Setup) Verify(ctx context.Context, t Token) (Account, error) {
	var out struct {
		Data Account `json:"data"`
	}
	if err := s.do(ctx, s.userClient(ctx, t), "checking the token (users/me)", http.MethodGet, strings.TrimSuffix(s.APIURL, "/")+"/users/me", nil, &out); err != nil {
		return Account{}, err
	}
	if out.Data.ID == "" {
		return Account{}, fmt.Errorf("%w: users/me answered no user id", ErrSetup)
	}
	return out.Data, nil
}

// do makes one JSON call and decodes a 2xx answer into out; a failure
// names what it was and X's own message and code.
func (s Setup) do(ctx context.Context, hc *http.Client, what, method, rawURL string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrSetup, what, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s: %s", ErrSetup, what, s.scrub(err.Error()))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return fmt.Errorf("%w: %s: reading the answer: %v", ErrSetup, what, err)
	}
	if resp.StatusCode/100 != 2 {
		code, msg := parseErrorBody(data)
		if code != 0 {
			return fmt.Errorf("%w: %s: HTTP %d, code %d: %s", ErrSetup, what, resp.StatusCode, code, msg)
		}
		return fmt.Errorf("%w: %s: HTTP %d: %s", ErrSetup, what, resp.StatusCode, msg)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%w: %s: decoding the answer: %v", ErrSetup, what, err)
		}
	}
	return nil
}

// bearer gets the app-only bearer token (POST /oauth2/token).
func (s Setup) bearer(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.root()+"oauth2/token", strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(url.QueryEscape(s.ConsumerKey), url.QueryEscape(s.ConsumerSecret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	resp, err := s.client(ctx).Do(req)
	if err != nil {
		return "", fmt.Errorf("%w: getting the app's bearer token: %s", ErrSetup, s.scrub(err.Error()))
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var out struct {
		TokenType   string `json:"token_type"`
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &out) != nil || out.AccessToken == "" {
		code, msg := parseErrorBody(data)
		return "", fmt.Errorf("%w: getting the app's bearer token: HTTP %d, code %d: %s", ErrSetup, resp.StatusCode, code, msg)
	}
	return out.AccessToken, nil
}

// bearerClient sends the bearer token on every request.
func (s Setup) bearerClient(ctx context.Context, token string) *http.Client {
	hc := s.client(ctx)
	next := hc.Transport
	hc.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+token)
		return next.RoundTrip(r)
	})
	return hc
}

// Webhook is a registered webhook.
type Webhook struct {
	ID    string `json:"id"`
	URL   string `json:"url"`
	Valid bool   `json:"valid"`
}

// RegisterWebhook registers webhookURL with X (which makes a CRC request
// to it at once, so the instance that will receive must already run with
// X enabled) and subscribes the account to it. A URL registered before
// is re-validated and used again.
func (s Setup) RegisterWebhook(ctx context.Context, webhookURL string, t Token) (Webhook, error) {
	if err := s.Validate(); err != nil {
		return Webhook{}, err
	}
	bt, err := s.bearer(ctx)
	if err != nil {
		return Webhook{}, err
	}
	bc := s.bearerClient(ctx, bt)
	hooks := strings.TrimSuffix(s.APIURL, "/") + "/webhooks"
	var list struct {
		Data []Webhook `json:"data"`
	}
	if err := s.do(ctx, bc, "listing the app's webhooks", http.MethodGet, hooks, nil, &list); err != nil {
		return Webhook{}, err
	}
	var h Webhook
	for _, w := range list.Data {
		if w.URL == webhookURL {
			h = w
		}
	}
	if h.ID == "" {
		var out struct {
			Data Webhook `json:"data"`
		}
		if err := s.do(ctx, bc, "registering the webhook", http.MethodPost, hooks, map[string]string{"url": webhookURL}, &out); err != nil {
			return Webhook{}, err
		}
		h = out.Data
	} else {
		var out struct {
			Data struct {
				Valid bool `json:"valid"`
			} `json:"data"`
		}
		if err := s.do(ctx, bc, "re-validating the webhook", http.MethodPut, hooks+"/"+h.ID, nil, &out); err != nil {
			return Webhook{}, err
		}
		h.Valid = out.Data.Valid
	}
	if !h.Valid {
		return h, fmt.Errorf("%w: X could not validate %s (the CRC check failed): is inboxbot running there with X enabled?", ErrSetup, webhookURL)
	}
	var sub struct {
		Data struct {
			Subscribed bool `json:"subscribed"`
		} `json:"data"`
	}
	subURL := strings.TrimSuffix(s.APIURL, "/") + "/account_activity/webhooks/" + url.PathEscape(h.ID) + "/subscriptions/all"
	if err := s.do(ctx, s.userClient(ctx, t), "subscribing the account to the webhook", http.MethodPost, subURL, nil, &sub); err != nil {
		return h, err
	}
	if !sub.Data.Subscribed {
		return h, fmt.Errorf("%w: subscribing the account to the webhook: X did not confirm", ErrSetup)
	}
	return h, nil
}

// ProbeWebhook makes the CRC check X will make of webhookURL, and
// reports why it would fail (nil when the URL answers as inboxbot with
// this app's consumer secret does), so that a registration is tried only
// when it can work.
func (s Setup) ProbeWebhook(ctx context.Context, webhookURL string) error {
	u, err := url.Parse(webhookURL)
	if err != nil {
		return fmt.Errorf("%w: webhook URL: %v", ErrSetup, err)
	}
	token := "inboxbot-probe-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	q := u.Query()
	q.Set("crc_token", token)
	u.RawQuery = q.Encode()
	var out struct {
		ResponseToken string `json:"response_token"`
	}
	if err := s.do(ctx, s.client(ctx), "checking "+webhookURL, http.MethodGet, u.String(), nil, &out); err != nil {
		return err
	}
	if out.ResponseToken != Sign(s.ConsumerSecret, []byte(token)) {
		return fmt.Errorf("%w: %s does not answer the CRC check with this app's consumer secret", ErrSetup, webhookURL)
	}
	return nil
}
