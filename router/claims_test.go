package router

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
)

// TestClaimOfAnItemTheStoreRefusesGoesToTheNext: two tweets of one
// customer arrive in one batch and the first is refused by the store (it
// is dead-lettered). The once-per-window part it claimed must go to the
// second, which is stored.
func TestClaimOfAnItemTheStoreRefusesGoesToTheNext(t *testing.T) {
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{StoreDir: filepath.Join(t.TempDir(), "nats")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	st := openStore(t)
	once := PolicyFunc(func(ctx context.Context, d *Decision) error {
		if claim(ctx, "notice:"+d.Message.Author.ID) {
			d.AddFlag("noticed")
		}
		return nil
	})
	r := New(Options{Bus: b, Store: st, Policy: once, Metrics: metrics.New()})

	refused := tweet("1", "7", "a\u0000b") // NUL: the store refuses it
	good := tweet("2", "7", "my room is cold")
	for _, in := range []inbox.Inbound{refused, good} {
		data, _ := json.Marshal(in)
		if err := b.Publish(ctx, in.Subject(), in.MsgID(), data); err != nil {
			t.Fatal(err)
		}
	}
	// Both in one batch, as the consumer would hand them over.
	cons, err := b.JetStream().CreateOrUpdateConsumer(ctx, bus.StreamInbound, jetstream.ConsumerConfig{Durable: "t", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(2, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []jetstream.Msg
	for m := range batch.Messages() {
		msgs = append(msgs, m)
	}
	if len(msgs) != 2 {
		t.Fatalf("fetched %d", len(msgs))
	}
	r.handle(WithBatch(ctx), msgs)

	conv, err := st.ConversationByThread(ctx, inbox.Twitter, inbox.Public, "7")
	if err != nil {
		t.Fatal(err)
	}
	if !conv.HasFlag("noticed") {
		t.Errorf("the stored tweet lost the part to the refused one: flags %v", conv.Flags)
	}
	if n, _ := st.Messages(ctx, conv.ID); len(n) != 1 {
		t.Errorf("%d messages stored, want the good one", len(n))
	}
}
