package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// refKeyset is r's position as stored: the change time in nanoseconds, the id.
func refKeyset(r store.ConversationRef) (int64, int64) { return ns(r.UpdatedAt), r.ID }

// Message returns one message by id, or ErrNotFound.
func (s *sqlStore) Message(ctx context.Context, id int64) (store.Message, error) {
	var row messageRow
	err := sqlx.GetContext(ctx, s.r, &row, s.rb(messageSelect+` WHERE id = ?`), id)
	if err != nil {
		return store.Message{}, fmt.Errorf("reading message %d: %w", id, notFound(err))
	}
	return row.message()
}

// ClosedConversations returns up to limit conversations that are closed
// and whose last change comes after from (in (UpdatedAt, ID) order) and at
// or before until, in that order. A walk passes the last one returned as
// the next from.
func (s *sqlStore) ClosedConversations(ctx context.Context, from store.ConversationRef, until time.Time, limit int) ([]store.ConversationRef, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	at, id := refKeyset(from)
	var rows []struct {
		ID        int64 `db:"id"`
		UpdatedAt int64 `db:"updated_at"`
	}
	err := sqlx.SelectContext(ctx, s.r, &rows, s.rb(`SELECT id, updated_at FROM conversations
		WHERE status = ? AND (updated_at > ? OR updated_at = ? AND id > ?) AND updated_at <= ?
		ORDER BY updated_at, id LIMIT ?`), string(inbox.Closed), at, at, id, ns(until), limit)
	if err != nil {
		return nil, fmt.Errorf("listing closed conversations: %w", err)
	}
	out := make([]store.ConversationRef, len(rows))
	for i, r := range rows {
		out[i] = store.ConversationRef{ID: r.ID, UpdatedAt: fromNS(r.UpdatedAt)}
	}
	return out, nil
}

// RewriteTexts replaces, in one transaction, the text of every message of
// a conversation and of every action of it that is no longer pending (a
// pending one is still to be sent as written) with rewrite(text), where
// that differs, and returns how many texts changed. rewrite must be a pure
// function: the transaction may run more than once. An unknown
// conversation has nothing to rewrite.
func (s *sqlStore) RewriteTexts(ctx context.Context, conversationID int64, rewrite func(string) string) (int, error) {
	type row struct {
		ID   int64  `db:"id"`
		Text string `db:"text"`
	}
	var changed int
	err := s.inTx(ctx, func(q *txq) error {
		changed = 0
		for _, t := range []struct{ table, where string }{
			{"messages", ""},
			{"actions", " AND state <> 'pending'"},
		} {
			var rows []row
			if err := sqlx.SelectContext(ctx, q.tx, &rows, s.rb(`SELECT id, text FROM `+t.table+` WHERE conversation_id = ?`+t.where+s.d.forUpdate), conversationID); err != nil {
				return err
			}
			for _, r := range rows {
				text := rewrite(r.Text)
				if text == r.Text {
					continue
				}
				if !storable(text) {
					return fmt.Errorf("%w: the rewritten text of %s %d is not valid text", store.ErrInvalid, t.table, r.ID)
				}
				if _, err := q.exec(ctx, `UPDATE `+t.table+` SET text = ? WHERE id = ?`, text, r.ID); err != nil {
					return err
				}
				changed++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("rewriting texts of conversation %d: %w", conversationID, err)
	}
	return changed, nil
}
