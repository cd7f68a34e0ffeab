package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrationsFS holds one directory of numbered SQL files per dialect:
// migrations/<driver>/NNNN_name.sql. A version, once released, is never
// edited; a change is a new file in every directory.
//
//go:embed migrations
var migrationsFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations(driver string) ([]migration, error) {
	dir := path.Join("migrations", driver)
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive version number", e.Name())
		}
		b, err := fs.ReadFile(migrationsFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", ms[i-1].name, ms[i].name, ms[i].version)
		}
	}
	return ms, nil
}

// Migrate applies the migrations the database lacks, each in its own
// transaction together with its schema_migrations row, so that a failed
// migration leaves the previous version intact. Processes migrating the
// same database at once take turns (dialect.migrationLock; SQLite's write
// lock). It returns the version reached, which may be newer than this
// build's when a newer build migrated first.
func (s *sqlStore) Migrate(ctx context.Context) (int, error) {
	v, err := s.migrate(ctx)
	if err != nil {
		return v, fmt.Errorf("migrating %s store: %w", s.d.name, err)
	}
	return v, nil
}

func (s *sqlStore) migrate(ctx context.Context) (int, error) {
	ms, err := loadMigrations(s.d.name)
	if err != nil {
		return 0, err
	}
	version := 0
	step := func(m *migration) error {
		return s.inTx(ctx, func(q *txq) error {
			if s.d.migrationLock != "" {
				if _, err := q.tx.ExecContext(ctx, s.d.migrationLock); err != nil {
					return fmt.Errorf("locking migrations: %w", err)
				}
			}
			if _, err := q.tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version    INTEGER PRIMARY KEY,
				applied_at BIGINT NOT NULL)`); err != nil {
				return err
			}
			if err := q.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
				return err
			}
			if m == nil || version >= m.version {
				return nil
			}
			if _, err := q.tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("applying %s: %w", m.name, err)
			}
			if _, err := q.exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
				m.version, time.Now().UnixNano()); err != nil {
				return err
			}
			version = m.version
			return nil
		})
	}
	if len(ms) == 0 {
		return version, step(nil)
	}
	for i := range ms {
		if err := step(&ms[i]); err != nil {
			return version, err
		}
	}
	return version, nil
}
