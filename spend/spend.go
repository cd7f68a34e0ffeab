// Package spend meters what inboxbot pays a platform. X bills self-serve
// API access per use (every mention read, DM event read, post and DM
// created has a price), so a support team needs to see the money next to
// the messages, and to cap it.
//
// A Meter adds up charges in integer micro-dollars (so that a day of
// $0.001 reads adds up to the cent, as the platform's bill does), feeds
// the inboxbot_platform_spend_usd_total counter, keeps today's total (UTC
// days, as X bills) and says when the daily budget is reached. Today's
// total survives a restart through a small key-value Persister (the
// store's cursors).
package spend

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Micros is an amount of US dollars in millionths: prices such as $0.001
// are exact in it, and sums do not drift as float dollars do.
type Micros int64

// USD converts a dollar amount to Micros, rounded to the nearest micro.
func USD(dollars float64) Micros { return Micros(math.Round(dollars * 1e6)) }

// Dollars returns m in dollars.
func (m Micros) Dollars() float64 { return float64(m) / 1e6 }

// String formats m as dollars with the precision it needs, e.g. "$0.215".
func (m Micros) String() string {
	return "$" + strconv.FormatFloat(m.Dollars(), 'f', -1, 64)
}

// Persister keeps today's total across restarts. The store's cursors
// implement it.
type Persister interface {
	// Cursor returns the value under key, and whether there is one.
	Cursor(ctx context.Context, key string) (string, bool, error)
	// SetCursor stores value under key.
	SetCursor(ctx context.Context, key, value string) error
}

// Config configures a Meter.
type Config struct {
	// Platform labels the counter and names the persisted total.
	Platform string
	// DailyBudget is the most to spend per UTC day; 0 means no budget
	// (spend is still metered).
	DailyBudget Micros
	// Counter, when set, is inboxbot_platform_spend_usd_total{platform,
	// endpoint}.
	Counter *prometheus.CounterVec
	// Persister, when set, keeps today's total across restarts.
	Persister Persister
	// OnChange, when set, is called after every charge, when a new UTC
	// day begins and when today's persisted total is read (outside the
	// meter's lock, never with an older total after a newer one) with
	// today's total and the budget, e.g. to show them on /healthz. A new
	// day is noticed by the next Charge, Today or OverBudget: without it,
	// a budget reached yesterday would be shown as reached until the first
	// paid call of the day.
	OnChange func(today, budget Micros)
	// Now replaces time.Now in tests.
	Now func() time.Time
}

// Validate reports a config that cannot meter.
func (c Config) Validate() error {
	switch {
	case c.Platform == "":
		return errors.New("spend: platform is required")
	case c.DailyBudget < 0:
		return fmt.Errorf("spend: daily budget %s is negative", c.DailyBudget)
	}
	return nil
}

// Meter adds up one platform's spend. It is safe for concurrent use.
type Meter struct {
	cfg Config

	mu     sync.Mutex
	loaded bool
	day    string // UTC date of today, e.g. 2026-11-30
	today  Micros
	seq    uint64 // counts changes of day and today, under mu

	// reportMu orders OnChange calls, which run outside mu: a report
	// older than the last one made (a charge just before midnight
	// reporting after the new day did) is dropped.
	reportMu sync.Mutex
	reported uint64
}

// New returns a Meter for cfg.
func New(cfg Config) (*Meter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Meter{cfg: cfg}, nil
}

// key is the Persister key of the total of day.
func (m *Meter) key(day string) string { return "spend:" + m.cfg.Platform + ":" + day }

// roll moves to a new UTC day when the date changed, reading that day's
// persisted total once (again after a failed read). It reports whether
// the day or today's total changed. m.mu must be held.
func (m *Meter) roll(ctx context.Context) (changed bool, err error) {
	day := m.cfg.Now().UTC().Format(time.DateOnly)
	if m.loaded && day == m.day {
		return false, nil
	}
	before, beforeDay := m.today, m.day
	err = m.load(ctx, day)
	if changed = m.day != beforeDay || m.today != before; changed {
		m.seq++
	}
	return changed, err
}

// load makes day today, with its persisted total. m.mu must be held.
func (m *Meter) load(ctx context.Context, day string) error {
	if day != m.day {
		m.today = 0
	}
	m.day, m.loaded = day, true
	if m.cfg.Persister == nil {
		return nil
	}
	s, ok, err := m.cfg.Persister.Cursor(ctx, m.key(day))
	if err != nil {
		m.loaded = false // read it again next time
		return fmt.Errorf("spend: reading today's total: %w", err)
	}
	if ok {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("spend: today's total %q is corrupt: %w", s, err)
		}
		m.today = Micros(n)
	}
	return nil
}

// report calls OnChange with today's total as of change seq, unless a
// later change was reported already.
func (m *Meter) report(seq uint64, today Micros) {
	if m.cfg.OnChange == nil {
		return
	}
	m.reportMu.Lock()
	defer m.reportMu.Unlock()
	if seq <= m.reported {
		return
	}
	m.reported = seq
	m.cfg.OnChange(today, m.cfg.DailyBudget)
}

// Charge records that a call to endpoint cost amount. A zero amount is
// not recorded. The error, if any, is about persisting the total: the
// charge is counted all the same.
func (m *Meter) Charge(ctx context.Context, endpoint string, amount Micros) error {
	if amount <= 0 {
		return nil
	}
	if m.cfg.Counter != nil {
		m.cfg.Counter.WithLabelValues(m.cfg.Platform, endpoint).Add(amount.Dollars())
	}
	m.mu.Lock()
	_, err := m.roll(ctx)
	m.today += amount
	m.seq++
	today, seq := m.today, m.seq
	if m.cfg.Persister != nil {
		if perr := m.cfg.Persister.SetCursor(ctx, m.key(m.day), strconv.FormatInt(int64(today), 10)); perr != nil {
			err = errors.Join(err, fmt.Errorf("spend: saving today's total: %w", perr))
		}
	}
	m.mu.Unlock()
	m.report(seq, today)
	return err
}

// Today returns what was spent since midnight UTC.
func (m *Meter) Today(ctx context.Context) Micros {
	m.mu.Lock()
	changed, _ := m.roll(ctx) // on a read failure, what is known in memory
	today, seq := m.today, m.seq
	m.mu.Unlock()
	if changed {
		m.report(seq, today)
	}
	return today
}

// Budget returns the daily budget, 0 for none.
func (m *Meter) Budget() Micros { return m.cfg.DailyBudget }

// OverBudget reports whether today's spend has reached the daily budget.
func (m *Meter) OverBudget(ctx context.Context) bool {
	return m.cfg.DailyBudget > 0 && m.Today(ctx) >= m.cfg.DailyBudget
}
