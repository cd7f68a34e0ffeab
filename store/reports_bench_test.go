package store_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/internal/testutil"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/storetest"
)

// reportHistory is the reports benchmark's scale: 100,000 conversations
// and 1,000,000 messages over 90 days (REPORT_BENCH_CONVERSATIONS
// changes the number of conversations, for a quicker look).
func reportHistory(tb testing.TB) storetest.History {
	n := 100_000
	if v := os.Getenv("REPORT_BENCH_CONVERSATIONS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			tb.Fatalf("REPORT_BENCH_CONVERSATIONS: %v", err)
		}
	}
	// The period ends tonight (UTC): reports count whole days.
	return storetest.History{Conversations: n, Rounds: 5, Days: 90, End: time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)}
}

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
// messages over 90 days, on SQLite. Goal: the whole reports page under
// 300 ms (agent's BenchmarkReportsPage).
func BenchmarkReportSQLite(b *testing.B) {
	h := reportHistory(b)
	dsn := filepath.Join(b.TempDir(), "inboxbot.db")
	st, err := store.Open(b.Context(), store.Config{Driver: store.DriverSQLite, DSN: dsn})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	if err := storetest.LoadHistory(b.Context(), store.DriverSQLite, dsn, h); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d conversations and %d messages in %s", h.Conversations, h.Messages(), time.Since(start).Round(time.Second))
	benchReport(b, st, h)
}

// BenchmarkReportPostgres is BenchmarkReportSQLite on PostgreSQL.
func BenchmarkReportPostgres(b *testing.B) {
	h := reportHistory(b)
	dsn, _ := testutil.PostgresSchema(b, "reports")
	st, err := store.Open(b.Context(), store.Config{Driver: store.DriverPostgres, DSN: dsn})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	if err := storetest.LoadHistory(b.Context(), store.DriverPostgres, dsn, h); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d conversations and %d messages in %s", h.Conversations, h.Messages(), time.Since(start).Round(time.Second))
	benchReport(b, st, h)
}
