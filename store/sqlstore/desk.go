package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/inboxbot/inboxbot/store"
)

// ---- glances and read marks ----

type glanceRow struct {
	ID              int64          `db:"id"`
	FirstResponseAt sql.NullInt64  `db:"first_response_at"`
	PersonID        int64          `db:"person_id"`
	AvatarURL       string         `db:"avatar_url"`
	LastCustomerAt  sql.NullInt64  `db:"last_customer_message_at"`
	ReadAt          sql.NullInt64  `db:"read_at"`
	Mentioned       bool           `db:"mentioned"`
	MessageID       sql.NullInt64  `db:"m_id"`
	Kind            sql.NullString `db:"m_kind"`
	Platform        sql.NullString `db:"m_platform"`
	ExternalID      sql.NullString `db:"m_external_id"`
	Direction       sql.NullString `db:"m_direction"`
	Author          sql.NullString `db:"m_author"`
	Text            sql.NullString `db:"m_text"`
	Visibility      sql.NullString `db:"m_visibility"`
	Findings        sql.NullString `db:"m_findings"`
	Attachments     sql.NullString `db:"m_attachments"`
	CreatedAt       sql.NullInt64  `db:"m_created_at"`
}

// glanceQuery reads everything of a Glance in one round trip; the preview
// is one index probe per conversation (messages_conversation, newest
// first) unless a search named the message.
const glanceQuery = `SELECT c.id, c.first_response_at, c.last_customer_message_at,
	COALESCE(cu.person_id, cu.id) AS person_id, cu.avatar_url,
	(SELECT r.read_at FROM conversation_reads r WHERE r.agent = ? AND r.conversation_id = c.id) AS read_at,
	EXISTS (SELECT 1 FROM note_mentions nm WHERE nm.agent = ? AND nm.seen_at IS NULL AND nm.conversation_id = c.id) AS mentioned,
	m.id AS m_id, m.kind AS m_kind, m.platform AS m_platform, m.external_id AS m_external_id,
	m.direction AS m_direction, m.author AS m_author, m.text AS m_text, m.visibility AS m_visibility,
	m.findings AS m_findings, m.attachments AS m_attachments, m.created_at AS m_created_at
FROM conversations c JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN messages m ON m.id = (SELECT m2.id FROM messages m2 WHERE m2.conversation_id = c.id
	ORDER BY m2.created_at DESC, m2.id DESC LIMIT 1)
WHERE c.id IN (?)`

// Glances implements Desk.
func (s *sqlStore) Glances(ctx context.Context, agent string, ids []int64, match map[int64]int64) (map[int64]store.Glance, error) {
	out := make(map[int64]store.Glance, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In(glanceQuery, agent, agent, ids)
	if err != nil {
		return nil, fmt.Errorf("reading queue glances: %w", err)
	}
	var rows []glanceRow
	if err := sqlx.SelectContext(ctx, s.r, &rows, s.rb(query), args...); err != nil {
		return nil, fmt.Errorf("reading queue glances: %w", err)
	}
	for _, r := range rows {
		g := store.Glance{
			FirstResponseAt: fromNullNS(r.FirstResponseAt),
			PersonID:        r.PersonID,
			AvatarURL:       r.AvatarURL,
			Mentioned:       r.Mentioned,
			Unread:          r.LastCustomerAt.Valid && (!r.ReadAt.Valid || r.ReadAt.Int64 < r.LastCustomerAt.Int64),
		}
		if r.MessageID.Valid {
			mr := messageRow{
				ID: r.MessageID.Int64, ConversationID: r.ID, Platform: r.Platform.String, Kind: r.Kind.String,
				ExternalID: r.ExternalID.String, Direction: r.Direction.String, Author: r.Author.String,
				Text: r.Text.String, Visibility: r.Visibility.String, Findings: r.Findings.String,
				Attachments: r.Attachments.String, CreatedAt: r.CreatedAt.Int64,
			}
			if g.Preview, err = mr.message(); err != nil {
				return nil, err
			}
		}
		out[r.ID] = g
	}
	if err := s.matchPreviews(ctx, out, match); err != nil {
		return nil, fmt.Errorf("reading search matches: %w", err)
	}
	return out, nil
}

// matchPreviews replaces the previews of glances by the messages a search
// matched.
func (s *sqlStore) matchPreviews(ctx context.Context, glances map[int64]store.Glance, match map[int64]int64) error {
	var ids []int64
	for conv, msg := range match {
		if _, ok := glances[conv]; ok && msg != 0 {
			ids = append(ids, msg)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	query, args, err := sqlx.In(messageSelect+` WHERE id IN (?)`, ids)
	if err != nil {
		return err
	}
	var rows []messageRow
	if err := sqlx.SelectContext(ctx, s.r, &rows, s.rb(query), args...); err != nil {
		return err
	}
	for _, r := range rows {
		m, err := r.message()
		if err != nil {
			return err
		}
		if g, ok := glances[m.ConversationID]; ok && match[m.ConversationID] == m.ID {
			g.Preview = m
			glances[m.ConversationID] = g
		}
	}
	return nil
}

// MarkRead implements Desk.
func (s *sqlStore) MarkRead(ctx context.Context, agent string, conversationID int64, at time.Time) error {
	if agent == "" || !storable(agent) {
		return fmt.Errorf("marking conversation %d read: %w: agent", conversationID, store.ErrInvalid)
	}
	err := s.inTx(ctx, func(q *txq) error {
		var one int
		if err := q.get(ctx, `SELECT 1 FROM conversations WHERE id = ?`, []any{conversationID}, &one); err != nil {
			return notFound(err)
		}
		if _, err := q.exec(ctx, `INSERT INTO conversation_reads (agent, conversation_id, read_at) VALUES (?, ?, ?)
			ON CONFLICT (agent, conversation_id) DO UPDATE SET read_at = excluded.read_at
			WHERE excluded.read_at > conversation_reads.read_at`, agent, conversationID, ns(at)); err != nil {
			return err
		}
		_, err := q.exec(ctx, `UPDATE note_mentions SET seen_at = ? WHERE agent = ? AND seen_at IS NULL AND conversation_id = ?`,
			time.Now().UnixNano(), agent, conversationID)
		return err
	})
	if err != nil {
		return fmt.Errorf("marking conversation %d read: %w", conversationID, err)
	}
	return nil
}

// Mentions implements Desk.
func (s *sqlStore) Mentions(ctx context.Context, agent string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, s.rb(`SELECT COUNT(DISTINCT conversation_id) FROM note_mentions
		WHERE agent = ? AND seen_at IS NULL`), agent).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counting mentions of %q: %w", agent, err)
	}
	return n, nil
}

// ---- persons ----

const customerSelect = `SELECT id, platform, external_id, handle, name FROM customers`

// personID returns the person a customer belongs to.
func (s *sqlStore) personID(ctx context.Context, q sqlx.QueryerContext, customerID int64) (int64, error) {
	var id int64
	err := q.QueryRowxContext(ctx, s.rb(`SELECT COALESCE(person_id, id) FROM customers WHERE id = ?`), customerID).Scan(&id)
	return id, notFound(err)
}

// personCustomers selects the customers of person ?: those merged into it,
// and the customer whose id it is, unless merged elsewhere.
const personCustomers = `(person_id = ? OR (id = ? AND person_id IS NULL))`

func (s *sqlStore) person(ctx context.Context, q sqlx.QueryerContext, customerID int64) (store.Person, error) {
	pid, err := s.personID(ctx, q, customerID)
	if err != nil {
		return store.Person{}, err
	}
	p := store.Person{ID: pid, Customers: []store.Customer{}}
	if err := sqlx.SelectContext(ctx, q, &p.Customers, s.rb(customerSelect+` WHERE `+personCustomers+` ORDER BY id`), pid, pid); err != nil {
		return store.Person{}, err
	}
	return p, nil
}

// Person implements Desk.
func (s *sqlStore) Person(ctx context.Context, customerID int64) (store.Person, error) {
	p, err := s.person(ctx, s.r, customerID)
	if err != nil {
		return store.Person{}, fmt.Errorf("reading person of customer %d: %w", customerID, err)
	}
	return p, nil
}

// MergeCustomers implements Desk.
func (s *sqlStore) MergeCustomers(ctx context.Context, keep, merge int64) (store.Person, error) {
	var out store.Person
	err := s.inTx(ctx, func(q *txq) error {
		pk, err := s.personID(ctx, q.tx, keep)
		if err != nil {
			return err
		}
		pm, err := s.personID(ctx, q.tx, merge)
		if err != nil {
			return err
		}
		if pk != pm {
			if _, err := q.exec(ctx, `UPDATE customers SET person_id = ? WHERE person_id IN (?, ?) OR id IN (?, ?)`,
				pk, pk, pm, pk, pm); err != nil {
				return err
			}
		}
		out, err = s.person(ctx, q.tx, keep)
		return err
	})
	if err != nil {
		return store.Person{}, fmt.Errorf("merging customer %d into %d: %w", merge, keep, err)
	}
	return out, nil
}

// personFilter is the condition of Filter.PersonID on conversations c.
func personFilter(w *where, personID int64) {
	w.add(`c.customer_id IN (SELECT id FROM customers WHERE `+personCustomers+`)`, personID, personID)
}
