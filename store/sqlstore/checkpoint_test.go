package sqlstore

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// openFile opens a SQLite store in a new file and returns it with the
// file's path.
func openFile(t *testing.T) (store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	st, err := Open(t.Context(), store.Config{Driver: store.DriverSQLite, DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, path
}

// mentions are n new mentions from number from on, over threads threads.
func mentions(from, n, threads int) []store.Item {
	items := make([]store.Item, n)
	for i := range items {
		k := from + i
		items[i] = store.Item{Message: inbox.Inbound{
			V: inbox.SchemaVersion, Platform: inbox.Twitter, Kind: inbox.Mention,
			ExternalID: fmt.Sprintf("m%d", k), Thread: fmt.Sprintf("t%d", k%threads),
			Author: inbox.Author{ID: fmt.Sprintf("u%d", k%threads)}, Text: "the pool is cold again, please help",
			CreatedAt: time.Unix(1_700_000_000+int64(k), 0),
		}}
	}
	return items
}

// TestCheckpointsOffTheWriter: SQLite's writer never copies the WAL into
// the database file itself (a checkpoint inside a commit stalled every
// item behind it); the checkpointer does, from its own connection, once
// the WAL reaches its target.
func TestCheckpointsOffTheWriter(t *testing.T) {
	ctx := t.Context()
	st, path := openFile(t)
	s := st.(*sqlStore)
	var auto int
	if err := s.w.GetContext(ctx, &auto, "PRAGMA wal_autocheckpoint"); err != nil || auto != 0 {
		t.Fatalf("writer's wal_autocheckpoint = %d, %v; want 0", auto, err)
	}

	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	ingest := func(from int) {
		if _, err := st.Ingest(ctx, mentions(from, 200, 50)); err != nil {
			t.Fatal(err)
		}
	}

	// The store's own checkpointer waits for 64 MiB of WAL: these writes
	// stay in the WAL, the database file does not grow.
	before := size(path)
	for i := range 5 {
		ingest(i * 200)
	}
	if got := size(path); got != before {
		t.Fatalf("the database file grew from %d to %d bytes without a checkpoint", before, got)
	}
	if size(path+"-wal") == 0 {
		t.Fatal("nothing in the WAL")
	}

	// A checkpointer with a small target copies the WAL over while the
	// writer goes on.
	c, err := startCheckpointer(ctx, sqliteURI(path), path, 1, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	deadline := time.Now().Add(30 * time.Second)
	for n := 5; size(path) == before; n++ {
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint within 30 s")
		}
		ingest(n * 200)
		time.Sleep(10 * time.Millisecond)
	}
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	if err := c.close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// TestCheckpointEndsTheLogUnderSteadyWriting: with commits coming back to
// back (a backlog after an outage), a PASSIVE checkpoint alone never ends
// the log, and the WAL grew without bound; the checkpointer's TRUNCATE
// step empties it while the writer goes on.
func TestCheckpointEndsTheLogUnderSteadyWriting(t *testing.T) {
	ctx := t.Context()
	st, path := openFile(t)
	const target = 256 << 10
	c, err := startCheckpointer(ctx, sqliteURI(path), path, target, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()

	// The writer commits back to back until told to stop.
	stop, stopped := make(chan struct{}), make(chan error, 1)
	go func() {
		for n := 0; ; n++ {
			select {
			case <-stop:
				stopped <- nil
				return
			default:
			}
			if _, err := st.Ingest(ctx, mentions(n*50, 50, 500)); err != nil {
				stopped <- err
				return
			}
		}
	}()

	// The WAL passes the target, and is later emptied again, while the
	// writes go on.
	wal := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	deadline := time.Now().Add(60 * time.Second)
	passed, ended := false, false
	var peak int64
	for !ended {
		if time.Now().After(deadline) {
			t.Fatalf("the WAL was not emptied within 60 s of steady writing (passed the target: %v, peak %d bytes)", passed, peak)
		}
		n := wal()
		peak = max(peak, n)
		if n >= target {
			passed = true
		} else if passed && n < target/2 {
			ended = true
		}
		time.Sleep(time.Millisecond)
	}
	close(stop)
	if err := <-stopped; err != nil {
		t.Fatalf("writing: %v", err)
	}
	t.Logf("WAL peak %d bytes with a %d-byte target", peak, target)
}
