package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jmoiron/sqlx"
	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/inboxbot/inboxbot/store"
)

var sqliteDialect = dialect{
	name: store.DriverSQLite,
	bind: sqlx.QUESTION,
	retryable: func(err error) bool {
		var e sqlite3.Error
		return errors.As(err, &e) && (e.Code == sqlite3.ErrBusy || e.Code == sqlite3.ErrLocked)
	},
	// Keeps the query planner's statistics fresh at little cost.
	closeSQL: "PRAGMA optimize",
	// messages_fts (migrations 0010, 0015) is filled here, not by a
	// trigger.
	indexMessages: `INSERT INTO messages_fts (docid, text)
		SELECT id, text FROM messages WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`,
}

const sqliteDefaultReaders = 4

// sqliteWriterParams make one connection that begins every transaction
// with a write lock (so two writers never deadlock upgrading a read lock)
// and waits rather than fails when another process holds it. Its 32 MiB
// page cache keeps the indexes that every ingested message updates in memory.
// The WAL and page settings are sqliteWriterSetup's: a DSN cannot order them.
// _mutex=no (here and for readers) opens connections without SQLite's
// per-connection mutex: database/sql never lets two goroutines use one
// connection at once, and go-sqlite3's cancellation only calls
// sqlite3_interrupt, which SQLite allows from any thread (+1-4% in
// `inboxbot bench`, A/B three runs each). This holds as long as every
// statement is closed through database/sql: go-sqlite3 finalizes a
// leaked statement from the garbage collector's thread.
const sqliteWriterParams = "_mutex=no&_busy_timeout=10000&_txlock=immediate&_foreign_keys=on&_synchronous=NORMAL&_stmt_cache_size=64&_cache_size=-32768"

// sqliteWriterDriver is the go-sqlite3 driver that runs sqliteWriterSetup
// on each new writer connection.
const sqliteWriterDriver = "sqlite3_inboxbot_writer"

func init() {
	sql.Register(sqliteWriterDriver, &sqlite3.SQLiteDriver{ConnectHook: sqliteWriterSetup})
	sqlx.BindDriver(sqliteWriterDriver, sqlx.QUESTION)
}

// Write amplification. An ingested message dirties a few pages spread
// over the indexes (the conversation's row and queue entries, the
// message's indexes, full-text segments); every dirty page is written
// whole to the WAL at commit, and again to the database file by the next
// checkpoint. Measured with BenchmarkIngest and `inboxbot bench`
// (/proc/self/io write_bytes): checkpoints every 4 MB (SQLite's default)
// were a quarter of the bytes, and 4 KiB pages made every random index
// update cost 4 KiB. So a new database gets 512-byte pages (SQLite's
// smallest), and the WAL is checkpointed about every sqliteCheckpointBytes,
// which lets a page changed by many commits be copied once; see README's
// benchmarks for the figures. The checkpoints run in the background
// (checkpoint.go), never in the writer's commits. Against 1 KiB pages,
// 512 bytes cut `inboxbot bench`'s writes from 5,780 to 4,900 bytes per
// message (10,100 with SQLite's defaults) for 8% of its throughput, and
// moved the desk's queries by -5% to +35%, all far under their 100 ms
// goal (BenchmarkDeskSQLite, 1 December 2026).
const (
	sqlitePageSize        = 512
	sqliteCheckpointBytes = 64 << 20
	// sqliteWALLimit is journal_size_limit: the WAL file is truncated to
	// this size when the writer starts the log over, so that its size is
	// the log's (the checkpointer reads it).
	sqliteWALLimit = 0
)

// sqliteWriterSetup sets up a writer connection: the page size (which
// takes effect only while the database is empty, so existing files keep
// theirs), WAL mode, and no checkpoints of its own (see checkpoint.go).
func sqliteWriterSetup(c *sqlite3.SQLiteConn) error {
	for _, p := range []string{
		fmt.Sprintf("PRAGMA page_size = %d", sqlitePageSize),
		"PRAGMA journal_mode = WAL",
		fmt.Sprintf("PRAGMA journal_size_limit = %d", sqliteWALLimit),
		"PRAGMA wal_autocheckpoint = 0",
	} {
		if _, err := c.Exec(p, nil); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

// sqliteReaderParams make read-only connections; in WAL mode they read a
// snapshot while the writer writes. Each keeps up to 16 MiB of pages: with
// small pages (see sqlitePageSize) the queue's index walks and counts
// touch eight times as many pages as with SQLite's usual 4 KiB, which its
// 2 MiB default cache would read from the file again each time.
const sqliteReaderParams = "mode=ro&_mutex=no&_busy_timeout=10000&_txlock=deferred&_foreign_keys=on&_stmt_cache_size=64&_cache_size=-16384"

// openSQLite opens the database file cfg.DSN with one writer connection
// and a pool of read-only ones. The writer alone would serialize reads
// behind ingest batches; separate writers would fight over SQLite's single
// write lock with SQLITE_BUSY.
func openSQLite(ctx context.Context, cfg store.Config) (*sqlStore, error) {
	if cfg.DSN == "" {
		return nil, errors.New("sqlite needs the database file path as dsn")
	}
	if err := os.MkdirAll(filepath.Dir(cfg.DSN), 0o750); err != nil {
		return nil, fmt.Errorf("creating database directory: %w", err)
	}
	keepCHeap()
	uri := sqliteURI(cfg.DSN)
	w, err := sqlx.Open(sqliteWriterDriver, uri+"?"+sqliteWriterParams)
	if err != nil {
		return nil, err
	}
	oneConnection(w.DB)
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
	ckpt, err := startCheckpointer(ctx, uri, cfg.DSN, sqliteCheckpointBytes, checkpointPoll)
	if err != nil {
		_ = r.Close()
		_ = w.Close()
		return nil, fmt.Errorf("starting the checkpointer: %w", err)
	}
	s.background = ckpt.close
	return s, nil
}

// oneConnection makes db keep exactly one connection open for its whole
// life: the writer's, whose setup and page cache must last, and the
// checkpointer's.
func oneConnection(db *sql.DB) {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
}

// sqliteURI turns a file path into a SQLite URI filename, which the
// read-only pool needs for mode=ro; characters that mean something in a
// URI are escaped.
func sqliteURI(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}
