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
		return inbox.Action{}, false, fmt.Errorf("creating action %q: %w: %v", a.Key, store.ErrInvalid, err)
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
func (s *sqlStore) CountActions(ctx context.Context, f store.ActionFilter) (int, error) {
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
	if len(f.Purposes) > 0 {
		args := make([]any, len(f.Purposes))
		for i, p := range f.Purposes {
			args[i] = p
		}
		w.add("a.purpose IN (?"+strings.Repeat(", ?", len(f.Purposes)-1)+")", args...)
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
			outcome = store.ErrTerminal
		case attempts > 0:
			outcome = store.ErrAlreadyAttempted
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
		if errors.Is(err, store.ErrNotFound) {
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
		return inbox.Action{}, fmt.Errorf("retrying send of action %d: %w: reason is not valid UTF-8", id, store.ErrInvalid)
	}
	var out inbox.Action
	err := s.inTx(ctx, func(q *txq) error {
		var state string
		if err := q.get(ctx, `SELECT state FROM actions WHERE id = ?`+s.d.forUpdate, []any{id}, &state); err != nil {
			return notFound(err)
		}
		if inbox.State(state) != inbox.StateUnknown {
			return store.ErrTerminal
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
func (s *sqlStore) FinishSend(ctx context.Context, id int64, r store.Result) (inbox.Action, error) {
	switch r.State {
	case inbox.StatePending, inbox.StateSent, inbox.StateFailed, inbox.StateUnknown:
	default:
		return inbox.Action{}, fmt.Errorf("finishing send of action %d: %w: state %q", id, store.ErrInvalid, r.State)
	}
	if !storable(r.PlatformID) || !storable(r.Error) || !storable(r.Recipient) {
		return inbox.Action{}, fmt.Errorf("finishing send of action %d: %w: result is not valid UTF-8", id, store.ErrInvalid)
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
				return store.ErrTerminal
			}
			if _, err := q.exec(ctx, `UPDATE actions SET attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
				error = ?, updated_at = ? WHERE id = ?`, r.Error, now, id); err != nil {
				return err
			}
		case cur == r.State:
			// A redelivered report: already recorded.
		case cur == inbox.StateSent || cur == inbox.StateFailed:
			return store.ErrTerminal
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
	var msgID int64
	err := q.get(ctx, `INSERT INTO messages (conversation_id, platform, kind, external_id, direction,
			author, text, visibility, findings, parent_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?) ON CONFLICT (platform, external_id) DO NOTHING RETURNING id`,
		[]any{a.ConversationID, string(a.Platform), string(outboundKind(a.Platform, a.Kind)), ext, string(inbox.Out),
			a.RequestedBy, a.Text, string(vis), a.Target, now}, &msgID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Recorded before (and indexed then).
	case err != nil:
		return err
	default:
		if err := q.indexMessages(ctx, []int64{msgID}); err != nil {
			return err
		}
	}
	if a.ByAgent() {
		if _, err := q.exec(ctx, `UPDATE conversations SET awaiting_since = NULL, first_response_at = COALESCE(first_response_at, ?),
			updated_at = ? WHERE id = ?`, now, now, a.ConversationID); err != nil {
			return err
		}
	}
	return nil
}
