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

// TestItemTheStoreRefusesIsKeptAndActedOn: two tweets of one customer
// arrive in one batch and the store refuses the first (a NUL in its
// text). It is kept as a placeholder that agents see, flagged
// unstorable, and the batch is decided again, so that exactly one of the
// two holds the once-per-window part.
func TestItemTheStoreRefusesIsKeptAndActedOn(t *testing.T) {
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
	if !conv.HasFlag("noticed") || !conv.HasFlag(inbox.FlagUnstorable) {
		t.Errorf("flags %v, want the part and unstorable", conv.Flags)
	}
	stored, err := st.Messages(ctx, conv.ID)
	if err != nil || len(stored) != 2 || stored[0].Text != unstorableText || stored[1].Text != good.Text {
		t.Errorf("stored %+v, %v; want the placeholder and the good one", stored, err)
	}
}
