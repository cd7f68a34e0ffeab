package connectors_test

import (
	"context"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/connectors"
)

func TestKVLeaseOneHolderAndTakeover(t *testing.T) {
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{StoreDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// A TTL well above a loaded machine's stalls: the renewals below come
	// every TTL/10, so a stall of most of the TTL still renews in time.
	const ttl = 4 * time.Second
	a, err := connectors.NewKVLease(ctx, b.JetStream(), "twitter", "instance-a", ttl, 1)
	if err != nil {
		t.Fatal(err)
	}
	c, err := connectors.NewKVLease(ctx, b.JetStream(), "twitter", "instance-b", ttl, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := a.Acquire(ctx); !ok || err != nil {
		t.Fatalf("a.Acquire = %v, %v; want the free lease", ok, err)
	}
	if ok, _ := c.Acquire(ctx); ok {
		t.Fatal("b acquired a lease a holds")
	}
	// a renews for longer than the TTL: b must never get it.
	for i := 0; i < 12; i++ {
		time.Sleep(ttl / 10)
		if ok, err := a.Acquire(ctx); !ok || err != nil {
			t.Fatalf("renewal %d failed: %v %v", i, ok, err)
		}
		if ok, _ := c.Acquire(ctx); ok {
			t.Fatalf("b took the lease while a renewed it (round %d)", i)
		}
	}
	// a dies (stops renewing): b takes over within 2 × TTL.
	died := time.Now()
	for {
		if ok, _ := c.Acquire(ctx); ok {
			break
		}
		if time.Since(died) > 2*ttl {
			t.Fatalf("b did not take over within 2 × TTL")
		}
		time.Sleep(ttl / 10)
	}
	if ok, _ := a.Acquire(ctx); ok {
		t.Fatal("a still believes it holds the lease after b took it")
	}
	// Release hands over at once.
	if err := c.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.Acquire(ctx); !ok {
		t.Fatal("a could not take a released lease")
	}
}

// TestKVLeaseSameOwnerAfterCrash: an instance restarted after a kill -9
// (nothing released its lease) has the same owner name, from its data
// dir, and takes its own lease back at once rather than after the TTL.
func TestKVLeaseSameOwnerAfterCrash(t *testing.T) {
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{StoreDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const ttl = time.Hour // expiry plays no part
	before, err := connectors.NewKVLease(ctx, b.JetStream(), "facebook.1", "host-a1b2", ttl, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := before.Acquire(ctx); !ok || err != nil {
		t.Fatalf("first Acquire = %v, %v", ok, err)
	}
	// The crash: the old lease object is gone without Release.
	after, err := connectors.NewKVLease(ctx, b.JetStream(), "facebook.1", "host-a1b2", ttl, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := after.Acquire(ctx); !ok || err != nil {
		t.Fatalf("Acquire after a restart = %v, %v; want its own lease back", ok, err)
	}
	other, err := connectors.NewKVLease(ctx, b.JetStream(), "facebook.1", "host-c3d4", ttl, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := other.Acquire(ctx); ok {
		t.Fatal("another owner took a held lease")
	}
	if ok, err := after.Acquire(ctx); !ok || err != nil {
		t.Fatalf("renewal after adopting: %v, %v", ok, err)
	}
}
