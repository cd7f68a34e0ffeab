package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/bench"
	"github.com/inboxbot/inboxbot/bus"
)

func TestPipelineStoresEveryItem(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := bench.Pipeline(ctx, bench.Options{N: 2000, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	// Every item reaches the bus's file and the SQLite file: well over
	// its own few hundred bytes.
	if res.N != 2000 || res.MsgsPerSec <= 0 || res.P99Ms < res.P50Ms || res.PeakRSSMB <= 0 || res.WriteBytesPerMsg < 500 {
		t.Fatalf("implausible result %+v", res)
	}
}

func TestTrafficIsDeterministicAndValid(t *testing.T) {
	a, b := bench.Traffic(7, 500), bench.Traffic(7, 500)
	kinds := map[string]bool{}
	for i := range a {
		if a[i].ExternalID != b[i].ExternalID || a[i].Text != b[i].Text || a[i].Kind != b[i].Kind {
			t.Fatalf("item %d differs between two runs with the same seed", i)
		}
		if err := a[i].Validate(); err != nil {
			t.Fatalf("item %d invalid: %v", i, err)
		}
		kinds[string(a[i].Platform)+"/"+string(a[i].Kind)] = true
	}
	if len(kinds) != 5 {
		t.Errorf("traffic covers %d platform/kind pairs, want all 5: %v", len(kinds), kinds)
	}
}

// BenchmarkPipeline routes 10,000 items per iteration through the real
// bus, router and SQLite store, without a policy.
func BenchmarkPipeline(b *testing.B) {
	ctx := context.Background()
	var res bench.Result
	for b.Loop() {
		var err error
		res, err = bench.Pipeline(ctx, bench.Options{N: 10000, Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(res.MsgsPerSec, "msgs/s")
	b.ReportMetric(res.P99Ms, "p99-ms")
}

// BenchmarkPipelineLatency offers 1,000 items/s and reports the
// ingest→stored latency.
func BenchmarkPipelineLatency(b *testing.B) {
	ctx := context.Background()
	var res bench.Result
	for b.Loop() {
		var err error
		res, err = bench.Pipeline(ctx, bench.Options{N: 3000, Rate: 1000, Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(res.P50Ms, "p50-ms")
	b.ReportMetric(res.P99Ms, "p99-ms")
}

// BenchmarkJetStream is the raw work-queue publish+consume rate, the
// ceiling for the pipeline.
func BenchmarkJetStream(b *testing.B) {
	ctx := context.Background()
	bs, err := bus.Open(ctx, bus.Config{StoreDir: b.TempDir()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer bs.Close()
	var rate float64
	for b.Loop() {
		if rate, err = bench.JetStream(ctx, bs, 20000); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(rate, "msgs/s")
}
