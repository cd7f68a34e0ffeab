// Package router applies inboxbot's support policy. It consumes customer
// items from INBOUND, runs them through the policy (a chain of Policy
// handlers, composed like middleware), stores each item with its customer,
// conversation and decided actions in one transaction, publishes the
// actions to OUTBOUND and only then acknowledges the items.
//
// Redelivery is harmless: the store drops an item it already has and
// returns the actions decided the first time, which are re-published under
// their idempotency keys and so sent once. An item that cannot be decoded
// goes to inbox.dead.<subject> with the reason, is counted, and is
// acknowledged.
package router

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/language"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/redact"
	"github.com/inboxbot/inboxbot/store"
)

// Durable is the name of the router's consumer on INBOUND. Every router
// instance shares it, so each item is routed by one of them.
const Durable = "router"

// Decision is what the policy decided about one inbound item. Policies
// read and change it in turn; the router then stores it.
type Decision struct {
	// Message is the item as pulled, with the customer's original text.
	// It must not be logged.
	Message inbox.Inbound
	// Text is what will be stored: the redacted text for public items.
	Text string
	// Findings are the secrets found in Message.Text (kinds and offsets).
	Findings []inbox.Finding
	// Language is the detected language (ISO 639-1), "" when unknown, and
	// Confidence its confidence in [0,1].
	Language   string
	Confidence float64
	// English is "true", "false" or "unsure"; "" before language policy.
	English string
	// Flags are added to the conversation.
	Flags []string
	// Status, when set, becomes the conversation's status.
	Status inbox.Status
	// Link asks the store to link this private conversation to the
	// customer's public one.
	Link bool
	// Actions are what the router will do about the item.
	Actions []inbox.Action

	// The policy's working state; not stored.
	own         bool     // written by our own account: no actions
	hidden      bool     // a Hide action was decided
	parts       []part   // contributions to the one public reply
	replyTarget string   // the platform id the public reply answers
	secrets     []string // the findings' values (digits), memory only
}

// AddFlag adds f once.
func (d *Decision) AddFlag(f string) {
	for _, x := range d.Flags {
		if x == f {
			return
		}
	}
	d.Flags = append(d.Flags, f)
}

// Public reports whether the item was posted in public.
func (d *Decision) Public() bool { return d.Message.Kind.Channel() == inbox.Public }

// Policy is one rule of the support policy.
type Policy interface {
	// Apply reads and amends d. ctx bounds any lookup the rule needs. An
	// error stops routing of the whole batch, which is retried; return
	// errors only for transient failures (a store timeout), never for the
	// customer's content.
	Apply(ctx context.Context, d *Decision) error
}

// PolicyFunc adapts a function to Policy.
type PolicyFunc func(ctx context.Context, d *Decision) error

// Apply calls f.
func (f PolicyFunc) Apply(ctx context.Context, d *Decision) error { return f(ctx, d) }

// Chain applies policies in order.
func Chain(ps ...Policy) Policy {
	return PolicyFunc(func(ctx context.Context, d *Decision) error {
		for _, p := range ps {
			if err := p.Apply(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
}

// Store is what the Router needs of the store: the decided batches
// stored, and for agents' replies (reply.go) the conversation and its
// history, the new action (failed at once when it cannot be queued) and
// its audit entry.
type Store interface {
	store.Ingester
	store.ConversationReader
	store.ActionReader
	store.ActionCreator
	// FinishSend records a send's outcome (see store.SendGuard).
	FinishSend(ctx context.Context, id int64, r store.Result) (inbox.Action, error)
	store.Auditor
}

// Router consumes INBOUND and stores what the policy decides.
type Router struct {
	bus     *bus.Bus
	store   Store
	policy  Policy
	metrics *metrics.Metrics
	log     *slog.Logger
	batch   int
	now     func() time.Time
	rd      *redact.Redactor
}

// Options are the Router's collaborators. Bus, Store and Metrics are
// required; Policy nil means store items as they are (no policy).
type Options struct {
	Bus     *bus.Bus
	Store   Store
	Policy  Policy
	Metrics *metrics.Metrics
	Log     *slog.Logger
	// Batch is the most items stored in one transaction. Default 256.
	Batch int
	// Now is the clock of the reply guard's window checks and audit
	// entries. Default time.Now.
	Now func() time.Time
	// Redactor finds secrets in agents' public replies (the reply
	// guard) and in `policy test` output. Default: Config.Redactor of
	// an empty policy; serve passes the policy's, which knows the
	// company's own numbers.
	Redactor *redact.Redactor
}

// New returns a Router.
func New(o Options) *Router {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Policy == nil {
		o.Policy = Chain()
	}
	if o.Batch <= 0 {
		o.Batch = 256
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Redactor == nil {
		o.Redactor = Config{}.Redactor()
	}
	return &Router{bus: o.Bus, store: o.Store, policy: o.Policy, metrics: o.Metrics, log: o.Log, batch: o.Batch, now: o.Now, rd: o.Redactor}
}

// Run routes items until ctx is cancelled, then finishes the batch in hand
// and returns nil.
func (r *Router) Run(ctx context.Context) error {
	return r.bus.Consume(ctx, bus.ConsumerConfig{
		Stream: bus.StreamInbound, Durable: Durable, Batch: r.batch,
		AckWait: ackWait, MaxDeliver: maxDeliver,
	}, r.handle)
}

// ackWait is the router's AckWait on INBOUND. A batch takes milliseconds
// to store; after a crash, what the dead instance held comes back after
// AckWait, so keep it short. The language policy waits for its models
// well within it (policy.language.wait).
const ackWait = 10 * time.Second

// Decide runs the policy on one item without storing or sending anything.
// `inboxbot policy test` uses it, so it shows exactly what Run would do.
// ctx bounds the policy's lookups. Decisions made with the same
// WithBatch context share their once-per-window parts, as the items of
// one stored batch do; without one, each call is judged alone.
func (r *Router) Decide(ctx context.Context, in inbox.Inbound) (Decision, error) {
	d, keep, err := r.decide(ctx, in)
	if err == nil {
		keep()
	}
	return d, err
}

// decide is Decide whose once-per-window claims join the batch only when
// keep is called: the loop calls it once the item is sure to be stored.
func (r *Router) decide(ctx context.Context, in inbox.Inbound) (Decision, func(), error) {
	if ctx.Value(claimsKey{}) == nil {
		ctx = WithBatch(ctx)
	}
	ctx, keep := withDecision(ctx)
	d := Decision{Message: in, Text: in.Text}
	if err := r.policy.Apply(ctx, &d); err != nil {
		return d, nil, fmt.Errorf("applying policy: %w", err)
	}
	return d, keep, nil
}

// handle routes one batch. Items are acknowledged only after the store
// transaction and the OUTBOUND publishes succeeded; on failure they are
// negatively acknowledged for a retry, which redelivery makes safe.
func (r *Router) handle(ctx context.Context, msgs []jetstream.Msg) {
	var ins []inbox.Inbound
	var kept []jetstream.Msg
	for _, m := range msgs {
		var in inbox.Inbound
		if err := json.Unmarshal(m.Data(), &in); err != nil {
			r.deadLetter(ctx, m, "undecodable JSON: "+err.Error())
			continue
		}
		if err := in.Validate(); err != nil {
			r.deadLetter(ctx, m, "invalid item: "+err.Error())
			continue
		}
		ins, kept = append(ins, in), append(kept, m)
	}
	for len(ins) > 0 {
		items, keptNow, insNow := r.decideBatch(ctx, ins, kept)
		if len(items) == 0 {
			return
		}
		res, refused, err := r.ingest(ctx, items)
		if refused >= 0 {
			// One item refused by the store (its text, say, is not valid
			// UTF-8). It is kept as a placeholder, so that it is still
			// acted on (hidden, a deletion asked for) and agents see that
			// a message could not be stored; a placeholder refused again
			// is dead-lettered. Either way the batch is decided again, so
			// that a part the item claimed goes to whoever needs it now.
			ins, kept = insNow, keptNow
			if ins[refused].Text != unstorableText {
				r.log.Warn("store refused an item; keeping a placeholder", "platform", ins[refused].Platform, "external_id", ins[refused].ExternalID, "err", err)
				ins[refused] = unstorable(ins[refused])
				continue
			}
			r.deadLetter(ctx, kept[refused], "refused by the store: "+err.Error())
			ins = append(ins[:refused:refused], ins[refused+1:]...)
			kept = append(kept[:refused:refused], kept[refused+1:]...)
			continue
		}
		if err != nil {
			r.log.Error("storing batch; will retry", "items", len(items), "err", err)
			r.retry(keptNow)
			return
		}
		r.publish(ctx, res, items, keptNow)
		return
	}
}

// decideBatch runs the policy on each item with one set of claims. An item
// whose policy fails is retried later and claims nothing; the others are
// returned with their messages and items.
func (r *Router) decideBatch(ctx context.Context, ins []inbox.Inbound, msgs []jetstream.Msg) ([]store.Item, []jetstream.Msg, []inbox.Inbound) {
	ctx = WithBatch(ctx)
	items := make([]store.Item, 0, len(ins))
	kept := make([]jetstream.Msg, 0, len(ins))
	keptIns := make([]inbox.Inbound, 0, len(ins))
	for i, in := range ins {
		d, keep, err := r.decide(ctx, in)
		if err != nil {
			// Items that reach the router while the language models still
			// load wait for them quietly: that is expected at every start,
			// and a warning per item would teach operators to ignore
			// warnings. Anything else is worth one.
			level := slog.LevelWarn
			if errors.Is(err, language.ErrNotReady) {
				level = slog.LevelDebug
			}
			r.log.Log(ctx, level, "policy failed; will retry", "platform", in.Platform, "kind", in.Kind, "err", err)
			r.retry(msgs[i : i+1])
			continue
		}
		keep()
		if in.Text == unstorableText {
			d.AddFlag(inbox.FlagUnstorable)
		}
		items, kept, keptIns = append(items, d.item()), append(kept, msgs[i]), append(keptIns, in)
	}
	return items, kept, keptIns
}

// publish counts the stored batch, publishes its new actions to OUTBOUND,
// and only then acknowledges the items and tells agents' screens.
func (r *Router) publish(ctx context.Context, res []store.Ingested, items []store.Item, kept []jetstream.Msg) {
	var recs []bus.Record
	for i, ing := range res {
		in := items[i].Message
		if ing.Duplicate {
			r.metrics.Duplicates.WithLabelValues(string(in.Platform), string(in.Kind)).Inc()
		} else {
			r.metrics.Routed.WithLabelValues(string(in.Platform), string(in.Kind)).Inc()
		}
		for _, a := range ing.Actions {
			if a.State != inbox.StatePending || a.Attempts > 0 {
				continue
			}
			rec, err := ActionRecord(a)
			if err != nil {
				r.log.Error("encoding action", "action_id", a.ID, "err", err)
				continue
			}
			recs = append(recs, rec)
		}
	}
	if err := r.bus.PublishBatch(ctx, recs); err != nil {
		// Stored but not all published: redelivery re-publishes the
		// pending actions, and their keys dedupe the ones that made it.
		r.log.Error("publishing actions; will retry", "err", err)
		r.retry(kept)
		return
	}
	for _, m := range kept {
		_ = m.Ack()
	}
	for _, ing := range res {
		if !ing.Duplicate {
			r.bus.PublishEvent(inbox.Event{Type: "message", ConversationID: ing.ConversationID, At: time.Now()})
		}
	}
}

// unstorableText stands in for the text of an item the store refused.
const unstorableText = "[this message could not be stored: its text or author was not valid text]"

// unstorable returns in as a placeholder the store can keep: the text
// replaced, names made valid UTF-8 without NULs, attachments dropped. Its
// findings stay, so that a secret it showed in public is still acted on.
func unstorable(in inbox.Inbound) inbox.Inbound {
	clean := func(s string) string { return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "") }
	in.Text, in.Attachments = unstorableText, nil
	in.Author.Name, in.Author.Handle = clean(in.Author.Name), clean(in.Author.Handle)
	in.Lang = clean(in.Lang)
	return in
}

// maxDeliver bounds how often an item is tried: with retryDelay's back-off
// that is about two hours, long enough to ride out an outage of a
// platform or the store, short enough that an item that can never be
// routed is dead-lettered (and counted) rather than retried for ever.
const maxDeliver = 30

// retryDelay is the wait before an item's next try after n deliveries:
// a second for the first few (most failures are a blip: a busy store, a
// leader election), then doubling up to five minutes.
func retryDelay(n uint64) time.Duration {
	const quick = 5
	if n < quick {
		return time.Second
	}
	if n-quick > 8 {
		return 5 * time.Minute
	}
	return min(time.Second<<(n-quick+1), 5*time.Minute)
}

// retry hands items back to INBOUND for a later try, or dead-letters an
// item on its last delivery.
func (r *Router) retry(msgs []jetstream.Msg) {
	for _, m := range msgs {
		var n uint64 = 1
		if md, err := m.Metadata(); err == nil {
			n = md.NumDelivered
		}
		if n >= maxDeliver {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			r.deadLetter(ctx, m, fmt.Sprintf("not routed after %d tries", n))
			cancel()
			continue
		}
		_ = m.NakWithDelay(retryDelay(n - 1))
	}
}

// ingest stores the batch. When the store refuses one item as invalid
// (say, text that is not UTF-8), it returns that item's index and the
// store's reason, so that the item is dead-lettered and the rest stored:
// one bad item never blocks its batch. Otherwise refused is -1.
func (r *Router) ingest(ctx context.Context, items []store.Item) (res []store.Ingested, refused int, err error) {
	start := time.Now()
	res, err = r.store.Ingest(ctx, items)
	r.metrics.StoreLatency.WithLabelValues("ingest").Observe(time.Since(start).Seconds())
	var invalid *store.InvalidItemError
	if errors.As(err, &invalid) && invalid.Index >= 0 && invalid.Index < len(items) {
		return nil, invalid.Index, invalid.Err
	}
	return res, -1, err
}

// ActionRecord encodes an action for OUTBOUND, with its idempotency key as
// the Nats-Msg-Id so that publishing it twice sends it once.
func ActionRecord(a inbox.Action) (bus.Record, error) {
	a.V = inbox.SchemaVersion
	data, err := json.Marshal(a)
	if err != nil {
		return bus.Record{}, fmt.Errorf("encoding action %d: %w", a.ID, err)
	}
	return bus.Record{Subject: a.Subject(), MsgID: "action:" + a.Key, Data: data}, nil
}

func (r *Router) deadLetter(ctx context.Context, m jetstream.Msg, reason string) {
	if r.bus.DeadLetter(ctx, m, reason, time.Second) {
		r.metrics.DeadLettered.WithLabelValues(m.Subject()).Inc()
	}
}

// item turns a decision into what the store keeps.
func (d *Decision) item() store.Item {
	msg := d.Message
	msg.Text = d.Text
	return store.Item{
		Message:            msg,
		Findings:           d.Findings,
		Language:           d.Language,
		LanguageConfidence: d.Confidence,
		Flags:              d.Flags,
		Status:             d.Status,
		Link:               d.Link,
		Actions:            d.Actions,
	}
}
