// Package app assembles inboxbot from its parts (bus, store, router,
// connectors, agents' desk) according to the config and a role, and runs
// them until the context ends. cmd/inboxbot and the demo use it; it holds
// no policy or platform logic of its own.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/inboxbot/inboxbot/agent"
	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/connectors/facebook"
	"github.com/inboxbot/inboxbot/connectors/twitter"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/router"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// Role selects which parts an instance runs, so operators can split them
// across machines.
type Role string

// The roles of `inboxbot serve --role`.
const (
	RoleAll        Role = "all"
	RoleConnectors Role = "connectors"
	RoleRouter     Role = "router"
	RoleWeb        Role = "web"
)

// ParseRole parses a --role value.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAll, RoleConnectors, RoleRouter, RoleWeb:
		return r, nil
	case "":
		return RoleAll, nil
	}
	return "", fmt.Errorf("unknown role %q (want all, connectors, router or web)", s)
}

func (r Role) runs(part Role) bool { return r == RoleAll || r == part }

// ShutdownTimeout bounds a graceful stop: in-flight work is drained within it.
const ShutdownTimeout = 8 * time.Second

// App is a running inboxbot instance.
type App struct {
	Config  config.Config
	Role    Role
	Log     *slog.Logger
	Bus     *bus.Bus
	Store   store.Store
	Router  *router.Router
	Health  *health.Registry
	Metrics *metrics.Metrics
	// Desk is the agents' web inbox and API, when the role serves it.
	Desk *agent.Server

	listener        net.Listener
	webhookListener net.Listener        // http.webhook_addr, when set
	tw              *twitter.Connector  // see App.twitter
	fb              *facebook.Connector // see App.facebook
	owner           string              // this process in polling leases
	parts           []part
	closers         []func() error
	once            sync.Once
}

// part is a long-running component: run blocks until its ctx ends.
type part struct {
	name string
	run  func(ctx context.Context) error
}

// Open builds every part the role needs and opens the bus, the store and
// the HTTP listener, but starts no loop: Run does. ctx bounds the opening.
func Open(ctx context.Context, cfg config.Config, role Role, log *slog.Logger) (*App, error) {
	a := &App{Config: cfg, Role: role, Log: log, Health: health.New(), Metrics: metrics.New(), owner: owner(cfg.DataDir)}
	if err := a.open(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) open(ctx context.Context) error {
	cfg := a.Config
	a.Health.Register("bus", true)
	a.Health.Register("store", true)
	// One redactor for the bus, the policy and the reply guard: all of
	// them spare the company's own phone number.
	rd := cfg.Policy.Redactor()
	b, err := bus.Open(ctx, cfg.NATS, a.Log, bus.WithRedactor(rd))
	if err != nil {
		return fmt.Errorf("opening bus: %w", err)
	}
	a.Bus = b
	a.closers = append(a.closers, b.Close)
	a.Health.Success("bus")

	st, err := sqlstore.Open(ctx, cfg.Store)
	if err != nil {
		return fmt.Errorf("opening store: %w", err)
	}
	a.Store = st
	a.closers = append(a.closers, st.Close)
	a.Health.Success("store")
	// Reports judge each answer by the SLA in force when it was sent.
	if err := st.SetSLATargets(ctx, store.SLATargets(cfg.Policy.SLA.WithDefaults())); err != nil {
		return err
	}

	policy, err := a.policy(ctx)
	if err != nil {
		return err
	}
	a.Router = router.New(router.Options{Bus: b, Store: st, Policy: policy, Metrics: a.Metrics, Log: a.Log, Redactor: rd})
	if a.Role.runs(RoleRouter) {
		a.Health.Register("router", false)
		a.parts = append(a.parts, part{"router", func(ctx context.Context) error {
			a.Health.Success("router")
			return a.Router.Run(ctx)
		}})
		// Private booking numbers and PINs are redacted in place once
		// their conversation has been closed for
		// policy.retention.private_secrets.
		retention, err := router.NewRetention(cfg.Policy, router.RetentionDeps{Store: st, Log: a.Log})
		if err != nil {
			return err
		}
		a.parts = append(a.parts, part{"retention", retention.Run})
	}
	if a.Role.runs(RoleConnectors) {
		if err := a.openConnectors(ctx); err != nil {
			return err
		}
		if err := a.watchCredentials(); err != nil {
			return err
		}
	}
	hooks, err := a.webhooks()
	if err != nil {
		return err
	}
	if addr := cfg.HTTP.WebhookAddr; addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listening on http.webhook_addr %s: %w", addr, err)
		}
		a.webhookListener = ln
		a.parts = append(a.parts, part{"webhooks", a.serveWebhooks(ln, hooks)})
		hooks = nil // not on the desk's address
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listening on http.addr %s: %w", cfg.HTTP.Addr, err)
	}
	a.listener = ln
	serve, err := a.http(ln, hooks)
	if err != nil {
		return err
	}
	a.parts = append(a.parts, part{"http", serve}, part{"monitor", a.monitor})
	return nil
}

// WebhookAddr is the address of the webhook listener (http.webhook_addr),
// or "" when the webhooks are served on Addr.
func (a *App) WebhookAddr() string {
	if a.webhookListener == nil {
		return ""
	}
	return a.webhookListener.Addr().String()
}

// Addr is the address the HTTP server listens on (useful with port 0).
func (a *App) Addr() string { return a.listener.Addr().String() }

// Run runs every part until ctx ends, then stops pulling, drains in-flight
// work and returns within ShutdownTimeout. It returns the first part's
// failure, if any.
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, len(a.parts)+1)
	for _, p := range a.parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.run(ctx); err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("%s: %w", p.name, err)
				cancel()
			}
		}()
	}
	a.Log.Info("inboxbot running", "role", a.Role, "http", a.Addr(), "embedded_nats", a.Bus.Embedded())
	<-ctx.Done()
	a.Log.Info("stopping: draining in-flight work")
	stopped := make(chan struct{})
	go func() { wg.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(ShutdownTimeout):
		a.Log.Warn("shutdown timed out; unacknowledged work will be redelivered")
	}
	close(errc)
	return <-errc
}

// monitor refreshes the consumer-lag gauges and the bus and store health.
func (a *App) monitor(ctx context.Context) error {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		a.exportHealth()
		if ok, why := a.Bus.Healthy(); ok {
			a.Health.Success("bus")
		} else {
			a.Health.Set("bus", health.Down, why)
		}
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if err := a.Store.Ping(pctx); err != nil {
			a.Health.Set("store", health.Down, err.Error())
		} else {
			a.Health.Success("store")
		}
		for _, d := range []struct{ stream, durable string }{
			{bus.StreamInbound, router.Durable},
			{bus.StreamOutbound, "connector-facebook"},
			{bus.StreamOutbound, "connector-twitter"},
		} {
			if n, err := a.Bus.Pending(pctx, d.stream, d.durable); err == nil {
				a.Metrics.ConsumerLag.WithLabelValues(d.durable).Set(float64(n))
			}
		}
		cancel()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Close releases the store and the bus. It is idempotent; Run must have
// returned first.
func (a *App) Close() error {
	a.once.Do(func() {
		for _, ln := range []net.Listener{a.listener, a.webhookListener} {
			if ln != nil {
				_ = ln.Close()
			}
		}
		for i := len(a.closers) - 1; i >= 0; i-- {
			_ = a.closers[i]()
		}
	})
	return nil
}
