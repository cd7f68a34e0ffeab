package agent

import (
	"sync"
	"time"
)

// limiter counts failed sign-ins per key (a client address or an agent
// name) in a sliding window, so that passwords cannot be guessed quickly
// from one address, nor one agent's password from many addresses.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	fails  map[string][]time.Time
}

// maxLimiterKeys bounds the memory a flood of made-up names can take:
// beyond it, expired entries are dropped, and if that is not enough,
// arbitrary keys are forgotten. Filling the map needs thousands of client
// addresses, since each address is itself blocked after max failures.
const maxLimiterKeys = 10000

func newLimiter(maxFails int, window time.Duration) *limiter {
	return &limiter{max: maxFails, window: window, now: time.Now, fails: make(map[string][]time.Time)}
}

// wait returns how long the caller must wait before trying again because
// one of keys failed too often, or 0.
func (l *limiter) wait(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var longest time.Duration
	for _, k := range keys {
		ts := l.recent(k, now)
		if len(ts) >= l.max {
			// Blocked until the oldest failure in the window expires.
			longest = max(longest, ts[0].Add(l.window).Sub(now))
		}
	}
	return longest
}

// fail records one failed attempt for each key.
func (l *limiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.fails) >= maxLimiterKeys {
		l.prune(now)
	}
	for _, k := range keys {
		ts := append(l.recent(k, now), now)
		if len(ts) > l.max {
			ts = ts[len(ts)-l.max:]
		}
		l.fails[k] = ts
	}
}

// reset forgets a key's failures, e.g. an agent's after a good sign-in.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	delete(l.fails, key)
	l.mu.Unlock()
}

// recent returns the key's failures within the window, dropping older ones.
func (l *limiter) recent(k string, now time.Time) []time.Time {
	ts := l.fails[k]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-l.window)) {
		i++
	}
	if i == len(ts) {
		delete(l.fails, k)
		return nil
	}
	ts = ts[i:]
	l.fails[k] = ts
	return ts
}

func (l *limiter) prune(now time.Time) {
	for k := range l.fails {
		l.recent(k, now)
	}
	for k := range l.fails {
		if len(l.fails) < maxLimiterKeys/2 {
			break
		}
		delete(l.fails, k)
	}
}
