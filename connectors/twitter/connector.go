package twitter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/spend"
	"github.com/inboxbot/inboxbot/store"
)

// Compile-time checks that the Connector is what the Runner drives.
var (
	_ connectors.Source = (*Connector)(nil)
	_ connectors.Sender = (*Connector)(nil)
)

// defaultTimeout bounds one API call when the caller's http.Client sets
// no timeout, so that a hung connection cannot stall the poll loop.
const defaultTimeout = 30 * time.Second

// maxPagesPerPoll caps the pages fetched from one endpoint in one Poll, in
// case an endpoint sends no rate-limit headers and keeps returning cursors.
// The in-progress position is saved, so the next Poll goes on from there.
const maxPagesPerPoll = 50

// Connector pulls mentions and direct messages of one Twitter account and
// sends replies, DMs and follows for it. It implements connectors.Source
// and connectors.Sender. Poll must not be called concurrently with itself
// (the Runner never does); Send and Self may be called at any time.
type Connector struct {
	cfg     Config
	st      store.Cursors
	log     *slog.Logger
	metrics *metrics.Metrics
	now     func() time.Time
	timeout time.Duration
	// rt is the transport chain: (v1.1: rewrite to api_url,) sign, send.
	rt http.RoundTripper
	// api is the X API version spoken, eps its endpoint names.
	api api
	eps endpoints
	// prices are the pay-per-use prices; meter adds up what calls cost
	// (v2 only: v1.1 is billed by contract).
	prices Prices
	meter  *spend.Meter

	// selfMu serialises verify_credentials so that concurrent callers of
	// Self make one request between them.
	selfMu sync.Mutex

	mu         sync.Mutex // guards the fields below
	selfID     string
	selfName   string
	budgets    map[endpoint]*budget
	mentionsAt time.Time // when the mentions endpoint is next due
	dmsAt      time.Time // when the DM list is next due
	// webhookAt is when the last signed webhook delivery arrived: while
	// they come, polling is only a slow gap fill.
	webhookAt time.Time

	// Poll state; only Poll touches it.
	loaded   bool
	mentions mentionCursor
	dms      dmCursor
}

// Option configures a Connector.
type Option func(*Connector)

// WithLogger sets the logger. The connector logs ids, counts and Twitter's
// error messages, never customer text, tokens or secrets.
func WithLogger(l *slog.Logger) Option { return func(c *Connector) { c.log = l } }

// WithMetrics makes the connector count rate-limit waits (RateLimitWaits,
// by endpoint) and malformed items (Skipped).
func WithMetrics(m *metrics.Metrics) Option { return func(c *Connector) { c.metrics = m } }

// WithMeter makes the connector meter what its calls cost (v2) and
// keep to the meter's daily budget. Without it the connector meters into
// a meter of its own, with the configured budget, that is not persisted.
func WithMeter(m *spend.Meter) Option { return func(c *Connector) { c.meter = m } }

// WithClock replaces time.Now, for tests of the scheduling.
func WithClock(now func() time.Time) Option { return func(c *Connector) { c.now = now } }

// WithHTTPClient sets the client whose Transport and Timeout carry the
// API calls (the default is http.DefaultTransport with a 30s timeout).
// OAuth1 signing and the api_url rewrite are added on top of it.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Connector) {
		if hc == nil {
			return
		}
		if hc.Transport != nil {
			c.rt = hc.Transport
		}
		if hc.Timeout > 0 {
			c.timeout = hc.Timeout
		}
	}
}

// New returns a Connector for the account whose OAuth 1.0a credentials
// are in cfg, keeping its cursors in st. It does no I/O: the account's id
// and screen name are learnt by the first Poll, Send or Self.
func New(cfg Config, st store.Cursors, opts ...Option) (*Connector, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("twitter: %w", err)
	}
	var missing []error
	for _, f := range []struct{ key, v string }{
		{"consumer_key", cfg.ConsumerKey}, {"consumer_secret", cfg.ConsumerSecret},
		{"access_token", cfg.AccessToken}, {"access_secret", cfg.AccessSecret},
	} {
		if f.v == "" {
			missing = append(missing, fmt.Errorf("twitter: %s is required", f.key))
		}
	}
	if err := errors.Join(missing...); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errors.New("twitter: a store is required for the cursors")
	}
	c := &Connector{
		cfg: cfg, st: st, log: slog.Default(), now: time.Now, timeout: defaultTimeout,
		rt: http.DefaultTransport, budgets: make(map[endpoint]*budget), prices: cfg.Prices,
	}
	for _, o := range opts {
		o(c)
	}
	if c.meter == nil {
		m, err := NewMeter(cfg, c.metrics, nil)
		if err != nil {
			return nil, fmt.Errorf("twitter: %w", err)
		}
		c.meter = m
	}
	// oauth1.Transport's token source and signer are unexported, so take
	// the transport from the client the package builds and set its base.
	signer, ok := oauth1.NewConfig(cfg.ConsumerKey, cfg.ConsumerSecret).
		Client(context.Background(), oauth1.NewToken(cfg.AccessToken, cfg.AccessSecret)).Transport.(*oauth1.Transport)
	if !ok {
		return nil, errors.New("twitter: unexpected oauth1 transport type")
	}
	signer.Base = c.rt
	c.rt = signer
	if cfg.API == APIv11 {
		rw, err := newRewriteTransport(cfg.APIURL, signer)
		if err != nil {
			return nil, fmt.Errorf("twitter: %w", err)
		}
		c.rt = rw
		c.api = v11{c}
	} else {
		c.api = v2{c: c, base: cfg.APIURL}
	}
	c.eps = c.api.endpoints()
	return c, nil
}

// NewMeter returns the spend meter of the Twitter account configured in
// cfg: X's pay-per-use prices, cfg.DailyBudgetUSD, the
// inboxbot_platform_spend_usd_total counter of m (when not nil), and
// today's total kept in p (when not nil) across restarts.
func NewMeter(cfg Config, m *metrics.Metrics, p spend.Persister) (*spend.Meter, error) {
	mc := spend.Config{Platform: string(inbox.Twitter), DailyBudget: spend.USD(cfg.DailyBudgetUSD), Persister: p}
	if m != nil {
		mc.Counter = m.PlatformSpend
	}
	return spend.New(mc)
}

// SelfID returns our account's user id once a Poll, Send or Self has
// learnt it, else "". It does no I/O.
func (c *Connector) SelfID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.selfID
}

// Meter returns the connector's spend meter.
func (c *Connector) Meter() *spend.Meter { return c.meter }

// charge meters the price of a call to ep.
func (c *Connector) charge(ctx context.Context, ep endpoint, amount spend.Micros) {
	if err := c.meter.Charge(ctx, string(ep), amount); err != nil {
		c.log.Warn("twitter spend", "endpoint", ep, "err", err)
	}
}

// Self returns the user id and screen name of the account the tokens
// belong to. The first call asks account/verify_credentials; later calls
// return the cached answer. A rejected token gives an error wrapping
// connectors.ErrUnauthorized.
func (c *Connector) Self(ctx context.Context) (id, screenName string, err error) {
	c.selfMu.Lock()
	defer c.selfMu.Unlock()
	c.mu.Lock()
	id, screenName = c.selfID, c.selfName
	c.mu.Unlock()
	if id != "" {
		return id, screenName, nil
	}
	id, screenName, err = c.api.verify(ctx)
	if err != nil {
		return "", "", err
	}
	if id == "" {
		return "", "", fmt.Errorf("twitter %s: response has no user id", c.eps.verify)
	}
	c.mu.Lock()
	c.selfID, c.selfName = id, screenName
	c.mu.Unlock()
	c.log.Info("twitter account verified", "api", c.cfg.API, "user_id", id, "screen_name", screenName)
	return id, screenName, nil
}

// call makes one API call to ep through fn, which gets a client bound to
// ctx. It refuses to call when the endpoint's budget is spent or its
// access is forbidden, records the rate-limit headers of the response, and
// classifies failures (see classify).
func (c *Connector) call(ctx context.Context, ep endpoint, fn func(hc *http.Client) (*http.Response, error)) error {
	if err := c.reserve(ep); err != nil {
		if !errors.Is(err, connectors.ErrForbidden) {
			c.countWait(ep)
		}
		return err
	}
	ex := &exchange{}
	hc := c.httpClient(ctx, ex)
	_, err := fn(hc)
	if ctx.Err() != nil && ex.status == 0 {
		return fmt.Errorf("twitter %s: %w", ep, ctx.Err())
	}
	now := c.now()
	err = classify(ep, ex, err, now)
	var (
		rl *connectors.RateLimitError
		fe *connectors.ForbiddenError
	)
	limited, forbidden := errors.As(err, &rl), errors.As(err, &fe)
	c.mu.Lock()
	b := c.budget(ep)
	if ex.header != nil {
		b.observe(ex.header, now)
	}
	if limited {
		b.remaining, b.reset = 0, rl.Until
	}
	if forbidden {
		b.forbidden = fe
	}
	c.mu.Unlock()
	switch {
	case limited:
		c.countWait(ep)
		c.log.Warn("twitter rate limit hit", "endpoint", ep, "until", rl.Until)
	case forbidden:
		c.log.Error("twitter endpoint forbidden for this access level", "endpoint", ep, "next_try", fe.Until, "reason", fe.Reason)
	}
	return err
}

// get makes a GET call to rawURL on ep and returns the body of a 2xx.
func (c *Connector) get(ctx context.Context, ep endpoint, rawURL string) ([]byte, error) {
	return c.do(ctx, ep, http.MethodGet, rawURL, nil)
}

// postJSON POSTs v as JSON to rawURL on ep and returns the body of a 2xx.
func (c *Connector) postJSON(ctx context.Context, ep endpoint, rawURL string, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("twitter %s: encoding request: %w", ep, err)
	}
	return c.do(ctx, ep, http.MethodPost, rawURL, data)
}

// do makes one call with an optional JSON body, through call.
func (c *Connector) do(ctx context.Context, ep endpoint, method, rawURL string, data []byte) ([]byte, error) {
	var body []byte
	err := c.call(ctx, ep, func(hc *http.Client) (*http.Response, error) {
		var rd io.Reader
		if data != nil {
			rd = bytes.NewReader(data)
		}
		req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
		if err != nil {
			return nil, err
		}
		if data != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return resp, nil // the exchange kept the error body
		}
		body, err = readBody(resp)
		return resp, err
	})
	return body, err
}

// reserve takes one call from ep's budget, so that concurrent callers
// (Send from several goroutines, Self during a Poll) cannot together
// exceed it; the response's headers then set the true figure. It returns
// a *connectors.RateLimitError when none is left, and the endpoint's
// *connectors.ForbiddenError until its next try is due.
func (c *Connector) reserve(ep endpoint) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.budget(ep)
	now := c.now()
	if f := b.forbidden; f != nil && now.Before(f.Until) {
		return f
	}
	if until := b.blockedUntil(now); !until.IsZero() {
		return &connectors.RateLimitError{Until: until, Reason: "twitter " + string(ep) + ": budget of this window is spent"}
	}
	if !b.reset.IsZero() && now.Before(b.reset) {
		b.remaining--
	}
	return nil
}

// budget returns the budget of ep, creating it. c.mu must be held.
func (c *Connector) budget(ep endpoint) *budget {
	b := c.budgets[ep]
	if b == nil {
		b = &budget{}
		c.budgets[ep] = b
	}
	return b
}

// budgetOf returns a copy of ep's budget.
func (c *Connector) budgetOf(ep endpoint) budget {
	c.mu.Lock()
	defer c.mu.Unlock()
	return *c.budget(ep)
}

// blockedUntil reports until when ep may not be called, or zero.
func (c *Connector) blockedUntil(ep endpoint) time.Time {
	return c.budgetOf(ep).blockedUntil(c.now())
}

// nextDue returns when ep should next be polled, spreading the rest of
// its budget over the rest of its window (see pace).
func (c *Connector) nextDue(ctx context.Context, ep endpoint) time.Time {
	b := c.budgetOf(ep)
	now := c.now()
	return now.Add(pace(c.interval(ctx), b.remaining, b.reset, now))
}

// interval is the routine gap between two polls of one endpoint: the
// configured interval; the slower gap fill while webhooks deliver; the
// slowest once the daily budget is reached.
func (c *Connector) interval(ctx context.Context) time.Duration {
	d := c.cfg.PollInterval
	c.mu.Lock()
	hooked := !c.webhookAt.IsZero() && c.now().Sub(c.webhookAt) < c.cfg.PollIntervalWithWebhooks
	c.mu.Unlock()
	if hooked {
		d = max(d, c.cfg.PollIntervalWithWebhooks)
	}
	if c.meter.OverBudget(ctx) {
		d = max(d, BudgetPollInterval)
	}
	return d
}

// WebhookDelivered tells the connector that a signed webhook delivery
// just arrived, so that polling slows to a gap fill.
func (c *Connector) WebhookDelivered() {
	c.mu.Lock()
	c.webhookAt = c.now()
	c.mu.Unlock()
}

// countWait counts a wait forced by ep's rate limit.
func (c *Connector) countWait(ep endpoint) {
	if c.metrics != nil {
		c.metrics.RateLimitWaits.WithLabelValues(string(inbox.Twitter), string(ep)).Inc()
	}
}

// countSkipped counts an item skipped because it was malformed.
func (c *Connector) countSkipped(what string) {
	if c.metrics != nil {
		c.metrics.Skipped.WithLabelValues(string(inbox.Twitter), what).Inc()
	}
}

// cursorKey is the store key of one of the account's cursors. It includes
// the user id so that new tokens for another account start afresh.
func cursorKey(selfID, feed string) string { return "twitter:" + selfID + ":" + feed }

// loadCursor reads the JSON cursor under key into v; a missing cursor
// leaves v as it is.
func (c *Connector) loadCursor(ctx context.Context, key string, v any) error {
	s, ok, err := c.st.Cursor(ctx, key)
	if err != nil {
		return fmt.Errorf("twitter: reading cursor %s: %w", key, err)
	}
	if !ok || s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		// Starting over would re-ingest the whole timeline; better to stop
		// and let an operator look.
		return fmt.Errorf("twitter: cursor %s is corrupt: %w", key, err)
	}
	return nil
}

// saveCursor stores v as JSON under key.
func (c *Connector) saveCursor(ctx context.Context, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("twitter: encoding cursor %s: %w", key, err)
	}
	if err := c.st.SetCursor(ctx, key, string(data)); err != nil {
		return fmt.Errorf("twitter: saving cursor %s: %w", key, err)
	}
	return nil
}

// Poll fetches new mentions and DMs, publishes them and advances the
// cursors, calling each endpoint only when it is due under its own
// rate-limit budget. It returns the wait until the next endpoint is due.
// A 429 returns a *connectors.RateLimitError; rejected tokens return an
// error wrapping connectors.ErrUnauthorized.
func (c *Connector) Poll(ctx context.Context, publish connectors.Publish) (time.Duration, error) {
	selfID, _, err := c.Self(ctx)
	if err != nil {
		return 0, err
	}
	if !c.loaded {
		if err := c.load(ctx, selfID); err != nil {
			return 0, err
		}
	}
	feeds := []struct {
		ep   endpoint
		due  *time.Time
		poll func(context.Context, string, connectors.Publish) (time.Time, error)
	}{
		{c.eps.mentions, &c.mentionsAt, c.pollMentions},
		{c.eps.dms, &c.dmsAt, c.pollDMs},
	}
	var (
		errs      []error
		limited   bool
		forbidden []*connectors.ForbiddenError
	)
	for _, f := range feeds {
		c.mu.Lock()
		due := *f.due
		c.mu.Unlock()
		if c.now().Before(due) {
			continue
		}
		next, err := f.poll(ctx, selfID, publish)
		var (
			rl *connectors.RateLimitError
			fe *connectors.ForbiddenError
		)
		switch {
		case err == nil:
		case errors.Is(err, connectors.ErrUnauthorized), ctx.Err() != nil:
			return 0, err
		case errors.As(err, &fe):
			forbidden = append(forbidden, fe)
			next = fe.Until
		case errors.As(err, &rl):
			limited = true
			next = rl.Until
		default:
			errs = append(errs, err)
		}
		if !next.IsZero() {
			c.mu.Lock()
			*f.due = next
			c.mu.Unlock()
		}
	}
	c.mu.Lock()
	first := c.mentionsAt
	if c.dmsAt.Before(first) {
		first = c.dmsAt
	}
	c.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	if len(forbidden) > 0 {
		// One error for the Runner: health names every refused endpoint,
		// and the wait is until the next endpoint is due.
		fe := *forbidden[0]
		for _, o := range forbidden[1:] {
			fe.Endpoint += ", " + o.Endpoint
		}
		fe.Until = first
		return 0, &fe
	}
	if limited {
		return 0, &connectors.RateLimitError{Until: first, Reason: "twitter: rate limit exceeded (429)"}
	}
	return max(first.Sub(c.now()), time.Millisecond), nil
}

// load reads both cursors, once per process, and honours the waits they
// recorded so that a restart does not spend a budget that is already gone.
func (c *Connector) load(ctx context.Context, selfID string) error {
	if err := c.loadCursor(ctx, cursorKey(selfID, "mentions"), &c.mentions); err != nil {
		return err
	}
	if err := c.loadCursor(ctx, cursorKey(selfID, "dms"), &c.dms); err != nil {
		return err
	}
	c.mu.Lock()
	c.mentionsAt = c.mentions.NotBefore
	c.dmsAt = c.dms.NotBefore
	c.mu.Unlock()
	c.loaded = true
	return nil
}
