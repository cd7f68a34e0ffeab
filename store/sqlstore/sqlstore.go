// Package sqlstore implements store.Store with sqlx on SQLite (the
// default, through mattn/go-sqlite3 and cgo) and on PostgreSQL (pgx's
// database/sql driver). One schema, with a migration per dialect, serves
// both; the SQL differs only where a dialect must (placeholders, upserts,
// full-text search, set-based ingest on PostgreSQL).
//
// Open (open.go) chooses the dialect from store.Config.Driver. The files
// follow the records they keep: conversations.go, messages.go,
// actions.go (the send state machine), cursors.go, agents.go (agents and
// tokens), audit.go; ingest*.go store the router's batches; desk.go,
// notes.go, search.go, queue.go and reports.go serve the agents' desk;
// secrets.go the retention job; sqlite.go and postgres.go the dialects;
// migrate.go the schema.
package sqlstore

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

	"github.com/inboxbot/inboxbot/store"
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
	// pageSetup, when set, runs first in the read-only transaction of a
	// queue page (Conversations); see postgresDialect.
	pageSetup string
	// indexMessages, when set, adds the messages whose ids it is given (a
	// JSON array) to a full-text index kept outside the messages table;
	// see txq.indexMessages. PostgreSQL's index is on an expression of
	// the table and needs none.
	indexMessages string
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

	// background, when set, stops the store's background work (SQLite's
	// checkpointer); Close calls it first.
	background func() error

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*sqlStore)(nil)

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

// indexMessages adds new messages to the search index, once per
// transaction that stored them (Ingest's batch, a send's message) rather
// than from a trigger per row: SQLite's FTS4 writes its pending terms to
// disk at every statement savepoint, and a trigger's insert is one, so
// each message made a segment of its own to be merged later (4× the CPU
// of the same inserts as one statement, and most of an ingest's writes;
// #17).
func (q *txq) indexMessages(ctx context.Context, ids []int64) error {
	if q.s.d.indexMessages == "" || len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	if _, err := q.tx.ExecContext(ctx, q.s.d.indexMessages, string(list)); err != nil {
		return fmt.Errorf("indexing messages for search: %w", err)
	}
	return nil
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
		return store.ErrNotFound
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
			if s.background != nil {
				errs = append(errs, s.background())
			}
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
