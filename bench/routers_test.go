package bench_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/inboxbot/inboxbot/bench"
	"github.com/inboxbot/inboxbot/store"
)

// postgresEnv names the database BenchmarkRouters uses, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable; every iteration
// gets a fresh schema in it, dropped afterwards.
const postgresEnv = "INBOXBOT_TEST_POSTGRES_URL"

// BenchmarkRouters routes 10,000 items per iteration through the embedded
// bus into PostgreSQL with 1, 2 and 3 router instances sharing the durable
// consumer (without a policy, so it measures the routing loop and the
// store), and reports msgs/s: how routing scales out on this machine.
//
//	INBOXBOT_TEST_POSTGRES_URL=... go test ./bench -run '^$' -bench Routers -benchtime 1x
func BenchmarkRouters(b *testing.B) {
	base := os.Getenv(postgresEnv)
	if base == "" {
		b.Skip(postgresEnv + " is not set")
	}
	u, err := url.Parse(base)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		b.Fatalf("%s must be a postgres:// URL: %v", postgresEnv, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	for _, routers := range []int{1, 2, 3} {
		b.Run(strconv.Itoa(routers), func(b *testing.B) {
			ctx := context.Background()
			var res bench.Result
			for b.Loop() {
				b.StopTimer()
				st, drop := freshSchema(b, admin, *u)
				b.StartTimer()
				res, err = bench.Pipeline(ctx, bench.Options{N: 10000, Dir: b.TempDir(), Store: st, Routers: routers, Seed: 7})
				b.StopTimer()
				_ = st.Close()
				drop()
				b.StartTimer()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(res.MsgsPerSec, "msgs/s")
			b.ReportMetric(res.P99Ms, "p99-ms")
		})
	}
}

// freshSchema creates an empty schema, opens (and so migrates) a store in
// it, and returns the store and a function that drops the schema.
func freshSchema(b *testing.B, admin *sql.DB, u url.URL) (store.Store, func()) {
	b.Helper()
	r := make([]byte, 6)
	_, _ = rand.Read(r)
	schema := "bench_" + hex.EncodeToString(r)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		b.Fatalf("creating schema: %v", err)
	}
	drop := func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			b.Errorf("dropping schema %s: %v", schema, err)
		}
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := store.Open(context.Background(), store.Config{Driver: "postgres", DSN: u.String()})
	if err != nil {
		drop()
		b.Fatalf("opening store: %v", err)
	}
	return st, drop
}
