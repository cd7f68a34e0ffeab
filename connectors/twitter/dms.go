package twitter

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
)

// dmCursor is the saved position in the DM event list. The list has no
// since parameter: it is read newest first from the top, and the
// watermark (the newest event already published) says where to stop.
type dmCursor struct {
	// NewestID and NewestTS identify the newest event such that it and
	// every older event are published.
	NewestID string `json:"newest_id,omitempty"`
	NewestTS int64  `json:"newest_ts,omitempty"`
	// Scan is a paging pass that has not reached the watermark yet, or nil.
	Scan *dmScan `json:"scan,omitempty"`
	// NotBefore is when the endpoint's budget is back (see mentionCursor).
	NotBefore time.Time `json:"not_before,omitzero"`
}

// dmScan is an unfinished pass down the DM list: the events above Cursor
// are published, and the newest of them becomes the watermark once the
// pass reaches the old one.
type dmScan struct {
	Cursor string `json:"cursor"`
	TopID  string `json:"top_id,omitempty"`
	TopTS  int64  `json:"top_ts,omitempty"`
}

// mark is the position of one event in the list, ordered by time and id.
type mark struct {
	id string
	ts int64
}

// after reports whether m is newer than o. Event ids are snowflakes, so
// they order events exactly; the timestamp is the fallback for ids that
// are not numbers.
func (m mark) after(o mark) bool {
	if o.id == "" && o.ts == 0 {
		return m.id != "" || m.ts != 0
	}
	a, err1 := strconv.ParseInt(m.id, 10, 64)
	b, err2 := strconv.ParseInt(o.id, 10, 64)
	if err1 == nil && err2 == nil {
		return a > b
	}
	return m.ts > o.ts
}

// newest returns the newer of m and o.
func (m mark) newest(o mark) mark {
	if o.after(m) {
		return o
	}
	return m
}

// pollDMs reads the DM list from the top (or from an unfinished pass)
// until it meets the watermark or the list ends, publishing page by page.
// An empty page that carries a next_cursor is not the end: Twitter filters
// pages after counting them. Events we sent are skipped but still move
// the watermark. It returns when the endpoint is next due.
func (c *Connector) pollDMs(ctx context.Context, selfID string, publish connectors.Publish) (time.Time, error) {
	key := cursorKey(selfID, "dms")
	epDMList := c.eps.dms
	for pages := 0; ; pages++ {
		if until := c.blockedUntil(epDMList); !until.IsZero() {
			c.countWait(epDMList)
			if !c.dms.NotBefore.Equal(until) {
				next := c.dms
				next.NotBefore = until
				if err := c.saveCursor(ctx, key, next); err != nil {
					return time.Time{}, err
				}
				c.dms = next
			}
			c.log.Debug("twitter DMs: waiting for rate-limit window", "until", until, "mid_scan", c.dms.Scan != nil)
			return until, nil
		}
		if pages >= maxPagesPerPoll {
			return c.now(), nil
		}
		cur := c.dms
		reqCursor := ""
		if cur.Scan != nil {
			reqCursor = cur.Scan.Cursor
		}
		events, nextCursor, err := c.api.dms(ctx, selfID, reqCursor)
		if err != nil {
			return time.Time{}, err
		}
		water := mark{id: cur.NewestID, ts: cur.NewestTS}
		var top mark
		if cur.Scan != nil {
			top = mark{id: cur.Scan.TopID, ts: cur.Scan.TopTS}
		}
		reached := false
		items := make([]inbox.Inbound, 0, len(events))
		for _, ev := range events {
			m := ev.mark
			if m == (mark{}) {
				// Without id or time it cannot be placed against the
				// watermark; it must not end the pass either.
				c.countSkipped("malformed_dm")
				continue
			}
			if (water.id != "" || water.ts != 0) && !m.after(water) {
				reached = true // everything from here down is published
				break
			}
			top = top.newest(m)
			switch ev.skip {
			case "":
				items = append(items, ev.in)
			case skipMalformed:
				c.countSkipped("malformed_dm")
			}
		}
		slices.Reverse(items)
		if err := publish(ctx, items); err != nil {
			return time.Time{}, err
		}

		next := cur
		next.NotBefore = time.Time{}
		// A cursor that points at the page just read would loop forever.
		if reached || nextCursor == "" || nextCursor == reqCursor {
			w := water.newest(top)
			next.NewestID, next.NewestTS, next.Scan = w.id, w.ts, nil
		} else {
			next.Scan = &dmScan{Cursor: nextCursor, TopID: top.id, TopTS: top.ts}
		}
		if !sameDMCursor(next, cur) {
			if err := c.saveCursor(ctx, key, next); err != nil {
				return time.Time{}, err
			}
		}
		c.dms = next
		if len(items) > 0 || next.Scan != nil {
			c.log.Debug("twitter DM page", "published", len(items), "fetched", len(events), "more", next.Scan != nil)
		}
		if next.Scan == nil {
			return c.nextDue(ctx, epDMList), nil
		}
	}
}

// sameDMCursor reports whether saving b over a would change nothing.
func sameDMCursor(a, b dmCursor) bool {
	if a.NewestID != b.NewestID || a.NewestTS != b.NewestTS || !a.NotBefore.Equal(b.NotBefore) || (a.Scan == nil) != (b.Scan == nil) {
		return false
	}
	return a.Scan == nil || *a.Scan == *b.Scan
}
