package bus_test

import (
	"context"
	"fmt"
	"os"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/bus"
)

// Open an embedded bus, publish an item twice under one Nats-Msg-Id, and
// consume it once.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "bus-example")
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	b, err := bus.Open(ctx, bus.Config{StoreDir: dir}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	for i := 0; i < 2; i++ {
		_ = b.Publish(ctx, "inbox.in.twitter.mention", "twitter:mention:42", []byte(`{"external_id":"42"}`))
	}
	got := make(chan string, 2)
	go b.Consume(ctx, bus.ConsumerConfig{Stream: bus.StreamInbound, Durable: "example"}, func(_ context.Context, msgs []jetstream.Msg) {
		for _, m := range msgs {
			got <- string(m.Data())
			_ = m.Ack()
		}
	})
	fmt.Println(<-got)
	// Output: {"external_id":"42"}
}
