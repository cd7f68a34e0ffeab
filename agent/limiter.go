package agent

import (
	"sync"
	"time"
)

// limiter counts sign-in attempts per key (a client address or an agent
// name) in a sliding window: an attempt counts from the moment it is made
// until it turns out to be good, so that passwords cannot be guessed quickly
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

// reserve counts one attempt for each of keys before the password is
// checked, or returns how long the caller must wait because one of keys
// has used up its attempts. Counting first is what makes the limit hold
// for parallel requests: were the failure recorded only after the slow
// bcrypt check, every request of a burst would pass the check before the
// first one failed. A reservation left alone stays counted as a failure;
// release gives it back (a good password, or no check made).
func (l *limiter) reserve(keys ...string) (time.Duration, *reservation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var longest time.Duration
	for _, k := range keys {
		ts := l.recent(k, now)
		if len(ts) >= l.max {
			// Blocked until the oldest attempt in the window expires.
			longest = max(longest, ts[0].Add(l.window).Sub(now))
		}
	}
	if longest > 0 {
		return longest, nil
	}
	if len(l.fails) >= maxLimiterKeys {
		l.prune(now)
	}
	for _, k := range keys {
		l.fails[k] = append(l.fails[k], now)
	}
	return 0, &reservation{l: l, keys: keys, at: now}
}

// reservation is one attempt counted by reserve.
type reservation struct {
	l    *limiter
	keys []string
	at   time.Time
	once sync.Once
}

// release takes the attempt back from every key it was counted against.
// It is idempotent.
func (r *reservation) release() {
	r.once.Do(func() {
		r.l.mu.Lock()
		defer r.l.mu.Unlock()
		for _, k := range r.keys {
			ts := r.l.fails[k]
			// Attempts of the same instant are alike: dropping any one of
			// them is the same as dropping this one.
			for i := len(ts) - 1; i >= 0; i-- {
				if ts[i].Equal(r.at) {
					ts = append(ts[:i:i], ts[i+1:]...)
					break
				}
			}
			if len(ts) == 0 {
				delete(r.l.fails, k)
			} else {
				r.l.fails[k] = ts
			}
		}
	})
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
