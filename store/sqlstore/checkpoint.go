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
// It checkpoints when the WAL file holds sqliteCheckpointBytes, as SQLite
// did (a page changed by many commits is copied once; see sqlitePageSize).
// A PASSIVE checkpoint copies the bulk while the writer goes on. When it
// copied every frame, the writer starts the log over at its next
// transaction, and journal_size_limit 0 (sqliteWALLimit) makes it empty
// the file then, so the file's size is the log's. But under steady
// writing a commit always lands during the PASSIVE checkpoint, the log is
// never complete, never starts over, and grows without bound (2 GB in 60
// s of back-to-back batches in TestCheckpointEndsTheLogUnderSteadyWriting).
// Then a TRUNCATE checkpoint follows: it holds the writer while it copies
// what was committed meanwhile and empties the file (about 70 ms here,
// so only when needed).
const checkpointPoll = 250 * time.Millisecond

// checkpointTimeout bounds one checkpoint; close cancels it sooner.
const checkpointTimeout = 30 * time.Second

// checkpointer runs checkpoints in the background until closed.
type checkpointer struct {
	db     *sql.DB
	wal    string // the WAL file's path
	target int64  // WAL bytes that call for a checkpoint
	poll   time.Duration

	// ctx is cancelled by close, which interrupts a running checkpoint.
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// startCheckpointer opens its own connection to the database file path at
// uri and checkpoints whenever the WAL (path + "-wal") reaches target
// bytes, looking every poll.
func startCheckpointer(ctx context.Context, uri, path string, target int64, poll time.Duration) (*checkpointer, error) {
	// The TRUNCATE step waits for the writer's transaction to end and for
	// readers to leave the log; 100 ms at most, so that a long read never
	// holds the writer up for long: a busy try is made again at the next
	// look.
	db, err := sql.Open("sqlite3", uri+"?_busy_timeout=100")
	if err != nil {
		return nil, err
	}
	oneConnection(db)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	c := &checkpointer{db: db, wal: path + "-wal", target: target, poll: poll, done: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(c.poll)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
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

// checkpoint copies the WAL into the database file (PASSIVE) and, when
// commits came meanwhile, ends the log (TRUNCATE).
func (c *checkpointer) checkpoint() error {
	ctx, cancel := context.WithTimeout(c.ctx, checkpointTimeout)
	defer cancel()
	for _, mode := range []string{"PASSIVE", "TRUNCATE"} {
		var busy, frames, done int64
		if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &done); err != nil {
			return fmt.Errorf("checkpointing (%s): %w", mode, err)
		}
		if busy == 0 && done == frames {
			return nil // complete: the writer starts the log over itself
		}
	}
	return nil
}

// close stops the checkpointer and closes its connection; the last
// connection to close checkpoints what is left. Idempotent.
func (c *checkpointer) close() error {
	var err error
	c.closeOnce.Do(func() {
		c.cancel()
		<-c.done
		err = c.db.Close()
	})
	return err
}
