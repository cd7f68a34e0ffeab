package bus_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/internal/testutil"
)

func openEmbedded(t *testing.T) *bus.Bus {
	t.Helper()
	b, err := bus.Open(context.Background(), bus.Config{StoreDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// startServer runs a TCP nats-server with JetStream, standing in for an
// external server or cluster node.
func startServer(t *testing.T, dir string, port int) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatalf("nats-server: %v", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	return srv
}

func TestEmbeddedOpensNoPortAndCreatesStreams(t *testing.T) {
	b := openEmbedded(t)
	if !b.Embedded() || b.ClientURL() != "" {
		t.Fatalf("embedded bus without listen should expose no client URL, got %q", b.ClientURL())
	}
	ctx := context.Background()
	for name, want := range map[string]jetstream.RetentionPolicy{
		bus.StreamInbound: jetstream.WorkQueuePolicy, bus.StreamOutbound: jetstream.WorkQueuePolicy, bus.StreamDead: jetstream.LimitsPolicy,
	} {
		s, err := b.JetStream().Stream(ctx, name)
		if err != nil {
			t.Fatalf("stream %s: %v", name, err)
		}
		if got := s.CachedInfo().Config.Retention; got != want {
			t.Errorf("stream %s retention = %v, want %v", name, got, want)
		}
		if got := s.CachedInfo().Config.Storage; got != jetstream.FileStorage {
			t.Errorf("stream %s storage = %v, want file", name, got)
		}
	}
}

func TestListenOpensPort(t *testing.T) {
	addr := "127.0.0.1:" + strconv.Itoa(testutil.FreePort(t))
	b, err := bus.Open(context.Background(), bus.Config{StoreDir: t.TempDir(), Listen: addr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatalf("nats.listen set but %s not reachable: %v", addr, err)
	}
	c.Close()
}

func TestReopenIsIdempotentAndKeepsMessages(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{StoreDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "inbox.in.twitter.mention", "twitter:mention:1", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	b.Close()
	b.Close() // idempotent
	b, err = bus.Open(ctx, bus.Config{StoreDir: dir}, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer b.Close()
	s, _ := b.JetStream().Stream(ctx, bus.StreamInbound)
	info, _ := s.Info(ctx)
	if info.State.Msgs != 1 {
		t.Fatalf("after reopen INBOUND holds %d messages, want 1", info.State.Msgs)
	}
}

func TestPublishDedupesByMsgID(t *testing.T) {
	b := openEmbedded(t)
	ctx := context.Background()
	var recs []bus.Record
	for i := 0; i < 100; i++ {
		id := fmt.Sprintf("facebook:comment:%d", i%50) // each id twice
		recs = append(recs, bus.Record{Subject: "inbox.in.facebook.comment", MsgID: id, Data: []byte(id)})
	}
	if err := b.PublishBatch(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "inbox.in.facebook.comment", "facebook:comment:7", []byte("again")); err != nil {
		t.Fatal(err)
	}
	s, _ := b.JetStream().Stream(ctx, bus.StreamInbound)
	info, _ := s.Info(ctx)
	if info.State.Msgs != 50 {
		t.Fatalf("INBOUND holds %d messages, want 50 after duplicate publishes", info.State.Msgs)
	}
}

// consumeAll consumes until want distinct payloads were acked, nacking
// the first delivery of every tenth message to force redeliveries.
func consumeAll(t *testing.T, b *bus.Bus, want int) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var mu sync.Mutex
	seen := map[string]int{}
	acked := map[string]bool{}
	done := make(chan struct{})
	var once sync.Once
	go func() {
		_ = b.Consume(ctx, bus.ConsumerConfig{Stream: bus.StreamInbound, Durable: "t", Batch: 32}, func(_ context.Context, msgs []jetstream.Msg) {
			mu.Lock()
			defer mu.Unlock()
			for _, m := range msgs {
				k := string(m.Data())
				seen[k]++
				n, _ := strconv.Atoi(k)
				if n%10 == 0 && seen[k] == 1 {
					_ = m.Nak()
					continue
				}
				_ = m.Ack()
				acked[k] = true
			}
			if len(acked) == want {
				once.Do(func() { close(done) })
			}
		})
	}()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("only %d of %d messages acked", len(acked), want)
	}
	cancel()
	return seen
}

func TestConsumeRedeliversNakedMessages(t *testing.T) {
	b := openEmbedded(t)
	ctx := context.Background()
	var recs []bus.Record
	for i := 0; i < 500; i++ {
		recs = append(recs, bus.Record{Subject: "inbox.in.twitter.dm", MsgID: strconv.Itoa(i), Data: []byte(strconv.Itoa(i))})
	}
	if err := b.PublishBatch(ctx, recs); err != nil {
		t.Fatal(err)
	}
	seen := consumeAll(t, b, 500)
	for k, n := range seen {
		i, _ := strconv.Atoi(k)
		if i%10 == 0 && n < 2 {
			t.Errorf("message %s was naked but delivered %d time(s)", k, n)
		}
	}
}

func TestExternalServerReconnectKeepsAckedWork(t *testing.T) {
	dir := t.TempDir()
	port := testutil.FreePort(t)
	srv := startServer(t, dir, port)
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{URL: "nats://127.0.0.1:" + strconv.Itoa(port), Replicas: 1}, nil)
	if err != nil {
		srv.Shutdown()
		t.Fatal(err)
	}
	defer b.Close()
	pub := func(from, to int) {
		var recs []bus.Record
		for i := from; i < to; i++ {
			recs = append(recs, bus.Record{Subject: "inbox.in.twitter.mention", MsgID: strconv.Itoa(i), Data: []byte(strconv.Itoa(i))})
		}
		if err := b.PublishBatch(ctx, recs); err != nil {
			t.Fatal(err)
		}
	}
	pub(0, 200)
	// Lose the server, then bring it back on the same port and storage.
	srv.Shutdown()
	srv.WaitForShutdown()
	srv = startServer(t, dir, port)
	defer srv.Shutdown()
	deadline := time.Now().Add(10 * time.Second)
	for ok, _ := b.Healthy(); !ok || b.Conn().Stats().Reconnects == 0; ok, _ = b.Healthy() {
		if time.Now().After(deadline) {
			t.Fatal("client did not reconnect")
		}
		time.Sleep(50 * time.Millisecond)
	}
	pub(200, 400)
	seen := consumeAll(t, b, 400)
	if len(seen) != 400 {
		t.Fatalf("consumed %d distinct messages, want 400", len(seen))
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  bus.Config
		want string // substring of the error, "" for valid
	}{
		{"embedded default", bus.Config{}, ""},
		{"external", bus.Config{URL: "nats://10.0.0.5:4222,nats://10.0.0.6:4222"}, ""},
		{"listen and url", bus.Config{URL: "nats://a:4222", Listen: "127.0.0.1:4333"}, "listen:"},
		{"bad url", bus.Config{URL: "http://a"}, "url:"},
		{"bad listen", bus.Config{Listen: "nohostport"}, "listen:"},
		{"embedded replicas", bus.Config{Replicas: 3}, "replicas:"},
		{"too many replicas", bus.Config{URL: "nats://a:4222", Replicas: 7}, "replicas:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	if got := (bus.Config{URL: "nats://a:4222"}).WithDefaults().Replicas; got != 3 {
		t.Errorf("default replicas for a cluster = %d, want 3", got)
	}
	if got := (bus.Config{}).WithDefaults().Replicas; got != 1 {
		t.Errorf("default replicas embedded = %d, want 1", got)
	}
}
