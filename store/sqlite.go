package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jmoiron/sqlx"
	sqlite3 "github.com/mattn/go-sqlite3"
)

var sqliteDialect = dialect{
	name: DriverSQLite,
	bind: sqlx.QUESTION,
	retryable: func(err error) bool {
		var e sqlite3.Error
		return errors.As(err, &e) && (e.Code == sqlite3.ErrBusy || e.Code == sqlite3.ErrLocked)
	},
	// Keeps the query planner's statistics fresh at little cost.
	closeSQL: "PRAGMA optimize",
}

const sqliteDefaultReaders = 4

// sqliteWriterParams make one connection that begins every transaction
// with a write lock (so two writers never deadlock upgrading a read lock)
// and waits rather than fails when another process holds it. Its 32 MiB
// page cache keeps the indexes that every ingested message updates in memory.
const sqliteWriterParams = "_journal_mode=WAL&_busy_timeout=10000&_txlock=immediate&_foreign_keys=on&_synchronous=NORMAL&_stmt_cache_size=64&_cache_size=-32768"

// sqliteReaderParams make read-only connections; in WAL mode they read a
// snapshot while the writer writes.
const sqliteReaderParams = "mode=ro&_busy_timeout=10000&_txlock=deferred&_foreign_keys=on&_stmt_cache_size=64"

// openSQLite opens the database file cfg.DSN with one writer connection
// and a pool of read-only ones. The writer alone would serialize reads
// behind ingest batches; separate writers would fight over SQLite's single
// write lock with SQLITE_BUSY.
func openSQLite(ctx context.Context, cfg Config) (*sqlStore, error) {
	if cfg.DSN == "" {
		return nil, errors.New("sqlite needs the database file path as dsn")
	}
	if err := os.MkdirAll(filepath.Dir(cfg.DSN), 0o750); err != nil {
		return nil, fmt.Errorf("creating database directory: %w", err)
	}
	uri := sqliteURI(cfg.DSN)
	w, err := sqlx.Open("sqlite3", uri+"?"+sqliteWriterParams)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &sqlStore{d: sqliteDialect, w: w, r: w}
	// Migrate before opening readers: a read-only connection cannot create
	// the file or switch it to WAL.
	if _, err := s.migrate(ctx); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("migrating: %w", err)
	}
	readers := cfg.MaxOpenConns
	if readers == 0 {
		readers = sqliteDefaultReaders
	}
	r, err := sqlx.Open("sqlite3", uri+"?"+sqliteReaderParams)
	if err == nil {
		r.SetMaxOpenConns(readers)
		r.SetMaxIdleConns(readers)
		err = r.PingContext(ctx)
		if err != nil {
			_ = r.Close()
		}
	}
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("opening readers: %w", err)
	}
	s.r = r
	return s, nil
}

// sqliteURI turns a file path into a SQLite URI filename, which the
// read-only pool needs for mode=ro; characters that mean something in a
// URI are escaped.
func sqliteURI(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}
