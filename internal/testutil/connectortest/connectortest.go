// Package connectortest is the harness that connector tests share: a real
// embedded bus and a real SQLite store in a temporary directory, a minimal
// ingest loop standing in for the router, and helpers to publish actions
// and wait for results.
package connectortest

import (
	"context"
	"encoding/json"
	"maps"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// Env is a running bus and store for one test.
type Env struct {
	Dir     string
	Bus     *bus.Bus
	Store   store.Store
	Health  *health.Registry
	Metrics *metrics.Metrics
	// LinkPrivate, when set, makes the ingest loop ask the store to link
	// every private item's conversation to the public one it continues
	// (store.Item.Link), as the router does.
	LinkPrivate atomic.Bool

	closeFn func()
}

// New starts an embedded bus and opens a SQLite store under t.TempDir(),
// and runs an ingest loop that stores every INBOUND item as is (no
// policy; no links unless LinkPrivate is set). Everything stops at the
// end of the test.
func New(t testing.TB) *Env {
	t.Helper()
	return Open(t, t.TempDir())
}

// Open is New with a chosen directory, so a test can "restart" on the same
// data: close the first Env (Close) and Open the same dir again.
func Open(t testing.TB, dir string) *Env {
	t.Helper()
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{StoreDir: filepath.Join(dir, "nats")}, nil)
	if err != nil {
		t.Fatalf("opening bus: %v", err)
	}
	st, err := sqlstore.Open(ctx, store.Config{Driver: "sqlite", DSN: filepath.Join(dir, "inboxbot.db")})
	if err != nil {
		b.Close()
		t.Fatalf("opening store: %v", err)
	}
	e := &Env{Dir: dir, Bus: b, Store: st, Health: health.New(), Metrics: metrics.New()}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = b.Consume(cctx, bus.ConsumerConfig{Stream: bus.StreamInbound, Durable: "router"}, func(ctx context.Context, msgs []jetstream.Msg) {
			items := make([]store.Item, 0, len(msgs))
			for _, m := range msgs {
				var in inbox.Inbound
				if err := json.Unmarshal(m.Data(), &in); err != nil {
					t.Errorf("undecodable inbound on %s: %v", m.Subject(), err)
					continue
				}
				items = append(items, store.Item{Message: in, Link: e.LinkPrivate.Load() && in.Kind.Channel() == inbox.Private})
			}
			if _, err := st.Ingest(ctx, items); err != nil {
				t.Errorf("ingest: %v", err)
				return
			}
			for _, m := range msgs {
				_ = m.Ack()
			}
		})
	}()
	var closed bool
	e.closeFn = func() {
		if closed {
			return
		}
		closed = true
		cancel()
		<-done
		st.Close()
		b.Close()
	}
	t.Cleanup(e.Close)
	return e
}

// Close stops the ingest loop, the store and the bus. It is idempotent.
func (e *Env) Close() { e.closeFn() }

// Runner returns a connectors.Runner for the platform, wired to the Env,
// with both loops on.
func (e *Env) Runner(p inbox.Platform, src connectors.Source, snd connectors.Sender, interval time.Duration) *connectors.Runner {
	return &connectors.Runner{
		Platform: p, Source: src, Sender: snd, Bus: e.Bus, Store: e.Store,
		Health: e.Health, Metrics: e.Metrics, Interval: interval, Poll: src != nil, Send: snd != nil,
	}
}

// Start runs r in the background and returns a function that stops it and
// waits for it to return.
func (e *Env) Start(t testing.TB, r *connectors.Runner) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(ctx); err != nil {
			t.Errorf("runner: %v", err)
		}
	}()
	var stopped bool
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// Action stores a as a pending action of a conversation (creating a
// conversation from seed when conversationID is 0) and publishes it to
// OUTBOUND times times, as a router would (duplicates included).
func (e *Env) Action(t testing.TB, a inbox.Action, times int) inbox.Action {
	t.Helper()
	ctx := context.Background()
	a.V = inbox.SchemaVersion
	stored, _, err := e.Store.CreateAction(ctx, a)
	if err != nil {
		t.Fatalf("creating action: %v", err)
	}
	data, _ := json.Marshal(stored)
	for i := 0; i < times; i++ {
		if err := e.Bus.Publish(ctx, stored.Subject(), "", data); err != nil {
			t.Fatalf("publishing action: %v", err)
		}
	}
	return stored
}

// WaitAction waits until the action is in a terminal state and returns it.
func (e *Env) WaitAction(t testing.TB, id int64, timeout time.Duration) inbox.Action {
	t.Helper()
	var a inbox.Action
	Eventually(t, timeout, func() bool {
		var err error
		a, err = e.Store.Action(context.Background(), id)
		return err == nil && a.State.Terminal()
	})
	return a
}

// CountMessages counts stored inbound messages across all conversations.
func (e *Env) CountMessages(t testing.TB) int {
	t.Helper()
	ctx := context.Background()
	page, err := e.Store.Conversations(ctx, store.Filter{Limit: 500})
	if err != nil {
		t.Fatalf("listing conversations: %v", err)
	}
	n := 0
	for off := 0; off < page.Total; off += 500 {
		p, err := e.Store.Conversations(ctx, store.Filter{Limit: 500, Offset: off})
		if err != nil {
			t.Fatalf("listing conversations: %v", err)
		}
		for _, c := range p.Conversations {
			msgs, err := e.Store.Messages(ctx, c.ID)
			if err != nil {
				t.Fatalf("listing messages: %v", err)
			}
			for _, m := range msgs {
				if m.Direction == inbox.In {
					n++
				}
			}
		}
	}
	return n
}

// Eventually polls cond every 20 ms until it holds, failing the test after
// timeout.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// MemStore is a store.Cursors that keeps cursors in memory, for tests
// that call a connector's Poll directly.
type MemStore struct {
	mu      sync.Mutex
	cursors map[string]string
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{cursors: make(map[string]string)} }

// Cursor returns the value saved under key, as a store does.
func (m *MemStore) Cursor(_ context.Context, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.cursors[key]
	return v, ok, nil
}

// SetCursor saves value under key, as a store does.
func (m *MemStore) SetCursor(_ context.Context, key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cursors[key] = value
	return nil
}

// Cursors returns a copy of every cursor saved so far, by key.
func (m *MemStore) Cursors() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.cursors)
}
