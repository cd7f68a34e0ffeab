package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/inboxbot/inboxbot/agent"
	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/facebook"
	"github.com/inboxbot/inboxbot/connectors/twitter"
	"github.com/inboxbot/inboxbot/connectors/webhook"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/language"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/router"
	"github.com/inboxbot/inboxbot/spend"
	"github.com/inboxbot/inboxbot/store"
)

// policy builds the support policy chain.
func (a *App) policy(_ context.Context) (router.Policy, error) {
	tw, err := a.twitter()
	if err != nil {
		return nil, err
	}
	deps := router.Deps{Store: a.Store, Accounts: accounts(a.Config, tw), Log: a.Log}
	if !a.Role.runs(RoleRouter) {
		// Only routing decides languages; the reply guard does not, so an
		// instance without the router role spares the models' memory.
		deps.Detector = noDetector{}
		return router.NewPolicy(a.Config.Policy, deps)
	}
	// The detector is started here rather than inside NewPolicy so that
	// /healthz can show its models loading, and the log says once when
	// they start and once when they are ready (the router retries items
	// that arrive before without a warning each).
	langCfg := a.Config.Policy.WithDefaults().Language.Detector()
	a.Log.Info("loading language models", "languages", len(langCfg.Languages))
	det, err := language.Start(langCfg)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	a.Health.Register("language", false)
	a.parts = append(a.parts, part{"language", func(ctx context.Context) error {
		a.Health.Set("language", health.Starting, "loading language models")
		if err := det.Wait(ctx); err != nil {
			return nil // stopped before the models were in
		}
		a.Health.Success("language")
		a.Log.Info("language models loaded", "seconds", det.LoadTime().Seconds())
		return nil
	}})
	deps.Detector = det
	return router.NewPolicy(a.Config.Policy, deps)
}

// noDetector stands in for the language detector on instances that do not
// route.
type noDetector struct{}

// Detect refuses: nothing on such an instance should ask.
func (noDetector) Detect(context.Context, string, string) (language.Result, error) {
	return language.Result{}, errors.New("this instance does not route (see serve --role)")
}

// twitter returns the Twitter connector, created once: the runner sends
// and polls with it, and the policy asks it for our account id, so that
// both share its rate-limit accounting. It is nil when Twitter is off.
func (a *App) twitter() (*twitter.Connector, error) {
	if a.tw != nil || !a.Config.Twitter.Enabled {
		return a.tw, nil
	}
	meter, err := a.twitterMeter()
	if err != nil {
		return nil, fmt.Errorf("twitter connector: %w", err)
	}
	tw, err := twitter.New(a.Config.Twitter, a.Store, twitter.WithLogger(a.Log), twitter.WithMetrics(a.Metrics), twitter.WithMeter(meter))
	if err != nil {
		return nil, fmt.Errorf("twitter connector: %w", err)
	}
	a.tw = tw
	return tw, nil
}

// facebook returns the Facebook connector, created once: polling,
// sending and the webhook's look-ups share it (one cache, one request
// budget). It is nil when Facebook is off.
func (a *App) facebook() (*facebook.Connector, error) {
	if a.fb != nil || !a.Config.Facebook.Enabled {
		return a.fb, nil
	}
	fb, err := facebook.New(a.Config.Facebook, a.Store,
		facebook.WithLogger(a.Log), facebook.WithMetrics(a.Metrics),
		facebook.WithGraphCallsCounter(a.Metrics.GraphCalls), facebook.WithHealth(a.Health))
	if err != nil {
		return nil, fmt.Errorf("facebook connector: %w", err)
	}
	a.fb = fb
	return fb, nil
}

// spendComponent is the /healthz component of the Twitter daily budget:
// degraded once it is reached.
const spendComponent = "twitter_budget"

// twitterMeter returns the X spend meter: today's total is kept in the
// store, shown on /healthz (twitter.details.spend_today_usd) and, with a
// daily budget, as the twitter_budget component, degraded once reached.
func (a *App) twitterMeter() (*spend.Meter, error) {
	cfg := a.Config.Twitter
	budget := spend.USD(cfg.DailyBudgetUSD)
	report := func(today, budget spend.Micros) {
		a.Health.SetDetail(string(inbox.Twitter), "spend_today_usd", today.Dollars())
		if budget <= 0 {
			return
		}
		a.Health.SetDetail(spendComponent, "spend_today_usd", today.Dollars())
		if today >= budget {
			a.Health.Set(spendComponent, health.OverBudget, fmt.Sprintf(
				"daily X budget of %s reached (%s spent today, UTC): automatic posts stopped, polling slowed to every %s; agents' replies still go",
				budget, today, twitter.BudgetPollInterval))
			return
		}
		a.Health.Success(spendComponent)
	}
	m, err := spend.New(spend.Config{
		Platform: string(inbox.Twitter), DailyBudget: budget, Counter: a.Metrics.PlatformSpend,
		Persister: a.Store, OnChange: report,
	})
	if err != nil {
		return nil, err
	}
	if budget > 0 {
		a.Health.Register(spendComponent, false)
		a.Health.SetDetail(spendComponent, "daily_budget_usd", budget.Dollars())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	report(m.Today(ctx), budget)
	return m, nil
}

// webhooks returns the platform webhooks to serve, by path: X's when
// Twitter is enabled, Meta's when Facebook is enabled with a verify token.
// Any role serves them, since a delivery only needs the bus (and, for
// Facebook, the connector's look-ups).
func (a *App) webhooks() (map[string]http.Handler, error) {
	hooks := map[string]http.Handler{}
	deps := func(delivered func()) webhook.Deps {
		return webhook.Deps{Publish: connectors.Publisher(a.Bus, a.Metrics), Delivered: delivered,
			Health: a.Health, Metrics: a.Metrics, Log: a.Log}
	}
	if a.Config.Twitter.Enabled {
		tw, err := a.twitter()
		if err != nil {
			return nil, err
		}
		cfg := twitter.WebhookConfig{ConsumerSecret: a.Config.Twitter.ConsumerSecret, SelfID: tw.SelfID}
		if id := a.Config.Policy.Twitter.AccountID; id != "" {
			cfg.SelfID = func() string { return id }
		}
		wh, err := twitter.NewWebhook(cfg, deps(tw.WebhookDelivered))
		if err != nil {
			return nil, err
		}
		hooks["/webhooks/twitter"] = wh
	}
	if fc := a.Config.Facebook; fc.Enabled && fc.VerifyToken != "" {
		fb, err := a.facebook()
		if err != nil {
			return nil, err
		}
		wh, err := facebook.NewWebhook(facebook.WebhookConfig{
			AppSecret: fc.AppSecret, VerifyToken: fc.VerifyToken, PageID: fc.PageID, Connector: fb,
		}, deps(fb.WebhookDelivered))
		if err != nil {
			return nil, err
		}
		hooks["/webhooks/facebook"] = wh
	}
	return hooks, nil
}

// Accounts tells the policy our own account ids: the Page id from the
// config, and our Twitter id from policy.twitter.account_id or, when that
// is empty and Twitter is enabled, from the Twitter connector's
// verify_credentials (cached after the first call). `policy test` uses it
// so that it decides as serve does.
func Accounts(cfg config.Config, st store.Store, log *slog.Logger, m *metrics.Metrics) (router.Accounts, error) {
	var tw *twitter.Connector
	if cfg.Twitter.Enabled && cfg.Policy.Twitter.AccountID == "" {
		var err error
		if tw, err = twitter.New(cfg.Twitter, st, twitter.WithLogger(log), twitter.WithMetrics(m)); err != nil {
			return nil, fmt.Errorf("twitter connector: %w", err)
		}
	}
	return accounts(cfg, tw), nil
}

func accounts(cfg config.Config, tw *twitter.Connector) router.Accounts {
	static := router.StaticAccounts{Twitter: cfg.Policy.Twitter.AccountID, Facebook: cfg.Policy.Facebook.PageID}
	if static.Facebook == "" {
		static.Facebook = cfg.Facebook.PageID
	}
	if tw == nil || static.Twitter != "" {
		return static
	}
	return router.ConnectorAccounts(tw, static)
}

// instanceFile holds this instance's identity under data_dir.
const instanceFile = "instance-id"

// owner names this instance in polling leases. The identity is kept in
// data_dir, so that an instance restarted after a crash recognises the
// lease it held and polls again at once instead of waiting out the TTL.
// Without a writable data_dir it is new per process.
func owner(dataDir string) string {
	host, _ := os.Hostname()
	path := filepath.Join(dataDir, instanceFile)
	if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) > 0 {
		return host + "-" + string(bytes.TrimSpace(b))
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	if err := os.MkdirAll(dataDir, 0o700); err == nil {
		_ = os.WriteFile(path, []byte(id+"\n"), 0o600)
	}
	return host + "-" + id
}

// openConnectors adds a runner for each enabled platform. Polling is
// guarded by a lease so that, with several instances, one polls each
// account; sending is shared through the durable OUTBOUND consumer.
func (a *App) openConnectors(ctx context.Context) error {
	cfg := a.Config
	type conn interface {
		connectors.Source
		connectors.Sender
	}
	add := func(p inbox.Platform, account string, c conn, interval, unauthorizedRetry time.Duration) error {
		lease, err := connectors.NewKVLease(ctx, a.Bus.JetStream(), string(p)+"."+account, a.owner, cfg.NATS.LeaseTTL, cfg.NATS.Replicas)
		if err != nil {
			return err
		}
		r := &connectors.Runner{
			Platform: p, Source: c, Sender: c, Bus: a.Bus, Store: a.Store, Health: a.Health,
			Metrics: a.Metrics, Log: a.Log, Lease: lease, LeaseRenew: cfg.NATS.LeaseTTL / 3,
			Interval: interval, UnauthorizedRetry: unauthorizedRetry, Poll: true, Send: true,
		}
		a.parts = append(a.parts, part{string(p), r.Run})
		return nil
	}
	// Customers' profiles are looked up by one instance per account, the
	// holder of its own lease, in passes that never hold items back.
	profiles := func(p inbox.Platform, account string, src connectors.ProfileSource, s connectors.ProfileSettings, batch int) error {
		if !s.On() {
			return nil
		}
		lease, err := connectors.NewKVLease(ctx, a.Bus.JetStream(), "profiles."+string(p)+"."+account, a.owner, cfg.NATS.LeaseTTL, cfg.NATS.Replicas)
		if err != nil {
			return err
		}
		pr, err := connectors.NewProfiler(connectors.ProfilerConfig{Platform: p, MaxAge: s.MaxAge, Batch: batch},
			connectors.ProfilerDeps{Source: src, Store: a.Store, Lease: lease, Log: a.Log})
		if err != nil {
			return err
		}
		a.parts = append(a.parts, part{string(p) + "-profiles", pr.Run})
		return nil
	}
	if cfg.Facebook.Enabled {
		fb, err := a.facebook()
		if err != nil {
			return err
		}
		if err := add(inbox.Facebook, cfg.Facebook.PageID, fb, cfg.Facebook.PollInterval, cfg.Facebook.UnauthorizedRetry); err != nil {
			return err
		}
		// Each PSID is one Graph call in the Page's budget: a few a pass.
		if err := profiles(inbox.Facebook, cfg.Facebook.PageID, fb, cfg.Facebook.Profiles, 10); err != nil {
			return err
		}
	} else {
		a.Health.Register("facebook", false)
		a.Health.Set("facebook", health.Disabled, "")
	}
	if cfg.Twitter.Enabled {
		tw, err := a.twitter()
		if err != nil {
			return err
		}
		if err := add(inbox.Twitter, "default", tw, cfg.Twitter.PollInterval, cfg.Twitter.UnauthorizedRetry); err != nil {
			return err
		}
		if cfg.Twitter.API != twitter.APIv11 {
			if err := profiles(inbox.Twitter, "default", tw, cfg.Twitter.Profiles, twitter.MaxProfileBatch); err != nil {
				return err
			}
		}
	} else {
		a.Health.Register("twitter", false)
		a.Health.Set("twitter", health.Disabled, "")
	}
	return nil
}

// http builds the HTTP server: with the web role, the agents' desk (which
// also serves /healthz and /metrics); otherwise only /healthz and /metrics.
// hooks are the platform webhooks to serve here too. The returned function
// serves on ln until ctx ends, then shuts down within the drain budget.
func (a *App) http(ln net.Listener, hooks map[string]http.Handler) (func(ctx context.Context) error, error) {
	if a.Role.runs(RoleWeb) {
		srv, err := agent.New(agent.Options{
			Config: a.Config.HTTP, Store: a.Store, Replier: a.Router, Health: a.Health,
			Subscribe: a.Bus.SubscribeEvents, Publish: a.Bus.PublishEvent, Metrics: a.Metrics.Handler(), Log: a.Log, SLA: a.Config.Policy.SLA,
			Webhooks: hooks, Redactor: a.Config.Policy.Redactor(),
		})
		if err != nil {
			return nil, fmt.Errorf("agents' desk: %w", err)
		}
		a.Desk = srv
		return func(ctx context.Context) error { return srv.Serve(ctx, ln, httpDrain) }, nil
	}
	mux := http.NewServeMux()
	// No sign-in on this server: reasons and details go to loopback
	// callers (an operator, a local monitoring agent) only.
	mux.Handle("GET /healthz", a.Health.Handler(health.Loopback))
	mux.Handle("GET /metrics", a.Metrics.Handler())
	for path, h := range hooks {
		mux.Handle(path, h)
	}
	return a.serve(ln, mux), nil
}

// serveWebhooks serves the platform webhooks on their own listener
// (http.webhook_addr), with an anonymous /healthz for the load balancer.
func (a *App) serveWebhooks(ln net.Listener, hooks map[string]http.Handler) func(ctx context.Context) error {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", a.Health.Handler(func(*http.Request) bool { return false }))
	for path, h := range hooks {
		mux.Handle(path, h)
	}
	return a.serve(ln, mux)
}

// serve returns a part that serves h on ln until ctx ends, then shuts
// down within the drain budget. Request bodies get http.read_timeout.
func (a *App) serve(ln net.Listener, h http.Handler) func(ctx context.Context) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: a.Config.HTTP.WithDefaults().ReadTimeout}
	return func(ctx context.Context) error {
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case err := <-errc:
			return fmt.Errorf("serving http on %s: %w", ln.Addr(), err)
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.Background(), httpDrain)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// httpDrain bounds how long open HTTP requests may finish on shutdown.
const httpDrain = 3 * time.Second
