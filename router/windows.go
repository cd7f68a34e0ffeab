package router

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// WindowStore is what the policy's "at most one per window" rules read of
// the store: a thread's conversation and the actions already created.
type WindowStore interface {
	// ConversationID returns the id of a platform thread's conversation,
	// or store.ErrNotFound.
	ConversationID(ctx context.Context, p inbox.Platform, ch inbox.Channel, thread string) (int64, error)
	// CountActions counts actions matching f.
	CountActions(ctx context.Context, f store.ActionFilter) (int, error)
}

// lookups answers the "at most one per window" questions from the store.
// Without a store every answer is "none yet".
type lookups struct {
	st  WindowStore
	now func() time.Time
}

// conversationID returns the id of a thread's conversation, or 0 when it
// does not exist yet.
func (l lookups) conversationID(ctx context.Context, p inbox.Platform, ch inbox.Channel, thread string) (int64, error) {
	if l.st == nil {
		return 0, nil
	}
	id, err := l.st.ConversationID(ctx, p, ch, thread)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("finding the %s %s conversation: %w", p, ch, err)
	}
	return id, nil
}

// recent reports whether an action holding part (alone or combined into
// a reply) was created within window for f. f.Purpose is ignored.
func (l lookups) recent(ctx context.Context, f store.ActionFilter, part string, window time.Duration) (bool, error) {
	if l.st == nil {
		return false, nil
	}
	f.Since = l.now().Add(-window)
	f.Purpose, f.Purposes = "", purposesWith(f.Platform, part)
	n, err := l.st.CountActions(ctx, f)
	if err != nil {
		return false, fmt.Errorf("counting %v actions: %w", f.Purposes, err)
	}
	return n > 0, nil
}

// replyParts are the parts a platform's automatic public reply may
// combine.
var replyParts = map[inbox.Platform][]string{
	inbox.Twitter:  {PurposePIINotice, PurposeNonEnglishNotice, PurposeDMInvite},
	inbox.Facebook: {PurposePIINotice, PurposePublicAck},
}

// purposesWith lists every Purpose an action holding part can have on
// platform p: part alone, and each combined reply that contains it.
func purposesWith(p inbox.Platform, part string) []string {
	out := []string{part}
	parts := replyParts[p]
	for mask := 1; mask < 1<<len(parts); mask++ {
		var combo []string
		has := false
		for i, x := range parts {
			if mask&(1<<i) != 0 {
				combo = append(combo, x)
				has = has || x == part
			}
		}
		if has && len(combo) > 1 {
			out = append(out, strings.Join(inReplyOrder(combo), "+"))
		}
	}
	return out
}

func inReplyOrder(ps []string) []string {
	var out []string
	for _, p := range replyOrder {
		for _, x := range ps {
			if x == p {
				out = append(out, x)
			}
		}
	}
	return out
}

// claims remembers which once-per-window parts the messages of one batch
// were given, because the store sees a batch only when it is stored as a
// whole: without it, two tweets in one batch would both get the notice.
// Each decision claims in a layer of its own (withDecision) that joins the
// batch only when the decision is kept, so that an item that is retried
// or dead-lettered does not take a part from the items after it.
type claims struct {
	mu sync.Mutex
	m  map[string]bool
	// parent is the batch's claims, for a decision's layer.
	parent *claims
	// deadline bounds the whole batch's wait for the language models, so
	// that a batch of 256 items waits once, not 256 times.
	deadline time.Time
}

// root returns the batch's claims.
func (c *claims) root() *claims {
	for c.parent != nil {
		c = c.parent
	}
	return c
}

// withDecision returns a context whose claims are one decision's layer
// over ctx's batch, and a function that joins them into the batch; a
// decision that is not kept just drops its context.
func withDecision(ctx context.Context) (context.Context, func()) {
	batch, _ := ctx.Value(claimsKey{}).(*claims)
	if batch == nil {
		return ctx, func() {}
	}
	layer := &claims{m: map[string]bool{}, parent: batch}
	return context.WithValue(ctx, claimsKey{}, layer), func() {
		b := batch.root()
		b.mu.Lock()
		defer b.mu.Unlock()
		for k := range layer.m {
			b.m[k] = true
		}
	}
}

// batchDeadline returns the time until which ctx's batch may wait for
// something that is loading: wait from the first call in the batch.
func batchDeadline(ctx context.Context, wait time.Duration) time.Time {
	c, _ := ctx.Value(claimsKey{}).(*claims)
	if c == nil {
		return time.Now().Add(wait)
	}
	c = c.root()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.deadline.IsZero() {
		c.deadline = time.Now().Add(wait)
	}
	return c.deadline
}

type claimsKey struct{}

// WithBatch returns a context whose decisions share one batch: a
// once-per-window part (the English-only notice, an invitation) goes to
// the first message of a customer or thread only. The router's loop makes
// one per stored batch; Decide without one judges each call alone.
func WithBatch(ctx context.Context) context.Context {
	return context.WithValue(ctx, claimsKey{}, &claims{m: map[string]bool{}})
}

// setBatchDeadline sets the wait deadline of ctx's batch.
func setBatchDeadline(ctx context.Context, t time.Time) {
	if c, _ := ctx.Value(claimsKey{}).(*claims); c != nil {
		c = c.root()
		c.mu.Lock()
		c.deadline = t
		c.mu.Unlock()
	}
}

// claim reports whether key was not claimed yet in ctx's batch (by a
// kept decision, or earlier in this one), and claims it.
func claim(ctx context.Context, key string) bool {
	c, _ := ctx.Value(claimsKey{}).(*claims)
	if c == nil {
		return true
	}
	if p := c.parent; p != nil {
		p.mu.Lock()
		taken := p.m[key]
		p.mu.Unlock()
		if taken {
			return false
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[key] {
		return false
	}
	c.m[key] = true
	return true
}
