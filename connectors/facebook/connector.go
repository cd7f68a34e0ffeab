package facebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	fb "github.com/huandu/facebook/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/store"
)

// Store is what the connector needs of the store: its polling cursors,
// and the actions it reads to decide whether a Private Reply was already
// sent for a comment (send.go).
type Store interface {
	store.Cursors
	// ActionByKey returns one action by idempotency key, or
	// store.ErrNotFound.
	ActionByKey(ctx context.Context, key string) (inbox.Action, error)
	// Actions returns a conversation's actions, oldest first.
	Actions(ctx context.Context, conversationID int64) ([]inbox.Action, error)
}

// Connector pulls a Facebook Page's Messenger conversations and feed, and
// sends replies, Private Replies, Messenger messages and hides. It
// implements connectors.Source and connectors.Sender, and is safe for
// concurrent use by the Runner's poll and send loops and by the webhook
// handler's look-ups.
type Connector struct {
	cfg     Config
	store   Store
	log     *slog.Logger
	metrics *metrics.Metrics
	health  *health.Registry
	calls   *prometheus.CounterVec // Graph API calls by endpoint; nil: not counted
	now     func() time.Time
	client  *http.Client
	// session is configured once and never changed: every call works on
	// a copy (Session.WithContext), so the loops share no mutable state.
	session *fb.Session
	proof   string
	graph   *url.URL
	// pacer spaces the Page's Graph API reads (see Config.RequestsPerSecond).
	pacer *pacer

	mu           sync.Mutex
	blockedUntil time.Time // no Graph API call before this time
	usage        int       // highest usage percentage in the latest response
	// sendPaused is when Facebook lets the Page send Messenger messages
	// again after restricting it (code 10, subcode 1893063), and why.
	sendPaused       time.Time
	sendPausedReason string
	// Polling schedule (see schedule.go).
	webhookAt time.Time // the last verified webhook delivery
	gapAt     time.Time // the last webhook item left to polling
	pollStart time.Time // when the last complete poll started

	cache lookupCache

	// prMu serialises Private Replies, so that two actions for the same
	// comment cannot both pass the store check in this process.
	prMu sync.Mutex
}

var (
	_ connectors.Source   = (*Connector)(nil)
	_ connectors.Sender   = (*Connector)(nil)
	_ connectors.Verifier = (*Connector)(nil)
)

// Option changes how New builds a Connector.
type Option func(*Connector)

// WithLogger sets the logger. Logs carry ids, codes and counts, never
// customer text or secrets. Default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *Connector) { c.log = l } }

// WithMetrics counts skipped (malformed) items in m.Skipped and
// rate-limit waits in m.RateLimitWaits. Default: no metrics.
func WithMetrics(m *metrics.Metrics) Option { return func(c *Connector) { c.metrics = m } }

// WithGraphCallsCounter counts every Graph API call made, by endpoint
// ("conversations", "messages", "feed", "comments", "node", "send"), in
// cv, which must have exactly the label "endpoint"
// (inboxbot_graph_calls_total). Calls refused locally (budget, legacy
// guard) are not counted: they never reached Facebook.
func WithGraphCallsCounter(cv *prometheus.CounterVec) Option {
	return func(c *Connector) { c.calls = cv }
}

// WithHealth makes the connector show on /healthz, as details of the
// "facebook" component, when Facebook has paused the Page's Messenger
// sending: send_paused_until and send_paused_reason. The Runner's own
// states are left alone: polling may well be fine meanwhile.
func WithHealth(h *health.Registry) Option { return func(c *Connector) { c.health = h } }

// WithClock sets the clock used for the messaging windows, rate-limit
// waits and the polling schedule. Default time.Now.
func WithClock(now func() time.Time) Option { return func(c *Connector) { c.now = now } }

// WithHTTPClient sets the HTTP client for Graph API calls. Default: a
// client with a 30-second timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *Connector) { c.client = hc } }

// New returns a Connector for the Page in cfg (defaults applied). st keeps
// its cursors and is consulted before Private Replies. It needs
// cfg.PageID and cfg.PageToken even when cfg.Enabled is false. It does no
// I/O.
func New(cfg Config, st Store, opts ...Option) (*Connector, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("facebook config: %w", err)
	}
	if cfg.PageID == "" || cfg.PageToken == "" {
		return nil, errors.New("facebook config: page_id and page_token are required")
	}
	if st == nil {
		return nil, errors.New("facebook: a store is required for cursors")
	}
	graph, err := url.Parse(cfg.GraphURL)
	if err != nil {
		return nil, fmt.Errorf("facebook config: graph_url: %w", err)
	}
	c := &Connector{cfg: cfg, store: st, graph: graph, log: slog.Default(), now: time.Now}
	for _, o := range opts {
		o(c)
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: 30 * time.Second}
	}
	c.pacer = newPacer(cfg.RequestsPerSecond)
	// The App's id is not needed: appsecret_proof only uses its secret.
	app := fb.New("", cfg.AppSecret)
	s := app.Session(cfg.PageToken)
	if cfg.AppSecret != "" {
		if err := s.EnableAppsecretProof(true); err != nil {
			return nil, fmt.Errorf("facebook: enabling appsecret_proof: %w", err)
		}
		// Computing it here caches it in the session, so the copies
		// made per call never write to shared state.
		c.proof = s.AppsecretProof()
	}
	s.BaseURL = cfg.GraphURL
	s.Version = cfg.Version
	// Graph's own time format is parsed by parseTime: date_format is a
	// legacy feature that apps created since Graph v27.0 may not use.
	s.RFC3339Timestamps = false
	c.session = s
	return c, nil
}

// apiError is a Graph API error that is neither a rate limit nor a token
// problem. Its text holds the code and Facebook's message, with the
// token and secret removed.
type apiError struct {
	Code, Subcode int
	Type, Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("graph API error %d/%d (%s): %s", e.Code, e.Subcode, e.Type, e.Message)
}

// errMalformed marks a response that is not the JSON we asked for: the
// item or list is skipped and counted, and the poll goes on.
var errMalformed = errors.New("malformed graph API response")

// errLegacy marks a request that would use a Graph API legacy feature;
// it is refused before it leaves the process.
var errLegacy = errors.New("graph API legacy feature")

// legacyParams are the request parameters of the Graph API features that
// apps created since 4 November 2026 (v27.0) may not use and that v28.0
// removes for every app: date/time formatting, multi-ID requests, HTTP
// method override, JSONP and batch requests. Field aliases are checked
// in the fields parameter (see legacyParam).
var legacyParams = []string{"date_format", "ids", "method", "callback", "batch"}

// legacyParam returns the legacy feature q would use, or "".
func legacyParam(q url.Values) string {
	for _, p := range legacyParams {
		if _, ok := q[p]; ok {
			return p
		}
	}
	for _, f := range q["fields"] {
		if strings.Contains(f, ".as(") {
			return "field aliases"
		}
	}
	return ""
}

// statusClient remembers the HTTP status of the latest response, which
// huandu/facebook drops (it reads errors only from the body), and refuses
// a request that would use a legacy feature, whatever built it.
type statusClient struct {
	hc     *http.Client
	status int
}

func (s *statusClient) Do(req *http.Request) (*http.Response, error) {
	q := req.URL.Query()
	if req.Body != nil && req.Method == http.MethodPost {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil {
			for k, v := range form {
				q[k] = append(q[k], v...)
			}
		}
	}
	if p := legacyParam(q); p != "" {
		return nil, fmt.Errorf("%w: the request uses %s", errLegacy, p)
	}
	resp, err := s.hc.Do(req)
	if resp != nil {
		s.status = resp.StatusCode
	}
	return resp, err
}

func (s *statusClient) Get(u string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return s.Do(req)
}

func (s *statusClient) Post(u, bodyType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", bodyType)
	return s.Do(req)
}

// sessionFor returns a copy of the session bound to ctx with its own
// status recorder.
func (c *Connector) sessionFor(ctx context.Context) (*fb.Session, *statusClient) {
	s := c.session.WithContext(ctx)
	sc := &statusClient{hc: c.client}
	s.HttpClient = sc
	return s, sc
}

// call makes one Graph API call. what names it in errors ("listing
// conversations"). It refuses to call while a rate limit is in force, and
// a read waits for its turn in the Page's request budget.
func (c *Connector) call(ctx context.Context, what string, method fb.Method, path string, params fb.Params) (fb.Result, error) {
	ep := endpointOf(method, path)
	if err := c.admit(ctx, method, what); err != nil {
		return nil, err
	}
	s, sc := c.sessionFor(ctx)
	res, err := s.Api(path, method, params)
	c.count(ep, sc)
	return res, c.classify(ctx, ep, what, res, err, sc.status)
}

// follow fetches a paging.next link. The link is absolute and already
// holds the token (that is how Graph API writes it); appsecret_proof is
// added when enabled, and the pinned version when the link has none.
// Links to another host are refused, so the token is never sent
// elsewhere.
func (c *Connector) follow(ctx context.Context, what, next string) (fb.Result, error) {
	u, err := url.Parse(next)
	if err != nil || u.Host != c.graph.Host || u.Scheme != c.graph.Scheme {
		return nil, fmt.Errorf("%s: %w: paging link to an unexpected host", what, errMalformed)
	}
	if err := c.admit(ctx, fb.GET, what); err != nil {
		return nil, err
	}
	u.Path = c.versioned(u.Path)
	q := u.Query()
	if q.Get("access_token") == "" {
		q.Set("access_token", c.cfg.PageToken)
	}
	if c.proof != "" && q.Get("appsecret_proof") == "" {
		q.Set("appsecret_proof", c.proof)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	ep := endpointOf(fb.GET, u.Path)
	s, sc := c.sessionFor(ctx)
	res, err := s.Request(req)
	c.count(ep, sc)
	return res, c.classify(ctx, ep, what, res, err, sc.status)
}

// versioned puts the pinned version right after the base URL's path
// when p names none, so that every call is versioned.
func (c *Connector) versioned(p string) string {
	base := c.graph.Path // ends with "/"
	rest, ok := strings.CutPrefix(p, base)
	if !ok {
		return p
	}
	first, _, _ := strings.Cut(rest, "/")
	if versionPattern.MatchString(first) {
		return p
	}
	return base + c.cfg.Version + "/" + rest
}

// admit lets a call go: none while a rate limit is in force, and reads
// only at their turn in the Page's request budget, in the lane ctx asks
// for (see urgentReads). Sends are not paced: they are few, an agent
// waits for them, and the Send API's limits are far above the
// Conversations API's.
func (c *Connector) admit(ctx context.Context, method fb.Method, what string) error {
	if err := c.checkBudget(); err != nil {
		return err
	}
	if method != fb.GET {
		return nil
	}
	if err := c.pacer.wait(ctx, laneOf(ctx)); err != nil {
		return fmt.Errorf("%s: waiting for the request budget: %w", what, err)
	}
	// A rate limit may have come in while we waited.
	return c.checkBudget()
}

// count counts a call that reached Facebook (or tried to).
func (c *Connector) count(endpoint string, sc *statusClient) {
	if c.calls != nil && sc.status != 0 {
		c.calls.WithLabelValues(endpoint).Inc()
	}
}

// endpointOf names the kind of call for metrics labels, which must not
// carry ids.
func endpointOf(method fb.Method, path string) string {
	if method != fb.GET {
		return "send"
	}
	path = strings.TrimSuffix(path, "/")
	switch last := path[strings.LastIndexByte(path, '/')+1:]; last {
	case "conversations", "messages", "feed", "comments":
		return last
	}
	return "node"
}

// classify turns huandu/facebook's outcome into the errors the Runner
// understands, and records the usage headers.
func (c *Connector) classify(ctx context.Context, endpoint, what string, res fb.Result, err error, status int) error {
	if res != nil {
		c.observeUsage(res.UsageInfo())
	}
	var fe *fb.Error
	var ue *fb.UnmarshalError
	switch {
	case err == nil && status >= 400:
		return fmt.Errorf("%s: graph API answered HTTP %d without an error body", what, status)
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", what, ctx.Err())
	case errors.Is(err, errLegacy):
		return fmt.Errorf("%s: %w", what, err)
	case errors.As(err, &fe):
		return c.apiErr(endpoint, what, fe)
	case errors.As(err, &ue) && status >= 300:
		// A proxy or load balancer error page: transient, not malformed.
		return fmt.Errorf("%s: graph API answered HTTP %d with a non-JSON body", what, status)
	case errors.As(err, &ue):
		return fmt.Errorf("%s: %w (HTTP %d): %s", what, errMalformed, status, jsonErrText(ue.Err))
	}
	return fmt.Errorf("%s: %s", what, c.redact(err.Error()))
}

func (c *Connector) apiErr(endpoint, what string, fe *fb.Error) error {
	switch {
	case fe.Code == 190 || fe.Code == 102:
		// Facebook's message may quote the token: leave it out.
		return fmt.Errorf("%s: %w: Facebook rejected the page token (code %d, subcode %d); set a new facebook.page_token and restart",
			what, connectors.ErrUnauthorized, fe.Code, fe.ErrorSubcode)
	case isRateLimit(fe.Code):
		// observeUsage has already blocked until the regain time the
		// headers estimate, if they gave one; rate_limit_wait is the
		// least wait.
		until := c.block(c.cfg.RateLimitWait)
		if c.metrics != nil {
			c.metrics.RateLimitWaits.WithLabelValues(string(inbox.Facebook), endpoint).Inc()
		}
		return &connectors.RateLimitError{Until: until, Reason: fmt.Sprintf("%s: graph API code %d", what, fe.Code)}
	case fe.Code == 10 && fe.ErrorSubcode == SubcodeSendRestricted:
		return c.pauseSending(what, fe)
	}
	return fmt.Errorf("%s: %w", what, &apiError{Code: fe.Code, Subcode: fe.ErrorSubcode, Type: fe.Type, Message: c.redact(fe.Message)})
}

// redact removes the token and app secret from a text that may quote a
// URL or a Facebook message.
func (c *Connector) redact(s string) string {
	for _, secret := range []string{c.cfg.PageToken, c.cfg.AppSecret, c.proof} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

// rawList turns a Result into the bytes parseList reads.
func rawList(res fb.Result) ([]byte, error) {
	return json.Marshal(map[string]any{"data": res["data"], "paging": res["paging"]})
}

// skipped counts and logs an item or list that was skipped. It never logs
// the payload.
func (c *Connector) skipped(err error, attrs ...any) {
	reason := "bad_shape"
	var se *skipError
	switch {
	case errors.As(err, &se):
		reason = se.reason
	case errors.Is(err, errMalformed):
		reason = "invalid_json"
	}
	if c.metrics != nil {
		c.metrics.Skipped.WithLabelValues(string(inbox.Facebook), reason).Inc()
	}
	c.log.Warn("skipped malformed facebook item", append([]any{"reason", reason, "err", err.Error()}, attrs...)...)
}
