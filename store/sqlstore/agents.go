package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/inboxbot/inboxbot/store"
)

type agentRow struct {
	ID           int64  `db:"id"`
	Name         string `db:"name"`
	Role         string `db:"role"`
	PasswordHash string `db:"password_hash"`
	Disabled     bool   `db:"disabled"`
	CreatedAt    int64  `db:"created_at"`
}

func (r *agentRow) agent() store.Agent {
	return store.Agent{ID: r.ID, Name: r.Name, Role: r.Role, PasswordHash: r.PasswordHash, Disabled: r.Disabled, CreatedAt: fromNS(r.CreatedAt)}
}

const agentSelect = `SELECT id, name, role, password_hash, disabled, created_at FROM agents`

// CreateAgent adds an agent, or fails with ErrExists when the name is
// taken. An empty Role means "agent"; CreatedAt is set by the store.
func (s *sqlStore) CreateAgent(ctx context.Context, a store.Agent) (store.Agent, error) {
	if a.Name == "" || !storable(a.Name) || !storable(a.Role) || !storable(a.PasswordHash) {
		return store.Agent{}, fmt.Errorf("creating agent %q: %w", a.Name, store.ErrInvalid)
	}
	if a.Role == "" {
		a.Role = "agent"
	}
	a.CreatedAt = time.Now().UTC()
	err := s.w.QueryRowContext(ctx, s.rb(`INSERT INTO agents (name, role, password_hash, disabled, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id`),
		a.Name, a.Role, a.PasswordHash, a.Disabled, a.CreatedAt.UnixNano()).Scan(&a.ID)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrExists
	}
	if err != nil {
		return store.Agent{}, fmt.Errorf("creating agent %q: %w", a.Name, err)
	}
	a.CreatedAt = fromNS(a.CreatedAt.UnixNano())
	return a, nil
}

// Agent returns an agent by name, or ErrNotFound.
func (s *sqlStore) Agent(ctx context.Context, name string) (store.Agent, error) {
	var row agentRow
	if err := sqlx.GetContext(ctx, s.r, &row, s.rb(agentSelect+` WHERE name = ?`), name); err != nil {
		return store.Agent{}, fmt.Errorf("reading agent %q: %w", name, notFound(err))
	}
	return row.agent(), nil
}

// AgentByID returns an agent by id, or ErrNotFound.
func (s *sqlStore) AgentByID(ctx context.Context, id int64) (store.Agent, error) {
	var row agentRow
	if err := sqlx.GetContext(ctx, s.r, &row, s.rb(agentSelect+` WHERE id = ?`), id); err != nil {
		return store.Agent{}, fmt.Errorf("reading agent %d: %w", id, notFound(err))
	}
	return row.agent(), nil
}

// Agents lists all agents, disabled ones too, by name.
func (s *sqlStore) Agents(ctx context.Context) ([]store.Agent, error) {
	var rows []agentRow
	if err := sqlx.SelectContext(ctx, s.r, &rows, agentSelect+` ORDER BY name`); err != nil {
		return nil, fmt.Errorf("listing agents: %w", err)
	}
	out := make([]store.Agent, len(rows))
	for i := range rows {
		out[i] = rows[i].agent()
	}
	return out, nil
}

// SetPassword replaces an agent's password hash, or fails with ErrNotFound.
func (s *sqlStore) SetPassword(ctx context.Context, name, hash string) error {
	if !storable(hash) {
		return fmt.Errorf("setting password of %q: %w", name, store.ErrInvalid)
	}
	res, err := s.w.ExecContext(ctx, s.rb(`UPDATE agents SET password_hash = ? WHERE name = ?`), hash, name)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = store.ErrNotFound
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
func (s *sqlStore) CreateToken(ctx context.Context, t store.Token) error {
	if t.Hash == "" || !storable(t.Hash) || !storable(t.Kind) || !storable(t.CSRF) {
		return fmt.Errorf("creating token: %w", store.ErrInvalid)
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
			return cmpErr(err, store.ErrExists)
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
func (s *sqlStore) TokenByHash(ctx context.Context, hash string) (store.Token, error) {
	var (
		t                  store.Token
		expires, createdAt int64
	)
	err := s.r.QueryRowContext(ctx, s.rb(`SELECT hash, agent_id, kind, csrf, expires_at, created_at FROM tokens
		WHERE hash = ? AND (expires_at = 0 OR expires_at > ?)`), hash, time.Now().UnixNano()).
		Scan(&t.Hash, &t.AgentID, &t.Kind, &t.CSRF, &expires, &createdAt)
	if err != nil {
		return store.Token{}, fmt.Errorf("reading token: %w", notFound(err))
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
