package twitter

import (
	"github.com/inboxbot/inboxbot/connectors"
	"net/http"
	"strconv"
	"time"
)

// endpoint names a rate-limited API resource: as v1.1's rate_limit_status
// does (without the leading slash), or by its v2 path (without /2/).
// Budgets are tracked per endpoint because X counts them separately; the
// names of the version spoken are in v11Endpoints and v2Endpoints.
type endpoint string

// defaultWindow is Twitter's v1.1 rate-limit window. It is the wait after a
// 429 that carried no x-rate-limit-reset header: long, but never a storm.
const defaultWindow = 15 * time.Minute

// budget is what the latest response of one endpoint said about its
// rate-limit window. The zero value means "nothing known": calls are allowed.
type budget struct {
	limit     int
	remaining int
	// reset is when the window ends; zero when no header was seen yet.
	reset time.Time
	// forbidden is set once the access level refused the endpoint: it is
	// not called again before forbidden.Until.
	forbidden *connectors.ForbiddenError
}

// maxSkew is the clock difference with the server below which reset times
// are taken as they are: the Date header has a resolution of one second.
const maxSkew = 2 * time.Second

// observe updates b from a response's x-rate-limit-* headers, received at
// now. Responses without them (statuses/update,
// direct_messages/events/new) leave b as it is, so one missing header
// never erases what we know. x-rate-limit-reset is the server's clock;
// when the Date header shows that ours differs by more than maxSkew, the
// reset is moved onto our clock, so that a fast local clock does not call
// before the window has really reset.
func (b *budget) observe(h http.Header, now time.Time) {
	rem, err1 := strconv.Atoi(h.Get("x-rate-limit-remaining"))
	reset, err2 := strconv.ParseInt(h.Get("x-rate-limit-reset"), 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	b.remaining = max(rem, 0)
	b.reset = time.Unix(reset, 0)
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		if skew := date.Sub(now); skew.Abs() > maxSkew {
			b.reset = b.reset.Add(-skew)
		}
	}
	if lim, err := strconv.Atoi(h.Get("x-rate-limit-limit")); err == nil {
		b.limit = lim
	}
}

// exhaust records a 429: nothing more may be sent before the window resets.
// Without a usable reset header it assumes a whole window from now, which
// guarantees at most one attempt per window.
func (b *budget) exhaust(h http.Header, now time.Time) {
	b.observe(h, now)
	b.remaining = 0
	if !b.reset.After(now) {
		b.reset = now.Add(defaultWindow)
	}
}

// blockedUntil returns when the next call may be made if the budget of the
// current window is spent, or the zero time when a call may be made now.
func (b budget) blockedUntil(now time.Time) time.Time {
	if b.reset.IsZero() || b.remaining > 0 || !now.Before(b.reset) {
		return time.Time{}
	}
	return b.reset
}

// pace returns how long to wait before the next routine poll of an endpoint
// whose last response said remaining calls are left until reset. It spreads
// the remaining calls evenly over what is left of the window instead of
// spending them in a burst and then going blind until the reset, and it
// never polls more often than interval. With nothing left it waits for the
// reset; with no header seen, or a window that has already ended, the
// interval alone applies.
func pace(interval time.Duration, remaining int, reset, now time.Time) time.Duration {
	if reset.IsZero() || !now.Before(reset) {
		return interval
	}
	left := reset.Sub(now)
	if remaining <= 0 {
		return left
	}
	return max(interval, left/time.Duration(remaining))
}
