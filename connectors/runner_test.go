package connectors_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/testutil/connectortest"
	"github.com/inboxbot/inboxbot/store"
)

// idleSource polls nothing.
type idleSource struct{}

func (idleSource) Poll(context.Context, connectors.Publish) (time.Duration, error) {
	return time.Hour, nil
}

// accountSender refuses every send with down's error while it is set,
// as a platform does while a token is expired, then sends.
type accountSender struct {
	mu    sync.Mutex
	down  error
	sends map[int64]int
	tries atomic.Int64
}

func (s *accountSender) Send(_ context.Context, a inbox.Action) (connectors.Sent, error) {
	s.tries.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down != nil {
		return connectors.Sent{}, s.down
	}
	s.sends[a.ID]++
	return connectors.Sent{PlatformID: fmt.Sprint("p", a.ID)}, nil
}

func (s *accountSender) recover() {
	s.mu.Lock()
	s.down = nil
	s.mu.Unlock()
}

// TestActionsWaitForTheAccount: an action refused because of the
// account's state (an expired token, an access level, the day's budget)
// is not failed: it waits, pending with the reason, and goes out once
// when the account recovers. A hide of a comment that shows a booking
// number must not be lost to an expired token.
func TestActionsWaitForTheAccount(t *testing.T) {
	for _, down := range []error{
		fmt.Errorf("facebook: %w: token expired (190)", connectors.ErrUnauthorized),
		&connectors.ForbiddenError{Endpoint: "twitter tweets", Until: time.Now().Add(50 * time.Millisecond), Reason: "access level"},
		fmt.Errorf("twitter: %w: $5 of $5 spent", connectors.ErrOverBudget),
	} {
		t.Run(down.Error(), func(t *testing.T) {
			env := connectortest.New(t)
			snd := &accountSender{down: down, sends: map[int64]int{}}
			r := env.Runner(inbox.Facebook, nil, snd, time.Hour)
			r.AccountWait = 50 * time.Millisecond
			env.Start(t, r)
			conv := comment(t, env)
			var ids []int64
			for i, kind := range []inbox.ActionKind{inbox.Hide, inbox.PrivateReply} {
				a := env.Action(t, inbox.Action{ConversationID: conv, Platform: inbox.Facebook, Kind: kind, Key: fmt.Sprint("k", i), Target: "c1",
					Text: "We have sent you a message.", RequestedBy: "router", LastCustomerMessageAt: time.Now()}, 1)
				ids = append(ids, a.ID)
			}
			// Refused at least twice each: it waited and came back.
			connectortest.Eventually(t, 10*time.Second, func() bool { return snd.tries.Load() >= 4 })
			for _, id := range ids {
				a, err := env.Store.Action(context.Background(), id)
				if err != nil || a.State != inbox.StatePending || !strings.Contains(a.Error, strings.SplitN(down.Error(), ":", 2)[0]) {
					t.Errorf("action %d while the account is down: %s %q %v", id, a.State, a.Error, err)
				}
			}
			snd.recover()
			for _, id := range ids {
				if a := env.WaitAction(t, id, 10*time.Second); a.State != inbox.StateSent {
					t.Errorf("action %d after recovery: %s %q", id, a.State, a.Error)
				}
			}
			snd.mu.Lock()
			defer snd.mu.Unlock()
			for _, id := range ids {
				if snd.sends[id] != 1 {
					t.Errorf("action %d sent %d times", id, snd.sends[id])
				}
			}
		})
	}
}

// comment stores a customer's comment and returns its conversation id.
func comment(t *testing.T, env *connectortest.Env) int64 {
	t.Helper()
	res, err := env.Store.Ingest(context.Background(), []store.Item{{Message: inbox.Inbound{
		V: inbox.SchemaVersion, Platform: inbox.Facebook, Kind: inbox.Comment, ExternalID: "c1", Thread: "post1",
		Author: inbox.Author{ID: "u1"}, Text: "my booking is [booking number]", CreatedAt: time.Now(),
	}}})
	if err != nil || len(res) != 1 {
		t.Fatalf("storing the comment: %v", err)
	}
	return res[0].ConversationID
}

// TestSendLoopFailureIsNotHidden: when the send loop cannot run, Run says
// so at once (and health shows it) instead of waiting on the poll loop.
func TestSendLoopFailureIsNotHidden(t *testing.T) {
	env := connectortest.New(t)
	r := env.Runner(inbox.Twitter, idleSource{}, &accountSender{sends: map[int64]int{}}, time.Hour)
	env.Bus.Close() // the send loop's consumer cannot be created
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background()) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run returned nil")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run still running 30 s after its send loop failed")
	}
	if c, _ := env.Health.Get("twitter"); c.State != health.Error || !strings.Contains(c.Reason, "sending stopped") {
		t.Errorf("health %+v", c)
	}
}

// flakySource is refused (unauthorized) while down is set.
type flakySource struct {
	down  atomic.Bool
	polls atomic.Int64
}

func (s *flakySource) Poll(context.Context, connectors.Publish) (time.Duration, error) {
	s.polls.Add(1)
	if s.down.Load() {
		return 0, fmt.Errorf("test: %w: token rejected", connectors.ErrUnauthorized)
	}
	return 10 * time.Millisecond, nil
}

// TestPollingResumesWhenTheTokenIsAcceptedAgain: rejected credentials
// pause polling (one try per UnauthorizedRetry) instead of stopping it for
// good, so that a token accepted again needs no restart.
func TestPollingResumesWhenTheTokenIsAcceptedAgain(t *testing.T) {
	env := connectortest.New(t)
	src := &flakySource{}
	src.down.Store(true)
	r := env.Runner(inbox.Facebook, src, nil, time.Hour)
	r.UnauthorizedRetry = 50 * time.Millisecond
	env.Start(t, r)
	state := func() health.State { c, _ := env.Health.Get("facebook"); return c.State }
	connectortest.Eventually(t, 10*time.Second, func() bool { return state() == health.Unauthorized && src.polls.Load() >= 2 })
	src.down.Store(false)
	connectortest.Eventually(t, 10*time.Second, func() bool { return state() == health.OK })
}

// TestASendEndsTheUnauthorizedPause: once a send goes through, the
// credentials work again (the token was renewed): the platform stops
// showing unauthorized and the paused poll loop polls at once instead of
// waiting out UnauthorizedRetry.
func TestASendEndsTheUnauthorizedPause(t *testing.T) {
	env := connectortest.New(t)
	src := &flakySource{}
	src.down.Store(true)
	snd := &accountSender{sends: map[int64]int{}}
	r := env.Runner(inbox.Facebook, src, snd, time.Hour)
	r.UnauthorizedRetry = time.Hour
	env.Start(t, r)
	state := func() health.State { c, _ := env.Health.Get("facebook"); return c.State }
	connectortest.Eventually(t, 60*time.Second, func() bool { return state() == health.Unauthorized })
	polls := src.polls.Load()
	src.down.Store(false) // the token is renewed
	conv := comment(t, env)
	a := env.Action(t, inbox.Action{ConversationID: conv, Platform: inbox.Facebook, Kind: inbox.Hide, Key: "h", Target: "c1", RequestedBy: "router"}, 1)
	if a = env.WaitAction(t, a.ID, 60*time.Second); a.State != inbox.StateSent {
		t.Fatalf("action: %s %q", a.State, a.Error)
	}
	// Within the guard, far under the hour of UnauthorizedRetry.
	connectortest.Eventually(t, 60*time.Second, func() bool { return src.polls.Load() > polls && state() == health.OK })
}

// switchLease is a polling lease that another instance holds until the
// test hands it over.
type switchLease struct{ held atomic.Bool }

func (l *switchLease) Acquire(context.Context) (bool, error) { return l.held.Load(), nil }
func (l *switchLease) Release(context.Context) error         { return nil }

// countingSource counts its polls, which all succeed.
type countingSource struct{ polls atomic.Int64 }

func (s *countingSource) Poll(context.Context, connectors.Publish) (time.Duration, error) {
	s.polls.Add(1)
	return 0, nil
}

// TestStandbyIsShownAndNotDegraded: an instance that does not hold the
// polling lease shows the platform as standby, which does not degrade
// /healthz, instead of "starting" for ever; it shows the poll's state
// once it takes the lease over, and standby again when it loses it. An
// instance that only sends is standby too.
func TestStandbyIsShownAndNotDegraded(t *testing.T) {
	env := connectortest.New(t)
	src := &countingSource{}
	lease := &switchLease{}
	r := env.Runner(inbox.Facebook, src, &accountSender{sends: map[int64]int{}}, 10*time.Millisecond)
	r.Lease, r.LeaseRenew = lease, 10*time.Millisecond
	env.Start(t, r)
	get := func() health.Component { c, _ := env.Health.Get("facebook"); return c }
	connectortest.Eventually(t, 60*time.Second, func() bool { return get().State == health.Standby })
	if rep := env.Health.Report(); rep.Status != health.StatusOK || src.polls.Load() != 0 {
		t.Errorf("standby: status %s (%+v), %d polls", rep.Status, get(), src.polls.Load())
	}
	if !strings.Contains(get().Reason, "another instance polls facebook") {
		t.Errorf("standby reason %q", get().Reason)
	}
	lease.held.Store(true)
	connectortest.Eventually(t, 60*time.Second, func() bool { return get().State == health.OK && src.polls.Load() > 0 })
	lease.held.Store(false)
	connectortest.Eventually(t, 60*time.Second, func() bool { return get().State == health.Standby })

	sendOnly := connectortest.New(t)
	so := sendOnly.Runner(inbox.Twitter, nil, &accountSender{sends: map[int64]int{}}, time.Hour)
	sendOnly.Start(t, so)
	connectortest.Eventually(t, 60*time.Second, func() bool {
		c, _ := sendOnly.Health.Get("twitter")
		return c.State == health.Standby && sendOnly.Health.Report().Status == health.StatusOK
	})
}
