package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/inboxbot/inboxbot/internal/testutil"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// History describes the desk history LoadHistory writes: the scale the
// benchmarks of the queue, search and reports are measured at.
type History struct {
	// Conversations is how many; each gets Rounds customer messages, each
	// answered by an agent, so 2×Rounds messages.
	Conversations int
	Rounds        int
	// Days spreads the conversations evenly over the Days before End.
	Days int
	End  time.Time
}

// Messages is how many messages the history holds.
func (h History) Messages() int { return h.Conversations * h.Rounds * 2 }

// From is when the first conversation opens.
func (h History) From() time.Time { return h.End.Add(-time.Duration(h.Days) * 24 * time.Hour) }

// BenchHistory is the history the reports benchmarks run on: 100,000
// conversations and 1,000,000 messages over the 90 days that end tonight
// (UTC), since reports count whole days. REPORT_BENCH_CONVERSATIONS
// changes the number of conversations, for a quicker look.
func BenchHistory(tb testing.TB) History {
	n := 100_000
	if v := os.Getenv("REPORT_BENCH_CONVERSATIONS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			tb.Fatalf("REPORT_BENCH_CONVERSATIONS: %v", err)
		}
	}
	tonight := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	return History{Conversations: n, Rounds: 5, Days: 90, End: tonight}
}

// OpenBench opens a new store of driver (SQLite in a temporary file,
// PostgreSQL in a new schema named after name, skipped without
// INBOXBOT_TEST_POSTGRES_URL) loaded with BenchHistory: the history the
// desk and reports benchmarks measure. It returns the store, its DSN and
// the history.
func OpenBench(tb testing.TB, driver, name string) (store.Store, string, History) {
	tb.Helper()
	h := BenchHistory(tb)
	dsn := filepath.Join(tb.TempDir(), "inboxbot.db")
	if driver == store.DriverPostgres {
		dsn, _ = testutil.PostgresSchema(tb, name)
	}
	return OpenLoaded(tb, driver, dsn, h), dsn, h
}

// OpenLoaded opens an empty store of driver at dsn, loads h into it and
// logs how long that took; the store is closed when tb ends.
func OpenLoaded(tb testing.TB, driver, dsn string, h History) store.Store {
	tb.Helper()
	st, err := sqlstore.Open(context.Background(), store.Config{Driver: driver, DSN: dsn})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	start := time.Now()
	if err := LoadHistory(context.Background(), driver, dsn, h); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("loaded %d conversations and %d messages into %s in %s", h.Conversations, h.Messages(), driver, time.Since(start).Round(time.Second))
	return st
}

// LoadHistory fills the empty, migrated database of a store (the driver
// and DSN it was opened with) with h: customers, conversations on both
// platforms and channels in six languages, flags, Rounds customer messages
// per conversation each answered by one of four agents 1 to 120 minutes
// later (with the agent's sent action), an automatic answer on every
// public conversation, a redacted secret in one public conversation in
// ten, and nine conversations in ten closed half a day after they opened;
// then the planner's statistics.
//
// It writes set-based SQL, round by round, because a million messages
// through Ingest and the send state machine would take the benchmark an
// hour; the report triggers (migration 0006) fire as they do for the real
// write paths: the conversation's awaiting_since is set before each
// agent message and cleared after, as Ingest and FinishSend leave it.
func LoadHistory(ctx context.Context, driver, dsn string, h History) error {
	name := driver
	if driver == store.DriverPostgres {
		name = "pgx"
	} else {
		name = "sqlite3"
		dsn += "?_foreign_keys=on&_busy_timeout=10000"
	}
	db, err := sqlx.Open(name, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	bind := sqlx.BindType(name)
	ns := func(t time.Time) int64 { return t.UnixNano() }
	span := int64(time.Duration(h.Days) * 24 * time.Hour)
	step := span / int64(max(h.Conversations, 1))
	start := ns(h.From())
	exec := func(what, q string, args ...any) error {
		if _, err := db.ExecContext(ctx, sqlx.Rebind(bind, q), args...); err != nil {
			return fmt.Errorf("loading history: %s: %w", what, err)
		}
		return nil
	}
	customers := max(h.Conversations/4, 1)
	// Sequences of integers: a recursive CTE, which both databases have.
	seq := func(n int) string {
		return fmt.Sprintf(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %d) `, n)
	}
	// The kind of platform item of a conversation, and its channel.
	const kindOf = `CASE WHEN c.platform = 'twitter' AND c.channel = 'private' THEN 'dm'
		WHEN c.platform = 'twitter' THEN 'mention' WHEN c.channel = 'private' THEN 'message' ELSE 'comment' END`
	steps := []struct {
		what string
		q    string
		args []any
	}{
		{"customers", seq(customers) + `INSERT INTO customers (platform, external_id, handle, name)
			SELECT CASE WHEN i % 2 = 0 THEN 'twitter' ELSE 'facebook' END, 'load-u' || i, 'guest' || i, 'Guest ' || i FROM seq`, nil},
		{"conversations", seq(h.Conversations) + `INSERT INTO conversations (platform, channel, thread, customer_id, status,
				language, language_confidence, awaiting_since, last_customer_message_at, created_at, updated_at)
			SELECT cu.platform, CASE WHEN i % 5 < 3 THEN 'private' ELSE 'public' END, 'load-t' || i, cu.id, 'open',
				CASE i % 6 WHEN 3 THEN 'de' WHEN 4 THEN 'fr' WHEN 5 THEN 'es' ELSE 'en' END, 0.9,
				CAST(? AS BIGINT) + (i - 1) * CAST(? AS BIGINT), CAST(? AS BIGINT) + (i - 1) * CAST(? AS BIGINT),
				CAST(? AS BIGINT) + (i - 1) * CAST(? AS BIGINT), CAST(? AS BIGINT) + (i - 1) * CAST(? AS BIGINT)
			FROM seq JOIN customers cu ON cu.platform = CASE WHEN (i % ? + 1) % 2 = 0 THEN 'twitter' ELSE 'facebook' END
				AND cu.external_id = 'load-u' || (i % ? + 1)`,
			[]any{start, step, start, step, start, step, start, step, customers, customers}},
		{"language flags", `INSERT INTO conversation_flags (conversation_id, flag)
			SELECT id, 'non_english' FROM conversations WHERE language <> 'en'`, nil},
		{"redaction flags", `INSERT INTO conversation_flags (conversation_id, flag)
			SELECT id, 'pii_redacted' FROM conversations WHERE channel = 'public' AND id % 10 = 0`, nil},
	}
	for _, s := range steps {
		if err := exec(s.what, s.q, s.args...); err != nil {
			return err
		}
	}
	const hour = int64(time.Hour)
	for r := range h.Rounds {
		in := int64(r) * 2 * hour // the customer writes every two hours
		round := fmt.Sprint(r)
		if err := exec("waiting", `UPDATE conversations SET awaiting_since = created_at + ?, last_customer_message_at = created_at + ?`, in, in); err != nil {
			return err
		}
		if err := exec("customer messages", `INSERT INTO messages (conversation_id, platform, kind, external_id, direction,
				author, text, visibility, findings, parent_id, created_at)
			SELECT c.id, c.platform, `+kindOf+`, 'load-in-' || c.id || '-' || CAST(? AS TEXT), 'in', 'load-u' || c.customer_id,
				'Hello, I have a question about my booking, please help', c.channel, -- no question mark: Rebind would take it for a parameter
				CASE WHEN `+round+` = 0 AND c.channel = 'public' AND c.id % 10 = 0
					THEN '[{"kind":"booking_number","start":5,"end":21}]' ELSE '' END, '', c.created_at + CAST(? AS BIGINT)
			FROM conversations c`, round, in); err != nil {
			return err
		}
		// Agents answer 1 to 120 minutes later.
		answer := `c.created_at + CAST(? AS BIGINT) + (c.id % 120 + 1) * 60000000000`
		agent := `'agent:' || CASE c.id % 4 WHEN 0 THEN 'alice' WHEN 1 THEN 'bob' WHEN 2 THEN 'carol' ELSE 'dave' END`
		if err := exec("agents' actions", `INSERT INTO actions (conversation_id, platform, kind, action_key, purpose, target,
				recipient, text, requested_by, state, attempts, platform_id, error, created_at, updated_at)
			SELECT c.id, c.platform, 'dm', 'load-a-' || c.id || '-' || CAST(? AS TEXT), 'agent_reply', '', 'load-u' || c.customer_id,
				'Thanks, we are on it.', `+agent+`, 'sent', 1, 'load-out-' || c.id || '-' || CAST(? AS TEXT), '', `+answer+`, `+answer+`
			FROM conversations c`, round, round, in, in); err != nil {
			return err
		}
		if err := exec("agents' messages", `INSERT INTO messages (conversation_id, platform, kind, external_id, direction,
				author, text, visibility, findings, parent_id, created_at)
			SELECT c.id, c.platform, `+kindOf+`, 'load-out-' || c.id || '-' || CAST(? AS TEXT), 'out', `+agent+`,
				'Thanks, we are on it.', c.channel, '', '', `+answer+`
			FROM conversations c`, round, in); err != nil {
			return err
		}
		if err := exec("answered", `UPDATE conversations SET awaiting_since = NULL`); err != nil {
			return err
		}
	}
	if err := exec("automatic answers", `INSERT INTO actions (conversation_id, platform, kind, action_key, purpose, target,
			recipient, text, requested_by, state, attempts, platform_id, error, created_at, updated_at)
		SELECT c.id, c.platform, CASE WHEN c.platform = 'facebook' THEN 'private_reply' ELSE 'reply' END,
			'load-auto-' || c.id, CASE WHEN c.platform = 'facebook' THEN 'private_reply' ELSE 'dm_invite' END,
			'load-in-' || c.id || '-0', '', 'Write to us privately', 'router', 'sent', 1, 'load-auto-out-' || c.id, '',
			c.created_at + 1000000000, c.created_at + 1000000000
		FROM conversations c WHERE c.channel = 'public'`); err != nil {
		return err
	}
	if err := exec("closes", `UPDATE conversations SET status = 'closed',
			assignee = CASE id % 4 WHEN 0 THEN 'alice' WHEN 1 THEN 'bob' WHEN 2 THEN 'carol' ELSE 'dave' END,
			updated_at = created_at + ?
		WHERE id % 10 <> 0`, 12*hour); err != nil {
		return err
	}
	// SQLite's search index is filled by the store, not by a trigger
	// (sqlstore's txq.indexMessages): index what was loaded in one go.
	if driver == store.DriverSQLite {
		if err := exec("search index", `INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')`); err != nil {
			return err
		}
	}
	// Statistics, as a database in use has them: autovacuum analyzes
	// PostgreSQL's tables as they grow, and SQLite's store runs PRAGMA
	// optimize when it closes.
	return exec("statistics", `ANALYZE`)
}
