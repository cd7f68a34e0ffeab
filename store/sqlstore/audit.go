package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/inboxbot/inboxbot/store"
)

// AddAudit appends to the audit trail; a zero At is set to now.
func (s *sqlStore) AddAudit(ctx context.Context, a store.Audit) error {
	if a.Actor == "" || a.Action == "" || !storable(a.Actor) || !storable(a.Action) || !storable(a.Detail) {
		return fmt.Errorf("adding audit entry: %w: actor and action are required", store.ErrInvalid)
	}
	if a.At.IsZero() {
		a.At = time.Now()
	}
	var conv sql.NullInt64
	if a.ConversationID != 0 {
		conv = sql.NullInt64{Int64: a.ConversationID, Valid: true}
	}
	if _, err := s.w.ExecContext(ctx, s.rb(`INSERT INTO audit (actor, action, conversation_id, detail, at) VALUES (?, ?, ?, ?, ?)`),
		a.Actor, a.Action, conv, a.Detail, a.At.UnixNano()); err != nil {
		return fmt.Errorf("adding audit entry: %w", err)
	}
	return nil
}

// AuditTrail returns a conversation's audit entries, oldest first; an
// unknown conversation simply has none.
func (s *sqlStore) AuditTrail(ctx context.Context, conversationID int64) ([]store.Audit, error) {
	rows, err := s.r.QueryContext(ctx, s.rb(`SELECT id, actor, action, detail, at FROM audit
		WHERE conversation_id = ? ORDER BY at, id`), conversationID)
	if err != nil {
		return nil, fmt.Errorf("listing audit trail of conversation %d: %w", conversationID, err)
	}
	defer rows.Close()
	out := []store.Audit{}
	for rows.Next() {
		a := store.Audit{ConversationID: conversationID}
		var at int64
		if err := rows.Scan(&a.ID, &a.Actor, &a.Action, &a.Detail, &at); err != nil {
			return nil, fmt.Errorf("listing audit trail of conversation %d: %w", conversationID, err)
		}
		a.At = fromNS(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing audit trail of conversation %d: %w", conversationID, err)
	}
	return out, nil
}
