// Package demo runs the whole of inboxbot against simulated Facebook and
// Twitter, with scripted customers, so that a newcomer can see the inbox
// work without any account or credential: `inboxbot demo`.
//
// Run starts the fake Graph API (fbfake) and the fake Twitter API (twfake)
// on loopback, the same fakes the connectors' tests use, and then inboxbot
// itself through package app (role all: embedded NATS, SQLite under a
// fresh data directory, the router with the real policy, both real
// connectors pointed at the fakes, the web inbox). It creates the admin
// agent "demo", prints where to sign in, and plays the Script: customers
// tweet, DM, write in Messenger, post and comment, in several languages
// and sometimes with a booking number or PIN in public. Customers who are
// invited to a private channel move there, and customers answer agents'
// replies. Once, the Facebook Page token expires and is renewed, so the
// inbox shows its connector banner.
//
// What the fake platforms received from inboxbot (replies, DMs, Private
// Replies, hidden comments) is served as JSON at /demo/recorded on a
// loopback port of its own, for curious users and for the acceptance test.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inboxbot/inboxbot/agent"
	"github.com/inboxbot/inboxbot/app"
	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/connectors/facebook"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/router"
	"github.com/inboxbot/inboxbot/store"
)

// DefaultRate is the default number of customer messages per minute:
// enough to keep an agent busy, few enough to follow.
const DefaultRate = 20

// MaxRate bounds the rate: beyond it the fakes' lists grow faster than a
// demo is worth.
const MaxRate = 6000

// AgentName is the admin agent the demo creates and prints a password for.
const AgentName = "demo"

// The simulated Facebook Page.
const (
	PageID   = "1085249610"
	PageName = "Hotel Help"
)

// The simulated Meta app's secrets: the app secret signs webhook
// deliveries and appsecret_proof, the verify token checks the webhook
// subscription. Made up, like the fakes' tokens.
const (
	demoAppSecret   = "demo-app-secret"
	demoVerifyToken = "demo-verify-token"
)

// Poll intervals of the connectors: short, so that the demo feels live.
const (
	facebookPoll = 2 * time.Second
	twitterPoll  = time.Second
)

// ErrUsage marks errors in the options or the configuration, as opposed
// to failures while running, so that the command can exit 2.
var ErrUsage = errors.New("invalid demo options")

// Options configure Run.
type Options struct {
	// Base is the loaded configuration (--config and the environment). Its
	// log, http and policy settings apply; data_dir, store, nats.url and
	// the facebook and twitter sections are the demo's own, so that a
	// demo never touches real accounts or a real database.
	Base config.Config
	// DataDir holds the demo's store and bus. Empty: a new directory under
	// os.TempDir(), removed on exit. A given directory must be new or
	// empty, because the simulated platforms start afresh on every run
	// and their ids would clash with stored ones.
	DataDir string
	// Rate is customer messages per minute. 0 means DefaultRate.
	Rate float64
	// Seed chooses the script: the same seed gives the same customers and
	// messages.
	Seed int64
	// Addr is the web inbox's address. Empty means 127.0.0.1:8080, or a
	// free port when that one is taken.
	Addr string
	// Out receives what the user should read: where to sign in, and what
	// the demo does (the token's expiry). Default io.Discard.
	Out io.Writer
	// Log receives inboxbot's operational logs. Default slog.Default().
	Log *slog.Logger
}

// ParseRate parses a --rate value: "N", "N/min", "N/s" or "N/h", in
// customer messages per minute.
func ParseRate(s string) (float64, error) {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), "/")
	per := map[string]float64{"": 1, "min": 1, "m": 1, "s": 60, "sec": 60, "h": 1.0 / 60, "hour": 1.0 / 60}
	mul, ok := per[strings.TrimSpace(unit)]
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || n <= 0 || n*mul > MaxRate {
		return 0, fmt.Errorf("%w: rate %q: want a positive number of messages per minute up to %d, e.g. 20 or 20/min or 1/s", ErrUsage, s, MaxRate)
	}
	return n * mul, nil
}

// Run runs the demo until ctx ends, then stops everything and returns nil.
// Only a failure to start or a part's failure is an error.
func Run(ctx context.Context, o Options) error {
	if o.Rate == 0 {
		o.Rate = DefaultRate
	}
	if !(o.Rate > 0 && o.Rate <= MaxRate) { // also refuses NaN
		return fmt.Errorf("%w: rate %v is outside (0, %d] messages per minute", ErrUsage, o.Rate, MaxRate)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	dir, cleanup, err := dataDir(o.DataDir)
	if err != nil {
		return err
	}
	defer cleanup()
	addr, err := pickAddr(o.Addr)
	if err != nil {
		return err
	}

	f := startFakes()
	defer f.close()
	cfg, err := demoConfig(o.Base, dir, addr, f)
	if err != nil {
		return err
	}
	out := &syncWriter{w: o.Out}
	t := newTraffic(f, o.Seed, o.Rate, out)

	rec, err := serveRecorded(t)
	if err != nil {
		return err
	}
	defer rec.Close()

	// The traffic outlives the app, which the token scenario restarts:
	// customers keep writing while inboxbot is down, as they would.
	var current atomic.Pointer[app.App]
	restart := make(chan struct{}, 1)
	t.renewed = func() bool {
		a := current.Load()
		if a == nil {
			return false
		}
		if c, ok := a.Health.Get(string(facebookName)); !ok || c.State != health.Unauthorized {
			return false
		}
		select {
		case restart <- struct{}{}:
		default:
		}
		return true
	}
	tctx, stopTraffic := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stopTraffic(); wg.Wait() }()

	for first := true; ; first = false {
		a, err := app.Open(ctx, cfg, app.RoleAll, o.Log)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("starting inboxbot: %w", err)
		}
		if first {
			// A restart must come back where the user's browser is.
			cfg.HTTP.Addr = a.Addr()
			cred, err := createAgent(ctx, a.Store, o.Log)
			if err != nil {
				a.Close()
				return err
			}
			// Real time: X delivers mentions and DMs to the webhook
			// after its CRC check, which the listener answers once Run
			// serves; polling fills gaps, e.g. while the app restarts and
			// deliveries fail.
			base := "http://" + a.Addr() + "/webhooks/"
			wg.Add(1)
			go func() {
				defer wg.Done()
				fbErr := f.fb.SetWebhook(base+"facebook", demoVerifyToken)
				twErr := f.tw.SetWebhook(base + "twitter")
				if err := errors.Join(fbErr, twErr); err != nil {
					o.Log.Warn("demo: registering a webhook failed; polling alone brings that platform's messages", "err", err)
					return
				}
				t.note("webhooks registered: Facebook and Twitter deliver in real time")
			}()
			banner(out, a.Addr(), cred, f, rec.url, dir, o)
			wg.Add(1)
			go func() { defer wg.Done(); t.run(tctx) }()
		}
		current.Store(a)
		restarted, err := runApp(ctx, a, restart, t)
		current.Store(nil)
		a.Close()
		if err != nil {
			return fmt.Errorf("running inboxbot: %w", err)
		}
		if !restarted {
			return nil
		}
		t.note("inboxbot restarted: the Facebook connector polls again with the renewed token")
	}
}

// facebookName is the Facebook connector's health component.
const facebookName = "facebook"

// runApp runs a until ctx ends or a restart is asked for, and reports
// whether it stopped for a restart.
func runApp(ctx context.Context, a *app.App, restart <-chan struct{}, t *traffic) (restarted bool, err error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop, err := t.watchAgents(actx, a.Bus, a.Store)
	if err != nil {
		return false, err
	}
	defer stop()
	var asked atomic.Bool
	go func() {
		select {
		case <-restart:
			asked.Store(true)
			cancel()
		case <-actx.Done():
		}
	}()
	err = a.Run(actx)
	return asked.Load() && ctx.Err() == nil, err
}

// dataDir returns the directory to use and how to clean it up.
func dataDir(dir string) (string, func(), error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "inboxbot-demo-")
		if err != nil {
			return "", nil, fmt.Errorf("creating the demo's data dir: %w", err)
		}
		return d, func() { _ = os.RemoveAll(d) }, nil
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", nil, fmt.Errorf("creating data dir: %w", err)
		}
	case err != nil:
		return "", nil, fmt.Errorf("%w: data dir: %w", ErrUsage, err)
	case len(entries) > 0:
		return "", nil, fmt.Errorf("%w: data dir %s is not empty: the simulated platforms start afresh on every run, so a demo cannot resume; give a new directory", ErrUsage, dir)
	}
	return dir, func() {}, nil
}

// pickAddr returns addr, or the default address when it is free, or a
// free port, so that `go run ./cmd/inboxbot demo` works beside anything
// already on 8080.
func pickAddr(addr string) (string, error) {
	if addr != "" {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return "", fmt.Errorf("%w: addr %q: %w", ErrUsage, addr, err)
		}
		return addr, nil
	}
	ln, err := net.Listen("tcp", agent.DefaultAddr)
	if err != nil {
		return "127.0.0.1:0", nil
	}
	_ = ln.Close()
	return agent.DefaultAddr, nil
}

// fakes are the simulated platforms.
type fakes struct {
	fb        *fbfake.Server
	tw        *twfake.Server
	pageToken string
	// posts are the Page's own posts, which customers comment under.
	posts []string
}

func startFakes() *fakes {
	// The credentials are made up: the fakes accept them and nothing else.
	f := &fakes{pageToken: "EAADemoPageToken0000"}
	f.fb = fbfake.New(fbfake.Options{PageID: PageID, PageName: PageName, Token: f.pageToken, AppSecret: demoAppSecret})
	// X API v2 as a self-serve (pay-per-use) account has it: v1.1 refused
	// with 453, the budgets scaled to a one-minute window so that the
	// connector may poll every second, with the real headers, and signed
	// webhook deliveries once the app is up.
	f.tw = twfake.New(twfake.Options{Window: time.Minute, SelfServe: true, Limits: map[string]int{
		twfake.UsersMe: 75, twfake.UserMentions: 180, twfake.DMEvents: 180,
	}})
	now := time.Now()
	f.posts = []string{
		f.fb.AddPagePost("Summer sale: save on stays all over southern Europe until Sunday ☀️ Book in the app!", now.Add(-3*time.Hour)),
		f.fb.AddPagePost("Our app gets an update tonight. Your bookings are safe, but signing in may be slow for a few minutes.", now.Add(-time.Hour)),
	}
	return f
}

func (f *fakes) close() {
	f.fb.Close()
	f.tw.Close()
}

// demoConfig is base with the demo's own bus, store and platforms.
func demoConfig(base config.Config, dir, addr string, f *fakes) (config.Config, error) {
	c := base
	c.DataDir = dir
	c.Store.Driver, c.Store.DSN = "sqlite", ""
	// The demo's own embedded bus: none of an external cluster's address,
	// credentials or TLS settings apply.
	c.NATS = bus.Config{DedupeWindow: base.NATS.DedupeWindow, LeaseTTL: base.NATS.LeaseTTL}
	c.HTTP.Addr = addr
	c.Facebook = facebook.Config{
		Enabled: true, PageID: PageID, PageToken: f.pageToken, AppSecret: demoAppSecret, VerifyToken: demoVerifyToken,
		GraphURL: f.fb.URL(), PollInterval: facebookPoll,
	}
	ck, cs, at, as := f.tw.Credentials()
	c.Twitter = twitter.Config{
		Enabled: true, ConsumerKey: ck, ConsumerSecret: cs, AccessToken: at, AccessSecret: as,
		APIURL: f.tw.URLv2(), PollInterval: twitterPoll, // X API v2, the default
	}
	c.Policy.Twitter.AccountID = f.tw.Self().IDStr()
	c.Policy.Facebook.PageID = PageID
	if c.Policy.Contact == (router.Contact{}) {
		c.Policy.Contact = router.Contact{
			FacebookPage: "https://www.facebook.com/HotelHelp",
			Phone:        "+1 800 555 0199",
			Email:        "help@hotelhelp.example",
			HelpCenter:   "https://help.hotelhelp.example",
		}
	}
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	return c, nil
}

// credentials are what the user signs in with.
type credentials struct {
	password, token string
}

// createAgent creates the demo's admin agent and an API token.
func createAgent(ctx context.Context, st store.Store, log *slog.Logger) (credentials, error) {
	svc := agent.NewService(st, nil, agent.WithLogger(log))
	pw, err := svc.AddAgent(ctx, AgentName, agent.RoleAdmin)
	if errors.Is(err, agent.ErrExists) {
		pw, err = svc.ResetPassword(ctx, AgentName)
	}
	if err != nil {
		return credentials{}, fmt.Errorf("creating the demo agent: %w", err)
	}
	tok, err := svc.Token(ctx, AgentName)
	if err != nil {
		return credentials{}, fmt.Errorf("creating the demo agent's API token: %w", err)
	}
	return credentials{password: pw, token: tok}, nil
}

// The banner's labels; the acceptance test reads the values after them.
const (
	LabelInbox    = "Web inbox:"
	LabelUser     = "User:"
	LabelPassword = "Password:"
	LabelToken    = "API token:"
	LabelGraph    = "fake Graph API:"
	LabelTwitter  = "fake Twitter API:"
	LabelRecorded = "Recorded:"
)

func banner(w io.Writer, addr string, cred credentials, f *fakes, recorded, dir string, o Options) {
	url := "http://" + addr + "/"
	where := dir
	if o.DataDir == "" {
		where += " (removed on exit)"
	}
	fmt.Fprintf(w, `
inboxbot demo is running, against simulated Facebook and Twitter.

  %-18s %s
  %-18s %s
  %-18s %s
  %-18s %s
      curl -H "Authorization: Bearer %s" %sapi/conversations

  Customers write about %g messages a minute (seed %d).
  %-18s %s
  %-18s %s
  %-18s %s   (what inboxbot sent to the platforms)
  %-18s %s

Press Ctrl-C to stop.

`, LabelInbox, url, LabelUser, AgentName, LabelPassword, cred.password, LabelToken, cred.token,
		cred.token, url, o.Rate, o.Seed, LabelGraph, f.fb.URL(), LabelTwitter, f.tw.URLv2(),
		LabelRecorded, recorded, "Data:", where)
}

// syncWriter serialises writes to the user's terminal.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
