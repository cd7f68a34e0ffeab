package twitter_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/twitter"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/testutil/connectortest"
	"github.com/inboxbot/inboxbot/spend"
	"github.com/inboxbot/inboxbot/store"
)

// clock is a test's movable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// profileEnv is a v2 connector against the fake, with a persisted spend
// meter on a movable clock, and a Profiler for its account.
type profileEnv struct {
	fk    *twfake.Server
	env   *connectortest.Env
	meter *spend.Meter
	clock *clock
	prof  *connectors.Profiler
	n     int
}

func newProfileEnv(t *testing.T, budgetUSD float64) *profileEnv {
	t.Helper()
	e := &profileEnv{fk: newFake(t, twfake.Options{}), env: connectortest.New(t), clock: &clock{t: time.Now()}}
	var err error
	e.meter, err = spend.New(spend.Config{Platform: "twitter", DailyBudget: spend.USD(budgetUSD), Persister: e.env.Store, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, modes[0], e.fk, e.env, twitter.WithMeter(e.meter))
	e.prof, err = connectors.NewProfiler(connectors.ProfilerConfig{Platform: inbox.Twitter},
		connectors.ProfilerDeps{Source: c, Store: e.env.Store, Now: e.clock.Now, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// dm stores a DM from user u as a delivery that did not name the sender
// would leave it, and returns its conversation.
func (e *profileEnv) dm(t *testing.T, u twfake.User) int64 {
	t.Helper()
	e.n++
	res, err := e.env.Store.Ingest(context.Background(), []store.Item{{Message: inbox.Inbound{
		V: inbox.SchemaVersion, Platform: inbox.Twitter, Kind: inbox.DM, ExternalID: fmt.Sprintf("dm-%d", e.n),
		Thread: u.IDStr(), Author: inbox.Author{ID: u.IDStr()}, Text: "hello", CreatedAt: e.clock.Now(),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return res[0].ConversationID
}

// once makes one pass and returns how many profiles it recorded.
func (e *profileEnv) once(t *testing.T) (int, error) {
	t.Helper()
	return e.prof.Once(context.Background())
}

func (e *profileEnv) customer(t *testing.T, conv int64) store.Customer {
	t.Helper()
	c, err := e.env.Store.Conversation(context.Background(), conv)
	if err != nil {
		t.Fatal(err)
	}
	return c.Customer
}

func (e *profileEnv) avatar(t *testing.T, conv int64) string {
	t.Helper()
	g, err := e.env.Store.Glances(context.Background(), "alice", []int64{conv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g[conv].AvatarURL
}

// TestDMSenderGetsNamed: an unknown DM sender is looked up once (name,
// handle and avatar stored, one user read billed), not again for the next
// DM, again once the profile is a week old and they write; a user X no
// longer has is recorded and left alone.
func TestDMSenderGetsNamed(t *testing.T) {
	e := newProfileEnv(t, 0)
	ann := customer(1)
	e.fk.AddDM(ann, "so the fake knows her name") // not polled: the store never saw it
	conv := e.dm(t, ann)
	if c := e.customer(t, conv); c.Name != "" || c.Handle != "" {
		t.Fatalf("customer named before the look-up: %+v", c)
	}
	if n, err := e.once(t); n != 1 || err != nil {
		t.Fatalf("first pass: %d, %v", n, err)
	}
	if c := e.customer(t, conv); c.Handle != ann.ScreenName || c.Name != ann.Name {
		t.Errorf("customer after the look-up = %+v, want %s (@%s)", c, ann.Name, ann.ScreenName)
	}
	if got := e.avatar(t, conv); got != twfake.ProfileImageURL(ann.ID) {
		t.Errorf("avatar %q", got)
	}
	if n := e.fk.Requests(twfake.UsersLookup); n != 1 {
		t.Errorf("%d users lookups, want 1", n)
	}
	if got, want := e.meter.Today(context.Background()), spend.USD(twitter.DefaultPrices.UserRead); got != want {
		t.Errorf("spend %s, want one user read (%s)", got, want)
	}

	// A second DM: no look-up.
	e.dm(t, ann)
	if n, err := e.once(t); n != 0 || err != nil {
		t.Errorf("second DM's pass: %d, %v", n, err)
	}
	if n := e.fk.Requests(twfake.UsersLookup); n != 1 {
		t.Errorf("%d users lookups after a second DM, want still 1", n)
	}

	// Eight days later she writes again: her profile is refreshed.
	e.clock.Add(8 * 24 * time.Hour)
	e.dm(t, ann)
	if n, err := e.once(t); n != 1 || err != nil {
		t.Errorf("stale profile's pass: %d, %v", n, err)
	}
	if n := e.fk.Requests(twfake.UsersLookup); n != 2 {
		t.Errorf("%d users lookups after a week, want 2", n)
	}

	// A user X no longer serves: recorded, not asked about again.
	gone := customer(2)
	e.fk.RemoveUser(gone.ID)
	goneConv := e.dm(t, gone)
	if n, err := e.once(t); n != 1 || err != nil {
		t.Errorf("gone user's pass: %d, %v", n, err)
	}
	e.dm(t, gone)
	if n, _ := e.once(t); n != 0 {
		t.Errorf("gone user looked up again")
	}
	if c := e.customer(t, goneConv); c.Name != "" {
		t.Errorf("gone user named %+v", c)
	}
	if n := e.fk.Requests(twfake.UsersLookup); n != 3 {
		t.Errorf("%d users lookups, want 3", n)
	}
}

// TestProfilesKeepToTheBudget: a look-up asks only for the users the
// day's budget still pays for; past it, nothing is asked and nothing is
// lost: the DMs are stored, the customers stay due, and the next day's
// budget names them.
func TestProfilesKeepToTheBudget(t *testing.T) {
	e := newProfileEnv(t, 0.015) // one user read, and half of another
	for i := 1; i <= 2; i++ {
		e.fk.AddDM(customer(i), "so the fake knows the name")
	}
	convs := []int64{e.dm(t, customer(1)), e.dm(t, customer(2))}
	if n, err := e.once(t); n != 1 || err != nil {
		t.Fatalf("pass within the budget: %d, %v, want one profile", n, err)
	}
	if q := e.fk.Calls(); len(q) != 1 || q[0].Endpoint != twfake.UsersLookup || q[0].Query.Get("ids") != customer(1).IDStr() {
		t.Errorf("look-up asked %v, want only the first customer", q)
	}
	n, err := e.once(t)
	if n != 0 || !errors.Is(err, connectors.ErrOverBudget) {
		t.Errorf("pass over the budget: %d, %v, want ErrOverBudget", n, err)
	}
	if got := e.fk.Requests(twfake.UsersLookup); got != 1 {
		t.Errorf("%d users lookups, want none past the budget", got)
	}
	due, err := e.env.Store.ProfilesDue(context.Background(), inbox.Twitter, e.clock.Now().Add(-time.Hour), 10)
	if err != nil || len(due) != 1 || due[0] != customer(2).IDStr() {
		t.Errorf("due = %v, %v, want the second customer still", due, err)
	}
	if c := e.customer(t, convs[1]); c.ExternalID != customer(2).IDStr() {
		t.Errorf("the DM over budget is not stored: %+v", c)
	}
	// Tomorrow (UTC) the budget is back.
	e.clock.Add(24 * time.Hour)
	if n, err := e.once(t); n != 1 || err != nil {
		t.Errorf("next day's pass: %d, %v", n, err)
	}
	if c := e.customer(t, convs[1]); c.Handle != customer(2).ScreenName {
		t.Errorf("second customer not named the next day: %+v", c)
	}
}

// TestProfilesWaitForTheRateLimit: a 429 ends the pass with a
// RateLimitError, and the customer stays due.
func TestProfilesWaitForTheRateLimit(t *testing.T) {
	e := newProfileEnv(t, 0)
	e.fk.SetLimit(twfake.UsersLookup, 0)
	conv := e.dm(t, customer(1))
	var rl *connectors.RateLimitError
	if n, err := e.once(t); n != 0 || !errors.As(err, &rl) {
		t.Fatalf("pass when rate-limited: %d, %v", n, err)
	}
	if c := e.customer(t, conv); c.Name != "" {
		t.Errorf("named while rate-limited: %+v", c)
	}
	due, _ := e.env.Store.ProfilesDue(context.Background(), inbox.Twitter, e.clock.Now(), 10)
	if len(due) != 1 {
		t.Errorf("due after a 429 = %v, want the customer", due)
	}
}
