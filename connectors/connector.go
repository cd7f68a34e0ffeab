// Package connectors runs platform connectors: it polls each platform's
// Source on a schedule and publishes what is new to INBOUND, and it sends
// the actions on OUTBOUND through the platform's Sender with the store's
// send-once guard. The packages below it (facebook, twitter) do only
// platform I/O; every platform shares the loop, health reporting and
// metrics here.
package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/store"
)

// Publish hands new customer items to the bus. It returns once the bus has
// stored every item; only then may a Source save its cursor past them.
type Publish func(ctx context.Context, items []inbox.Inbound) error

// Source pulls new customer items from one platform account.
type Source interface {
	// Poll fetches what is new since the saved cursor, hands it to
	// publish, and saves the cursor only after publish returns nil, so a
	// crash leads to a duplicate (dropped by dedupe), never to a gap. It
	// returns how long to wait before the next poll (0: the configured
	// interval). ctx bounds the poll.
	Poll(ctx context.Context, publish Publish) (next time.Duration, err error)
}

// Sent is what a Sender learned from the platform about a performed
// action.
type Sent struct {
	// PlatformID is the platform's id for what the action created, or ""
	// for hides and follows.
	PlatformID string
	// Recipient is the platform user id the action reached, when the
	// platform reveals it and the action does not name it, e.g. the
	// Messenger PSID of the customer a Facebook Private Reply reached; ""
	// otherwise. The store records it so that the customer's Messenger
	// conversation can be linked to the public one (see store.Result).
	Recipient string
}

// Sender sends actions to one platform account.
type Sender interface {
	// Send performs a and returns what the platform reported about it.
	// ctx bounds the call. Errors wrap ErrRefused (final, with a reason
	// for the agent), ErrRateLimited (not sent; retry after the wait) or
	// ErrUnauthorized; any other error means the outcome is not known.
	Send(ctx context.Context, a inbox.Action) (Sent, error)
}

// Verifier is a Sender that can read back from the platform whether some
// kinds of action were carried out. Those actions are retry-safe: when a
// send's outcome was lost (the answer timed out or was cut short, or the
// instance died mid-send), the Runner asks Verify instead of leaving the
// action unknown for an agent, records it sent when the platform shows it
// done, and sends it once more when it does not.
type Verifier interface {
	// Verifiable reports whether Verify can tell for a (Facebook: hides).
	Verifiable(a inbox.Action) bool
	// Verify reports whether the platform shows a carried out. ctx
	// bounds the call. Errors wrap ErrRefused when a can never be
	// carried out (its target is gone), ErrRateLimited or
	// ErrUnauthorized; any other error means the platform did not tell.
	Verify(ctx context.Context, a inbox.Action) (done bool, err error)
}

// Lease decides whether this instance may poll an account. With several
// instances, only the holder of the lease polls.
type Lease interface {
	// Acquire tries to take or renew the lease and reports whether this
	// instance holds it. ctx bounds the call.
	Acquire(ctx context.Context) (bool, error)
	// Release gives the lease up, so another instance takes over at once.
	Release(ctx context.Context) error
}

// Runner drives one platform: the poll loop and the send loop.
type Runner struct {
	Platform inbox.Platform
	Source   Source
	Sender   Sender
	Bus      *bus.Bus
	// Store guards each send: an action goes out at most once.
	Store   store.SendGuard
	Health  *health.Registry
	Metrics *metrics.Metrics
	Log     *slog.Logger
	// Lease, when set, guards polling; nil means this instance always polls.
	Lease Lease
	// LeaseRenew is how often the lease is renewed (or, when another
	// instance holds it, tried). It must be well under the lease's TTL;
	// a third of it lets a standby take over within 2 × TTL. Default 5s.
	LeaseRenew time.Duration
	// Interval is the default time between polls.
	Interval time.Duration
	// Poll and Send turn the two loops on; a role split may run only one.
	Poll, Send bool
	// UnauthorizedRetry is how long polling pauses after the platform
	// rejected the credentials, before one more try; a send that goes
	// through meanwhile ends the pause at once. Default
	// DefaultUnauthorizedRetry (5 minutes).
	UnauthorizedRetry time.Duration
	// AccountWait is how long an action refused because of the account's
	// state (unauthorized, over budget) waits before it is tried again.
	// Default 1 minute.
	AccountWait time.Duration

	// held is whether this instance holds the polling lease.
	held atomic.Bool
	// wake ends a poll loop's pause after rejected credentials early: a
	// send just went through, so the credentials work again.
	wake chan struct{}
}

// Run runs the enabled loops until ctx is cancelled, then returns nil once
// in-flight work has finished. If a loop fails, Run marks the platform's
// health, stops the other loop and returns the error at once, so that a
// dead send loop never hides behind a healthy poll loop.
func (r *Runner) Run(ctx context.Context) error {
	if r.Log == nil {
		r.Log = slog.Default()
	}
	r.Health.Register(string(r.Platform), false)
	r.wake = make(chan struct{}, 1)
	if !r.Poll {
		r.standby()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	if r.Poll {
		wg.Add(1)
		go func() { defer wg.Done(); r.pollLoop(ctx) }()
	}
	if r.Send {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.sendLoop(ctx); err != nil && ctx.Err() == nil {
				r.Log.Error("send loop failed", "platform", r.Platform, "err", err)
				errc <- err
				cancel()
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		// Set once both loops are done, so that a last poll cannot cover it.
		r.Health.Set(string(r.Platform), health.Error, "sending stopped: "+err.Error())
		return fmt.Errorf("%s connector: %w", r.Platform, err)
	default:
		return nil
	}
}

func (r *Runner) pollLoop(ctx context.Context) {
	name := string(r.Platform)
	backoff := time.Second
	r.held.Store(r.Lease == nil)
	if r.Lease != nil {
		lctx, stop := context.WithCancel(ctx)
		defer stop()
		r.acquire(lctx)
		go r.keepLease(lctx)
	}
	for {
		wait := r.Interval
		// wake is set only during the pause after rejected credentials.
		var wake <-chan struct{}
		if !r.held.Load() {
			wait = r.leaseRenew()
		} else {
			next, err := r.Source.Poll(ctx, r.publish)
			var (
				rl *RateLimitError
				fe *ForbiddenError
			)
			switch {
			case ctx.Err() != nil:
				r.release()
				return
			case err == nil:
				r.Health.Success(name)
				backoff = time.Second
				if next > 0 {
					wait = next
				}
			case errors.Is(err, ErrUnauthorized):
				// Rejected credentials do not heal by hammering: one try
				// per UnauthorizedRetry, so that a token the platform
				// accepts again (a permission restored, a session
				// re-validated) resumes polling with no operator action.
				r.Metrics.ConnectorErrors.WithLabelValues(name, "unauthorized").Inc()
				r.Health.Set(name, health.Unauthorized, err.Error())
				wait = r.UnauthorizedRetry
				if wait <= 0 {
					wait = DefaultUnauthorizedRetry
				}
				// A send that goes through meanwhile ends the pause.
				wake = r.wake
				r.Log.Error("credentials rejected; polling paused (a new token needs a restart)", "platform", name, "err", err, "retry_in", wait)
			case errors.As(err, &fe):
				// The access level lacks an endpoint: say which and why,
				// and come back when the connector next tries it (at most
				// once per ForbiddenWait), never in a storm.
				r.Metrics.ConnectorErrors.WithLabelValues(name, "forbidden").Inc()
				r.Health.Set(name, health.Forbidden, fe.Error())
				wait = max(time.Until(fe.Until), time.Second)
			case errors.As(err, &rl):
				r.Metrics.ConnectorErrors.WithLabelValues(name, "rate_limited").Inc()
				r.Health.Set(name, health.RateLimited, rl.Reason)
				wait = time.Until(rl.Until)
				r.Metrics.RateLimitWaitSeconds.WithLabelValues(name).Add(wait.Seconds())
			default:
				r.Metrics.ConnectorErrors.WithLabelValues(name, "error").Inc()
				r.Health.Set(name, health.Error, err.Error())
				r.Log.Warn("poll failed", "platform", name, "err", err, "retry_in", backoff)
				wait = backoff
				backoff = min(2*backoff, 5*time.Minute)
			}
		}
		select {
		case <-ctx.Done():
			r.release()
			return
		case <-wake:
			r.Log.Info("a send went through: polling again", "platform", name)
		case <-time.After(max(wait, 10*time.Millisecond)):
		}
	}
}

// accountWorks records that the platform just accepted a call: if the
// platform showed rejected credentials, the token was renewed (or is
// accepted again), so the state says so (ok, or standby on an instance
// that does not poll) and a poll loop paused for it polls at once
// instead of waiting out UnauthorizedRetry.
func (r *Runner) accountWorks() {
	name := string(r.Platform)
	if c, _ := r.Health.Get(name); c.State != health.Unauthorized {
		return
	}
	if !r.Poll || !r.held.Load() {
		r.Health.Set(name, health.Standby, r.standbyReason())
		return
	}
	r.Health.Success(name)
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

func (r *Runner) leaseRenew() time.Duration {
	if r.LeaseRenew > 0 {
		return r.LeaseRenew
	}
	return 5 * time.Second
}

// keepLease renews (or tries to take) the lease in the background, so a
// long poll never outlives it.
func (r *Runner) keepLease(ctx context.Context) {
	t := time.NewTicker(r.leaseRenew())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.acquire(ctx)
		}
	}
}

func (r *Runner) acquire(ctx context.Context) {
	ok, err := r.Lease.Acquire(ctx)
	if err != nil && ctx.Err() == nil {
		r.Log.Warn("lease", "platform", r.Platform, "err", err)
	}
	if ok != r.held.Swap(ok) {
		r.Log.Info("polling lease", "platform", r.Platform, "held", ok)
	}
	if !ok {
		r.standby()
	}
}

// standby shows that this instance does not poll the platform (another
// holds the lease, or the role only sends), instead of a "starting" that
// never ends or the state of a poll it no longer makes. The account's
// states that sends find (unauthorized, forbidden) stay: they hold
// whoever polls.
func (r *Runner) standby() {
	name := string(r.Platform)
	switch c, _ := r.Health.Get(name); c.State {
	case health.Unauthorized, health.Forbidden:
		return
	}
	r.Health.Set(name, health.Standby, r.standbyReason())
}

func (r *Runner) standbyReason() string {
	name := string(r.Platform)
	if !r.Poll {
		return "this instance does not poll " + name + "; it sends"
	}
	return "another instance polls " + name + "; this one sends"
}

func (r *Runner) release() {
	if r.Lease == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = r.Lease.Release(ctx)
}

// publish sends items to INBOUND with their dedupe ids.
func (r *Runner) publish(ctx context.Context, items []inbox.Inbound) error {
	return Publisher(r.Bus, r.Metrics)(ctx, items)
}

// Publisher returns the Publish that puts items on INBOUND with their
// dedupe ids and counts them: the one path for polling and webhooks, so
// that an item seen both ways gets the same Nats-Msg-Id.
func Publisher(b *bus.Bus, m *metrics.Metrics) Publish {
	return func(ctx context.Context, items []inbox.Inbound) error {
		if len(items) == 0 {
			return nil
		}
		if err := b.PublishInbound(ctx, items); err != nil {
			return err
		}
		for i := range items {
			m.Ingested.WithLabelValues(string(items[i].Platform), string(items[i].Kind)).Inc()
		}
		return nil
	}
}

func (r *Runner) sendLoop(ctx context.Context) error {
	return r.Bus.Consume(ctx, bus.ConsumerConfig{
		Stream:  bus.StreamOutbound,
		Durable: "connector-" + string(r.Platform),
		Filter:  "inbox.out." + string(r.Platform) + ".>",
		// Small prefetch, short AckWait: what a crashed instance had
		// fetched comes back to the others within AckWait. InProgress
		// before each send gives the platform call a full AckWait.
		Batch:   2,
		AckWait: 30 * time.Second,
	}, func(ctx context.Context, msgs []jetstream.Msg) {
		for _, m := range msgs {
			r.handleAction(ctx, m)
		}
	})
}

// handleAction sends one action at most once: BeginSend records the
// attempt before the platform call, so a crash mid-send leaves the action
// "unknown" instead of sending it again. An action the Sender can read
// back (a Verifier's) is retry-safe instead: its lost outcome is checked
// on the platform (see verify).
func (r *Runner) handleAction(ctx context.Context, m jetstream.Msg) {
	name := string(r.Platform)
	var a inbox.Action
	if err := json.Unmarshal(m.Data(), &a); err != nil || a.ID == 0 {
		reason := "missing action id"
		if err != nil {
			reason = "undecodable action: " + err.Error()
		}
		r.deadLetter(ctx, m, reason)
		return
	}
	_ = m.InProgress()
	stored, err := r.Store.BeginSend(ctx, a.ID)
	switch {
	case errors.Is(err, store.ErrTerminal) && stored.State == inbox.StateUnknown && r.verifiable(stored):
		// Its outcome was lost and it is being checked (see unknown).
		r.verify(ctx, m, stored)
		return
	case errors.Is(err, store.ErrTerminal):
		_ = m.Ack() // already handled: the duplicate publish is dropped here
		return
	case errors.Is(err, store.ErrAlreadyAttempted) && r.verifiable(stored):
		r.Log.Warn("send outcome unknown after restart; checking on the platform", "platform", name, "action_id", a.ID)
		r.verify(ctx, m, stored)
		return
	case errors.Is(err, store.ErrAlreadyAttempted):
		r.Log.Warn("send outcome unknown after restart; not re-sending", "platform", name, "action_id", a.ID)
		r.Metrics.Actions.WithLabelValues(name, string(a.Kind), string(inbox.StateUnknown)).Inc()
		r.event(stored)
		_ = m.Ack()
		return
	case errors.Is(err, store.ErrNotFound):
		r.deadLetter(ctx, m, "action "+strconv.FormatInt(a.ID, 10)+" is not in the store")
		return
	case err != nil:
		r.Log.Warn("begin send", "platform", name, "action_id", a.ID, "err", err)
		_ = m.NakWithDelay(5 * time.Second)
		return
	}
	r.send(ctx, m, stored)
}

// send makes the platform call for a, whose attempt is recorded, and
// records what came of it.
func (r *Runner) send(ctx context.Context, m jetstream.Msg, a inbox.Action) {
	name := string(r.Platform)
	if err := a.Validate(); err != nil {
		r.finish(ctx, m, a, store.Result{State: inbox.StateFailed, Error: "invalid action: " + err.Error()})
		return
	}
	sent, err := r.Sender.Send(ctx, a)
	var (
		rl *RateLimitError
		fe *ForbiddenError
	)
	switch {
	case err == nil:
		r.accountWorks()
		r.finish(ctx, m, a, store.Result{State: inbox.StateSent, PlatformID: sent.PlatformID, Recipient: sent.Recipient})
	case errors.As(err, &rl):
		// Not sent: the platform refused the call before acting, so it is
		// safe to try again once the budget is back.
		r.Metrics.RateLimitWaits.WithLabelValues(name, "send").Inc()
		r.wait(ctx, m, a, rl.Error(), time.Until(rl.Until))
	case errors.Is(err, ErrUnauthorized), errors.As(err, &fe), errors.Is(err, ErrOverBudget):
		// Refused because of the account's state, not the action: it
		// waits and goes out when the account recovers (a renewed token,
		// an upgraded access level, tomorrow's budget). The platform's
		// own windows still apply when it is retried.
		delay := r.accountWait()
		switch {
		case errors.Is(err, ErrUnauthorized):
			r.Health.Set(name, health.Unauthorized, err.Error())
		case fe != nil:
			r.Health.Set(name, health.Forbidden, err.Error())
			delay = time.Until(fe.Until)
		}
		r.Metrics.ConnectorErrors.WithLabelValues(name, "send_waits").Inc()
		r.wait(ctx, m, a, err.Error(), delay)
	case errors.Is(err, ErrRefused):
		r.finish(ctx, m, a, store.Result{State: inbox.StateFailed, Error: err.Error()})
	default:
		r.unknown(ctx, m, a, err)
	}
}

// verifiable reports whether a's lost outcome can be read back from the
// platform, so that it may be sent again when it was not carried out.
func (r *Runner) verifiable(a inbox.Action) bool {
	v, ok := r.Sender.(Verifier)
	return ok && v.Verifiable(a)
}

// unknown records that a's outcome was lost. A verifiable action comes
// back after checkDelay to be checked on the platform (verify); any other
// stays unknown for an agent to check, since sending it again might
// deliver it twice.
func (r *Runner) unknown(ctx context.Context, m jetstream.Msg, a inbox.Action, err error) {
	res := store.Result{State: inbox.StateUnknown, Error: err.Error()}
	if !r.verifiable(a) {
		r.finish(ctx, m, a, res)
		return
	}
	res.Error += "; checking on " + string(r.Platform) + " before sending again"
	done, ferr := r.Store.FinishSend(ctx, a.ID, res)
	if ferr != nil {
		// The attempt is recorded: the redelivery finds it and checks.
		r.Log.Error("recording send result", "platform", a.Platform, "action_id", a.ID, "err", ferr)
		_ = m.NakWithDelay(5 * time.Second)
		return
	}
	r.event(done)
	delay := checkDelay(m)
	r.Log.Info("send outcome unknown; checking on the platform before sending again", "platform", a.Platform,
		"kind", a.Kind, "action_id", a.ID, "check_in", delay, "err", err)
	_ = m.NakWithDelay(delay)
}

// verify settles a verifiable action whose outcome is unknown: sent when
// the platform shows it carried out, sent once more when it does not
// (RetrySend is the claim, so of two instances only one sends), failed
// when it can never be, and checked again later when the platform does
// not tell.
func (r *Runner) verify(ctx context.Context, m jetstream.Msg, a inbox.Action) {
	name := string(r.Platform)
	done, err := r.Sender.(Verifier).Verify(ctx, a)
	var rl *RateLimitError
	switch {
	case err == nil && done:
		r.accountWorks()
		r.Log.Info("lost send found carried out", "platform", name, "kind", a.Kind, "action_id", a.ID)
		r.finish(ctx, m, a, store.Result{State: inbox.StateSent})
	case err == nil:
		r.accountWorks()
		retried, err := r.Store.RetrySend(ctx, a.ID, "not carried out on "+name+"; sending again")
		switch {
		case errors.Is(err, store.ErrTerminal):
			_ = m.Ack() // another instance took it back first
		case err != nil:
			r.Log.Warn("retrying a lost send", "platform", name, "action_id", a.ID, "err", err)
			_ = m.NakWithDelay(5 * time.Second)
		default:
			r.Log.Info("lost send not carried out; sending again", "platform", name, "kind", a.Kind, "action_id", a.ID)
			_ = m.InProgress() // a full AckWait for the send
			r.send(ctx, m, retried)
		}
	case errors.Is(err, ErrRefused):
		r.finish(ctx, m, a, store.Result{State: inbox.StateFailed, Error: err.Error()})
	case errors.As(err, &rl):
		r.Metrics.RateLimitWaits.WithLabelValues(name, "send").Inc()
		_ = m.NakWithDelay(max(time.Until(rl.Until), time.Second))
	case errors.Is(err, ErrUnauthorized):
		r.Health.Set(name, health.Unauthorized, err.Error())
		_ = m.NakWithDelay(r.accountWait())
	default:
		delay := checkDelay(m)
		r.Log.Warn("checking a lost send", "platform", name, "action_id", a.ID, "check_in", delay, "err", err)
		_ = m.NakWithDelay(delay)
	}
}

// checkDelay is how long a lost send waits before it is checked on the
// platform: a second after the first delivery, doubling with each one up
// to a minute, so that a platform in trouble is not hammered.
func checkDelay(m jetstream.Msg) time.Duration {
	n := uint64(1)
	if md, err := m.Metadata(); err == nil && md.NumDelivered > 0 {
		n = md.NumDelivered
	}
	return min(time.Second<<min(n-1, 6), time.Minute)
}

func (r *Runner) accountWait() time.Duration {
	if r.AccountWait > 0 {
		return r.AccountWait
	}
	return defaultAccountWait
}

// DefaultUnauthorizedRetry is Runner.UnauthorizedRetry's default (and the
// connectors' unauthorized_retry setting's): rare enough to be invisible
// in the platform's logs, soon enough that a restored token is noticed
// within minutes. A send that goes through ends the pause sooner.
const DefaultUnauthorizedRetry = 5 * time.Minute

// defaultAccountWait is Runner.AccountWait's default.
const defaultAccountWait = time.Minute

// wait puts an action that was not sent back to pending, with the reason
// for agents to see, and has OUTBOUND deliver it again after delay.
func (r *Runner) wait(ctx context.Context, m jetstream.Msg, a inbox.Action, reason string, delay time.Duration) {
	if _, err := r.Store.FinishSend(ctx, a.ID, store.Result{State: inbox.StatePending, Error: reason}); err != nil {
		r.Log.Warn("resetting a waiting send", "action_id", a.ID, "err", err)
	}
	r.Log.Info("action waits for the account", "platform", a.Platform, "kind", a.Kind, "action_id", a.ID, "retry_in", delay.Round(time.Second), "reason", reason)
	_ = m.NakWithDelay(max(delay, time.Second))
}

func (r *Runner) finish(ctx context.Context, m jetstream.Msg, a inbox.Action, res store.Result) {
	done, err := r.Store.FinishSend(ctx, a.ID, res)
	if err != nil {
		// The attempt is recorded; a redelivery will mark it unknown
		// rather than send again.
		r.Log.Error("recording send result", "platform", a.Platform, "action_id", a.ID, "err", err)
		_ = m.NakWithDelay(5 * time.Second)
		return
	}
	r.Metrics.Actions.WithLabelValues(string(a.Platform), string(a.Kind), string(res.State)).Inc()
	if res.State == inbox.StateFailed {
		r.Log.Warn("action failed", "platform", a.Platform, "kind", a.Kind, "action_id", a.ID, "reason", res.Error)
	}
	r.event(done)
	_ = m.Ack()
}

func (r *Runner) event(a inbox.Action) {
	r.Bus.PublishEvent(inbox.Event{Type: "action", ConversationID: a.ConversationID, ActionID: a.ID, State: a.State, At: time.Now()})
}

func (r *Runner) deadLetter(ctx context.Context, m jetstream.Msg, reason string) {
	if r.Bus.DeadLetter(ctx, m, reason, 5*time.Second) {
		r.Metrics.DeadLettered.WithLabelValues(m.Subject()).Inc()
	}
}
