package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/storetest"
)

// postgresEnv names the database the PostgreSQL tests use, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Each test gets a
// schema of its own in it, dropped afterwards.
const postgresEnv = "INBOXBOT_TEST_POSTGRES_URL"

// postgresSchema creates an empty schema and returns a DSN whose
// search_path selects it.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skip(postgresEnv + " is not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		t.Fatalf("%s must be a postgres:// URL: %v", postgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func openPostgres(t testing.TB) store.Store {
	t.Helper()
	dsn := postgresSchema(t)
	s, err := store.Open(t.Context(), store.Config{Driver: "postgres", DSN: dsn})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() }) // before the schema is dropped
	return s
}

func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openPostgres(t) })
}

// BenchmarkPostgresIngest is BenchmarkIngest on PostgreSQL.
func BenchmarkPostgresIngest(b *testing.B) { benchIngest(b, openPostgres(b)) }

// BenchmarkPostgresConversationsFirstPage is BenchmarkConversationsFirstPage
// on PostgreSQL.
func BenchmarkPostgresConversationsFirstPage(b *testing.B) {
	benchConversationsFirstPage(b, openPostgres(b))
}

// TestPostgresConcurrentOpen checks that processes starting together
// migrate one database once, without errors.
func TestPostgresConcurrentOpen(t *testing.T) {
	dsn := postgresSchema(t)
	var wg sync.WaitGroup
	stores := make([]store.Store, 5)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Go(func() {
			stores[i], errs[i] = store.Open(context.Background(), store.Config{Driver: "postgres", DSN: dsn, MaxOpenConns: 2})
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
