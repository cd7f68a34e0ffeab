package facebook

import (
	"fmt"
	"time"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxbot/inboxbot/connectors"
)

// isRateLimit reports whether a Graph API error code means "slow down":
// application (4), user (17), Page (32) and API-specific (613) limits,
// and the business-use-case limits (80001 Pages, 80006 Messenger and the
// rest of the 80000–80014 family), which Page tokens are subject to.
func isRateLimit(code int) bool {
	switch code {
	case 4, 17, 32, 613:
		return true
	}
	return code >= 80000 && code <= 80014
}

// SubcodeSendRestricted is the subcode of error 10 with which Facebook
// says that the Page is temporarily restricted from sending Messenger
// messages (added to the Messenger Platform's error codes on 25 June
// 2026).
const SubcodeSendRestricted = 1893063

// SendRestrictedWait is how long Messenger sending (messages and Private
// Replies) stays paused after SubcodeSendRestricted. Facebook does not
// say how long a restriction lasts; one try an hour costs nothing and
// notices the end soon enough.
const SendRestrictedWait = time.Hour

// block stops calls for at least d (or until the usage headers say) and
// returns until when.
func (c *Connector) block(d time.Duration) time.Time {
	until := c.now().Add(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	if until.After(c.blockedUntil) {
		c.blockedUntil = until
	}
	return c.blockedUntil
}

func (c *Connector) checkBudget() error {
	c.mu.Lock()
	until := c.blockedUntil
	c.mu.Unlock()
	if c.now().Before(until) {
		return &connectors.RateLimitError{Until: until, Reason: "waiting for the Graph API budget to come back"}
	}
	return nil
}

// observeUsage reads X-App-Usage, X-Page-Usage and
// X-Business-Use-Case-Usage. The highest percentage slows polling down
// (see nextPoll); estimated_time_to_regain_access (minutes) blocks calls
// until then.
func (c *Connector) observeUsage(u *fb.UsageInfo) {
	if u == nil {
		return
	}
	peak := func(r fb.RateLimiting) int { return max(r.CallCount, r.TotalTime, r.TotalCPUTime) }
	top, regain := max(peak(u.App), peak(u.Page)), 0
	for _, list := range u.BusinessUseCase {
		for _, r := range list {
			if r != nil {
				top = max(top, peak(*r))
				regain = max(regain, r.EstimatedTimeToRegainAccess)
			}
		}
	}
	c.mu.Lock()
	c.usage = top
	c.mu.Unlock()
	if regain > 0 {
		c.block(time.Duration(regain) * time.Minute)
	}
}

// stretch is the factor the usage headers put on the poll interval, so
// that the budget recovers before Facebook starts refusing calls: 2×
// above 75%, 4× above 90%, 8× at 100%.
func (c *Connector) stretch() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stretchLocked()
}

// nextPoll is the wait before the next poll: 0 (the Runner's interval)
// unless the usage headers stretch it.
func (c *Connector) nextPoll() time.Duration {
	if s := c.stretch(); s > 1 {
		return s * c.cfg.PollInterval
	}
	return 0
}

// WebhookDelivered tells the connector that a verified webhook delivery
// just arrived, so that polling slows to a gap fill, once every
// poll_interval_with_webhooks, for as long as deliveries keep coming.
func (c *Connector) WebhookDelivered() {
	c.mu.Lock()
	c.webhookAt = c.now()
	c.mu.Unlock()
}

// leftToPolling records that a webhook item could not be published (its
// look-up failed) and is left to polling: the next poll then comes at the
// ordinary interval rather than the slow gap-fill one.
func (c *Connector) leftToPolling() {
	c.mu.Lock()
	c.gapAt = c.now()
	c.mu.Unlock()
}

// notDue returns how long until the next poll is due while webhooks
// deliver, or 0 when a poll is due now. Polls are due at the ordinary
// interval unless a delivery arrived within poll_interval_with_webhooks
// and no webhook item is waiting for polling since the last poll. The
// wait returned is at most the ordinary interval, so that a gap is
// noticed that soon.
func (c *Connector) notDue() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	slow := c.cfg.PollIntervalWithWebhooks * c.stretchLocked()
	hooked := !c.webhookAt.IsZero() && now.Sub(c.webhookAt) < c.cfg.PollIntervalWithWebhooks
	// A poll that started when (or after) an item was left to it reads
	// that item: the item existed before its delivery.
	gap := c.gapAt.After(c.pollStart)
	if !hooked || gap || c.pollStart.IsZero() {
		return 0
	}
	left := c.pollStart.Add(slow).Sub(now)
	if left <= 0 {
		return 0
	}
	return min(left, c.cfg.PollInterval)
}

// stretchLocked is stretch with c.mu held.
func (c *Connector) stretchLocked() time.Duration {
	switch u := c.usage; {
	case u >= 100:
		return 8
	case u > 90:
		return 4
	case u > 75:
		return 2
	}
	return 1
}

// polled records that a poll that started at start read everything.
func (c *Connector) polled(start time.Time) {
	c.mu.Lock()
	c.pollStart = start
	c.mu.Unlock()
}

// pauseSending stops Messenger sends after Facebook restricted the Page
// from sending: the action is not sent (Facebook did nothing), and it is
// retried after SendRestrictedWait, which is what a RateLimitError makes
// the Runner do. /healthz shows why (see WithHealth).
func (c *Connector) pauseSending(what string, fe *fb.Error) error {
	until := c.now().Add(SendRestrictedWait)
	reason := fmt.Sprintf("Facebook has temporarily restricted the Page from sending Messenger messages (code %d, subcode %d); "+
		"messages and private replies wait and are retried after %s; check the Page's Support Inbox for why", fe.Code, fe.ErrorSubcode, until.UTC().Format(time.RFC3339))
	c.mu.Lock()
	if until.After(c.sendPaused) {
		c.sendPaused = until
	}
	c.sendPausedReason = reason
	c.mu.Unlock()
	c.showSendPause(until, reason)
	c.log.Error("facebook messenger sending paused", "until", until, "code", fe.Code, "subcode", fe.ErrorSubcode)
	return &connectors.RateLimitError{Until: until, Reason: what + ": " + reason}
}

// checkSendPause refuses a Messenger send while sending is paused,
// without calling Facebook.
func (c *Connector) checkSendPause() error {
	c.mu.Lock()
	until, reason := c.sendPaused, c.sendPausedReason
	c.mu.Unlock()
	if c.now().Before(until) {
		return &connectors.RateLimitError{Until: until, Reason: reason}
	}
	return nil
}

// sendWorked clears the pause shown on /healthz once a Messenger send
// went through again.
func (c *Connector) sendWorked() {
	c.mu.Lock()
	was := !c.sendPaused.IsZero()
	c.sendPaused, c.sendPausedReason = time.Time{}, ""
	c.mu.Unlock()
	if was {
		c.showSendPause(time.Time{}, "")
	}
}

func (c *Connector) showSendPause(until time.Time, reason string) {
	if c.health == nil {
		return
	}
	var u any
	if !until.IsZero() {
		u = until.UTC()
	}
	c.health.SetDetail("facebook", "send_paused_until", u)
	c.health.SetDetail("facebook", "send_paused_reason", reason)
}

// SendPaused reports until when, and why, Facebook has paused the Page's
// Messenger sending (zero when it has not).
func (c *Connector) SendPaused() (until time.Time, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now().Before(c.sendPaused) {
		return c.sendPaused, c.sendPausedReason
	}
	return time.Time{}, ""
}
