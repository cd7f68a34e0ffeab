// Package bench measures inboxbot's ingest pipeline on the machine it runs
// on: synthetic customer items go through the real bus, router (with the
// policy given) and store, and the raw JetStream publish+consume rate is
// measured in the same run, so the ratio shows the pipeline's own cost.
// `inboxbot bench` and the Go benchmarks both use it.
package bench

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/procstat"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/router"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// Options configure a run.
type Options struct {
	// N is the number of items to route. Default 10,000.
	N int
	// Rate, when > 0, paces publishing at this many items per second (an
	// offered load, for latency); 0 publishes as fast as possible.
	Rate int
	// Dir is a scratch directory for the embedded bus and SQLite file.
	Dir string
	// Policy is the router's policy (nil: none).
	Policy router.Policy
	// Store, when set, is used instead of a fresh SQLite file (e.g.
	// PostgreSQL). It must be empty of the synthetic ids.
	Store store.Store
	// Bus, when set, is used instead of a fresh embedded server.
	Bus *bus.Bus
	// Routers is the number of router instances sharing the durable
	// consumer. Default 1.
	Routers int
	// Seed makes the synthetic traffic deterministic.
	Seed int64
	Log  *slog.Logger
}

// Result is what a run measured.
type Result struct {
	N          int     `json:"n"`
	Seconds    float64 `json:"seconds"`
	MsgsPerSec float64 `json:"msgs_per_s"`
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	// WriteBytesPerMsg is what the process wrote to storage per item:
	// the bus's file store and, when the run opened it, the SQLite file
	// with its WAL and checkpoints (/proc/self/io write_bytes; 0 where
	// there is no /proc). A store in another process (PostgreSQL) writes
	// there, not here.
	WriteBytesPerMsg float64 `json:"write_bytes_per_msg"`
}

// timingStore records when each item's Ingest transaction committed.
type timingStore struct {
	store.Store
	mu   sync.Mutex
	done map[string]time.Time
	n    int
	all  chan struct{}
	want int
}

func (s *timingStore) Ingest(ctx context.Context, items []store.Item) ([]store.Ingested, error) {
	res, err := s.Store.Ingest(ctx, items)
	if err != nil {
		return res, err
	}
	now := time.Now()
	s.mu.Lock()
	for i, it := range items {
		if res[i].Duplicate {
			continue
		}
		if _, seen := s.done[it.Message.ExternalID]; !seen {
			s.done[it.Message.ExternalID] = now
			s.n++
		}
	}
	if s.n >= s.want {
		select {
		case <-s.all:
		default:
			close(s.all)
		}
	}
	s.mu.Unlock()
	return res, nil
}

// Pipeline routes o.N synthetic items through bus → router → store and
// measures throughput and ingest→stored latency. ctx bounds the run.
//
// WriteBytesPerMsg counts what the process writes from opening the bus and
// store to closing them (so SQLite's final checkpoint is in it).
func Pipeline(ctx context.Context, o Options) (Result, error) {
	if o.N <= 0 {
		o.N = 10000
	}
	if o.Routers <= 0 {
		o.Routers = 1
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	w0 := procstat.WriteBytes()
	b, st, cleanup, err := open(ctx, o)
	if err != nil {
		return Result{}, err
	}
	res, err := route(ctx, o, b, st)
	cleanup()
	if w0 >= 0 {
		res.WriteBytesPerMsg = float64(procstat.WriteBytes()-w0) / float64(o.N)
	}
	return res, err
}

// route is Pipeline once the bus and store are open.
func route(ctx context.Context, o Options, b *bus.Bus, st store.Store) (Result, error) {
	items := Traffic(o.Seed, o.N)
	ts := &timingStore{Store: st, done: make(map[string]time.Time, o.N), all: make(chan struct{}), want: o.N}
	m := metrics.New()
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := 0; i < o.Routers; i++ {
		r := router.New(router.Options{Bus: b, Store: ts, Policy: o.Policy, Metrics: m, Log: o.Log})
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.Run(rctx) }()
	}
	defer func() { stop(); wg.Wait() }()

	sent := make([]time.Time, len(items))
	start := time.Now()
	if err := publish(ctx, b, items, sent, o.Rate); err != nil {
		return Result{}, err
	}
	select {
	case <-ts.all:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("waiting for %d items to be stored: %w", o.N, ctx.Err())
	}
	elapsed := time.Since(start)
	lat := make([]float64, 0, len(items))
	ts.mu.Lock()
	for i, it := range items {
		if t, ok := ts.done[it.ExternalID]; ok {
			lat = append(lat, float64(t.Sub(sent[i]))/float64(time.Millisecond))
		}
	}
	ts.mu.Unlock()
	sort.Float64s(lat)
	return Result{
		N: o.N, Seconds: elapsed.Seconds(), MsgsPerSec: float64(o.N) / elapsed.Seconds(),
		P50Ms: percentile(lat, 0.50), P99Ms: percentile(lat, 0.99), PeakRSSMB: PeakRSSMB(),
	}, nil
}

func open(ctx context.Context, o Options) (*bus.Bus, store.Store, func(), error) {
	var closers []func() error
	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			_ = closers[i]()
		}
	}
	b := o.Bus
	if b == nil {
		var err error
		b, err = bus.Open(ctx, bus.Config{StoreDir: filepath.Join(o.Dir, "nats")}, o.Log)
		if err != nil {
			return nil, nil, nil, err
		}
		closers = append(closers, b.Close)
	}
	st := o.Store
	if st == nil {
		var err error
		st, err = sqlstore.Open(ctx, store.Config{Driver: "sqlite", DSN: filepath.Join(o.Dir, "bench.db")})
		if err != nil {
			cleanup()
			return nil, nil, nil, err
		}
		closers = append(closers, st.Close)
	}
	return b, st, cleanup, nil
}

// publish sends items to INBOUND in async batches, optionally paced, and
// records each item's send time.
func publish(ctx context.Context, b *bus.Bus, items []inbox.Inbound, sent []time.Time, rate int) error {
	const chunk = 100
	step := chunk
	var tick *time.Ticker
	if rate > 0 {
		// Pace in small groups so the offered load is smooth.
		step = max(1, rate/200)
		tick = time.NewTicker(time.Duration(float64(time.Second) * float64(step) / float64(rate)))
		defer tick.Stop()
	}
	for i := 0; i < len(items); i += step {
		j := min(i+step, len(items))
		now := time.Now()
		for k := i; k < j; k++ {
			sent[k] = now
		}
		if err := b.PublishInbound(ctx, items[i:j]); err != nil {
			return err
		}
		if tick != nil {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// JetStream measures the raw work-queue publish+consume rate of n small
// messages on a scratch stream, with the same batching the router uses.
func JetStream(ctx context.Context, b *bus.Bus, n int) (float64, error) {
	js := b.JetStream()
	name := "BENCH_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	subj := "bench." + strings.ToLower(name)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: name, Subjects: []string{subj}, Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
	}); err != nil {
		return 0, fmt.Errorf("creating bench stream: %w", err)
	}
	defer js.DeleteStream(context.Background(), name)
	payload := []byte(`{"v":1,"platform":"twitter","kind":"mention","external_id":"1234567890123","thread":"42","author":{"id":"42"},"text":"hello, my room is cold","created_at":"2026-01-01T00:00:00Z"}`)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	got := make(chan struct{})
	var count int
	var once sync.Once
	go func() {
		_ = b.Consume(cctx, bus.ConsumerConfig{Stream: name, Durable: "bench"}, func(_ context.Context, msgs []jetstream.Msg) {
			for _, m := range msgs {
				_ = m.Ack()
			}
			count += len(msgs)
			if count >= n {
				once.Do(func() { close(got); cancel() })
			}
		})
	}()
	start := time.Now()
	recs := make([]bus.Record, 0, 100)
	for i := 0; i < n; i++ {
		recs = append(recs, bus.Record{Subject: subj, MsgID: strconv.Itoa(i), Data: payload})
		if len(recs) == cap(recs) || i == n-1 {
			if err := b.PublishBatch(ctx, recs); err != nil {
				return 0, err
			}
			recs = recs[:0]
		}
	}
	select {
	case <-got:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return sorted[i]
}

// PeakRSSMB returns the process's peak resident set size in MiB (Linux;
// -1 elsewhere).
func PeakRSSMB() float64 { return procstat.MiB("VmHWM") }
