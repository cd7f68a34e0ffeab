package facebook

import (
	"context"
	"slices"
	"sync"
	"time"
)

// lane is a queue of the Page's request budget. Slots go to the urgent
// lane first: a customer's item that waits on a read should not wait
// behind reads nobody is waiting on. Before the lanes, the first message
// of a new Messenger customer, whose conversation one read finds, queued
// behind profile look-ups and polling and took most of a second to reach
// the inbox (#13). A flood of urgent reads (many new customers at once)
// holds background reads back for as long as it lasts: that is the
// trade wanted, since polling is only the gap fill while webhooks
// deliver, and the flood is bounded by the webhook's own rate limit.
type lane int

const (
	// background is for reads nobody waits on right now: polling, the
	// User Profile look-ups, checking a hide whose answer was lost.
	background lane = iota
	// urgent is for reads a customer's item waits on before it can be
	// published: the webhook's look-ups (see urgentReads).
	urgent
	// lanes counts the lanes. serve looks at them from the last down,
	// so a later lane is the more urgent.
	lanes
)

// urgentKey marks a context whose Graph reads take the urgent lane.
type urgentKey struct{}

// urgentReads returns ctx marked so that every Graph read made under it
// takes the urgent lane. The mark travels with the context rather than
// with the helper that makes the call, because urgency belongs to who
// waits: the same helper may serve a webhook item and a poll.
func urgentReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, urgentKey{}, true)
}

// laneOf is the lane of the reads made under ctx.
func laneOf(ctx context.Context) lane {
	if u, _ := ctx.Value(urgentKey{}).(bool); u {
		return urgent
	}
	return background
}

// pacer spaces calls evenly: at most one every gap, so that no second
// ever sees more than the budget start, even at a second's edge. A token
// bucket would allow bursts that a strict per-second limit refuses.
//
// Waiters queue in lanes, each first come first served; when a slot
// comes, it goes to the oldest urgent waiter, else to the oldest
// background one. A slot is given when it comes rather than reserved on
// arrival, so that an urgent waiter can overtake background waiters that
// arrived before it: it waits at most one gap after the slot last given,
// plus a gap for each urgent waiter ahead of it. The
// spacing does not depend on the lane: a slot is given only at or after
// next, and next is then moved gap on. A waiter whose context ends
// leaves its queue and takes no slot.
//
// One goroutine (serve) hands out slots while anyone waits: it sleeps
// until the next slot, then gives it to whoever is first then.
//
// It runs on real time, not on the connector's clock (WithClock): a wait
// must really pass. Tests that simulate time replace now and sleep
// before the first wait; only serve sleeps.
type pacer struct {
	mu      sync.Mutex
	gap     time.Duration
	next    time.Time        // the earliest time of the next slot
	queues  [lanes][]*waiter // waiters by lane, oldest first
	serving bool             // serve is running
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
}

// waiter is a call waiting for its slot.
type waiter struct {
	ready   chan struct{} // closed when the slot is given
	granted bool          // the slot was given (guarded by pacer.mu)
}

func newPacer(perSecond float64) *pacer {
	return &pacer{gap: time.Duration(float64(time.Second) / perSecond), now: time.Now, sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait returns when the call may go: at its slot in lane l. It returns
// ctx's error, having taken no slot, if ctx ends first. (If ctx ends
// in the very instant the slot is given, the slot is spent: the spacing
// still holds, one slot goes unused.)
func (p *pacer) wait(ctx context.Context, l lane) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	if now := p.now(); p.waiting() == 0 && !now.Before(p.next) {
		p.next = now.Add(p.gap)
		p.mu.Unlock()
		return nil
	}
	w := &waiter{ready: make(chan struct{})}
	p.queues[l] = append(p.queues[l], w)
	if !p.serving {
		p.serving = true
		go p.serve()
	}
	p.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		defer p.mu.Unlock()
		if !w.granted {
			p.queues[l] = slices.DeleteFunc(p.queues[l], func(o *waiter) bool { return o == w })
		}
		return ctx.Err()
	}
}

// serve gives out slots, one every gap at most, until no one waits. It
// chooses whom to give a slot to only when the slot comes, so a waiter
// that arrived or left during the sleep is taken into account.
func (p *pacer) serve() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.waiting() > 0 {
		now := p.now()
		if d := p.next.Sub(now); d > 0 {
			p.mu.Unlock()
			// Not the waiters' contexts: serve works for all of them,
			// and ends by itself once they are served or gone.
			_ = p.sleep(context.Background(), d)
			p.mu.Lock()
			continue
		}
		for l := lanes - 1; l >= 0; l-- {
			if q := p.queues[l]; len(q) > 0 {
				w := q[0]
				p.queues[l] = q[1:]
				w.granted = true
				close(w.ready)
				break
			}
		}
		p.next = now.Add(p.gap)
	}
	p.serving = false
}

// waiting counts the waiters in every lane; p.mu must be held.
func (p *pacer) waiting() int {
	n := 0
	for _, q := range p.queues {
		n += len(q)
	}
	return n
}
