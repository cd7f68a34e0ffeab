package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/inboxbot/inboxbot/inbox"
)

// dialect is everything that differs between the SQL databases. The queries
// themselves are shared: both databases speak INSERT ... ON CONFLICT and
// RETURNING, and times are stored as integers in both.
type dialect struct {
	// name is the Config.Driver value and the migrations directory.
	name string
	// bind is the sqlx bind type that queries written with '?' are rebound to.
	bind int
	// forUpdate is appended to a single-table SELECT that reads a row in
	// order to change it. SQLite needs none: its write transactions are
	// exclusive from the start (_txlock=immediate).
	forUpdate string
	// migrationLock, when set, runs first in every migration transaction so
	// that processes opening the same database at once migrate one at a time.
	migrationLock string
	// ingestLock, when set, takes the ingest lock buckets passed as its one
	// argument (an int4 array, ascending), first in every Ingest
	// transaction; see ingestBuckets.
	ingestLock string
	// sets, when set, stores a batch's new items as sets, in a few
	// statements per batch (ingest_batch.go); otherwise Ingest stores them
	// one by one (ingest.go).
	sets *setIngest
	// retryable reports whether a failed transaction may succeed when run
	// again (deadlock, serialization failure, busy database).
	retryable func(error) bool
	// closeSQL, when set, runs on the writer just before Close.
	closeSQL string
}

// sqlStore is the Store for every SQL database; a dialect carries the
// differences.
type sqlStore struct {
	d dialect
	// w runs transactions and writes. For SQLite it holds one connection,
	// so writers queue in Go instead of failing with SQLITE_BUSY.
	w *sqlx.DB
	// r runs plain reads. For SQLite it is a separate read-only pool that
	// WAL lets run alongside the writer; for PostgreSQL it is w.
	r *sqlx.DB

	closeOnce sync.Once
	closeErr  error
}

var _ Store = (*sqlStore)(nil)

// errRace means a concurrent transaction stored the same message between
// this transaction's check and its insert; running it again sees the row.
var errRace = errors.New("store: concurrent ingest of the same message")

const (
	maxTxAttempts = 10
	closeTimeout  = 10 * time.Second
	defaultLimit  = 50
	maxLimit      = 500
	// notice recorded on an action whose send was interrupted.
	unknownAfterRestart = "outcome unknown after restart"
)

func (s *sqlStore) rb(q string) string { return sqlx.Rebind(s.d.bind, q) }

// inTx runs fn in a write transaction, again when the database reports a
// transient conflict. fn must be safe to run more than once.
func (s *sqlStore) inTx(ctx context.Context, fn func(q *txq) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tryTx(ctx, fn)
		if err == nil || attempt == maxTxAttempts || !(errors.Is(err, errRace) || s.d.retryable(err)) {
			return err
		}
		wait := time.Duration(attempt) * time.Millisecond * time.Duration(1+rand.IntN(5))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (s *sqlStore) tryTx(ctx context.Context, fn func(q *txq) error) (err error) {
	tx, err := s.w.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	q := &txq{s: s, tx: tx}
	defer func() {
		q.close()
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(q); err != nil {
		return err
	}
	return tx.Commit()
}

// txq runs queries in one transaction through prepared statements that
// live as long as the transaction, so that a batch parses each query once.
type txq struct {
	s     *sqlStore
	tx    *sqlx.Tx
	stmts map[string]*sqlx.Stmt
}

func (q *txq) prep(ctx context.Context, query string) (*sqlx.Stmt, error) {
	if st, ok := q.stmts[query]; ok {
		return st, nil
	}
	st, err := q.tx.PreparexContext(ctx, q.s.rb(query))
	if err != nil {
		return nil, err
	}
	if q.stmts == nil {
		q.stmts = make(map[string]*sqlx.Stmt)
	}
	q.stmts[query] = st
	return st, nil
}

// get runs a query that returns at most one row and scans it into dest.
func (q *txq) get(ctx context.Context, query string, args []any, dest ...any) error {
	st, err := q.prep(ctx, query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}

func (q *txq) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := q.prep(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (q *txq) close() {
	for _, st := range q.stmts {
		_ = st.Close()
	}
}

// Times are stored as Unix nanoseconds so that both dialects order and
// compare them as plain integers; the zero time is stored as 0 or NULL.

func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func nullNS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func fromNS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func fromNullNS(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromNS(n.Int64)
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// where collects the conditions of a dynamic query with their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// ---- conversations ----

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

func (r *convRow) conversation() Conversation {
	return Conversation{
		ID:       r.ID,
		Platform: inbox.Platform(r.Platform),
		Channel:  inbox.Channel(r.Channel),
		Thread:   r.Thread,
		Customer: Customer{
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
func (s *sqlStore) loadFlags(ctx context.Context, q sqlx.QueryerContext, convs []Conversation) error {
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

func (s *sqlStore) getConversation(ctx context.Context, q sqlx.QueryerContext, id int64) (Conversation, error) {
	var row convRow
	if err := sqlx.GetContext(ctx, q, &row, s.rb(convSelect+` WHERE c.id = ?`), id); err != nil {
		return Conversation{}, notFound(err)
	}
	c := []Conversation{row.conversation()}
	if err := s.loadFlags(ctx, q, c); err != nil {
		return Conversation{}, err
	}
	return c[0], nil
}

// Conversation returns one conversation with its customer and flags, or
// ErrNotFound.
func (s *sqlStore) Conversation(ctx context.Context, id int64) (Conversation, error) {
	c, err := s.getConversation(ctx, s.r, id)
	if err != nil {
		return Conversation{}, fmt.Errorf("reading conversation %d: %w", id, err)
	}
	return c, nil
}

// ConversationByThread returns the conversation of a platform thread, or
// ErrNotFound.
func (s *sqlStore) ConversationByThread(ctx context.Context, p inbox.Platform, ch inbox.Channel, thread string) (Conversation, error) {
	var row convRow
	err := sqlx.GetContext(ctx, s.r, &row,
		s.rb(convSelect+` WHERE c.platform = ? AND c.channel = ? AND c.thread = ?`),
		string(p), string(ch), thread)
	if err != nil {
		return Conversation{}, fmt.Errorf("reading conversation of %s %s thread %q: %w", p, ch, thread, notFound(err))
	}
	c := []Conversation{row.conversation()}
	if err := s.loadFlags(ctx, s.r, c); err != nil {
		return Conversation{}, fmt.Errorf("reading conversation flags: %w", err)
	}
	return c[0], nil
}

// Conversations returns one page of the queue in the order f.Sort names
// (see queueOrder).
func (s *sqlStore) Conversations(ctx context.Context, f Filter) (Page, error) {
	if !f.Sort.Valid() {
		return Page{}, fmt.Errorf("listing conversations: %w: sort %q", ErrInvalid, f.Sort)
	}
	w := filterWhere(f, "")
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	offset := max(f.Offset, 0)

	var page Page
	from, agg, live := counted(f)
	cw := w.and(live)
	if err := s.r.QueryRowContext(ctx, s.rb(`SELECT COALESCE(`+agg+`, 0)`+from+cw.String()), cw.args...).Scan(&page.Total); err != nil {
		return Page{}, fmt.Errorf("counting conversations: %w", err)
	}
	var rows []convRow
	if page.Total > offset {
		order, orderArgs := queueOrder(f)
		args := append(append(w.args, orderArgs...), limit, offset)
		if err := sqlx.SelectContext(ctx, s.r, &rows, s.rb(convSelect+w.String()+order+` LIMIT ? OFFSET ?`), args...); err != nil {
			return Page{}, fmt.Errorf("listing conversations: %w", err)
		}
	}
	page.Conversations = make([]Conversation, len(rows))
	for i := range rows {
		page.Conversations[i] = rows[i].conversation()
	}
	if err := s.loadFlags(ctx, s.r, page.Conversations); err != nil {
		return Page{}, fmt.Errorf("listing conversation flags: %w", err)
	}
	return page, nil
}

func validStatus(st inbox.Status) bool {
	return st == inbox.Open || st == inbox.Pending || st == inbox.Closed
}

// UpdateConversation applies u in one transaction: the ExpectAssignee check
// and the change cannot interleave with another agent's claim. AddFlags are
// applied before RemoveFlags. On ErrConflict nothing changes and the
// current conversation is returned with the error.
func (s *sqlStore) UpdateConversation(ctx context.Context, id int64, u Update) (Conversation, error) {
	if u.Status != nil && !validStatus(*u.Status) {
		return Conversation{}, fmt.Errorf("updating conversation %d: %w: status %q", id, ErrInvalid, *u.Status)
	}
	for _, f := range append(u.AddFlags, u.RemoveFlags...) {
		if f == "" || !storable(f) {
			return Conversation{}, fmt.Errorf("updating conversation %d: %w: flag %q", id, ErrInvalid, f)
		}
	}
	if u.Assignee != nil && !storable(*u.Assignee) {
		return Conversation{}, fmt.Errorf("updating conversation %d: %w: assignee", id, ErrInvalid)
	}
	var out Conversation
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
			return ErrConflict
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
		if errors.Is(err, ErrConflict) {
			return out, fmt.Errorf("updating conversation %d: %w", id, err)
		}
		return Conversation{}, fmt.Errorf("updating conversation %d: %w", id, err)
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

// ---- messages ----

type messageRow struct {
	ID             int64  `db:"id"`
	ConversationID int64  `db:"conversation_id"`
	Platform       string `db:"platform"`
	Kind           string `db:"kind"`
	ExternalID     string `db:"external_id"`
	Direction      string `db:"direction"`
	Author         string `db:"author"`
	Text           string `db:"text"`
	Visibility     string `db:"visibility"`
	Findings       string `db:"findings"`
	ParentID       string `db:"parent_id"`
	CreatedAt      int64  `db:"created_at"`
}

// messageSelect reads messageRow columns.
const messageSelect = `SELECT id, conversation_id, platform, kind, external_id,
	direction, author, text, visibility, findings, parent_id, created_at FROM messages`

// message converts a stored row, decoding its findings.
func (r *messageRow) message() (Message, error) {
	findings := []inbox.Finding{}
	if r.Findings != "" {
		if err := json.Unmarshal([]byte(r.Findings), &findings); err != nil {
			return Message{}, fmt.Errorf("decoding findings of message %d: %w", r.ID, err)
		}
	}
	return Message{
		ID:             r.ID,
		ConversationID: r.ConversationID,
		Platform:       inbox.Platform(r.Platform),
		Kind:           inbox.Kind(r.Kind),
		ExternalID:     r.ExternalID,
		Direction:      inbox.Direction(r.Direction),
		Author:         r.Author,
		Text:           r.Text,
		Visibility:     inbox.Channel(r.Visibility),
		Findings:       findings,
		ParentID:       r.ParentID,
		CreatedAt:      fromNS(r.CreatedAt),
	}, nil
}

// Messages returns a conversation's messages, oldest first, or ErrNotFound
// for an unknown conversation.
func (s *sqlStore) Messages(ctx context.Context, conversationID int64) ([]Message, error) {
	var rows []messageRow
	err := sqlx.SelectContext(ctx, s.r, &rows, s.rb(messageSelect+` WHERE conversation_id = ? ORDER BY created_at, id`), conversationID)
	if err == nil && len(rows) == 0 {
		err = s.requireConversation(ctx, conversationID)
	}
	if err != nil {
		return nil, fmt.Errorf("listing messages of conversation %d: %w", conversationID, err)
	}
	out := make([]Message, len(rows))
	for i := range rows {
		if out[i], err = rows[i].message(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ---- actions ----

const actionSelect = `SELECT a.id, a.conversation_id, a.platform, a.kind, a.action_key, a.purpose,
	a.target, a.recipient, a.text, a.requested_by, a.state, a.attempts, a.platform_id,
	a.error, a.created_at, a.updated_at, c.last_customer_message_at
FROM actions a JOIN conversations c ON c.id = a.conversation_id`

type actionRow struct {
	ID                    int64         `db:"id"`
	ConversationID        int64         `db:"conversation_id"`
	Platform              string        `db:"platform"`
	Kind                  string        `db:"kind"`
	Key                   string        `db:"action_key"`
	Purpose               string        `db:"purpose"`
	Target                string        `db:"target"`
	Recipient             string        `db:"recipient"`
	Text                  string        `db:"text"`
	RequestedBy           string        `db:"requested_by"`
	State                 string        `db:"state"`
	Attempts              int           `db:"attempts"`
	PlatformID            string        `db:"platform_id"`
	Error                 string        `db:"error"`
	CreatedAt             int64         `db:"created_at"`
	UpdatedAt             int64         `db:"updated_at"`
	LastCustomerMessageAt sql.NullInt64 `db:"last_customer_message_at"`
}

func (r *actionRow) action() inbox.Action {
	return inbox.Action{
		V:                     inbox.SchemaVersion,
		ID:                    r.ID,
		ConversationID:        r.ConversationID,
		Platform:              inbox.Platform(r.Platform),
		Kind:                  inbox.ActionKind(r.Kind),
		Key:                   r.Key,
		Purpose:               r.Purpose,
		Target:                r.Target,
		Recipient:             r.Recipient,
		Text:                  r.Text,
		RequestedBy:           r.RequestedBy,
		LastCustomerMessageAt: fromNullNS(r.LastCustomerMessageAt),
		State:                 inbox.State(r.State),
		Attempts:              r.Attempts,
		PlatformID:            r.PlatformID,
		Error:                 r.Error,
		CreatedAt:             fromNS(r.CreatedAt),
		UpdatedAt:             fromNS(r.UpdatedAt),
	}
}

func (s *sqlStore) getAction(ctx context.Context, q sqlx.QueryerContext, cond string, arg any) (inbox.Action, error) {
	var row actionRow
	if err := sqlx.GetContext(ctx, q, &row, s.rb(actionSelect+` WHERE `+cond), arg); err != nil {
		return inbox.Action{}, notFound(err)
	}
	return row.action(), nil
}

// validateAction checks an action as the router or an agent hands it to
// the store. V may be left 0: the store does not keep it.
func validateAction(a inbox.Action) error {
	if a.V == 0 {
		a.V = inbox.SchemaVersion
	}
	if err := a.Validate(); err != nil {
		return err
	}
	for _, s := range []string{a.Key, a.Purpose, a.Target, a.Recipient, a.Text, a.RequestedBy} {
		if !storable(s) {
			return errors.New("action text is not valid UTF-8 or contains NUL")
		}
	}
	if a.RequestedBy == "" {
		return errors.New("missing requested_by")
	}
	return nil
}

// insertAction stores a new pending action unless its key exists, and
// returns the stored action either way. lcm is the conversation's
// last_customer_message_at, known to the caller.
func (q *txq) insertAction(ctx context.Context, a inbox.Action, convID int64, lcm sql.NullInt64, now int64, msgID sql.NullInt64) (inbox.Action, bool, error) {
	var id int64
	err := q.get(ctx, `INSERT INTO actions (conversation_id, platform, kind, action_key, purpose, target,
			recipient, text, requested_by, state, attempts, platform_id, error, created_at, updated_at, message_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, '', '', ?, ?, ?)
		ON CONFLICT (action_key) DO NOTHING RETURNING id`,
		[]any{convID, string(a.Platform), string(a.Kind), a.Key, a.Purpose, a.Target,
			a.Recipient, a.Text, a.RequestedBy, now, now, msgID}, &id)
	if errors.Is(err, sql.ErrNoRows) {
		stored, err := q.s.getAction(ctx, q.tx, "a.action_key = ?", a.Key)
		return stored, false, err
	}
	if err != nil {
		return inbox.Action{}, false, err
	}
	return createdAction(a, id, convID, lcm, now), true, nil
}

// createdAction is a as the store keeps it once inserted with id in
// conversation convID at now: pending, not attempted.
func createdAction(a inbox.Action, id, convID int64, lcm sql.NullInt64, now int64) inbox.Action {
	a.V = inbox.SchemaVersion
	a.ID = id
	a.ConversationID = convID
	a.LastCustomerMessageAt = fromNullNS(lcm)
	a.State = inbox.StatePending
	a.Attempts = 0
	a.PlatformID = ""
	a.Error = ""
	a.CreatedAt = fromNS(now)
	a.UpdatedAt = fromNS(now)
	return a
}

// CreateAction stores a new pending action of an existing conversation
// (ErrNotFound otherwise), unique by Key. The store sets the state,
// attempts and timestamps: CreatedAt is when the store took the action.
func (s *sqlStore) CreateAction(ctx context.Context, a inbox.Action) (inbox.Action, bool, error) {
	if err := validateAction(a); err != nil {
		return inbox.Action{}, false, fmt.Errorf("creating action %q: %w: %v", a.Key, ErrInvalid, err)
	}
	var (
		out     inbox.Action
		created bool
	)
	err := s.inTx(ctx, func(q *txq) error {
		var lcm sql.NullInt64
		if err := q.get(ctx, `SELECT last_customer_message_at FROM conversations WHERE id = ?`, []any{a.ConversationID}, &lcm); err != nil {
			return notFound(err)
		}
		var err error
		out, created, err = q.insertAction(ctx, a, a.ConversationID, lcm, time.Now().UnixNano(), sql.NullInt64{})
		return err
	})
	if err != nil {
		return inbox.Action{}, false, fmt.Errorf("creating action %q: %w", a.Key, err)
	}
	return out, created, nil
}

// Action returns one action by id, or ErrNotFound.
func (s *sqlStore) Action(ctx context.Context, id int64) (inbox.Action, error) {
	a, err := s.getAction(ctx, s.r, "a.id = ?", id)
	if err != nil {
		return inbox.Action{}, fmt.Errorf("reading action %d: %w", id, err)
	}
	return a, nil
}

// ActionByKey returns one action by idempotency key, or ErrNotFound.
func (s *sqlStore) ActionByKey(ctx context.Context, key string) (inbox.Action, error) {
	a, err := s.getAction(ctx, s.r, "a.action_key = ?", key)
	if err != nil {
		return inbox.Action{}, fmt.Errorf("reading action %q: %w", key, err)
	}
	return a, nil
}

// Actions returns a conversation's actions, oldest first, or ErrNotFound
// for an unknown conversation.
func (s *sqlStore) Actions(ctx context.Context, conversationID int64) ([]inbox.Action, error) {
	var rows []actionRow
	err := sqlx.SelectContext(ctx, s.r, &rows, s.rb(actionSelect+` WHERE a.conversation_id = ? ORDER BY a.created_at, a.id`), conversationID)
	if err == nil && len(rows) == 0 {
		err = s.requireConversation(ctx, conversationID)
	}
	if err != nil {
		return nil, fmt.Errorf("listing actions of conversation %d: %w", conversationID, err)
	}
	out := make([]inbox.Action, len(rows))
	for i := range rows {
		out[i] = rows[i].action()
	}
	return out, nil
}

// CountActions counts actions matching f, whatever their state: an action
// that failed still used up its window. With CustomerExternalID it counts
// over all of that customer's conversations (on f.Platform when set).
func (s *sqlStore) CountActions(ctx context.Context, f ActionFilter) (int, error) {
	var w where
	query := `SELECT COUNT(*) FROM actions a`
	if f.CustomerExternalID != "" {
		query += ` JOIN conversations c ON c.id = a.conversation_id JOIN customers cu ON cu.id = c.customer_id`
		w.add("cu.external_id = ?", f.CustomerExternalID)
		if f.Platform != "" {
			w.add("cu.platform = ?", string(f.Platform))
		}
	}
	if f.Platform != "" {
		w.add("a.platform = ?", string(f.Platform))
	}
	if f.ConversationID != 0 {
		w.add("a.conversation_id = ?", f.ConversationID)
	}
	if f.Purpose != "" {
		w.add("a.purpose = ?", f.Purpose)
	}
	if !f.Since.IsZero() {
		w.add("a.created_at >= ?", f.Since.UnixNano())
	}
	var n int
	if err := s.r.QueryRowContext(ctx, s.rb(query+w.String()), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting actions: %w", err)
	}
	return n, nil
}

// BeginSend records an attempt before the platform call, in one
// transaction, so that a crash between the call and FinishSend leaves
// attempts > 0: the next BeginSend then marks the action unknown instead
// of sending it twice. The stored action is returned with every error but
// ErrNotFound.
func (s *sqlStore) BeginSend(ctx context.Context, id int64) (inbox.Action, error) {
	var (
		out     inbox.Action
		outcome error
	)
	err := s.inTx(ctx, func(q *txq) error {
		outcome = nil
		var state string
		var attempts int
		if err := q.get(ctx, `SELECT state, attempts FROM actions WHERE id = ?`+s.d.forUpdate, []any{id}, &state, &attempts); err != nil {
			return notFound(err)
		}
		now := time.Now().UnixNano()
		switch {
		case inbox.State(state) != inbox.StatePending:
			outcome = ErrTerminal
		case attempts > 0:
			outcome = ErrAlreadyAttempted
			if _, err := q.exec(ctx, `UPDATE actions SET state = 'unknown', error = ?, updated_at = ? WHERE id = ?`,
				unknownAfterRestart, now, id); err != nil {
				return err
			}
		default:
			if _, err := q.exec(ctx, `UPDATE actions SET attempts = attempts + 1, updated_at = ? WHERE id = ?`, now, id); err != nil {
				return err
			}
		}
		var err error
		out, err = s.getAction(ctx, q.tx, "a.id = ?", id)
		return err
	})
	if err == nil {
		err = outcome
	}
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return inbox.Action{}, fmt.Errorf("beginning send of action %d: %w", id, err)
		}
		return out, fmt.Errorf("beginning send of action %d: %w", id, err)
	}
	return out, nil
}

// RetrySend takes an unknown action back for one more attempt: in one
// transaction, state unknown becomes pending with attempts 1, as after
// BeginSend. The row lock makes it the claim: of two instances that both
// found the action not carried out, one gets it and the other
// ErrTerminal.
func (s *sqlStore) RetrySend(ctx context.Context, id int64, reason string) (inbox.Action, error) {
	if !storable(reason) {
		return inbox.Action{}, fmt.Errorf("retrying send of action %d: %w: reason is not valid UTF-8", id, ErrInvalid)
	}
	var out inbox.Action
	err := s.inTx(ctx, func(q *txq) error {
		var state string
		if err := q.get(ctx, `SELECT state FROM actions WHERE id = ?`+s.d.forUpdate, []any{id}, &state); err != nil {
			return notFound(err)
		}
		if inbox.State(state) != inbox.StateUnknown {
			return ErrTerminal
		}
		if _, err := q.exec(ctx, `UPDATE actions SET state = 'pending', attempts = 1, error = ?, updated_at = ? WHERE id = ?`,
			reason, time.Now().UnixNano(), id); err != nil {
			return err
		}
		var err error
		out, err = s.getAction(ctx, q.tx, "a.id = ?", id)
		return err
	})
	if err != nil {
		return inbox.Action{}, fmt.Errorf("retrying send of action %d: %w", id, err)
	}
	return out, nil
}

// outboundKind is the kind of message a sent action shows up as on its
// platform.
func outboundKind(p inbox.Platform, k inbox.ActionKind) inbox.Kind {
	switch {
	case p == inbox.Facebook && k == inbox.Reply:
		return inbox.Comment
	case p == inbox.Facebook:
		return inbox.Message
	case k == inbox.Reply:
		return inbox.Mention
	default:
		return inbox.DM
	}
}

// FinishSend records a send's outcome: r.State is sent, failed or unknown,
// and a late outcome may replace unknown. Repeating the outcome already
// recorded changes nothing; any other change of a sent or failed action is
// ErrTerminal.
//
// r.State pending means the platform refused the call before acting (e.g. a
// rate limit): it undoes BeginSend's attempt so that the action may be sent
// later, and is ErrTerminal unless the action is still pending.
//
// A sent reply, DM or private reply becomes an outbound message of its
// conversation (external id: the platform id, or "action:<key>" when the
// platform gave none); when an agent requested it, the conversation no
// longer awaits an answer.
//
// r.Recipient, when not empty, becomes the action's recipient if it has
// none (the Messenger PSID a Private Reply reached), for Ingest's links.
func (s *sqlStore) FinishSend(ctx context.Context, id int64, r Result) (inbox.Action, error) {
	switch r.State {
	case inbox.StatePending, inbox.StateSent, inbox.StateFailed, inbox.StateUnknown:
	default:
		return inbox.Action{}, fmt.Errorf("finishing send of action %d: %w: state %q", id, ErrInvalid, r.State)
	}
	if !storable(r.PlatformID) || !storable(r.Error) || !storable(r.Recipient) {
		return inbox.Action{}, fmt.Errorf("finishing send of action %d: %w: result is not valid UTF-8", id, ErrInvalid)
	}
	var out inbox.Action
	err := s.inTx(ctx, func(q *txq) error {
		var state string
		if err := q.get(ctx, `SELECT state FROM actions WHERE id = ?`+s.d.forUpdate, []any{id}, &state); err != nil {
			return notFound(err)
		}
		cur := inbox.State(state)
		now := time.Now().UnixNano()
		switch {
		case r.State == inbox.StatePending:
			if cur != inbox.StatePending {
				return ErrTerminal
			}
			if _, err := q.exec(ctx, `UPDATE actions SET attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
				error = ?, updated_at = ? WHERE id = ?`, r.Error, now, id); err != nil {
				return err
			}
		case cur == r.State:
			// A redelivered report: already recorded.
		case cur == inbox.StateSent || cur == inbox.StateFailed:
			return ErrTerminal
		default:
			if _, err := q.exec(ctx, `UPDATE actions SET state = ?, platform_id = ?, error = ?,
				recipient = CASE WHEN recipient = '' THEN ? ELSE recipient END, updated_at = ? WHERE id = ?`,
				string(r.State), r.PlatformID, r.Error, r.Recipient, now, id); err != nil {
				return err
			}
			if r.State == inbox.StateSent {
				a, err := s.getAction(ctx, q.tx, "a.id = ?", id)
				if err != nil {
					return err
				}
				if err := q.recordOutbound(ctx, a, now); err != nil {
					return err
				}
			}
		}
		var err error
		out, err = s.getAction(ctx, q.tx, "a.id = ?", id)
		return err
	})
	if err != nil {
		return inbox.Action{}, fmt.Errorf("finishing send of action %d: %w", id, err)
	}
	return out, nil
}

func (q *txq) recordOutbound(ctx context.Context, a inbox.Action, now int64) error {
	switch a.Kind {
	case inbox.Reply, inbox.SendDM, inbox.PrivateReply:
	default:
		return nil
	}
	ext := a.PlatformID
	if ext == "" {
		ext = "action:" + a.Key
	}
	vis := inbox.Private
	if a.Kind.Public() {
		vis = inbox.Public
	}
	if _, err := q.exec(ctx, `INSERT INTO messages (conversation_id, platform, kind, external_id, direction,
			author, text, visibility, findings, parent_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?) ON CONFLICT (platform, external_id) DO NOTHING`,
		a.ConversationID, string(a.Platform), string(outboundKind(a.Platform, a.Kind)), ext, string(inbox.Out),
		a.RequestedBy, a.Text, string(vis), a.Target, now); err != nil {
		return err
	}
	if a.ByAgent() {
		if _, err := q.exec(ctx, `UPDATE conversations SET awaiting_since = NULL, first_response_at = COALESCE(first_response_at, ?),
			updated_at = ? WHERE id = ?`, now, now, a.ConversationID); err != nil {
			return err
		}
	}
	return nil
}

// ---- cursors ----

// Cursor returns a connector's saved position, and false when none is saved.
func (s *sqlStore) Cursor(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.r.QueryRowContext(ctx, s.rb(`SELECT value FROM cursors WHERE name = ?`), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("reading cursor %q: %w", key, err)
	}
	return v, true, nil
}

// SetCursor saves a connector's position, replacing the previous one.
func (s *sqlStore) SetCursor(ctx context.Context, key, value string) error {
	if key == "" || !storable(key) || !storable(value) {
		return fmt.Errorf("saving cursor %q: %w", key, ErrInvalid)
	}
	_, err := s.w.ExecContext(ctx, s.rb(`INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
		key, value, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("saving cursor %q: %w", key, err)
	}
	return nil
}

// ---- agents and tokens ----

type agentRow struct {
	ID           int64  `db:"id"`
	Name         string `db:"name"`
	Role         string `db:"role"`
	PasswordHash string `db:"password_hash"`
	Disabled     bool   `db:"disabled"`
	CreatedAt    int64  `db:"created_at"`
}

func (r *agentRow) agent() Agent {
	return Agent{ID: r.ID, Name: r.Name, Role: r.Role, PasswordHash: r.PasswordHash, Disabled: r.Disabled, CreatedAt: fromNS(r.CreatedAt)}
}

const agentSelect = `SELECT id, name, role, password_hash, disabled, created_at FROM agents`

// CreateAgent adds an agent, or fails with ErrExists when the name is
// taken. An empty Role means "agent"; CreatedAt is set by the store.
func (s *sqlStore) CreateAgent(ctx context.Context, a Agent) (Agent, error) {
	if a.Name == "" || !storable(a.Name) || !storable(a.Role) || !storable(a.PasswordHash) {
		return Agent{}, fmt.Errorf("creating agent %q: %w", a.Name, ErrInvalid)
	}
	if a.Role == "" {
		a.Role = "agent"
	}
	a.CreatedAt = time.Now().UTC()
	err := s.w.QueryRowContext(ctx, s.rb(`INSERT INTO agents (name, role, password_hash, disabled, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id`),
		a.Name, a.Role, a.PasswordHash, a.Disabled, a.CreatedAt.UnixNano()).Scan(&a.ID)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrExists
	}
	if err != nil {
		return Agent{}, fmt.Errorf("creating agent %q: %w", a.Name, err)
	}
	a.CreatedAt = fromNS(a.CreatedAt.UnixNano())
	return a, nil
}

// Agent returns an agent by name, or ErrNotFound.
func (s *sqlStore) Agent(ctx context.Context, name string) (Agent, error) {
	var row agentRow
	if err := sqlx.GetContext(ctx, s.r, &row, s.rb(agentSelect+` WHERE name = ?`), name); err != nil {
		return Agent{}, fmt.Errorf("reading agent %q: %w", name, notFound(err))
	}
	return row.agent(), nil
}

// AgentByID returns an agent by id, or ErrNotFound.
func (s *sqlStore) AgentByID(ctx context.Context, id int64) (Agent, error) {
	var row agentRow
	if err := sqlx.GetContext(ctx, s.r, &row, s.rb(agentSelect+` WHERE id = ?`), id); err != nil {
		return Agent{}, fmt.Errorf("reading agent %d: %w", id, notFound(err))
	}
	return row.agent(), nil
}

// Agents lists all agents, disabled ones too, by name.
func (s *sqlStore) Agents(ctx context.Context) ([]Agent, error) {
	var rows []agentRow
	if err := sqlx.SelectContext(ctx, s.r, &rows, agentSelect+` ORDER BY name`); err != nil {
		return nil, fmt.Errorf("listing agents: %w", err)
	}
	out := make([]Agent, len(rows))
	for i := range rows {
		out[i] = rows[i].agent()
	}
	return out, nil
}

// SetPassword replaces an agent's password hash, or fails with ErrNotFound.
func (s *sqlStore) SetPassword(ctx context.Context, name, hash string) error {
	if !storable(hash) {
		return fmt.Errorf("setting password of %q: %w", name, ErrInvalid)
	}
	res, err := s.w.ExecContext(ctx, s.rb(`UPDATE agents SET password_hash = ? WHERE name = ?`), hash, name)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("setting password of %q: %w", name, err)
	}
	return nil
}

// CreateToken stores a token of an existing agent (ErrNotFound otherwise);
// ErrExists when the hash is taken. A zero ExpiresAt never expires; a zero
// CreatedAt is set to now.
func (s *sqlStore) CreateToken(ctx context.Context, t Token) error {
	if t.Hash == "" || !storable(t.Hash) || !storable(t.Kind) || !storable(t.CSRF) {
		return fmt.Errorf("creating token: %w", ErrInvalid)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	err := s.inTx(ctx, func(q *txq) error {
		var one int
		if err := q.get(ctx, `SELECT 1 FROM agents WHERE id = ?`, []any{t.AgentID}, &one); err != nil {
			return notFound(err)
		}
		res, err := q.exec(ctx, `INSERT INTO tokens (hash, agent_id, kind, csrf, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
			t.Hash, t.AgentID, t.Kind, t.CSRF, ns(t.ExpiresAt), t.CreatedAt.UnixNano())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmpErr(err, ErrExists)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("creating token: %w", err)
	}
	return nil
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// TokenByHash returns an unexpired token, or ErrNotFound: an expired token
// is as good as none, so that callers cannot forget to check.
func (s *sqlStore) TokenByHash(ctx context.Context, hash string) (Token, error) {
	var (
		t                  Token
		expires, createdAt int64
	)
	err := s.r.QueryRowContext(ctx, s.rb(`SELECT hash, agent_id, kind, csrf, expires_at, created_at FROM tokens
		WHERE hash = ? AND (expires_at = 0 OR expires_at > ?)`), hash, time.Now().UnixNano()).
		Scan(&t.Hash, &t.AgentID, &t.Kind, &t.CSRF, &expires, &createdAt)
	if err != nil {
		return Token{}, fmt.Errorf("reading token: %w", notFound(err))
	}
	t.ExpiresAt, t.CreatedAt = fromNS(expires), fromNS(createdAt)
	return t, nil
}

// DeleteToken removes a token; a missing one is not an error, so that
// signing out twice is harmless.
func (s *sqlStore) DeleteToken(ctx context.Context, hash string) error {
	if _, err := s.w.ExecContext(ctx, s.rb(`DELETE FROM tokens WHERE hash = ?`), hash); err != nil {
		return fmt.Errorf("deleting token: %w", err)
	}
	return nil
}

// ---- audit ----

// AddAudit appends to the audit trail; a zero At is set to now.
func (s *sqlStore) AddAudit(ctx context.Context, a Audit) error {
	if a.Actor == "" || a.Action == "" || !storable(a.Actor) || !storable(a.Action) || !storable(a.Detail) {
		return fmt.Errorf("adding audit entry: %w: actor and action are required", ErrInvalid)
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
func (s *sqlStore) AuditTrail(ctx context.Context, conversationID int64) ([]Audit, error) {
	rows, err := s.r.QueryContext(ctx, s.rb(`SELECT id, actor, action, detail, at FROM audit
		WHERE conversation_id = ? ORDER BY at, id`), conversationID)
	if err != nil {
		return nil, fmt.Errorf("listing audit trail of conversation %d: %w", conversationID, err)
	}
	defer rows.Close()
	out := []Audit{}
	for rows.Next() {
		a := Audit{ConversationID: conversationID}
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

// ---- lifecycle ----

// Ping checks that every pool of the store answers.
func (s *sqlStore) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("pinging %s: %w", s.d.name, err)
	}
	if s.r != s.w {
		if err := s.r.PingContext(ctx); err != nil {
			return fmt.Errorf("pinging %s readers: %w", s.d.name, err)
		}
	}
	return nil
}

// Close releases the database. It waits at most closeTimeout for running
// queries, so that shutdown cannot hang on a stuck one; later calls return
// the first call's result.
func (s *sqlStore) Close() error {
	s.closeOnce.Do(func() {
		done := make(chan error, 1)
		go func() {
			var errs []error
			if s.r != nil && s.r != s.w {
				errs = append(errs, s.r.Close())
			}
			if s.d.closeSQL != "" {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_, _ = s.w.ExecContext(ctx, s.d.closeSQL)
				cancel()
			}
			errs = append(errs, s.w.Close())
			done <- errors.Join(errs...)
		}()
		select {
		case err := <-done:
			if err != nil {
				s.closeErr = fmt.Errorf("closing %s store: %w", s.d.name, err)
			}
		case <-time.After(closeTimeout):
			s.closeErr = fmt.Errorf("closing %s store: timed out after %v", s.d.name, closeTimeout)
		}
	})
	return s.closeErr
}
