package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"time"
)

// SQLite's WAL is copied back into the database file by a checkpoint. Left
// to SQLite (wal_autocheckpoint), the checkpoint runs inside the commit
// that crosses the limit, on the writer: with sqliteCheckpointBytes of WAL
// that commit took about 140 ms, and every item waiting behind it too
// (`inboxbot bench`'s latency run: p99 85–180 ms, 7–12 ms without it). So
// the writer never checkpoints; a checkpointer does, from a connection of
// its own, with PASSIVE checkpoints, which neither wait for nor block the
// writer and the readers.
//
// It checkpoints when the WAL holds sqliteCheckpointBytes, as SQLite did
// (a page changed by many commits is copied once; see sqlitePageSize).
// The WAL file's size tells: journal_size_limit 0 (sqliteWALLimit) makes
// the writer truncate the file when it starts the log over after a
// complete checkpoint, so the file holds only the current log.
const checkpointPoll = 250 * time.Millisecond

// checkpointer runs PASSIVE checkpoints in the background until closed.
type checkpointer struct {
	db     *sql.DB
	wal    string // the WAL file's path
	target int64  // WAL bytes that call for a checkpoint
	poll   time.Duration

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// startCheckpointer opens its own connection to the database file path at
// uri and checkpoints whenever the WAL (path + "-wal") reaches target
// bytes, looking every poll.
func startCheckpointer(ctx context.Context, uri, path string, target int64, poll time.Duration) (*checkpointer, error) {
	db, err := sql.Open("sqlite3", uri+"?_busy_timeout=10000")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	c := &checkpointer{db: db, wal: path + "-wal", target: target, poll: poll,
		stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(c.poll)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		if st, err := os.Stat(c.wal); err != nil || st.Size() < c.target {
			continue
		}
		// A failure (the database busy or closing) is tried again at the
		// next look: the WAL only grows meanwhile, and the writer works on.
		_ = c.checkpoint()
	}
}

// checkpoint runs one PASSIVE checkpoint.
func (c *checkpointer) checkpoint() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	var busy, frames, done int64
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done); err != nil {
		return fmt.Errorf("checkpointing: %w", err)
	}
	return nil
}

// close stops the checkpointer and closes its connection; the last
// connection to close checkpoints what is left. Idempotent.
func (c *checkpointer) close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.stop)
		<-c.done
		err = c.db.Close()
	})
	return err
}
