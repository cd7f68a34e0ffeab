package router_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/inboxbot/inboxbot/bench"
	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/router"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// loopEnv is a real embedded bus and SQLite store with a policy-less
// router running on them.
type loopEnv struct {
	bus     *bus.Bus
	store   store.Store
	metrics *metrics.Metrics
}

func startLoop(t *testing.T, wrap func(store.Store) store.Store) *loopEnv {
	t.Helper()
	return startRouter(t, wrap, router.Options{})
}

// startRouter is startLoop with a router built from o (its Bus, Store and
// Metrics are the environment's).
func startRouter(t *testing.T, wrap func(store.Store) store.Store, o router.Options) *loopEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	b, err := bus.Open(ctx, bus.Config{StoreDir: filepath.Join(dir, "nats")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.Open(ctx, store.Config{Driver: "sqlite", DSN: filepath.Join(dir, "db.sqlite")})
	if err != nil {
		t.Fatal(err)
	}
	e := &loopEnv{bus: b, store: st, metrics: metrics.New()}
	routed := st
	if wrap != nil {
		routed = wrap(st)
	}
	o.Bus, o.Store, o.Metrics = b, routed, e.metrics
	r := router.New(o)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(rctx) }()
	t.Cleanup(func() { cancel(); <-done; st.Close(); b.Close() })
	return e
}

func (e *loopEnv) publish(t *testing.T, items []inbox.Inbound, withMsgID bool) {
	t.Helper()
	recs := make([]bus.Record, len(items))
	for i := range items {
		data, _ := json.Marshal(&items[i])
		recs[i] = bus.Record{Subject: items[i].Subject(), Data: data}
		if withMsgID {
			recs[i].MsgID = items[i].MsgID()
		}
	}
	if err := e.bus.PublishBatch(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
}

// stored returns every stored inbound message by external id, and the
// conversations that hold them.
func (e *loopEnv) stored(t *testing.T) (map[string]store.Message, map[int64]store.Conversation) {
	t.Helper()
	ctx := context.Background()
	msgs := map[string]store.Message{}
	convs := map[int64]store.Conversation{}
	for off := 0; ; off += 500 {
		p, err := e.store.Conversations(ctx, store.Filter{Limit: 500, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Conversations {
			convs[c.ID] = c
			ms, err := e.store.Messages(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if _, dup := msgs[m.ExternalID]; dup {
					t.Errorf("message %s stored twice", m.ExternalID)
				}
				msgs[m.ExternalID] = m
			}
		}
		if off+500 >= p.Total {
			return msgs, convs
		}
	}
}

// routed counts the items the router has routed.
func (e *loopEnv) routed() int {
	total := 0
	for _, p := range []string{"facebook", "twitter"} {
		for _, k := range []string{"message", "post", "comment", "mention", "dm"} {
			total += int(testutil.ToFloat64(e.metrics.Routed.WithLabelValues(p, k)))
		}
	}
	return total
}

func (e *loopEnv) waitRouted(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		total := e.routed()
		if total >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("routed %d of %d items", total, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRoutesTenThousandIntoConversations(t *testing.T) {
	e := startLoop(t, nil)
	items := bench.Traffic(1, 10000)
	e.publish(t, items, true)
	e.waitRouted(t, len(items))
	msgs, convs := e.stored(t)
	if len(msgs) != len(items) {
		t.Fatalf("stored %d messages, want %d", len(msgs), len(items))
	}
	// Every item is in the conversation of its (platform, channel, thread).
	type key struct {
		p  inbox.Platform
		ch inbox.Channel
		th string
	}
	want := map[key]int{}
	for _, it := range items {
		want[key{it.Platform, it.Kind.Channel(), it.Thread}]++
		m := msgs[it.ExternalID]
		c := convs[m.ConversationID]
		if c.Platform != it.Platform || c.Thread != it.Thread || c.Channel != it.Kind.Channel() {
			t.Fatalf("item %s landed in conversation %+v", it.ExternalID, c)
		}
		if c.Customer.ExternalID != it.Author.ID {
			t.Fatalf("item %s: conversation customer %q, want %q", it.ExternalID, c.Customer.ExternalID, it.Author.ID)
		}
	}
	if len(convs) != len(want) {
		t.Fatalf("%d conversations, want %d", len(convs), len(want))
	}
}

// flakyStore fails every third Ingest after committing it, so the router
// naks a batch that is in fact stored and its redelivery must be a no-op.
type flakyStore struct {
	store.Store
	calls atomic.Int64
}

func (s *flakyStore) Ingest(ctx context.Context, items []store.Item) ([]store.Ingested, error) {
	res, err := s.Store.Ingest(ctx, items)
	if err == nil && s.calls.Add(1)%3 == 0 {
		return nil, errors.New("injected failure after commit")
	}
	return res, err
}

func TestDuplicatesAndRedeliveriesStoreOnce(t *testing.T) {
	e := startLoop(t, func(st store.Store) store.Store { return &flakyStore{Store: st} })
	items := bench.Traffic(2, 1000)
	e.publish(t, items, true)
	// The same 1,000 again without Nats-Msg-Id, so the bus cannot drop
	// them and the store's unique key must.
	e.publish(t, items, false)
	deadline := time.Now().Add(60 * time.Second)
	for {
		si, _ := e.bus.JetStream().Stream(context.Background(), bus.StreamInbound)
		info, _ := si.Info(context.Background())
		if info != nil && info.State.Msgs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("INBOUND not drained")
		}
		time.Sleep(50 * time.Millisecond)
	}
	msgs, _ := e.stored(t)
	if len(msgs) != 1000 {
		t.Fatalf("stored %d messages, want 1000", len(msgs))
	}
	var dups float64
	for _, p := range []string{"facebook", "twitter"} {
		for _, k := range []string{"message", "post", "comment", "mention", "dm"} {
			dups += testutil.ToFloat64(e.metrics.Duplicates.WithLabelValues(p, k))
		}
	}
	if dups < 1000 {
		t.Errorf("duplicates counted %v, want at least 1000", dups)
	}
}

func TestUndecodableGoesToDeadLetterAndLoopContinues(t *testing.T) {
	e := startLoop(t, nil)
	ctx := context.Background()
	bad := []struct{ subject, data, reason string }{
		{"inbox.in.twitter.mention", `{not json`, "undecodable"},
		{"inbox.in.twitter.mention", `{"v":1,"platform":"twitter","kind":"comment","external_id":"x","thread":"t","author":{"id":"1"},"created_at":"2026-01-01T00:00:00Z"}`, "not valid on twitter"},
		{"inbox.in.facebook.message", `{"v":99,"platform":"facebook","kind":"message"}`, "schema version"},
		{"inbox.in.facebook.message", "\xff\xfe invalid utf-8", "undecodable"},
	}
	for _, b := range bad {
		if err := e.bus.Publish(ctx, b.subject, "", []byte(b.data)); err != nil {
			t.Fatal(err)
		}
	}
	// Refused by the store (a NUL): not dead-lettered but kept as a
	// placeholder that agents see.
	nul := `{"v":1,"platform":"twitter","kind":"mention","external_id":"nul","thread":"t","author":{"id":"1"},"text":"a\u0000b","created_at":"2026-01-01T00:00:00Z"}`
	if err := e.bus.Publish(ctx, "inbox.in.twitter.mention", "", []byte(nul)); err != nil {
		t.Fatal(err)
	}
	good := bench.Traffic(3, 10)
	e.publish(t, good, true)
	e.waitRouted(t, len(good)+1)

	dead, err := e.bus.JetStream().Stream(ctx, bus.StreamDead)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := dead.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range bad {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("dead letter %d: %v", i, err)
		}
		if m.Subject() != "inbox.dead."+b.subject {
			t.Errorf("dead letter %d on %s", i, m.Subject())
		}
		if reason := m.Headers().Get("Inboxbot-Dead-Reason"); !strings.Contains(reason, b.reason) {
			t.Errorf("dead letter %d reason %q, want it to mention %q", i, reason, b.reason)
		}
		if string(m.Data()) != b.data {
			t.Errorf("dead letter %d lost its payload", i)
		}
	}
	counted := testutil.ToFloat64(e.metrics.DeadLettered.WithLabelValues("inbox.in.twitter.mention")) +
		testutil.ToFloat64(e.metrics.DeadLettered.WithLabelValues("inbox.in.facebook.message"))
	if counted != float64(len(bad)) {
		t.Errorf("dead letters counted %v, want %d", counted, len(bad))
	}
}
