package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/inboxbot/inboxbot/redact"
	"github.com/inboxbot/inboxbot/store"
)

// Booking numbers and PINs that customers send in private are stored as
// sent, because agents need them while they help (the desk shows them
// only on an agent's click). Once a conversation has been closed for
// policy.retention.private_secrets, nobody needs them any more: the
// retention job redacts them in place, in the conversation's messages and
// in the texts of its finished actions (an agent's reply may repeat a
// booking number), and records that in the audit trail.
//
// The job walks the closed conversations in the order of their last
// change (a conversation's updated_at is when it closed, or later), from
// where its last pass ended (a store cursor) up to now minus the
// retention. A conversation that is reopened changes again, so it comes
// round again after its next close. Passes on several instances are
// harmless: redacting redacted text changes nothing.

// DefaultPrivateSecretsRetention is the default of
// policy.retention.private_secrets: 30 days after a conversation closes.
const DefaultPrivateSecretsRetention = 30 * 24 * time.Hour

// RetentionConfig says how long customers' secrets are kept
// (policy.retention).
type RetentionConfig struct {
	// PrivateSecrets is how long after a conversation closes the booking
	// numbers and PINs in its private messages are kept for agents;
	// then they are redacted in place. Default 720h (30 days); at least
	// 1h.
	PrivateSecrets time.Duration `yaml:"private_secrets"`
}

// retentionCursor is the store cursor of the job: the end (Unix
// nanoseconds) of the last complete pass.
const retentionCursor = "retention:private_secrets"

// AuditRetention is the audit trail's action for secrets redacted by the
// retention job.
const AuditRetention = "redact_private_secrets"

// Retention is the job that redacts private secrets in place once their
// conversation has been closed for RetentionConfig.PrivateSecrets.
type Retention struct {
	st    RetentionStore
	rd    *redact.Redactor
	keep  time.Duration
	every time.Duration
	now   func() time.Time
	log   *slog.Logger
}

// RetentionStore is what the retention job needs of the store: the closed
// conversations to visit, the texts to rewrite, its progress and the audit.
type RetentionStore interface {
	store.Retention
	store.Cursors
	store.Auditor
}

// RetentionDeps are what the job needs besides its Config.
type RetentionDeps struct {
	// Store is required.
	Store RetentionStore
	// Every is the time between passes. Default 1h.
	Every time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives a line per pass that redacted something. Default
	// slog.Default().
	Log *slog.Logger
}

// retentionPage is how many conversations a pass reads at a time.
const retentionPage = 100

// storeCallTimeout bounds each store call of a pass.
const storeCallTimeout = 30 * time.Second

// NewRetention returns the retention job of policy cfg (defaults are
// applied here).
func NewRetention(cfg Config, deps RetentionDeps) (*Retention, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if deps.Store == nil {
		return nil, errors.New("retention: a store is required")
	}
	if deps.Every <= 0 {
		deps.Every = time.Hour
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	return &Retention{st: deps.Store, rd: cfg.Redactor(), keep: cfg.Retention.PrivateSecrets, every: deps.Every, now: deps.Now, log: deps.Log}, nil
}

// RetentionResult is what a pass did.
type RetentionResult struct {
	// Conversations is how many conversations had texts redacted.
	Conversations int
	// Texts is how many message and action texts changed.
	Texts int
}

// Run makes a pass at once and then every Every until ctx ends, and
// returns nil then. A failed pass is logged and tried again next time.
func (r *Retention) Run(ctx context.Context) error {
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("retention pass failed; will try again", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce redacts the private secrets of every conversation closed since
// the last pass and for longer than the retention, then moves the cursor.
func (r *Retention) RunOnce(ctx context.Context) (RetentionResult, error) {
	var res RetentionResult
	until := r.now().Add(-r.keep)
	from, err := r.cursor(ctx)
	if err != nil {
		return res, err
	}
	if !until.After(from.UpdatedAt) {
		return res, nil
	}
	for {
		cctx, cancel := context.WithTimeout(ctx, storeCallTimeout)
		refs, err := r.st.ClosedConversations(cctx, from, until, retentionPage)
		cancel()
		if err != nil {
			return res, err
		}
		for _, c := range refs {
			n, err := r.redact(ctx, c.ID)
			if err != nil {
				return res, err
			}
			if n > 0 {
				res.Conversations++
				res.Texts += n
			}
		}
		if len(refs) < retentionPage {
			break
		}
		from = refs[len(refs)-1]
	}
	cctx, cancel := context.WithTimeout(ctx, storeCallTimeout)
	defer cancel()
	if err := r.st.SetCursor(cctx, retentionCursor, strconv.FormatInt(until.UnixNano(), 10)); err != nil {
		return res, err
	}
	if res.Texts > 0 {
		r.log.Info("redacted private secrets of closed conversations", "conversations", res.Conversations, "texts", res.Texts, "closed_before", until)
	}
	return res, nil
}

// cursor is where the last complete pass ended.
func (r *Retention) cursor(ctx context.Context) (store.ConversationRef, error) {
	ctx, cancel := context.WithTimeout(ctx, storeCallTimeout)
	defer cancel()
	v, ok, err := r.st.Cursor(ctx, retentionCursor)
	if err != nil || !ok {
		return store.ConversationRef{}, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		// A damaged cursor costs a full pass, which changes nothing
		// already redacted.
		r.log.Warn("retention cursor unreadable; starting over", "cursor", retentionCursor)
		return store.ConversationRef{}, nil
	}
	return store.ConversationRef{UpdatedAt: time.Unix(0, n)}, nil
}

// redact redacts one conversation's texts and records it in its audit
// trail.
func (r *Retention) redact(ctx context.Context, convID int64) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, storeCallTimeout)
	defer cancel()
	n, err := r.st.RewriteTexts(ctx, convID, r.rd.String)
	if err != nil || n == 0 {
		return n, err
	}
	if err := r.st.AddAudit(ctx, store.Audit{
		Actor: RequestedByRouter, Action: AuditRetention, ConversationID: convID, At: r.now(),
		Detail: fmt.Sprintf("%d texts; kept %s after the conversation closed", n, r.keep),
	}); err != nil {
		// The texts are redacted; only the record of it is missing.
		r.log.Error("writing audit entry", "conversation_id", convID, "action", AuditRetention, "err", err)
	}
	return n, nil
}
