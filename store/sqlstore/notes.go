package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/store"
)

// AddNote implements Desk. The note and its mentions are stored in one
// transaction; a zero CreatedAt is set to now.
func (s *sqlStore) AddNote(ctx context.Context, n store.Note) (store.Note, error) {
	switch {
	case strings.TrimSpace(n.Text) == "" || !storable(n.Text):
		return store.Note{}, fmt.Errorf("adding note: %w: text", store.ErrInvalid)
	case n.Author == "" || !storable(n.Author):
		return store.Note{}, fmt.Errorf("adding note: %w: author", store.ErrInvalid)
	}
	for _, m := range n.Mentions {
		if m == "" || !storable(m) {
			return store.Note{}, fmt.Errorf("adding note: %w: mention %q", store.ErrInvalid, m)
		}
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now()
	}
	n.CreatedAt = fromNS(n.CreatedAt.UnixNano())
	n.Mentions = slices.Compact(slices.Sorted(slices.Values(n.Mentions)))
	if n.Mentions == nil {
		n.Mentions = []string{}
	}
	err := s.inTx(ctx, func(q *txq) error {
		var one int
		if err := q.get(ctx, `SELECT 1 FROM conversations WHERE id = ?`, []any{n.ConversationID}, &one); err != nil {
			return notFound(err)
		}
		if err := q.get(ctx, `INSERT INTO notes (conversation_id, author, text, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			[]any{n.ConversationID, n.Author, n.Text, n.CreatedAt.UnixNano()}, &n.ID); err != nil {
			return err
		}
		for _, m := range n.Mentions {
			if _, err := q.exec(ctx, `INSERT INTO note_mentions (note_id, agent, conversation_id) VALUES (?, ?, ?)`,
				n.ID, m, n.ConversationID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.Note{}, fmt.Errorf("adding note to conversation %d: %w", n.ConversationID, err)
	}
	return n, nil
}

// Notes implements Desk; an unknown conversation has none.
func (s *sqlStore) Notes(ctx context.Context, conversationID int64) ([]store.Note, error) {
	rows, err := s.r.QueryContext(ctx, s.rb(`SELECT n.id, n.author, n.text, n.created_at, COALESCE(nm.agent, '')
		FROM notes n LEFT JOIN note_mentions nm ON nm.note_id = n.id
		WHERE n.conversation_id = ? ORDER BY n.created_at, n.id, nm.agent`), conversationID)
	if err != nil {
		return nil, fmt.Errorf("listing notes of conversation %d: %w", conversationID, err)
	}
	defer rows.Close()
	out := []store.Note{}
	for rows.Next() {
		var (
			n       = store.Note{ConversationID: conversationID, Mentions: []string{}}
			at      int64
			mention string
		)
		if err := rows.Scan(&n.ID, &n.Author, &n.Text, &at, &mention); err != nil {
			return nil, fmt.Errorf("listing notes of conversation %d: %w", conversationID, err)
		}
		if len(out) == 0 || out[len(out)-1].ID != n.ID {
			n.CreatedAt = fromNS(at)
			out = append(out, n)
		}
		if mention != "" {
			last := &out[len(out)-1]
			last.Mentions = append(last.Mentions, mention)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing notes of conversation %d: %w", conversationID, err)
	}
	return out, nil
}
