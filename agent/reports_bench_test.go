package agent

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/inboxbot/inboxbot/internal/testutil"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/storetest"
)

// benchReportsPage renders the reports page for the 90 days of h through
// the whole HTML handler (sign-in, store, charts, template), split by
// platform and by language. Goal: under 300 ms.
func benchReportsPage(b *testing.B, st store.Store, h storetest.History) {
	srv, err := New(Options{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	srv.svc.cost = bcrypt.MinCost
	ctx := context.Background()
	pw, err := srv.svc.AddAgent(ctx, "ada", RoleAdmin)
	if err != nil {
		b.Fatal(err)
	}
	sess, err := srv.svc.Login(ctx, "ada", pw)
	if err != nil {
		b.Fatal(err)
	}
	h.End = h.End.Add(-24 * time.Hour) // the last day of the period
	for _, group := range []string{"platform", "language"} {
		b.Run(group, func(b *testing.B) {
			path := "/reports?" + url.Values{"from": {h.From().Format(time.DateOnly)}, "to": {h.End.Format(time.DateOnly)}, "group": {group}}.Encode()
			for b.Loop() {
				req := httptest.NewRequest("GET", path, nil)
				req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess.Token})
				rec := httptest.NewRecorder()
				srv.Handler().ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
		})
	}
}

// BenchmarkReportsPage is the reports page at 100,000 conversations and
// 1,000,000 messages over 90 days (storetest.BenchHistory), on SQLite.
func BenchmarkReportsPage(b *testing.B) {
	h := storetest.BenchHistory(b)
	benchReportsPage(b, storetest.OpenLoaded(b, store.DriverSQLite, filepath.Join(b.TempDir(), "inboxbot.db"), h), h)
}

// BenchmarkReportsPagePostgres is BenchmarkReportsPage on PostgreSQL
// (INBOXBOT_TEST_POSTGRES_URL).
func BenchmarkReportsPagePostgres(b *testing.B) {
	h := storetest.BenchHistory(b)
	dsn, _ := testutil.PostgresSchema(b, "reportspage")
	benchReportsPage(b, storetest.OpenLoaded(b, store.DriverPostgres, dsn, h), h)
}
