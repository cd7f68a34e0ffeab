package testutil

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

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresEnv names the PostgreSQL database tests use, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. CI sets it;
// without it, PostgreSQL tests skip.
const PostgresEnv = "INBOXBOT_TEST_POSTGRES_URL"

// PostgresSchema creates an empty schema named prefix_<random> in the
// database of PostgresEnv, skipping the test when that is unset, and
// returns a DSN whose search_path selects the schema and a function that
// drops it. The schema is dropped at the end of the test too (once):
// register cleanups that close connections after calling this, so they
// run first.
func PostgresSchema(t testing.TB, prefix string) (dsn string, drop func()) {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " is not set")
	}
	u, err := url.Parse(base)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		t.Fatalf("%s must be a postgres:// URL: %v", PostgresEnv, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := prefix + "_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("creating schema: %v", err)
	}
	var once sync.Once
	drop = func() {
		once.Do(func() {
			if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				t.Errorf("dropping schema %s: %v", schema, err)
			}
			admin.Close()
		})
	}
	t.Cleanup(drop)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop
}
