package facebook

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/webhook"
	"github.com/inboxbot/inboxbot/inbox"
)

// simClock is a simulated clock shared by the fake, the connector and
// its request budget: a wait for the budget moves it forward, so that a
// 5-minute run takes milliseconds and keeps Meta's 2 calls a second
// exactly.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (s *simClock) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.t
}

// to moves the clock to t, never back.
func (s *simClock) to(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.After(s.t) {
		s.t = t
	}
}

func (s *simClock) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.t = s.t.Add(d)
	s.mu.Unlock()
	return ctx.Err()
}

// costRun is a scripted run of customer traffic on a Page.
type costRun struct {
	t      *testing.T
	clock  *simClock
	srv    *fbfake.Server
	c      *Connector
	rng    *rand.Rand
	posts  []string
	convs  map[int]string // customer → conversation
	events int            // webhook events the traffic made
	public int            // comments and visitor posts added
	got    []inbox.Inbound
}

// The traffic: like the demo's Facebook share, 12 customer items a
// minute from 40 customers: half of them Messenger messages, a third
// comments under the Page's 3 posts, the rest visitor posts; the Page
// answers one Messenger message in three.
const (
	costRunFor       = 5 * time.Minute
	costPollInterval = 30 * time.Second
	costItemsPerMin  = 12
)

func newCostRun(t *testing.T) *costRun {
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	r := &costRun{t: t, clock: &simClock{t: start}, rng: rand.New(rand.NewPCG(13, 1)), convs: map[int]string{}}
	// Meta's limit: ConversationsPerSecond is left at its default, 2.
	r.srv = fbfake.New(fbfake.Options{PageID: testPage, Token: testToken, Now: r.clock.Now, DistinctPSIDs: true})
	t.Cleanup(r.srv.Close)
	c, err := New(Config{PageID: testPage, PageToken: testToken, GraphURL: r.srv.URL(), PollInterval: costPollInterval},
		newMemStore(), WithClock(r.clock.Now), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	c.pacer.now, c.pacer.sleep = r.clock.Now, r.clock.sleep
	r.c = c
	for i := range 3 {
		r.posts = append(r.posts, r.srv.AddPagePost(fmt.Sprintf("Deal %d", i), start.Add(-24*time.Hour)))
	}
	return r
}

// traffic adds the customer items of the interval [from, from+d).
func (r *costRun) traffic(from time.Time, d time.Duration) {
	n := int(d * costItemsPerMin / time.Minute)
	for i := range n {
		at := from.Add(time.Duration(i) * d / time.Duration(n))
		cust := r.rng.IntN(40)
		g := guest(cust)
		switch k := r.rng.IntN(20); {
		case k < 10:
			id := r.srv.AddMessage(r.convs[cust], g, "a question", at)
			r.convs[cust] = r.srv.ConversationOf(id)
			r.events++
			if r.rng.IntN(3) == 0 {
				r.srv.AddMessage(r.convs[cust], r.srv.Page(), "an answer", at.Add(time.Second))
				r.events++
			}
		case k < 17:
			r.srv.AddComment(r.posts[cust%len(r.posts)], "", g, "a comment", at)
			r.events++
			r.public++
		default:
			r.srv.AddPost(g, "a visitor post", at)
			r.events++
			r.public++
		}
	}
}

func (r *costRun) poll() {
	r.t.Helper()
	_, err := r.c.Poll(context.Background(), func(_ context.Context, items []inbox.Inbound) error {
		r.got = append(r.got, items...)
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

// report checks the calls of the run: none refused for a rate limit, and
// at most limit per new Messenger message.
func (r *costRun) report(what string, limit float64) {
	r.t.Helper()
	calls := r.srv.Calls()
	for _, c := range calls {
		if isRateLimit(c.Code) || c.Code != 0 {
			r.t.Errorf("%s %s answered code %d", c.Method, c.Path, c.Code)
		}
	}
	msgs := r.srv.CustomerMessages()
	per := float64(len(calls)) / float64(msgs)
	r.t.Logf("%s: %d Graph calls over a scripted %s for %d new Messenger messages (and %d comments and posts): %.2f calls per message",
		what, len(calls), costRunFor, msgs, r.public, per)
	if per > limit {
		r.t.Errorf("%.2f Graph calls per new Messenger message, want at most %.1f", per, limit)
	}
}

// TestGraphCallsPerMessengerMessage runs 5 minutes of demo-like traffic
// polled every 30 s, with Meta's 2 calls a second per Page on both sides
// and a simulated clock, and counts the Graph calls the fake saw per new
// Messenger message: at most 3 when polling alone (issue 13), about 1 with
// webhooks. No call may draw a rate-limit error.
func TestGraphCallsPerMessengerMessage(t *testing.T) {
	t.Run("polling alone", func(t *testing.T) {
		r := newCostRun(t)
		start := r.clock.Now()
		r.poll() // the Page's history, before the run
		r.srv.ResetCalls()
		for at := start; at.Before(start.Add(costRunFor)); at = at.Add(costPollInterval) {
			r.traffic(at, costPollInterval)
			r.clock.to(at.Add(costPollInterval))
			r.poll()
		}
		if n := len(r.got); n != costItemsPerMin*5 {
			t.Fatalf("published %d items, want %d", n, costItemsPerMin*5)
		}
		r.report("polling alone", 3)
	})

	t.Run("with webhooks", func(t *testing.T) {
		r := newCostRun(t)
		start := r.clock.Now()
		r.poll()
		r.srv.ResetCalls()
		col := &collector{}
		wh, err := NewWebhook(WebhookConfig{AppSecret: r.srv.AppSecret(), VerifyToken: testVerifyToken, PageID: testPage, Connector: r.c},
			webhook.Deps{Publish: col.publish, Delivered: r.c.WebhookDelivered, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(wh)
		defer hs.Close()
		if err := r.srv.SetWebhook(hs.URL, testVerifyToken); err != nil {
			t.Fatal(err)
		}
		for at := start; at.Before(start.Add(costRunFor)); at = at.Add(costPollInterval) {
			r.traffic(at, costPollInterval)
			waitDelivered(t, r.srv, r.events)
			r.clock.to(at.Add(costPollInterval))
			r.poll()
		}
		if n := len(col.got()); n != costItemsPerMin*5 {
			t.Errorf("the webhook published %d items, want %d", n, costItemsPerMin*5)
		}
		r.report("with webhooks", 1)
	})
}
