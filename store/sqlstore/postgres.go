package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/jmoiron/sqlx"

	"github.com/inboxbot/inboxbot/store"
)

var postgresDialect = dialect{
	name:      store.DriverPostgres,
	bind:      sqlx.DOLLAR,
	forUpdate: " FOR UPDATE",
	// One lock per schema, so that separate schemas (tests, tenants)
	// migrate independently.
	migrationLock: `SELECT pg_advisory_xact_lock(hashtext('inboxbot.migrate:' || COALESCE(current_schema(), '')))`,
	// The two-key form keeps these locks apart from the migration lock.
	ingestLock: `SELECT pg_advisory_xact_lock(1769108, b) FROM unnest($1::int4[]) AS u(b)`,
	sets:       &setIngest{existing: pgExisting, insert: pgInsertSegment},
	// A queue page is 50 rows: PostgreSQL plans parallel workers for
	// the SLA and newest orders, which sort every open conversation, and
	// starting them cost more than they saved. At 100,000 conversations
	// (10,000 open) on a 2-core machine the SLA-ordered page took 57-62 ms
	// with them and 18-20 ms without (#16; BenchmarkDeskPostgres).
	pageSetup: `SET LOCAL max_parallel_workers_per_gather = 0`,
	retryable: func(err error) bool {
		var e *pgconn.PgError
		// serialization_failure, deadlock_detected
		return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
	},
}

const postgresDefaultConns = 10

// openPostgres opens a pool on cfg.DSN; PostgreSQL serves concurrent
// readers and writers itself, so one pool does both.
func openPostgres(ctx context.Context, cfg store.Config) (*sqlStore, error) {
	db, err := sqlx.Open("pgx", cfg.DSN)
	if err != nil {
		return nil, err
	}
	conns := cfg.MaxOpenConns
	if conns == 0 {
		conns = postgresDefaultConns
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connecting: %w", err)
	}
	s := &sqlStore{d: postgresDialect, w: db, r: db}
	if _, err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("migrating: %w", err)
	}
	return s, nil
}
