package agent

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/storetest"
)

// BenchmarkDeskPage renders the desk's pages through the whole HTML
// handler (session, queue, glances, facet counts, search, template) at
// 100,000 conversations and 1,000,000 messages (storetest.BenchHistory),
// on SQLite. Goal: each under 100 ms.
func BenchmarkDeskPage(b *testing.B) {
	st, dsn, _ := storetest.OpenBench(b, store.DriverSQLite, "")
	settle(b, "sqlite3", dsn, "ANALYZE")
	benchDeskPage(b, st)
}

// BenchmarkDeskPagePostgres is BenchmarkDeskPage on PostgreSQL
// (INBOXBOT_TEST_POSTGRES_URL).
func BenchmarkDeskPagePostgres(b *testing.B) {
	st, dsn, _ := storetest.OpenBench(b, store.DriverPostgres, "deskpage")
	settle(b, "pgx", dsn, "VACUUM ANALYZE")
	benchDeskPage(b, st)
}

// settle runs what a live database's maintenance (autovacuum, PRAGMA
// optimize) would have run on data loaded in one go: statistics for the
// planner and, on PostgreSQL, the visibility map index-only scans need.
func settle(b *testing.B, driver, dsn, stmt string) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		b.Fatalf("%s: %v", stmt, err)
	}
}

func benchDeskPage(b *testing.B, st store.Store) {
	page := benchPages(b, st, RoleAgent)
	ctx := context.Background()
	p, err := st.Conversations(ctx, store.Filter{Status: inbox.Open, Limit: 1})
	if err != nil || len(p.Conversations) == 0 {
		b.Fatalf("no open conversation: %v", err)
	}
	conv := "/conversations/" + strconv.FormatInt(p.Conversations[0].ID, 10)
	for _, path := range []string{"/", "/?sort=due", "/?q=booking", conv} {
		b.Run(path, func(b *testing.B) { page(b, path) })
	}
}

// benchPages starts a desk on st with one signed-in user of role, and
// returns what a page benchmark runs: GET path with that session for
// b.N iterations, failing on anything but 200, reported in ms/page.
func benchPages(b *testing.B, st store.Store, role string) func(b *testing.B, path string) {
	srv, err := New(Options{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	srv.svc.cost = bcrypt.MinCost
	ctx := context.Background()
	pw, err := srv.svc.AddAgent(ctx, "bench", role)
	if err != nil {
		b.Fatal(err)
	}
	sess, err := srv.svc.Login(ctx, "bench", pw)
	if err != nil {
		b.Fatal(err)
	}
	return func(b *testing.B, path string) {
		for b.Loop() {
			req := httptest.NewRequest("GET", path, nil)
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess.Token})
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
	}
}
