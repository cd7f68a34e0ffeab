package twitter

import (
	"net/http"
	"testing"
	"time"
)

func TestPace(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	const interval = 15 * time.Second
	tests := []struct {
		name      string
		remaining int
		reset     time.Time
		want      time.Duration
	}{
		{"no header seen yet", 0, time.Time{}, interval},
		{"window already over", 0, now.Add(-time.Second), interval},
		{"window ends now", 3, now, interval},
		{"plenty left: interval wins", 70, now.Add(10 * time.Minute), interval},
		{"spread 10 calls over 10 minutes", 10, now.Add(10 * time.Minute), time.Minute},
		{"last call waits for the rest of the window", 1, now.Add(5 * time.Minute), 5 * time.Minute},
		{"nothing left waits for the reset", 0, now.Add(90 * time.Second), 90 * time.Second},
		{"negative remaining is nothing left", -2, now.Add(time.Minute), time.Minute},
		{"full mentions budget, 15 minutes", 75, now.Add(15 * time.Minute), 15 * time.Second},
		{"DM budget: 15 per 15 minutes is one a minute", 15, now.Add(15 * time.Minute), time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pace(interval, tt.remaining, tt.reset, now); got != tt.want {
				t.Errorf("pace(%s, %d, reset in %s) = %s, want %s", interval, tt.remaining, tt.reset.Sub(now), got, tt.want)
			}
		})
	}
}

func TestPaceNeverExceedsBudget(t *testing.T) {
	// Following pace from any point of a window never makes more calls
	// than remaining before the reset.
	now := time.Unix(1_700_000_000, 0)
	reset := now.Add(15 * time.Minute)
	for remaining := 1; remaining <= 75; remaining++ {
		at, calls := now, 0
		for at.Before(reset) {
			calls++ // a call made at `at` leaves one fewer
			at = at.Add(pace(time.Second, remaining-calls, reset, at))
		}
		if calls > remaining {
			t.Fatalf("remaining %d: %d calls before the reset", remaining, calls)
		}
	}
}

func TestBudget(t *testing.T) {
	now := time.Unix(1_562_984_000, 0)
	h := http.Header{}
	// Headers recorded from mentions_timeline (tweepy cassette).
	h.Set("x-rate-limit-limit", "75")
	h.Set("x-rate-limit-remaining", "70")
	h.Set("x-rate-limit-reset", "1562984896")
	var b budget
	if !b.blockedUntil(now).IsZero() {
		t.Fatal("an unknown budget must allow calls")
	}
	b.observe(h, now)
	if b.limit != 75 || b.remaining != 70 || b.reset.Unix() != 1562984896 {
		t.Fatalf("observe: %+v", b)
	}
	b.observe(http.Header{}, now) // statuses/update sends no headers
	if b.remaining != 70 {
		t.Fatalf("a response without headers erased the budget: %+v", b)
	}
	h.Set("x-rate-limit-remaining", "0")
	b.observe(h, now)
	if got := b.blockedUntil(now); !got.Equal(time.Unix(1562984896, 0)) {
		t.Fatalf("spent budget: blocked until %v", got)
	}
	if got := b.blockedUntil(time.Unix(1562984896, 0)); !got.IsZero() {
		t.Fatalf("after the reset: blocked until %v", got)
	}

	// Our clock is 30s ahead of the server's: the reset moves with it.
	var s budget
	h.Set("x-rate-limit-remaining", "0")
	h.Set("x-rate-limit-reset", "1562984896")
	h.Set("Date", now.Add(-30*time.Second).UTC().Format(http.TimeFormat))
	s.observe(h, now)
	if got := s.blockedUntil(now); !got.Equal(time.Unix(1562984896+30, 0)) {
		t.Fatalf("with a skewed clock: blocked until %v", got)
	}
	h.Set("Date", now.Add(-time.Second).UTC().Format(http.TimeFormat)) // within the Date resolution
	s.observe(h, now)
	if got := s.blockedUntil(now); !got.Equal(time.Unix(1562984896, 0)) {
		t.Fatalf("with a 1s skew: blocked until %v", got)
	}
	h.Del("Date")

	// A 429 without headers waits a whole default window.
	var c budget
	c.exhaust(http.Header{}, now)
	if got := c.blockedUntil(now); !got.Equal(now.Add(defaultWindow)) {
		t.Fatalf("429 without headers: blocked until %v", got)
	}
	// A 429 with a reset in the past (clock skew) also waits a window.
	h.Set("x-rate-limit-reset", "1562983000")
	var d budget
	d.exhaust(h, now)
	if got := d.blockedUntil(now); !got.Equal(now.Add(defaultWindow)) {
		t.Fatalf("429 with a stale reset: blocked until %v", got)
	}
}
