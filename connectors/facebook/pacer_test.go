package facebook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
)

// pacerRig runs a pacer on a clock that moves only when the test ticks:
// the pacer's sleep (serve's, the only one) is kept as a nap that ends
// when the test moves the clock to its end. No real time passes.
type pacerRig struct {
	t     *testing.T
	p     *pacer
	start time.Time

	mu    sync.Mutex
	clock time.Time
	naps  []nap

	lanes   map[string]lane
	cancels map[string]context.CancelFunc
	done    chan result // a waiter whose wait returned
	results []result    // in the order the waits returned
	started int
}

// nap is a sleep of the pacer's in progress.
type nap struct {
	until time.Time
	wake  chan struct{}
}

// result is how one wait ended: at what time on the clock, with what
// error.
type result struct {
	name string
	at   time.Time
	err  error
}

func newPacerRig(t *testing.T) *pacerRig {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	r := &pacerRig{t: t, p: newPacer(2), start: start, clock: start,
		lanes: map[string]lane{}, cancels: map[string]context.CancelFunc{}, done: make(chan result, 100)}
	r.p.now, r.p.sleep = r.now, r.sleep
	return r
}

func (r *pacerRig) now() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.clock
}

func (r *pacerRig) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	n := nap{until: r.clock.Add(d), wake: make(chan struct{})}
	r.naps = append(r.naps, n)
	r.mu.Unlock()
	select {
	case <-n.wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// arrive starts a waiter named name in lane l.
func (r *pacerRig) arrive(name string, l lane) {
	ctx, cancel := context.WithCancel(context.Background())
	r.t.Cleanup(cancel)
	r.lanes[name], r.cancels[name] = l, cancel
	r.started++
	go func() {
		err := r.p.wait(ctx, l)
		r.done <- result{name: name, at: r.now(), err: err}
	}()
}

// call runs fn, which waits for the pacer somewhere inside, as a waiter
// named name: its result is when fn returned, and with what error.
func (r *pacerRig) call(name string, fn func() error) {
	r.started++
	go func() {
		err := fn()
		r.done <- result{name: name, at: r.now(), err: err}
	}()
}

// settle waits until nothing moves without the clock: every waiter has
// either returned or queued, and the pacer is asleep or has no one to
// serve. A slot is given only when the clock reaches it, so every wait
// that returns does so at the clock's time.
func (r *pacerRig) settle() { r.t.Helper(); r.settleUntil("", func() bool { return true }) }

// leave ends the context of the waiter named name and settles once its
// wait has returned.
func (r *pacerRig) leave(name string) {
	r.t.Helper()
	r.cancels[name]()
	r.settleUntil(name+" returned", func() bool { return slices.ContainsFunc(r.results, func(res result) bool { return res.name == name }) })
}

// settleUntil is settle that also waits for cond, named what.
func (r *pacerRig) settleUntil(what string, cond func() bool) {
	r.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		for len(r.done) > 0 {
			r.results = append(r.results, <-r.done)
		}
		r.p.mu.Lock()
		queued, serving := r.p.waiting(), r.p.serving
		r.p.mu.Unlock()
		r.mu.Lock()
		asleep := len(r.naps) > 0
		r.mu.Unlock()
		if len(r.results)+queued == r.started && (asleep || !serving) && cond() {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("pacer not settled within 10 s: %d of %d waits returned, %d queued, serving %v, asleep %v; %s %v",
				len(r.results), r.started, queued, serving, asleep, what, cond())
		}
		time.Sleep(time.Millisecond)
	}
}

// tick settles, then ends the pacer's sleep at its end, and settles
// again. It reports false when the pacer was not asleep.
func (r *pacerRig) tick() bool {
	r.t.Helper()
	r.settle()
	r.mu.Lock()
	if len(r.naps) == 0 {
		r.mu.Unlock()
		return false
	}
	if len(r.naps) > 1 {
		r.t.Fatalf("%d sleeps at once: only serve may sleep", len(r.naps))
	}
	n := r.naps[0]
	r.naps = r.naps[1:]
	r.clock = n.until
	r.mu.Unlock()
	close(n.wake)
	r.settle()
	return true
}

// queued names the waiters whose wait has not returned (once settled:
// those queued), in no order.
func (r *pacerRig) queued() []string {
	var out []string
	for name := range r.lanes {
		if !slices.ContainsFunc(r.results, func(res result) bool { return res.name == name }) {
			out = append(out, name)
		}
	}
	return out
}

// describe is a result as the tests compare them: who, when (after
// start) and how.
func (r *pacerRig) describe(res result) string {
	s := fmt.Sprintf("%s +%v", res.name, res.at.Sub(r.start))
	if res.err != nil {
		s += " " + res.err.Error()
	}
	return s
}

// laneNamed is the lane of a waiter named in a test: "u…" urgent, else
// background.
func laneNamed(name string) lane {
	if strings.HasPrefix(name, "u") {
		return urgent
	}
	return background
}

// TestPacerLanes: the first call takes the slot at once; the waiters
// that arrive next, in turn, queue; each following slot, one gap after
// the one before, goes to the oldest urgent waiter, else to the oldest
// background one. A waiter whose context ends leaves at once and its
// place is given to the next.
func TestPacerLanes(t *testing.T) {
	const gap = 500 * time.Millisecond
	for _, tc := range []struct {
		name   string
		arrive []string // in this order once the first slot is taken; "u…" are urgent
		cancel []string // whose contexts then end, in this order
		later  []string // who arrive once all those are served
		want   []string // who get the slots after the first, in order
	}{
		{name: "background is first come first served",
			arrive: []string{"b1", "b2", "b3"}, want: []string{"b1", "b2", "b3"}},
		{name: "urgent is first come first served",
			arrive: []string{"u1", "u2", "u3"}, want: []string{"u1", "u2", "u3"}},
		{name: "urgent waiters overtake queued background ones",
			arrive: []string{"b1", "b2", "u1", "b3", "u2"}, want: []string{"u1", "u2", "b1", "b2", "b3"}},
		{name: "a cancelled background waiter takes no slot",
			arrive: []string{"b1", "b2", "b3"}, cancel: []string{"b2"}, want: []string{"b1", "b3"}},
		{name: "a cancelled urgent waiter holds no one back",
			arrive: []string{"b1", "u1", "b2", "u2"}, cancel: []string{"u1"}, want: []string{"u2", "b1", "b2"}},
		{name: "the slot of a waiter that left is free for the next caller",
			arrive: []string{"u1"}, cancel: []string{"u1"}, later: []string{"b1"}, want: []string{"b1"}},
		{name: "a caller after a quiet spell waits a gap after the last slot",
			arrive: []string{"b1"}, later: []string{"u1"}, want: []string{"b1", "u1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newPacerRig(t)
			r.arrive("first", background)
			r.settle()
			for _, n := range tc.arrive {
				r.arrive(n, laneNamed(n))
				r.settle() // queued before the next arrives
			}
			for _, n := range tc.cancel {
				r.leave(n)
			}
			for r.tick() {
			}
			for _, n := range tc.later {
				r.arrive(n, laneNamed(n))
				r.settle()
			}
			for r.tick() {
			}
			want := []string{"first +0s"}
			for _, n := range tc.cancel {
				want = append(want, n+" +0s "+context.Canceled.Error())
			}
			for i, n := range tc.want {
				want = append(want, fmt.Sprintf("%s +%v", n, time.Duration(i+1)*gap))
			}
			var got []string
			for _, res := range r.results {
				got = append(got, r.describe(res))
			}
			if !slices.Equal(got, want) {
				t.Errorf("waits returned\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestPacerUnderLoad: waiters of both lanes arrive in bursts between
// slots, each burst's at once, and now and then a queued one gives up.
// However their goroutines interleave, no two slots are closer than gap,
// every slot that comes while someone waits is given, and it goes to
// an urgent waiter whenever one waits.
func TestPacerUnderLoad(t *testing.T) {
	const gap = 500 * time.Millisecond
	rng := rand.New(rand.NewPCG(13, 2))
	r := newPacerRig(t)
	var grants []result
	cancelled, seen := 0, 0
	// take counts the waits returned since the last call and returns the
	// waiters granted meanwhile.
	take := func() []result {
		var got []result
		for _, res := range r.results[seen:] {
			switch {
			case errors.Is(res.err, context.Canceled):
				cancelled++
			case res.err != nil:
				t.Fatalf("%s: %v", res.name, res.err)
			default:
				got = append(got, res)
			}
		}
		seen = len(r.results)
		grants = append(grants, got...)
		return got
	}
	for round := 0; ; round++ {
		if round < 40 {
			for range rng.IntN(4) {
				l := lane(rng.IntN(int(lanes)))
				r.arrive(fmt.Sprintf("%c%d", "bu"[l], r.started), l)
			}
			r.settle()
			if queued := r.queued(); len(queued) > 0 && rng.IntN(3) == 0 {
				r.leave(queued[rng.IntN(len(queued))])
			}
			take()
		}
		r.p.mu.Lock()
		waiting, urgentWaiting := r.p.waiting(), len(r.p.queues[urgent]) > 0
		r.p.mu.Unlock()
		if !r.tick() {
			if round >= 40 {
				break
			}
			continue
		}
		got := take()
		switch {
		case waiting > 0 && len(got) != 1:
			t.Fatalf("at +%v with %d waiting, %d got the slot", r.now().Sub(r.start), waiting, len(got))
		case waiting == 0 && len(got) != 0:
			t.Fatalf("at +%v with no one waiting, %d got the slot", r.now().Sub(r.start), len(got))
		case urgentWaiting && r.lanes[got[0].name] != urgent:
			t.Errorf("%s got the slot at +%v while an urgent waiter waited", got[0].name, got[0].at.Sub(r.start))
		}
	}
	if len(grants)+cancelled != r.started || cancelled == 0 || len(grants) < 30 {
		t.Fatalf("%d waiters: %d granted, %d cancelled", r.started, len(grants), cancelled)
	}
	for i := 1; i < len(grants); i++ {
		if d := grants[i].at.Sub(grants[i-1].at); d < gap {
			t.Errorf("%s at +%v only %v after %s", grants[i].name, grants[i].at.Sub(r.start), d, grants[i-1].name)
		}
	}
}

// TestWebhookLookupGoesFirst: the look-up a webhook delivery makes for
// the first message of a Messenger customer the connector has not seen
// takes the next slot of the Page's budget, ahead of a profile look-up
// and another background read queued before it; they follow, a gap
// apart.
func TestWebhookLookupGoesFirst(t *testing.T) {
	srv := fbfake.New(fbfake.Options{PageID: testPage, Token: testToken})
	t.Cleanup(srv.Close)
	c, err := New(Config{PageID: testPage, PageToken: testToken, GraphURL: srv.URL()}, newMemStore(),
		WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	r := newPacerRig(t)
	c.pacer = r.p
	g := guest(1)
	at := time.Now().Truncate(time.Millisecond)
	srv.AddMessage("", g, "Is breakfast included?", at)
	body := fmt.Appendf(nil, `{"object":"page","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":%q},"recipient":{"id":%q},`+
		`"timestamp":%d,"message":{"mid":"m_1","text":"Is breakfast included?"}}]}]}`, testPage, at.UnixMilli(), g.ID, testPage, at.UnixMilli())
	hook := metaWebhook{WebhookConfig{PageID: testPage, Connector: c}}

	r.arrive("first", background) // the slot at +0s: everyone else queues
	r.settle()
	r.call("profile", func() error {
		_, err := c.LookupProfiles(context.Background(), []string{g.ID})
		return err
	})
	r.settle()
	r.arrive("poll", background)
	r.settle()
	r.call("webhook", func() error {
		items, err := hook.Parse(body)
		if err == nil && (len(items) != 1 || items[0].Thread == "") {
			err = fmt.Errorf("published %+v, want the message in its conversation", items)
		}
		return err
	})
	r.settle()
	for r.tick() {
	}
	var got []string
	for _, res := range r.results {
		got = append(got, r.describe(res))
	}
	want := []string{"first +0s", "webhook +500ms", "profile +1s", "poll +1.5s"}
	if !slices.Equal(got, want) {
		t.Errorf("calls went\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
