package agent

import (
	"net/url"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/storetest"
)

// benchReportsPage renders the reports page for the 90 days of h through
// the whole HTML handler (sign-in, store, charts, template), split by
// platform and by language. Goal: under 300 ms.
func benchReportsPage(b *testing.B, st store.Store, h storetest.History) {
	page := benchPages(b, st, RoleAdmin)
	h.End = h.End.Add(-24 * time.Hour) // the last day of the period
	for _, group := range []string{"platform", "language"} {
		path := "/reports?" + url.Values{"from": {h.From().Format(time.DateOnly)}, "to": {h.End.Format(time.DateOnly)}, "group": {group}}.Encode()
		b.Run(group, func(b *testing.B) { page(b, path) })
	}
}

// BenchmarkReportsPage is the reports page at 100,000 conversations and
// 1,000,000 messages over 90 days (storetest.BenchHistory), on SQLite.
func BenchmarkReportsPage(b *testing.B) {
	st, _, h := storetest.OpenBench(b, store.DriverSQLite, "")
	benchReportsPage(b, st, h)
}

// BenchmarkReportsPagePostgres is BenchmarkReportsPage on PostgreSQL
// (INBOXBOT_TEST_POSTGRES_URL).
func BenchmarkReportsPagePostgres(b *testing.B) {
	st, _, h := storetest.OpenBench(b, store.DriverPostgres, "reportspage")
	benchReportsPage(b, st, h)
}
