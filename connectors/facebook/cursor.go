package facebook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// overlap is how far below a watermark the connector looks again. Facebook
// times have whole seconds, and an item may become visible a little after
// its created_time, so items within overlap of the watermark are fetched
// again and recognised by id instead of by time. This is what makes equal
// timestamps safe. Once a read that started more than overlap after the
// watermark has seen everything up to it, the watermark is settled and
// the window closes, so that idle polls stay cheap.
const overlap = 2 * time.Minute

// mark is a saved position in a time-ordered list: the newest time seen,
// when the read that saw it started, and the ids seen within overlap of
// it (id → unix seconds).
type mark struct {
	T time.Time `json:"t"`
	// R is when (by our clock) the read that saw everything up to T
	// started; zero when unknown.
	R    time.Time        `json:"r,omitzero"`
	Seen map[string]int64 `json:"seen,omitempty"`
	// floor is where the saved position puts the boundary: items before
	// it were handled by an earlier poll. It is fixed at load and does not
	// move while a poll adds items, so that a poll reads everything
	// between the saved position and now.
	floor time.Time
}

// settled reports whether every item up to T had surely become visible
// when the read that saw T started.
func (m *mark) settled() bool {
	return !m.T.IsZero() && !m.R.IsZero() && m.R.After(m.T.Add(overlap))
}

// fix sets the floor from the saved position.
func (m *mark) fix() {
	switch {
	case m.T.IsZero():
	case m.settled():
		// Items at T itself were seen too.
		m.floor = m.T.Add(time.Nanosecond)
	default:
		m.floor = m.T.Add(-overlap)
	}
}

// old reports whether an item at t lies below the looked-again window of
// the saved position, so that it and everything older was handled before.
func (m *mark) old(t time.Time) bool { return !m.floor.IsZero() && t.Before(m.floor) }

// seen reports whether the item was handled before.
func (m *mark) seen(id string, t time.Time) bool {
	if m.old(t) {
		return true
	}
	_, ok := m.Seen[id]
	return ok
}

// add records an item as handled. The caller saves the mark only after
// publishing every item it added.
func (m *mark) add(id string, t time.Time) {
	if m.Seen == nil {
		m.Seen = map[string]int64{}
	}
	m.Seen[id] = t.Unix()
	if t.After(m.T) {
		m.T = t
	}
}

// prune forgets ids that fell below the window.
func (m *mark) prune() {
	floor := m.T.Add(-overlap).Unix()
	for id, s := range m.Seen {
		if s < floor {
			delete(m.Seen, id)
		}
	}
}

// Cursor keys in the store. Every key starts with "facebook:<page-id>:"
// so that several Pages can share a store.
func (c *Connector) key(name string) string { return "facebook:" + c.cfg.PageID + ":" + name }

// loadMark reads a mark; ok is false when none was saved.
func (c *Connector) loadMark(ctx context.Context, key string) (m mark, ok bool, err error) {
	v, ok, err := c.store.Cursor(ctx, key)
	if err != nil || !ok {
		return mark{}, ok, err
	}
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		// A cursor we cannot read is treated as absent: items are pulled
		// again and dropped by dedupe, rather than missed.
		c.log.Warn("unreadable cursor; starting over", "key", key)
		return mark{}, false, nil
	}
	m.fix()
	return m, true, nil
}

func (c *Connector) saveMark(ctx context.Context, key string, m mark) error {
	m.prune()
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding cursor %s: %w", key, err)
	}
	if err := c.store.SetCursor(ctx, key, string(b)); err != nil {
		return fmt.Errorf("saving cursor %s: %w", key, err)
	}
	return nil
}
