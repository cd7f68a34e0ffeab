package bus

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestPublishBatchDoesNotHangOnALostAck: a publish whose ack never comes
// (here a responder that swallows it, as a stream without a leader
// would) fails after the publish timeout even when the caller's context
// never ends, instead of blocking routing for good.
func TestPublishBatchDoesNotHangOnALostAck(t *testing.T) {
	defer func(d time.Duration) { publishTimeout = d }(publishTimeout)
	publishTimeout = 300 * time.Millisecond
	b, err := Open(context.Background(), Config{StoreDir: filepath.Join(t.TempDir(), "nats")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sub, err := b.Conn().Subscribe("swallowed.>", func(*nats.Msg) {})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	done := make(chan error, 1)
	go func() {
		done <- b.PublishBatch(context.WithoutCancel(context.Background()), []Record{{Subject: "swallowed.a", Data: []byte("x")}})
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a lost ack counted as success")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("PublishBatch still waiting 30 s after a lost ack")
	}
	if err := b.Publish(context.Background(), "swallowed.b", "", []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Publish with a lost ack: %v", err)
	}
}
