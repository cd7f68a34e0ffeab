package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

const convSelect = `SELECT c.id, c.platform, c.channel, c.thread, c.status, c.assignee,
	c.language, c.language_confidence, c.linked_conversation, c.awaiting_since,
	c.last_customer_message_at, c.created_at, c.updated_at, c.customer_id,
	cu.platform AS customer_platform, cu.external_id AS customer_external_id,
	cu.handle AS customer_handle, cu.name AS customer_name
FROM conversations c JOIN customers cu ON cu.id = c.customer_id`

type convRow struct {
	ID                    int64         `db:"id"`
	Platform              string        `db:"platform"`
	Channel               string        `db:"channel"`
	Thread                string        `db:"thread"`
	Status                string        `db:"status"`
	Assignee              string        `db:"assignee"`
	Language              string        `db:"language"`
	LanguageConfidence    float64       `db:"language_confidence"`
	LinkedConversation    sql.NullInt64 `db:"linked_conversation"`
	AwaitingSince         sql.NullInt64 `db:"awaiting_since"`
	LastCustomerMessageAt sql.NullInt64 `db:"last_customer_message_at"`
	CreatedAt             int64         `db:"created_at"`
	UpdatedAt             int64         `db:"updated_at"`
	CustomerID            int64         `db:"customer_id"`
	CustomerPlatform      string        `db:"customer_platform"`
	CustomerExternalID    string        `db:"customer_external_id"`
	CustomerHandle        string        `db:"customer_handle"`
	CustomerName          string        `db:"customer_name"`
}

func (r *convRow) conversation() store.Conversation {
	return store.Conversation{
		ID:       r.ID,
		Platform: inbox.Platform(r.Platform),
		Channel:  inbox.Channel(r.Channel),
		Thread:   r.Thread,
		Customer: store.Customer{
			ID:         r.CustomerID,
			Platform:   inbox.Platform(r.CustomerPlatform),
			ExternalID: r.CustomerExternalID,
			Handle:     r.CustomerHandle,
			Name:       r.CustomerName,
		},
		Status:                inbox.Status(r.Status),
		Assignee:              r.Assignee,
		Language:              r.Language,
		LanguageConfidence:    r.LanguageConfidence,
		Flags:                 []string{},
		LinkedConversation:    r.LinkedConversation.Int64,
		AwaitingSince:         fromNullNS(r.AwaitingSince),
		LastCustomerMessageAt: fromNullNS(r.LastCustomerMessageAt),
		CreatedAt:             fromNS(r.CreatedAt),
		UpdatedAt:             fromNS(r.UpdatedAt),
	}
}

// loadFlags fills in the flags of convs with one query.
func (s *sqlStore) loadFlags(ctx context.Context, q sqlx.QueryerContext, convs []store.Conversation) error {
	if len(convs) == 0 {
		return nil
	}
	ids := make([]int64, len(convs))
	at := make(map[int64]int, len(convs))
	for i := range convs {
		ids[i] = convs[i].ID
		at[convs[i].ID] = i
	}
	query, args, err := sqlx.In(`SELECT conversation_id, flag FROM conversation_flags
		WHERE conversation_id IN (?) ORDER BY conversation_id, flag`, ids)
	if err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, s.rb(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var flag string
		if err := rows.Scan(&id, &flag); err != nil {
			return err
		}
		c := &convs[at[id]]
		c.Flags = append(c.Flags, flag)
	}
	return rows.Err()
}

func (s *sqlStore) getConversation(ctx context.Context, q sqlx.QueryerContext, id int64) (store.Conversation, error) {
	var row convRow
	if err := sqlx.GetContext(ctx, q, &row, s.rb(convSelect+` WHERE c.id = ?`), id); err != nil {
		return store.Conversation{}, notFound(err)
	}
	c := []store.Conversation{row.conversation()}
	if err := s.loadFlags(ctx, q, c); err != nil {
		return store.Conversation{}, err
	}
	return c[0], nil
}

// Conversation returns one conversation with its customer and flags, or
// ErrNotFound.
func (s *sqlStore) Conversation(ctx context.Context, id int64) (store.Conversation, error) {
	c, err := s.getConversation(ctx, s.r, id)
	if err != nil {
		return store.Conversation{}, fmt.Errorf("reading conversation %d: %w", id, err)
	}
	return c, nil
}

// ConversationByThread returns the conversation of a platform thread, or
// ErrNotFound.
func (s *sqlStore) ConversationByThread(ctx context.Context, p inbox.Platform, ch inbox.Channel, thread string) (store.Conversation, error) {
	var row convRow
	err := sqlx.GetContext(ctx, s.r, &row,
		s.rb(convSelect+` WHERE c.platform = ? AND c.channel = ? AND c.thread = ?`),
		string(p), string(ch), thread)
	if err != nil {
		return store.Conversation{}, fmt.Errorf("reading conversation of %s %s thread %q: %w", p, ch, thread, notFound(err))
	}
	c := []store.Conversation{row.conversation()}
	if err := s.loadFlags(ctx, s.r, c); err != nil {
		return store.Conversation{}, fmt.Errorf("reading conversation flags: %w", err)
	}
	return c[0], nil
}

// ConversationID reads only the id of a thread's conversation, from the
// (platform, channel, thread) index.
func (s *sqlStore) ConversationID(ctx context.Context, p inbox.Platform, ch inbox.Channel, thread string) (int64, error) {
	var id int64
	err := s.r.QueryRowContext(ctx, s.rb(`SELECT id FROM conversations WHERE platform = ? AND channel = ? AND thread = ?`),
		string(p), string(ch), thread).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("finding the conversation of %s %s thread %q: %w", p, ch, thread, notFound(err))
	}
	return id, nil
}

// Conversations returns one page of the queue in the order f.Sort names
// (see queueOrder).
func (s *sqlStore) Conversations(ctx context.Context, f store.Filter) (store.Page, error) {
	if !f.Sort.Valid() {
		return store.Page{}, fmt.Errorf("listing conversations: %w: sort %q", store.ErrInvalid, f.Sort)
	}
	w := filterWhere(f, "")
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	offset := max(f.Offset, 0)

	var page store.Page
	from, agg, live := counted(f)
	cw := w.and(live)
	if err := s.r.QueryRowContext(ctx, s.rb(`SELECT COALESCE(`+agg+`, 0)`+from+cw.String()), cw.args...).Scan(&page.Total); err != nil {
		return store.Page{}, fmt.Errorf("counting conversations: %w", err)
	}
	var rows []convRow
	if page.Total > offset {
		order, orderArgs := queueOrder(f)
		args := append(append(w.args, orderArgs...), limit, offset)
		err := s.readPage(ctx, func(q sqlx.QueryerContext) error {
			return sqlx.SelectContext(ctx, q, &rows, s.rb(convSelect+w.String()+order+` LIMIT ? OFFSET ?`), args...)
		})
		if err != nil {
			return store.Page{}, fmt.Errorf("listing conversations: %w", err)
		}
	}
	page.Conversations = make([]store.Conversation, len(rows))
	for i := range rows {
		page.Conversations[i] = rows[i].conversation()
	}
	if err := s.loadFlags(ctx, s.r, page.Conversations); err != nil {
		return store.Page{}, fmt.Errorf("listing conversation flags: %w", err)
	}
	return page, nil
}

// readPage runs fn on the readers, in a read-only transaction that
// starts with the dialect's pageSetup when it has one.
func (s *sqlStore) readPage(ctx context.Context, fn func(q sqlx.QueryerContext) error) error {
	if s.d.pageSetup == "" {
		return fn(s.r)
	}
	tx, err := s.r.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to keep
	if _, err := tx.ExecContext(ctx, s.d.pageSetup); err != nil {
		return err
	}
	return fn(tx)
}

func validStatus(st inbox.Status) bool {
	return st == inbox.Open || st == inbox.Pending || st == inbox.Closed
}

// UpdateConversation applies u in one transaction: the ExpectAssignee check
// and the change cannot interleave with another agent's claim. AddFlags are
// applied before RemoveFlags. On ErrConflict nothing changes and the
// current conversation is returned with the error.
func (s *sqlStore) UpdateConversation(ctx context.Context, id int64, u store.Update) (store.Conversation, error) {
	if u.Status != nil && !validStatus(*u.Status) {
		return store.Conversation{}, fmt.Errorf("updating conversation %d: %w: status %q", id, store.ErrInvalid, *u.Status)
	}
	for _, f := range append(u.AddFlags, u.RemoveFlags...) {
		if f == "" || !storable(f) {
			return store.Conversation{}, fmt.Errorf("updating conversation %d: %w: flag %q", id, store.ErrInvalid, f)
		}
	}
	if u.Assignee != nil && !storable(*u.Assignee) {
		return store.Conversation{}, fmt.Errorf("updating conversation %d: %w: assignee", id, store.ErrInvalid)
	}
	var out store.Conversation
	err := s.inTx(ctx, func(q *txq) error {
		var assignee string
		if err := q.get(ctx, `SELECT assignee FROM conversations WHERE id = ?`+s.d.forUpdate, []any{id}, &assignee); err != nil {
			return notFound(err)
		}
		if u.ExpectAssignee != nil && *u.ExpectAssignee != assignee {
			var err error
			if out, err = s.getConversation(ctx, q.tx, id); err != nil {
				return err
			}
			return store.ErrConflict
		}
		sets := []string{"updated_at = ?"}
		args := []any{time.Now().UnixNano()}
		if u.Status != nil {
			sets = append(sets, "status = ?")
			args = append(args, string(*u.Status))
		}
		if u.Assignee != nil {
			sets = append(sets, "assignee = ?")
			args = append(args, *u.Assignee)
		}
		if u.Answered {
			sets = append(sets, "awaiting_since = NULL")
		}
		args = append(args, id)
		if _, err := q.tx.ExecContext(ctx, s.rb(`UPDATE conversations SET `+strings.Join(sets, ", ")+` WHERE id = ?`), args...); err != nil {
			return err
		}
		for _, f := range u.AddFlags {
			if err := q.addFlag(ctx, id, f); err != nil {
				return err
			}
		}
		if len(u.RemoveFlags) > 0 {
			query, args, err := sqlx.In(`DELETE FROM conversation_flags WHERE conversation_id = ? AND flag IN (?)`, id, u.RemoveFlags)
			if err != nil {
				return err
			}
			if _, err := q.tx.ExecContext(ctx, s.rb(query), args...); err != nil {
				return err
			}
		}
		var err error
		out, err = s.getConversation(ctx, q.tx, id)
		return err
	})
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return out, fmt.Errorf("updating conversation %d: %w", id, err)
		}
		return store.Conversation{}, fmt.Errorf("updating conversation %d: %w", id, err)
	}
	return out, nil
}

func (q *txq) addFlag(ctx context.Context, convID int64, flag string) error {
	_, err := q.exec(ctx, `INSERT INTO conversation_flags (conversation_id, flag) VALUES (?, ?)
		ON CONFLICT (conversation_id, flag) DO NOTHING`, convID, flag)
	return err
}

// requireConversation turns an empty listing of an unknown conversation
// into ErrNotFound, checking only when the listing is empty.
func (s *sqlStore) requireConversation(ctx context.Context, id int64) error {
	var one int
	err := s.r.QueryRowContext(ctx, s.rb(`SELECT 1 FROM conversations WHERE id = ?`), id).Scan(&one)
	return notFound(err)
}
