package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/inboxbot/inboxbot/store"
)

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
		return fmt.Errorf("saving cursor %q: %w", key, store.ErrInvalid)
	}
	_, err := s.w.ExecContext(ctx, s.rb(`INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
		key, value, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("saving cursor %q: %w", key, err)
	}
	return nil
}
