package facebook

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/testutil"
	"github.com/inboxbot/inboxbot/internal/testutil/connectortest"
	"github.com/inboxbot/inboxbot/store"
)

const (
	testPage  = "1000"
	testToken = "EAAtest-page-token"
	// tick is the Runner's poll interval in tests.
	tick = 30 * time.Millisecond
	// fastRate is the per-Page request budget of tests that run polls
	// every 100ms rather than 30s: the fake's limit and the connector's
	// budget alike, so that the budget is still exercised.
	fastRate = 300
)

// memStore keeps cursors and actions in memory, for tests of the
// connector alone; the other Store methods are not used and panic.
type memStore struct {
	*connectortest.MemStore
	mu      sync.Mutex
	actions []inbox.Action
}

func newMemStore() *memStore { return &memStore{MemStore: connectortest.NewMemStore()} }

func (m *memStore) ActionByKey(_ context.Context, key string) (inbox.Action, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.actions {
		if a.Key == key {
			return a, nil
		}
	}
	return inbox.Action{}, store.ErrNotFound
}

func (m *memStore) Actions(_ context.Context, conv int64) ([]inbox.Action, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []inbox.Action
	for _, a := range m.actions {
		if a.ConversationID == conv {
			out = append(out, a)
		}
	}
	return out, nil
}

func newTestConnector(t testing.TB) *Connector {
	t.Helper()
	c, err := New(Config{PageID: testPage, PageToken: testToken, GraphURL: "http://127.0.0.1:1/"}, newMemStore())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rig is a fake Graph API, a real bus and store (connectortest) and a
// Runner driving a Connector.
type rig struct {
	t    *testing.T
	srv  *fbfake.Server
	env  *connectortest.Env
	cfg  Config
	conn *Connector
	logs *testutil.Buffer // log output, to check that no customer text or secret is ever logged
	stop func()
}

func newRig(t *testing.T, fo fbfake.Options, mod func(*Config)) *rig {
	t.Helper()
	fo.PageID = testPage
	if fo.Token == "" {
		fo.Token = testToken
	}
	if fo.ConversationsPerSecond == 0 {
		// Meta's 2 a second, scaled like the poll interval (30s → 100ms).
		fo.ConversationsPerSecond = fastRate
	}
	srv := fbfake.New(fo)
	t.Cleanup(srv.Close)
	cfg := Config{
		Enabled: true, PageID: testPage, PageToken: fo.Token, GraphURL: srv.URL(),
		PollInterval: 100 * time.Millisecond, RateLimitWait: 200 * time.Millisecond, PageSize: 50,
		RequestsPerSecond: fastRate,
	}
	if mod != nil {
		mod(&cfg)
	}
	return &rig{t: t, srv: srv, env: connectortest.New(t), cfg: cfg, logs: &testutil.Buffer{}}
}

// start makes a new Connector (a fresh process, as far as the connector
// knows) and runs it.
func (r *rig) start() {
	r.t.Helper()
	r.connect()
	r.run()
}

// connect makes a new Connector without running it.
func (r *rig) connect() {
	r.t.Helper()
	c, err := New(r.cfg, r.env.Store, WithLogger(r.logger()), WithMetrics(r.env.Metrics))
	if err != nil {
		r.t.Fatal(err)
	}
	r.conn = c
}

// run runs r.conn in a Runner.
func (r *rig) run() {
	run := r.env.Runner(inbox.Facebook, r.conn, r.conn, tick)
	run.Log = r.logger()
	r.stop = r.env.Start(r.t, run)
}

func (r *rig) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startSource runs src (wrapping the connector) with no send loop.
func (r *rig) startSource(src connectors.Source) {
	run := r.env.Runner(inbox.Facebook, src, nil, tick)
	run.Log = slog.New(slog.NewTextHandler(r.logs, nil))
	r.stop = r.env.Start(r.t, run)
}

// restart stops the Runner, closes the bus and store, and opens them
// again on the same directory, as a process restart would.
func (r *rig) restart() {
	r.t.Helper()
	if r.stop != nil {
		r.stop()
	}
	dir := r.env.Dir
	r.env.Close()
	r.env = connectortest.Open(r.t, dir)
}

// externalIDs returns the external ids of every stored inbound message,
// failing on a duplicate.
func (r *rig) externalIDs() map[string]store.Message {
	r.t.Helper()
	ctx := context.Background()
	out := map[string]store.Message{}
	for off := 0; ; off += 500 {
		p, err := r.env.Store.Conversations(ctx, store.Filter{Limit: 500, Offset: off})
		if err != nil {
			r.t.Fatal(err)
		}
		for _, c := range p.Conversations {
			msgs, err := r.env.Store.Messages(ctx, c.ID)
			if err != nil {
				r.t.Fatal(err)
			}
			for _, m := range msgs {
				if m.Direction != inbox.In {
					continue
				}
				if _, dup := out[m.ExternalID]; dup {
					r.t.Fatalf("message %s stored twice", m.ExternalID)
				}
				out[m.ExternalID] = m
			}
		}
		if off+500 >= p.Total {
			return out
		}
	}
}

// waitStored waits until exactly the ids in want are stored.
func (r *rig) waitStored(want map[string]bool, timeout time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := r.externalIDs()
		if len(got) == len(want) {
			for id := range want {
				if _, ok := got[id]; !ok {
					r.t.Fatalf("%s missing while %d are stored", id, len(got))
				}
			}
			return
		}
		if len(got) > len(want) {
			for id := range got {
				if !want[id] {
					r.t.Fatalf("unexpected item %s stored", id)
				}
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d of %d items stored after %s", len(got), len(want), timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitPolls waits until the fake has seen n more calls, so that a few
// more polls have run.
func (r *rig) waitPolls(n int) {
	r.t.Helper()
	start := len(r.srv.Calls())
	connectortest.Eventually(r.t, 5*time.Second, func() bool { return len(r.srv.Calls()) >= start+n })
}

// conversation returns the stored conversation of a thread.
func (r *rig) conversation(ch inbox.Channel, thread string) store.Conversation {
	r.t.Helper()
	var c store.Conversation
	connectortest.Eventually(r.t, 5*time.Second, func() bool {
		var err error
		c, err = r.env.Store.ConversationByThread(context.Background(), inbox.Facebook, ch, thread)
		return err == nil
	})
	return c
}

// sourceFunc adapts a function to connectors.Source.
type sourceFunc func(ctx context.Context, publish connectors.Publish) (time.Duration, error)

func (f sourceFunc) Poll(ctx context.Context, publish connectors.Publish) (time.Duration, error) {
	return f(ctx, publish)
}
