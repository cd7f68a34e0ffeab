package connectors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// LeaseBucket is the JetStream key-value bucket that holds the polling
// leases.
const LeaseBucket = "inboxbot_leases"

// KVLease is a Lease kept in a JetStream key-value bucket whose entries
// expire after TTL. The holder renews it by updating its entry (compare-
// and-set on the revision); when the holder dies, the entry expires and
// another instance's Create succeeds.
type KVLease struct {
	mu    sync.Mutex // guards rev: the renewer and Release may overlap
	kv    jetstream.KeyValue
	key   string
	owner string
	rev   uint64
}

// NewKVLease opens (creating if needed) the lease bucket with the given TTL
// and replica count, for the lease named key held under owner (unique per
// process). ctx bounds the bucket creation.
func NewKVLease(ctx context.Context, js jetstream.JetStream, key, owner string, ttl time.Duration, replicas int) (*KVLease, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: LeaseBucket, TTL: ttl, Replicas: max(replicas, 1), History: 1,
		Description: "which instance polls each platform account",
	})
	if err != nil {
		return nil, fmt.Errorf("opening lease bucket: %w", err)
	}
	return &KVLease{kv: kv, key: key, owner: owner}, nil
}

// Acquire takes the lease if it is free, or renews it if this owner holds
// it. ctx bounds the call.
func (l *KVLease) Acquire(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rev != 0 {
		rev, err := l.kv.Update(ctx, l.key, []byte(l.owner), l.rev)
		if err == nil {
			l.rev = rev
			return true, nil
		}
		l.rev = 0 // lost it (expired and taken, or the bucket was reset)
	}
	rev, err := l.kv.Create(ctx, l.key, []byte(l.owner))
	switch {
	case err == nil:
		l.rev = rev
		return true, nil
	case errors.Is(err, jetstream.ErrKeyExists):
		return l.adopt(ctx)
	default:
		return false, fmt.Errorf("acquiring lease %s: %w", l.key, err)
	}
}

// adopt takes over a lease that this owner holds from before a restart
// (after a kill -9 nothing released it): the owner is stable across
// restarts, so the instance need not wait for the TTL to expire. A lease
// held by another owner is left alone. l.mu must be held.
func (l *KVLease) adopt(ctx context.Context) (bool, error) {
	e, err := l.kv.Get(ctx, l.key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false, nil // expired meanwhile: the next Acquire creates it
	case err != nil:
		return false, fmt.Errorf("reading lease %s: %w", l.key, err)
	case string(e.Value()) != l.owner:
		return false, nil
	}
	rev, err := l.kv.Update(ctx, l.key, []byte(l.owner), e.Revision())
	if err != nil {
		return false, nil // changed meanwhile: not ours any more
	}
	l.rev = rev
	return true, nil
}

// Release deletes the lease if this owner holds it, so another instance
// can take over at once. ctx bounds the call.
func (l *KVLease) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rev == 0 {
		return nil
	}
	rev := l.rev
	l.rev = 0
	if err := l.kv.Delete(ctx, l.key, jetstream.LastRevision(rev)); err != nil {
		return fmt.Errorf("releasing lease %s: %w", l.key, err)
	}
	return nil
}
