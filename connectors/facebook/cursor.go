package facebook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// mark is a saved position in a time-ordered list: the newest time
// handled, and the ids handled at exactly that time (id → unix seconds).
//
// Facebook times have whole seconds, so an item written later in the
// same second as the newest one seen has the same time: items at the
// mark's time are looked at again and recognised by id, and items before
// it were handled. That is all equal timestamps need; an earlier design
// re-read two minutes below the mark, which cost a call per recently
// active conversation on every poll.
type mark struct {
	T    time.Time        `json:"t"`
	Seen map[string]int64 `json:"seen,omitempty"`
	// floor is T as loaded: items before it were handled by an earlier
	// poll. It does not move while a poll adds items, so that a poll
	// reads everything between the saved position and now.
	floor time.Time
	// dirty is set when the mark changed since it was loaded, so that
	// an idle poll writes nothing.
	dirty bool
}

// fix sets the floor from the saved position.
func (m *mark) fix() { m.floor = m.T }

// old reports whether an item at t lies before the saved position, so
// that it and everything older was handled before.
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
	m.dirty = true
}

// moveTo sets the position to t, forgetting ids seen before it.
func (m *mark) moveTo(t time.Time) {
	if !t.Equal(m.T) {
		m.T, m.dirty = t, true
	}
}

// prune forgets ids below the position: old already covers them.
func (m *mark) prune() {
	floor := m.T.Unix()
	for id, s := range m.Seen {
		if s < floor {
			delete(m.Seen, id)
		}
	}
}

// Cursor keys in the store. Every key starts with "facebook:<page-id>:"
// so that several Pages can share a store.
func (c *Connector) key(name string) string { return "facebook:" + c.cfg.PageID + ":" + name }

// loadMark reads a mark; ok is false when none was saved. Marks saved by
// earlier versions (with a read time and ids up to two minutes old) load
// as they are: the extra ids are pruned on the next save.
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
