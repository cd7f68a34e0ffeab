package sqlstore_test

import (
	"context"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/inboxbot/inboxbot/internal/testutil"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
	"github.com/inboxbot/inboxbot/store/storetest"
)

func openPostgres(t testing.TB) store.Store {
	t.Helper()
	dsn, _ := testutil.PostgresSchema(t, "t")
	s, err := sqlstore.Open(t.Context(), store.Config{Driver: "postgres", DSN: dsn})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() }) // before the schema is dropped
	return s
}

func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openPostgres(t) })
}

// BenchmarkPostgresIngest is BenchmarkIngest on PostgreSQL, item by item
// (the path before #17, as the baseline) and as sets (the path Ingest
// takes), each in a fresh schema. batch reports its speed-up over
// per-item measured in the same run (x-per-item).
func BenchmarkPostgresIngest(b *testing.B) {
	var perItem float64
	b.Run("per-item", func(b *testing.B) { perItem = benchIngest(b, sqlstore.PerItem(openPostgres(b))) })
	b.Run("batch", func(b *testing.B) {
		rate := benchIngest(b, openPostgres(b))
		if perItem > 0 {
			b.ReportMetric(rate/perItem, "x-per-item")
		}
	})
}

// BenchmarkPostgresConversationsFirstPage is BenchmarkConversationsFirstPage
// on PostgreSQL.
func BenchmarkPostgresConversationsFirstPage(b *testing.B) {
	benchConversationsFirstPage(b, openPostgres(b))
}

// TestPostgresConcurrentOpen checks that processes starting together
// migrate one database once, without errors.
func TestPostgresConcurrentOpen(t *testing.T) {
	dsn, _ := testutil.PostgresSchema(t, "t")
	var wg sync.WaitGroup
	stores := make([]store.Store, 5)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Go(func() {
			stores[i], errs[i] = sqlstore.Open(context.Background(), store.Config{Driver: "postgres", DSN: dsn, MaxOpenConns: 2})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		if v, err := stores[i].Migrate(t.Context()); err != nil || v < 1 {
			t.Errorf("Migrate %d = %d, %v", i, v, err)
		}
		_ = stores[i].Close()
	}
}
