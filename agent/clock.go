package agent

import (
	"sync"
	"time"
)

// Clock is the desk's time: the SLA colours, relative times, the read
// marks and the tick that refreshes agents' open queues. Tests replace it,
// so that the SLA clock runs without waiting.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// Every calls fn every d, from a goroutine of its own, until stop is
	// called. stop is idempotent.
	Every(d time.Duration, fn func()) (stop func())
}

// SystemClock is the machine's clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Every calls fn on a time.Ticker.
func (SystemClock) Every(d time.Duration, fn func()) func() {
	t := time.NewTicker(d)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.C:
				fn()
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			t.Stop()
			close(done)
		})
	}
}

// TickInterval is how often the desk tells open pages to refresh, so that
// relative times and SLA colours move on while nothing else happens.
const TickInterval = 30 * time.Second
