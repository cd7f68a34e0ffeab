package bench_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/inboxbot/inboxbot/bench"
	"github.com/inboxbot/inboxbot/internal/testutil"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// BenchmarkRouters routes 10,000 items per iteration through the embedded
// bus into PostgreSQL with 1, 2 and 3 router instances sharing the durable
// consumer (without a policy, so it measures the routing loop and the
// store), and reports msgs/s: how routing scales out on this machine.
//
//	INBOXBOT_TEST_POSTGRES_URL=... go test ./bench -run '^$' -bench Routers -benchtime 1x
func BenchmarkRouters(b *testing.B) {
	if os.Getenv(testutil.PostgresEnv) == "" {
		b.Skip(testutil.PostgresEnv + " is not set")
	}
	for _, routers := range []int{1, 2, 3} {
		b.Run(strconv.Itoa(routers), func(b *testing.B) {
			ctx := context.Background()
			var res bench.Result
			for b.Loop() {
				b.StopTimer()
				st, drop := freshStore(b)
				b.StartTimer()
				var err error
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

// freshStore opens (and so migrates) a store in a new, empty schema, and
// returns it and a function that drops the schema.
func freshStore(b *testing.B) (store.Store, func()) {
	b.Helper()
	dsn, drop := testutil.PostgresSchema(b, "bench")
	st, err := sqlstore.Open(context.Background(), store.Config{Driver: "postgres", DSN: dsn})
	if err != nil {
		drop()
		b.Fatalf("opening store: %v", err)
	}
	return st, drop
}
