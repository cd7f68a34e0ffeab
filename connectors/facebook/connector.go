package facebook

import (
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

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/store"
)

// Connector pulls a Facebook Page's Messenger conversations and feed, and
// sends replies, Private Replies, Messenger messages and hides. It
// implements connectors.Source and connectors.Sender, and is safe for
// concurrent use by the Runner's poll and send loops.
type Connector struct {
	cfg     Config
	store   store.Store
	log     *slog.Logger
	metrics *metrics.Metrics
	now     func() time.Time
	client  *http.Client
	// session is configured once and never changed: every call works on
	// a copy (Session.WithContext), so the loops share no mutable state.
	session *fb.Session
	proof   string
	graph   *url.URL

	mu           sync.Mutex
	blockedUntil time.Time // no Graph API call before this time
	usage        int       // highest usage percentage in the latest response

	// prMu serialises Private Replies, so that two actions for the same
	// comment cannot both pass the store check in this process.
	prMu sync.Mutex
}

var (
	_ connectors.Source = (*Connector)(nil)
	_ connectors.Sender = (*Connector)(nil)
)

// Option changes how New builds a Connector.
type Option func(*Connector)

// WithLogger sets the logger. Logs carry ids, codes and counts, never
// customer text or secrets. Default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *Connector) { c.log = l } }

// WithMetrics counts skipped (malformed) items in m.Skipped and
// rate-limit waits in m.RateLimitWaits. Default: no metrics.
func WithMetrics(m *metrics.Metrics) Option { return func(c *Connector) { c.metrics = m } }

// WithClock sets the clock used for the messaging windows and rate-limit
// waits. Default time.Now.
func WithClock(now func() time.Time) Option { return func(c *Connector) { c.now = now } }

// WithHTTPClient sets the HTTP client for Graph API calls. Default: a
// client with a 30-second timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *Connector) { c.client = hc } }

// New returns a Connector for the Page in cfg (defaults applied). st keeps
// its cursors and is consulted before Private Replies. It needs
// cfg.PageID and cfg.PageToken even when cfg.Enabled is false.
func New(cfg Config, st store.Store, opts ...Option) (*Connector, error) {
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
	// Asks for RFC 3339 times; parseTime accepts both formats anyway.
	s.RFC3339Timestamps = true
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

// statusClient remembers the HTTP status of the latest response, which
// huandu/facebook drops: it reads errors only from the body.
type statusClient struct {
	hc     *http.Client
	status int
}

func (s *statusClient) Do(req *http.Request) (*http.Response, error) {
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

// session returns a copy of the session bound to ctx with its own status
// recorder.
func (c *Connector) sessionFor(ctx context.Context) (*fb.Session, *statusClient) {
	s := c.session.WithContext(ctx)
	sc := &statusClient{hc: c.client}
	s.HttpClient = sc
	return s, sc
}

// call makes one Graph API call. what names it in errors ("listing
// conversations"). It refuses to call while a rate limit is in force.
func (c *Connector) call(ctx context.Context, what string, method fb.Method, path string, params fb.Params) (fb.Result, error) {
	if err := c.checkBudget(); err != nil {
		return nil, err
	}
	s, sc := c.sessionFor(ctx)
	res, err := s.Api(path, method, params)
	return res, c.classify(ctx, endpointOf(method, path), what, res, err, sc.status)
}

// follow fetches a paging.next link. The link is absolute and already
// holds the token (that is how Graph API writes it); appsecret_proof is
// added when enabled. Links to another host are refused, so the token is
// never sent elsewhere.
func (c *Connector) follow(ctx context.Context, what, next string) (fb.Result, error) {
	if err := c.checkBudget(); err != nil {
		return nil, err
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != c.graph.Host || u.Scheme != c.graph.Scheme {
		return nil, fmt.Errorf("%s: %w: paging link to an unexpected host", what, errMalformed)
	}
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
	s, sc := c.sessionFor(ctx)
	res, err := s.Request(req)
	return res, c.classify(ctx, endpointOf(fb.GET, u.Path), what, res, err, sc.status)
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

// Graph API error codes that mean "slow down": application (4), user
// (17), page (32), API-specific (613) and Page-account (80001) limits.
var rateLimitCodes = map[int]bool{4: true, 17: true, 32: true, 613: true, 80001: true}

func (c *Connector) apiErr(endpoint, what string, fe *fb.Error) error {
	switch {
	case fe.Code == 190 || fe.Code == 102:
		// Facebook's message may quote the token: leave it out.
		return fmt.Errorf("%s: %w: Facebook rejected the page token (code %d, subcode %d); set a new facebook.page_token and restart",
			what, connectors.ErrUnauthorized, fe.Code, fe.ErrorSubcode)
	case rateLimitCodes[fe.Code]:
		until := c.block(c.cfg.RateLimitWait)
		if c.metrics != nil {
			c.metrics.RateLimitWaits.WithLabelValues(string(inbox.Facebook), endpoint).Inc()
		}
		return &connectors.RateLimitError{Until: until, Reason: fmt.Sprintf("%s: graph API code %d", what, fe.Code)}
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

// block stops calls for at least d (or until the usage headers say) and
// returns until when.
func (c *Connector) block(d time.Duration) time.Time {
	until := c.now().Add(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	if until.After(c.blockedUntil) {
		c.blockedUntil = until
	}
	return c.blockedUntil
}

func (c *Connector) checkBudget() error {
	c.mu.Lock()
	until := c.blockedUntil
	c.mu.Unlock()
	if c.now().Before(until) {
		return &connectors.RateLimitError{Until: until, Reason: "waiting for the Graph API budget to come back"}
	}
	return nil
}

// observeUsage reads X-App-Usage, X-Page-Usage and
// X-Business-Use-Case-Usage. The highest percentage slows polling down
// (see nextPoll); estimated_time_to_regain_access (minutes) blocks calls.
func (c *Connector) observeUsage(u *fb.UsageInfo) {
	if u == nil {
		return
	}
	peak := func(r fb.RateLimiting) int { return max(r.CallCount, r.TotalTime, r.TotalCPUTime) }
	top, regain := max(peak(u.App), peak(u.Page)), 0
	for _, list := range u.BusinessUseCase {
		for _, r := range list {
			if r != nil {
				top = max(top, peak(*r))
				regain = max(regain, r.EstimatedTimeToRegainAccess)
			}
		}
	}
	c.mu.Lock()
	c.usage = top
	c.mu.Unlock()
	if regain > 0 {
		c.block(time.Duration(regain) * time.Minute)
	}
}

// nextPoll is the wait before the next poll: the poll interval, stretched
// as the usage headers near 100% so that the budget recovers before
// Facebook starts refusing calls (2× above 75%, 4× above 90%, 8× at 100%).
func (c *Connector) nextPoll() time.Duration {
	c.mu.Lock()
	u := c.usage
	c.mu.Unlock()
	switch {
	case u >= 100:
		return 8 * c.cfg.PollInterval
	case u > 90:
		return 4 * c.cfg.PollInterval
	case u > 75:
		return 2 * c.cfg.PollInterval
	}
	return 0
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
