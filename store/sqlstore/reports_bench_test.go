package sqlstore_test

import (
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/storetest"
)

// benchReport measures Report over the whole 90 days of h, split by
// platform and by flag.
func benchReport(b *testing.B, st store.Store, h storetest.History) {
	for _, g := range []store.ReportGroup{store.GroupPlatform, store.GroupFlag} {
		b.Run(string(g), func(b *testing.B) {
			q := store.ReportQuery{From: h.From(), To: h.End, Group: g, Targets: []store.SLATarget{
				{Platform: "twitter", Channel: "private", FirstResponse: time.Hour, NextResponse: time.Hour},
				{Platform: "facebook", Channel: "public", FirstResponse: 30 * time.Minute},
			}}
			var rep store.Report
			for b.Loop() {
				var err error
				if rep, err = st.Report(b.Context(), q); err != nil {
					b.Fatal(err)
				}
			}
			if rep.OpenedTotal != h.Conversations {
				b.Fatalf("opened %d, want %d", rep.OpenedTotal, h.Conversations)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
		})
	}
}

// BenchmarkReportSQLite: Report at 100,000 conversations and 1,000,000
// messages over 90 days, on SQLite (storetest.BenchHistory). The whole
// reports page is agent's BenchmarkReportsPage.
func BenchmarkReportSQLite(b *testing.B) {
	st, _, h := storetest.OpenBench(b, store.DriverSQLite, "")
	benchReport(b, st, h)
}

// BenchmarkReportPostgres is BenchmarkReportSQLite on PostgreSQL.
func BenchmarkReportPostgres(b *testing.B) {
	st, _, h := storetest.OpenBench(b, store.DriverPostgres, "reports")
	benchReport(b, st, h)
}
