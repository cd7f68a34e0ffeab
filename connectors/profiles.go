package connectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// Customers' names, handles and avatars are looked up on the platform
// once per customer, and again when the profile is stale and the
// customer writes privately again: X's DM deliveries do not always name
// the sender, and Messenger gives no avatar. A Profiler does it for one
// platform account, in passes: it asks the store which customers are due
// (store.Profiles), the platform about them (a ProfileSource: the
// connector, which keeps the platform's rate limits and spending budget),
// and records the answers. Items are never held back for a look-up: a
// customer without a name is stored as such and named a pass later.

// ProfileSource looks up users on a platform.
type ProfileSource interface {
	// LookupProfiles returns what the platform says about the users with
	// ids: a profile for each user it answered for, Gone for those it
	// does not know. It may answer for fewer users than asked (a spending
	// budget that affords only some); the others stay due. It returns an
	// error wrapping ErrOverBudget when the budget affords none, a
	// *RateLimitError when the platform asked to wait.
	LookupProfiles(ctx context.Context, ids []string) ([]store.Profile, error)
}

// ProfileSettings are a platform section's `profiles:` settings.
type ProfileSettings struct {
	// Enabled turns look-ups on. Default true.
	Enabled *bool `yaml:"enabled"`
	// MaxAge is how old a profile may be before the customer's next
	// private message has it looked up again. Default 168h (7 days);
	// at least 1h.
	MaxAge time.Duration `yaml:"max_age"`
}

// WithDefaults returns s with its zero fields set to their defaults.
func (s ProfileSettings) WithDefaults() ProfileSettings {
	if s.Enabled == nil {
		on := true
		s.Enabled = &on
	}
	if s.MaxAge == 0 {
		s.MaxAge = DefaultProfileMaxAge
	}
	return s
}

// On reports whether look-ups are on (the default).
func (s ProfileSettings) On() bool { return s.Enabled == nil || *s.Enabled }

// Validate reports a max age under an hour, by its key within the
// platform's section.
func (s ProfileSettings) Validate() error {
	if s.MaxAge != 0 && s.MaxAge < time.Hour {
		return fmt.Errorf("profiles.max_age: %s is under an hour", s.MaxAge)
	}
	return nil
}

// ProfilerConfig configures the profile look-ups of one platform account.
type ProfilerConfig struct {
	// Platform is the platform looked up.
	Platform inbox.Platform
	// MaxAge is how old a profile may be before a customer who writes
	// privately again is looked up again. Default 7 days.
	MaxAge time.Duration
	// Interval is the time between two passes. Default 10s.
	Interval time.Duration
	// Batch is the most users asked about in one look-up. Default 100
	// (X's users lookup takes at most 100 ids).
	Batch int
}

// The ProfilerConfig defaults.
const (
	DefaultProfileMaxAge   = 7 * 24 * time.Hour
	DefaultProfileInterval = 10 * time.Second
	DefaultProfileBatch    = 100
)

// WithDefaults returns c with its zero fields set to their defaults.
func (c ProfilerConfig) WithDefaults() ProfilerConfig {
	if c.MaxAge == 0 {
		c.MaxAge = DefaultProfileMaxAge
	}
	if c.Interval == 0 {
		c.Interval = DefaultProfileInterval
	}
	if c.Batch == 0 {
		c.Batch = DefaultProfileBatch
	}
	return c
}

// Validate reports a config that cannot run.
func (c ProfilerConfig) Validate() error {
	switch {
	case !c.Platform.Valid():
		return fmt.Errorf("profiles: unknown platform %q", c.Platform)
	case c.MaxAge < time.Hour:
		return fmt.Errorf("profiles: max age %s is under an hour", c.MaxAge)
	case c.Interval < 10*time.Millisecond:
		return fmt.Errorf("profiles: interval %s is too short", c.Interval)
	case c.Batch < 1 || c.Batch > 500:
		return fmt.Errorf("profiles: batch %d is outside 1..500", c.Batch)
	}
	return nil
}

// ProfilerDeps are a Profiler's collaborators.
type ProfilerDeps struct {
	// Source and Store are required.
	Source ProfileSource
	Store  store.Profiles
	// Lease, when set, lets one instance of several look up.
	Lease Lease
	// Log receives what happened, with platform ids and counts only.
	Log *slog.Logger
	// Now replaces time.Now in tests.
	Now func() time.Time
}

// Profiler looks up the customers' profiles of one platform account.
type Profiler struct {
	cfg  ProfilerConfig
	deps ProfilerDeps
}

// NewProfiler returns a Profiler; it does no I/O.
func NewProfiler(cfg ProfilerConfig, deps ProfilerDeps) (*Profiler, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Source == nil || deps.Store == nil {
		return nil, errors.New("profiles: a source and a store are required")
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	return &Profiler{cfg: cfg, deps: deps}, nil
}

// maxBatchesPerPass bounds one pass, so that a source that keeps
// answering without the store taking the answers cannot spin.
const maxBatchesPerPass = 100

// Once looks up the customers due, a batch at a time, until none is due,
// the platform answers for fewer than asked, or it refuses. It returns
// how many profiles it recorded, with the refusal (ErrOverBudget, a
// *RateLimitError) or failure that ended the pass.
func (p *Profiler) Once(ctx context.Context) (int, error) {
	recorded := 0
	for range maxBatchesPerPass {
		now := p.deps.Now()
		ids, err := p.deps.Store.ProfilesDue(ctx, p.cfg.Platform, now.Add(-p.cfg.MaxAge), p.cfg.Batch)
		if err != nil || len(ids) == 0 {
			return recorded, err
		}
		profiles, err := p.deps.Source.LookupProfiles(ctx, ids)
		if len(profiles) > 0 {
			if serr := p.deps.Store.SetProfiles(ctx, p.cfg.Platform, now, profiles); serr != nil {
				return recorded, serr
			}
			recorded += len(profiles)
			p.deps.Log.Debug("customer profiles looked up", "platform", p.cfg.Platform, "asked", len(ids), "answered", len(profiles))
		}
		if err != nil || len(profiles) < len(ids) {
			return recorded, err
		}
	}
	return recorded, nil
}

// Run makes a pass every Interval (while holding the lease, when there is
// one) until ctx ends; then it returns nil. A spent budget or a rate
// limit waits for the next pass (the rate limit, until its end); other
// failures are logged and retried with back-off.
func (p *Profiler) Run(ctx context.Context) error {
	backoff := p.cfg.Interval
	for {
		wait := p.cfg.Interval
		held := true
		if p.deps.Lease != nil {
			var err error
			if held, err = p.deps.Lease.Acquire(ctx); err != nil && ctx.Err() == nil {
				p.deps.Log.Warn("profiles lease", "platform", p.cfg.Platform, "err", err)
			}
		}
		if held {
			_, err := p.Once(ctx)
			var rl *RateLimitError
			switch {
			case ctx.Err() != nil:
				return p.release()
			case err == nil:
				backoff = p.cfg.Interval
			case errors.Is(err, ErrOverBudget):
				p.deps.Log.Debug("customer profiles wait for the spending budget", "platform", p.cfg.Platform)
			case errors.As(err, &rl):
				wait = max(time.Until(rl.Until), wait)
			default:
				p.deps.Log.Warn("customer profile look-up failed", "platform", p.cfg.Platform, "err", err, "retry_in", backoff)
				wait = backoff
				backoff = min(2*backoff, 5*time.Minute)
			}
		}
		select {
		case <-ctx.Done():
			return p.release()
		case <-time.After(wait):
		}
	}
}

// release gives the lease up, within a bounded time.
func (p *Profiler) release() error {
	if p.deps.Lease == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = p.deps.Lease.Release(ctx)
	return nil
}
