package twfake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Connecting an account, as X documents it:
//
//   - 3-legged OAuth 1.0a with a PIN ("oob" callback): POST
//     /oauth/request_token signed with the consumer key and secret, with
//     oauth_callback in the Authorization header, answers the form
//     oauth_token=…&oauth_token_secret=…&oauth_callback_confirmed=true.
//     GET /oauth/authorize?oauth_token=… is the page where the account's
//     owner, signed in, approves the app (a form posted back to
//     /oauth/authorize); with "oob" the answer shows a 7-digit PIN in
//     <code id="oauth_pin">, otherwise it redirects to the callback with
//     oauth_token and oauth_verifier. POST /oauth/access_token, signed
//     with the request token's secret and carrying oauth_token and
//     oauth_verifier (the PIN), answers oauth_token, oauth_token_secret,
//     user_id and screen_name; the new token is from then on the only
//     access token the fake accepts, and the request token is spent. The
//     fake checks the HMAC-SHA1 signatures of these calls (RFC 5849); a
//     bad consumer key or signature gets 401 with code 32.
//   - App-only auth: POST /oauth2/token with HTTP Basic consumer
//     credentials and grant_type=client_credentials answers
//     {"token_type":"bearer","access_token":…}.
//   - Webhooks (V2 Webhooks API): POST /2/webhooks {"url"} with the bearer
//     token runs the CRC check (SetWebhook's) and answers {"data":{"id",
//     "url","valid","created_at"}}; GET /2/webhooks lists; PUT
//     /2/webhooks/:id checks the CRC again; DELETE removes. Failures are
//     400 problems whose detail starts with X's names: CrcValidationFailed,
//     DuplicateUrlFailed, WebhookLimitExceeded (one webhook, as on
//     pay-per-use). Unlike X, the fake takes http:// URLs with a port, so
//     that loopback tests can register.
//   - POST /2/account_activity/webhooks/:id/subscriptions/all with the
//     account's OAuth 1.0a user context subscribes the account: answers
//     {"data":{"subscribed":true}} and activity is delivered from then on.

// The endpoints of connecting an account, for Calls and Requests.
const (
	RequestTokenEndpoint = "oauth/request_token"
	AuthorizeEndpoint    = "oauth/authorize"
	AccessTokenEndpoint  = "oauth/access_token"
	BearerTokenEndpoint  = "oauth2/token"
	WebhooksEndpoint     = "2/webhooks"
	SubscribeEndpoint    = "2/account_activity/webhooks/:webhook_id/subscriptions/all"
)

// Webhook is a webhook registered through POST /2/webhooks.
type Webhook struct {
	ID        string
	URL       string
	Valid     bool
	CreatedAt time.Time
	// Subscribed is true once the account is subscribed to it.
	Subscribed bool
}

// setupState is the Server's state of connecting an account, guarded by
// Server.mu.
type setupState struct {
	requests map[string]*requestToken // by oauth_token
	bearer   string
	webhooks []*Webhook
	seq      int64
}

// requestToken is a temporary credential of the PIN flow.
type requestToken struct {
	secret, callback string
	// verifier is the PIN, set once the owner approved the app.
	verifier string
}

// serveHTTP routes the account-connection endpoints here and everything
// else to serve. They take the lock themselves: a webhook registration
// makes a CRC request, which must not hold it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/oauth/request_token":
		s.record(w, r, RequestTokenEndpoint, s.requestToken)
	case p == "/oauth/authorize":
		s.record(w, r, AuthorizeEndpoint, s.authorize)
	case p == "/oauth/access_token":
		s.record(w, r, AccessTokenEndpoint, s.accessToken)
	case p == "/oauth2/token":
		s.record(w, r, BearerTokenEndpoint, s.bearerToken)
	case p == "/2/webhooks" || strings.HasPrefix(p, "/2/webhooks/"):
		s.record(w, r, WebhooksEndpoint, s.webhooks)
	case strings.HasPrefix(p, "/2/account_activity/webhooks/"):
		s.record(w, r, SubscribeEndpoint, s.subscribe)
	default:
		s.serve(w, r)
	}
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// record serves r with h and records the call.
func (s *Server) record(w http.ResponseWriter, r *http.Request, endpoint string, h http.HandlerFunc) {
	_ = r.ParseForm()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	h(sw, r)
	s.mu.Lock()
	s.calls = append(s.calls, Call{At: s.now(), Method: r.Method, Endpoint: endpoint, Query: r.Form, Status: sw.status})
	s.mu.Unlock()
}

// writeForm answers a form-encoded body, as X's OAuth endpoints do.
func writeForm(w http.ResponseWriter, v url.Values) {
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
	_, _ = w.Write([]byte(v.Encode()))
}

// writeResponse answers res as JSON (a problem when it is an error).
func writeResponse(w http.ResponseWriter, res response) {
	ct := "application/json; charset=utf-8"
	if res.status >= 400 {
		ct = "application/problem+json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(res.status)
	_ = json.NewEncoder(w).Encode(res.body)
}

// couldNotAuthenticate is X's answer to a bad consumer key or signature.
func couldNotAuthenticate(w http.ResponseWriter) {
	res := apiErr(http.StatusUnauthorized, 32, "Could not authenticate you.")
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(res.status)
	_ = json.NewEncoder(w).Encode(res.body)
}

// randomString returns n random letters and digits.
func randomString(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

// requestToken issues a temporary credential.
func (s *Server) requestToken(w http.ResponseWriter, r *http.Request) {
	p := oauthParams(r.Header.Get("Authorization"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodPost || p == nil || p["oauth_consumer_key"] != s.consumerKey || !s.signed(r, p, "") {
		couldNotAuthenticate(w)
		return
	}
	cb := p["oauth_callback"]
	if cb == "" {
		http.Error(w, "oauth_callback is required", http.StatusBadRequest)
		return
	}
	if s.setup.requests == nil {
		s.setup.requests = map[string]*requestToken{}
	}
	tok := randomString(27)
	rt := &requestToken{secret: randomString(32), callback: cb}
	s.setup.requests[tok] = rt
	writeForm(w, url.Values{"oauth_token": {tok}, "oauth_token_secret": {rt.secret}, "oauth_callback_confirmed": {"true"}})
}

var authorizePage = template.Must(template.New("authorize").Parse(`<!DOCTYPE html>
<html><head><title>Authorize app</title></head><body>
{{if .Invalid}}<p>This page is no longer valid. It looks like someone already used the token information you provided.</p>
{{else if .PIN}}<p>You've granted access to the app.</p>
<p>Next, return to the app and enter this PIN to complete the authorization process:</p>
<kbd><code id="oauth_pin">{{.PIN}}</code></kbd>
{{else}}<h1>Authorize the app to access your account?</h1>
<p>Signed in as @{{.ScreenName}}.</p>
<p>This app will be able to read and post posts, and read and send Direct Messages.</p>
<form method="post" action="/oauth/authorize">
<input type="hidden" name="oauth_token" value="{{.Token}}">
<input type="submit" id="allow" value="Authorize app">
</form>
{{end}}</body></html>
`))

// authorize is the page where the account's owner approves the app.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	tok := r.Form.Get("oauth_token")
	s.mu.Lock()
	rt := s.setup.requests[tok]
	data := struct {
		Invalid    bool
		PIN, Token string
		ScreenName string
		Callback   string
	}{Invalid: rt == nil, Token: tok, ScreenName: s.self.ScreenName}
	if rt != nil && r.Method == http.MethodPost {
		if rt.verifier == "" {
			n, _ := rand.Int(rand.Reader, big.NewInt(9000000))
			rt.verifier = strconv.FormatInt(1000000+n.Int64(), 10)
		}
		data.PIN, data.Callback = rt.verifier, rt.callback
	}
	s.mu.Unlock()
	if data.PIN != "" && data.Callback != "oob" {
		u, err := url.Parse(data.Callback)
		if err == nil {
			q := u.Query()
			q.Set("oauth_token", tok)
			q.Set("oauth_verifier", data.PIN)
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.String(), http.StatusFound)
			return
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if data.Invalid {
		w.WriteHeader(http.StatusBadRequest)
	}
	_ = authorizePage.Execute(w, data)
}

// accessToken trades an approved request token and its PIN for the
// account's access token.
func (s *Server) accessToken(w http.ResponseWriter, r *http.Request) {
	p := oauthParams(r.Header.Get("Authorization"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodPost || p == nil || p["oauth_consumer_key"] != s.consumerKey {
		couldNotAuthenticate(w)
		return
	}
	rt := s.setup.requests[p["oauth_token"]]
	if rt == nil || !s.signed(r, p, rt.secret) {
		couldNotAuthenticate(w)
		return
	}
	verifier := p["oauth_verifier"]
	if verifier == "" {
		verifier = r.Form.Get("oauth_verifier")
	}
	if rt.verifier == "" || !hmac.Equal([]byte(verifier), []byte(rt.verifier)) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("Error processing your OAuth request: Invalid oauth_verifier parameter"))
		return
	}
	delete(s.setup.requests, p["oauth_token"])
	s.token = s.self.IDStr() + "-" + randomString(40)
	s.tokenSecret = randomString(45)
	writeForm(w, url.Values{
		"oauth_token": {s.token}, "oauth_token_secret": {s.tokenSecret},
		"user_id": {s.self.IDStr()}, "screen_name": {s.self.ScreenName},
	})
}

// bearerToken issues the app-only bearer token.
func (s *Server) bearerToken(w http.ResponseWriter, r *http.Request) {
	key, secret, ok := r.BasicAuth()
	if ok {
		key, _ = url.QueryUnescape(key)
		secret, _ = url.QueryUnescape(secret)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodPost || !ok || key != s.consumerKey || secret != s.consumerSecret {
		res := apiErr(http.StatusForbidden, 99, "Unable to verify your credentials")
		writeResponse(w, res)
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeResponse(w, apiErr(http.StatusForbidden, 170, "Missing required parameter: grant_type"))
		return
	}
	if s.setup.bearer == "" {
		s.setup.bearer = "AAAAAAAAAAAAAAAAAAAAA" + randomString(80)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]string{"token_type": "bearer", "access_token": s.setup.bearer})
}

// webhookFailure is a registration refused with one of X's names.
func webhookFailure(name, detail string) response {
	return problem(http.StatusBadRequest, name+": "+detail)
}

func webhookJSON(h *Webhook) map[string]any {
	return map[string]any{"id": h.ID, "url": h.URL, "valid": h.Valid, "created_at": h.CreatedAt.UTC().Format(v2Time)}
}

// webhooks serves /2/webhooks and /2/webhooks/:id.
func (s *Server) webhooks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	bearer := s.setup.bearer
	s.mu.Unlock()
	if bearer == "" || r.Header.Get("Authorization") != "Bearer "+bearer {
		writeResponse(w, problem(http.StatusUnauthorized, "Unauthorized"))
		return
	}
	id, byID := strings.CutPrefix(r.URL.Path, "/2/webhooks/")
	switch {
	case !byID && r.Method == http.MethodGet:
		s.mu.Lock()
		list := []map[string]any{}
		for _, h := range s.setup.webhooks {
			list = append(list, webhookJSON(h))
		}
		s.mu.Unlock()
		writeResponse(w, response{status: http.StatusOK, body: map[string]any{"data": list, "meta": map[string]int{"result_count": len(list)}}})
	case !byID && r.Method == http.MethodPost:
		writeResponse(w, s.registerWebhook(readBody(r)))
	case byID && (r.Method == http.MethodPut || r.Method == http.MethodDelete):
		writeResponse(w, s.changeWebhook(r.Method, id))
	default:
		writeResponse(w, problem(http.StatusNotFound, "Not Found"))
	}
}

// registerWebhook registers a URL after its CRC check.
func (s *Server) registerWebhook(body []byte) response {
	var req struct {
		URL string `json:"url"`
	}
	if res, bad := decodeStrict(body, &req); bad {
		return res
	}
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return webhookFailure("UrlValidationFailed", "the url must be an absolute https URL")
	}
	s.mu.Lock()
	for _, h := range s.setup.webhooks {
		if h.URL == req.URL {
			s.mu.Unlock()
			return webhookFailure("DuplicateUrlFailed", "a webhook with this url is already registered: "+h.ID)
		}
	}
	full := len(s.setup.webhooks) > 0
	s.mu.Unlock()
	if full {
		return webhookFailure("WebhookLimitExceeded", "this app may register 1 webhook")
	}
	if err := s.checkCRC(req.URL); err != nil {
		return webhookFailure("CrcValidationFailed", err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setup.seq++
	h := &Webhook{ID: strconv.FormatInt(1146654567674912768+s.setup.seq, 10), URL: req.URL, Valid: true, CreatedAt: s.now()}
	s.setup.webhooks = append(s.setup.webhooks, h)
	return response{status: http.StatusOK, body: map[string]any{"data": webhookJSON(h)}}
}

// changeWebhook re-validates (PUT) or deletes a webhook.
func (s *Server) changeWebhook(method, id string) response {
	s.mu.Lock()
	var h *Webhook
	idx := -1
	for i, x := range s.setup.webhooks {
		if x.ID == id {
			h, idx = x, i
		}
	}
	if h == nil {
		s.mu.Unlock()
		return problem(http.StatusNotFound, "webhook "+id+" not found")
	}
	if method == http.MethodDelete {
		s.setup.webhooks = append(s.setup.webhooks[:idx:idx], s.setup.webhooks[idx+1:]...)
		s.mu.Unlock()
		s.hook.Subscribe("")
		return response{status: http.StatusOK, body: map[string]any{"data": map[string]bool{"deleted": true}}}
	}
	u := h.URL
	s.mu.Unlock()
	valid := s.checkCRC(u) == nil
	s.mu.Lock()
	h.Valid = valid
	s.mu.Unlock()
	return response{status: http.StatusOK, body: map[string]any{"data": map[string]bool{"valid": valid}}}
}

// subscribe subscribes the account (OAuth 1.0a user context) to a
// registered webhook: its activity is delivered there from then on.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/2/account_activity/webhooks/")
	id, tail, _ := strings.Cut(rest, "/")
	if tail != "subscriptions/all" || (r.Method != http.MethodPost && r.Method != http.MethodGet) {
		writeResponse(w, problem(http.StatusNotFound, "Not Found"))
		return
	}
	p := oauthParams(r.Header.Get("Authorization"))
	s.mu.Lock()
	ok := p != nil && p["oauth_consumer_key"] == s.consumerKey && p["oauth_token"] == s.token && s.signed(r, p, s.tokenSecret)
	var h *Webhook
	for _, x := range s.setup.webhooks {
		if x.ID == id {
			h = x
		}
	}
	var res response
	switch {
	case !ok:
		res = problem(http.StatusUnauthorized, "Unauthorized")
	case h == nil:
		res = problem(http.StatusNotFound, "webhook "+id+" not found")
	case !h.Valid:
		res = webhookFailure("CrcValidationFailed", "the webhook is not valid; re-validate it with PUT /2/webhooks/"+id)
	case r.Method == http.MethodGet:
		res = response{status: http.StatusOK, body: map[string]any{"data": map[string]bool{"subscribed": h.Subscribed}}}
	default:
		h.Subscribed = true
		res = response{status: http.StatusOK, body: map[string]any{"data": map[string]bool{"subscribed": true}}}
	}
	subscribe := r.Method == http.MethodPost && res.status == http.StatusOK
	u := ""
	if h != nil {
		u = h.URL
	}
	s.mu.Unlock()
	if subscribe {
		s.hook.Subscribe(u)
	}
	writeResponse(w, res)
}

// RegisteredWebhooks returns the webhooks registered through the API.
func (s *Server) RegisteredWebhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Webhook, len(s.setup.webhooks))
	for i, h := range s.setup.webhooks {
		out[i] = *h
	}
	return out
}

// signed checks an OAuth 1.0a HMAC-SHA1 signature (RFC 5849 §3.4): the
// base string of the method, the base URI and the sorted, encoded
// parameters (the Authorization header's without oauth_signature and
// realm, the query's, and a form body's), keyed with the consumer secret
// and tokenSecret. s.mu is held.
func (s *Server) signed(r *http.Request, p map[string]string, tokenSecret string) bool {
	if p["oauth_signature_method"] != "HMAC-SHA1" {
		return false
	}
	var pairs []string
	add := func(k, v string) { pairs = append(pairs, percentEncode(k)+"="+percentEncode(v)) }
	for k, v := range p {
		if k != "oauth_signature" && k != "realm" {
			add(k, v)
		}
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			add(k, v)
		}
	}
	for k, vs := range r.PostForm {
		for _, v := range vs {
			add(k, v)
		}
	}
	sort.Strings(pairs)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := r.Method + "&" + percentEncode(scheme+"://"+strings.ToLower(r.Host)+r.URL.Path) + "&" + percentEncode(strings.Join(pairs, "&"))
	mac := hmac.New(sha1.New, []byte(percentEncode(s.consumerSecret)+"&"+percentEncode(tokenSecret)))
	mac.Write([]byte(base))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(p["oauth_signature"]))
}

// percentEncode is RFC 3986 percent-encoding: everything but letters,
// digits and "-._~".
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
