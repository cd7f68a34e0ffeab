package router_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/bench"
	"github.com/inboxbot/inboxbot/internal/procstat"
	"github.com/inboxbot/inboxbot/language"
	"github.com/inboxbot/inboxbot/router"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// BenchmarkPipelineWithPolicy routes 10,000 synthetic items through the
// real bus, SQLite store and router with the default policy (real
// language detector, store-backed windows), as `serve` would, and reports
// the detector's time to ready, the throughput, and the process's peak and
// steady RSS after routing. Run it alone:
//
//	go test -run '^$' -bench PipelineWithPolicy -benchtime 1x ./router/
//
// LANGUAGE_SET ("all", or comma-separated codes) measures another set.
func BenchmarkPipelineWithPolicy(b *testing.B) {
	for range b.N {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		dir := b.TempDir()
		st, err := sqlstore.Open(ctx, store.Config{Driver: "sqlite", DSN: filepath.Join(dir, "bench.db")})
		if err != nil {
			b.Fatal(err)
		}
		cfg := router.Config{Twitter: router.TwitterPolicy{AccountID: "1"}}
		if s := os.Getenv("LANGUAGE_SET"); s != "" {
			cfg.Language.Languages = strings.Split(s, ",")
		}
		start := time.Now()
		det, err := language.Start(cfg.Language.Detector())
		if err != nil {
			b.Fatal(err)
		}
		policy, err := router.NewPolicy(cfg, router.Deps{Store: st, Detector: det})
		if err != nil {
			b.Fatal(err)
		}
		res, err := bench.Pipeline(ctx, bench.Options{N: 10000, Dir: dir, Store: st, Policy: policy, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		ready := det.LoadTime()
		runtime.GC()
		debug.FreeOSMemory()
		b.ReportMetric(ready.Seconds(), "ready_s")
		b.ReportMetric(time.Since(start).Seconds(), "total_s")
		b.ReportMetric(res.MsgsPerSec, "msgs/s")
		b.ReportMetric(res.P99Ms, "p99_ms")
		b.ReportMetric(procstat.MiB("VmHWM"), "peak_MiB")
		b.ReportMetric(procstat.MiB("VmRSS"), "steady_MiB")
		st.Close()
		cancel()
	}
}
