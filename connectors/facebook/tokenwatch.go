package facebook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
)

// TokenComponent is the /healthz component of the Page token's expiry.
const TokenComponent = "facebook_token"

// Renew is what an operator runs to renew the Page token.
const Renew = "inboxbot connect facebook"

// TokenWatchConfig configures a TokenWatch.
type TokenWatchConfig struct {
	// Setup makes the debug_token call. Required.
	Setup Setup
	// PageToken is the token watched. Required.
	PageToken string
	// Health receives the TokenComponent state. Required.
	Health *health.Registry
	// Expiry, when set, is inboxbot_token_expiry_timestamp_seconds.
	Expiry *prometheus.GaugeVec
	// Log receives a line per change; default slog.Default().
	Log *slog.Logger
	// Every is the time between two checks. Default 24h: Meta's expiry
	// dates move by days, not minutes.
	Every time.Duration
	// RetryAfter is the wait after a check that could not be made.
	// Default 1h.
	RetryAfter time.Duration
	// Warn is how long before an expiry the token is shown as expiring.
	// Default health.ExpiryWarning (7 days).
	Warn time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Validate reports a missing requirement.
func (c TokenWatchConfig) Validate() error {
	var errs []error
	if c.PageToken == "" {
		errs = append(errs, errors.New("token watch: no page token"))
	}
	if c.Health == nil {
		errs = append(errs, errors.New("token watch: no health registry"))
	}
	return errors.Join(errs...)
}

// TokenWatch reads the Page token's expiry dates from debug_token at
// start and daily, and shows on /healthz (TokenComponent) a token that
// expires, or loses its data access, within a week, before it stops
// working: ok with the dates as details, expiring with the date and what
// to run, unauthorized when Meta says it is no longer valid.
type TokenWatch struct{ cfg TokenWatchConfig }

// NewTokenWatch returns a TokenWatch and registers its component.
func NewTokenWatch(cfg TokenWatchConfig) (*TokenWatch, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Every <= 0 {
		cfg.Every = 24 * time.Hour
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Hour
	}
	if cfg.Warn <= 0 {
		cfg.Warn = health.ExpiryWarning
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Setup = cfg.Setup.WithDefaults()
	cfg.Health.Register(TokenComponent, false)
	return &TokenWatch{cfg: cfg}, nil
}

// Run checks at once and then every Every (RetryAfter after a failed
// check) until ctx ends. It returns nil: a failed check is shown on
// /healthz, never fatal.
func (w *TokenWatch) Run(ctx context.Context) error {
	for {
		wait := w.cfg.Every
		if err := w.Check(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			wait = w.cfg.RetryAfter
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// checkTimeout bounds one debug_token call.
const checkTimeout = 30 * time.Second

// Check asks debug_token once and updates /healthz. Its error is the
// call's failure (shown on /healthz as an error state).
func (w *TokenWatch) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	h := w.cfg.Health
	ti, err := w.cfg.Setup.Debug(ctx, w.cfg.PageToken)
	if err != nil {
		h.Set(TokenComponent, health.Error, "could not read the Page token's expiry (debug_token): "+err.Error())
		return err
	}
	w.export(ti)
	now := w.cfg.Now()
	at, which := ti.Expiry()
	switch {
	case !ti.Valid:
		h.Set(TokenComponent, health.Unauthorized, fmt.Sprintf("Meta says the Page token is no longer valid (%s); renew it: %s", ti.Problem, Renew))
	case !at.IsZero() && at.Sub(now) <= w.cfg.Warn:
		h.Set(TokenComponent, health.Expiring, expiringReason(at, which, now))
	default:
		h.Success(TokenComponent)
	}
	if missing := MissingPermissions(ti.Scopes); len(missing) > 0 && ti.Valid {
		names := make([]string, len(missing))
		for i, p := range missing {
			names[i] = p.Name
		}
		h.SetDetail(TokenComponent, "missing_permissions", names)
	}
	return nil
}

// expiringReason says what expires when, and what to run.
func expiringReason(at time.Time, which string, now time.Time) string {
	what := "the Page token expires"
	if which == "data_access" {
		what = "the Page token's access to user data expires"
	}
	days := int(at.Sub(now).Hours() / 24)
	when := fmt.Sprintf("in %d days", days)
	switch {
	case at.Before(now):
		when = "already"
	case days == 0:
		when = "within a day"
	case days == 1:
		when = "in 1 day"
	}
	return fmt.Sprintf("%s on %s (%s); renew it before then: %s", what, at.UTC().Format("2006-01-02"), when, Renew)
}

// export puts the dates on /healthz and in the metric.
func (w *TokenWatch) export(ti TokenInfo) {
	for _, d := range []struct {
		token, key string
		at         time.Time
	}{{"access", "expires_at", ti.ExpiresAt}, {"data_access", "data_access_expires_at", ti.DataAccessExpiresAt}} {
		if d.at.IsZero() {
			w.cfg.Health.SetDetail(TokenComponent, d.key, "never")
			if w.cfg.Expiry != nil {
				w.cfg.Expiry.DeleteLabelValues(string(inbox.Facebook), d.token)
			}
			continue
		}
		w.cfg.Health.SetDetail(TokenComponent, d.key, d.at.UTC().Format(time.RFC3339))
		if w.cfg.Expiry != nil {
			w.cfg.Expiry.WithLabelValues(string(inbox.Facebook), d.token).Set(float64(d.at.Unix()))
		}
	}
}
