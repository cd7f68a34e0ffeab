package twitter

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
)

// mentionCursor is the saved position in the mentions timeline.
//
// SinceID moves forward only once every mention up to it is published.
// While more than a page of new mentions is being fetched, Gap records how
// far down the paging has come, so that a restart resumes there instead of
// skipping the rest (moving SinceID early) or fetching it all again.
type mentionCursor struct {
	// SinceID is the newest mention id such that it and every older
	// mention are published.
	SinceID int64 `json:"since_id,string,omitempty"`
	// Gap is the range still being paged, or nil.
	Gap *mentionGap `json:"gap,omitempty"`
	// NotBefore is when the endpoint's budget is back, recorded when paging
	// stopped for it, so that a restart does not call into a spent window.
	NotBefore time.Time `json:"not_before,omitzero"`
}

// mentionGap is a range of mentions (SinceID, MaxID] not fetched yet,
// below a top that is published.
type mentionGap struct {
	// Top is the newest id of the gap's first page: SinceID once the gap
	// is closed.
	Top int64 `json:"top,string"`
	// MaxID is the max_id of the next request: one below the oldest
	// mention fetched so far.
	MaxID int64 `json:"max_id,string"`
}

// pollMentions fetches the mentions after the cursor, newest first, paging
// backwards with max_id until it meets the cursor, and publishes them page
// by page. Each request asks for since_id = SinceID-1, so that the tweet
// at SinceID itself comes back as a sentinel on the page that reaches the
// cursor: that tells the end of the gap without an extra request, even
// when Twitter returns short pages (it drops deleted tweets after
// counting). Without the sentinel (deleted, or no cursor yet), an empty
// page ends the gap. It returns when the endpoint is next due.
func (c *Connector) pollMentions(ctx context.Context, selfID string, publish connectors.Publish) (time.Time, error) {
	key := cursorKey(selfID, "mentions")
	epMentions := c.eps.mentions
	for pages := 0; ; pages++ {
		if until := c.blockedUntil(epMentions); !until.IsZero() {
			// Out of budget, maybe mid-gap: stop here, keep the gap.
			c.countWait(epMentions)
			if !c.mentions.NotBefore.Equal(until) {
				next := c.mentions
				next.NotBefore = until
				if err := c.saveCursor(ctx, key, next); err != nil {
					return time.Time{}, err
				}
				c.mentions = next
			}
			c.log.Debug("twitter mentions: waiting for rate-limit window", "until", until, "mid_gap", c.mentions.Gap != nil)
			return until, nil
		}
		if pages >= maxPagesPerPoll {
			return c.now(), nil
		}
		cur := c.mentions
		var sinceID, maxID int64
		if cur.SinceID > 1 {
			sinceID = cur.SinceID - 1
		}
		if cur.Gap != nil {
			maxID = cur.Gap.MaxID
		}
		tweets, err := c.api.mentions(ctx, selfID, sinceID, maxID)
		if err != nil {
			return time.Time{}, err
		}

		reached := len(tweets) == 0
		var top, bottom int64
		items := make([]inbox.Inbound, 0, len(tweets))
		for _, t := range tweets {
			id := t.id
			switch {
			case id <= 0:
				c.countSkipped("tweet_without_id")
				continue
			case id <= cur.SinceID:
				reached = true // the sentinel, or older: published before
				continue
			case cur.Gap != nil && id > cur.Gap.MaxID:
				continue // not asked for; published already
			}
			top = max(top, id)
			if bottom == 0 || id < bottom {
				bottom = id
			}
			switch t.skip {
			case "":
				items = append(items, t.in)
			case skipMalformed:
				c.countSkipped("malformed_tweet")
			}
		}
		if bottom == 0 && !reached {
			// Tweets came back, but none in the range asked for: paging on
			// could loop forever, and closing the gap could lose mentions.
			return time.Time{}, fmt.Errorf("twitter %s: page has no tweet in the requested range (since_id %d, max_id %d)", epMentions, sinceID, maxID)
		}
		// Oldest first, so conversations are built in the order written.
		slices.Reverse(items)
		if err := publish(ctx, items); err != nil {
			return time.Time{}, err
		}

		next := cur
		next.NotBefore = time.Time{}
		switch {
		case reached && cur.Gap != nil:
			next.SinceID, next.Gap = max(cur.Gap.Top, top, cur.SinceID), nil
		case reached:
			next.SinceID = max(top, cur.SinceID)
		case cur.Gap != nil:
			next.Gap = &mentionGap{Top: cur.Gap.Top, MaxID: bottom - 1}
		default:
			next.Gap = &mentionGap{Top: top, MaxID: bottom - 1}
		}
		if !sameMentionCursor(next, cur) {
			if err := c.saveCursor(ctx, key, next); err != nil {
				return time.Time{}, err
			}
		}
		c.mentions = next
		if len(items) > 0 || next.Gap != nil {
			c.log.Debug("twitter mentions page", "published", len(items), "fetched", len(tweets), "gap_open", next.Gap != nil)
		}
		if reached && cur.Gap != nil && len(tweets) == 0 && cur.SinceID > 0 {
			// The gap ended on an empty page before the sentinel: X serves
			// only the newest 800 mentions, so older ones may be out of
			// reach. Say so; there is nothing more to fetch.
			c.log.Warn("twitter mentions: gap ended before the last known mention; mentions older than X's reach (800) may be missing", "since_id", cur.SinceID)
		}
		if next.Gap == nil {
			return c.nextDue(ctx, epMentions), nil
		}
	}
}

// sameMentionCursor reports whether saving b over a would change nothing.
func sameMentionCursor(a, b mentionCursor) bool {
	if a.SinceID != b.SinceID || !a.NotBefore.Equal(b.NotBefore) || (a.Gap == nil) != (b.Gap == nil) {
		return false
	}
	return a.Gap == nil || *a.Gap == *b.Gap
}
