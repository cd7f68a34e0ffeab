package router_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/bench"
	"github.com/inboxbot/inboxbot/language"
	"github.com/inboxbot/inboxbot/router"
)

// gateDetector is a language detector whose models are loading until
// ready is closed: meanwhile it waits for its caller's deadline and
// refuses with language.ErrNotReady, as language.Detector does.
type gateDetector struct {
	ready   chan struct{}
	refused atomic.Int64
}

func (d *gateDetector) Detect(ctx context.Context, text, hint string) (language.Result, error) {
	select {
	case <-d.ready:
		return bench.EnglishDetector{}.Detect(ctx, text, hint)
	case <-ctx.Done():
		d.refused.Add(1)
		return language.Result{}, fmt.Errorf("%w: %w", language.ErrNotReady, ctx.Err())
	}
}

// logRecords is a slog.Handler that keeps every record's level and
// message.
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecords) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecords) WithGroup(string) slog.Handler            { return h }
func (h *logRecords) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r.Clone())
	return nil
}

// count returns how many records have level at least min, and how many
// say msg at exactly level.
func (h *logRecords) count(min slog.Level, level slog.Level, msg string) (atLeast, said int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.recs {
		if r.Level >= min {
			atLeast++
		}
		if r.Level == level && r.Message == msg {
			said++
		}
	}
	return atLeast, said
}

// TestModelsLoadingLogsNoWarning: items that reach the router while the
// language models load are retried once the models are in, each try
// logged at DEBUG; a start-up logs no WARN or ERROR for them (#19).
func TestModelsLoadingLogsNoWarning(t *testing.T) {
	det := &gateDetector{ready: make(chan struct{})}
	logs := &logRecords{}
	log := slog.New(logs)
	cfg := router.Config{
		Twitter:  router.TwitterPolicy{AccountID: "999"},
		Facebook: router.FacebookPolicy{PageID: "555"},
		Language: router.LanguageConfig{Wait: 20 * time.Millisecond},
	}
	p, err := router.NewPolicy(cfg, router.Deps{Detector: det, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	e := startRouter(t, nil, router.Options{Policy: p, Log: log})
	const n = 40
	e.publish(t, bench.Traffic(5, n), true)

	// Items reach the router while the models load: it tries them, is
	// refused, and routes none.
	deadline := time.Now().Add(60 * time.Second)
	for det.refused.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("the detector refused %d tries; want at least %d", det.refused.Load(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := e.routed(); got != 0 {
		t.Fatalf("%d items routed while the models loaded", got)
	}
	close(det.ready)
	e.waitRouted(t, n)
	if msgs, _ := e.stored(t); len(msgs) != n {
		t.Errorf("stored %d messages; want %d", len(msgs), n)
	}

	warned, retried := logs.count(slog.LevelWarn, slog.LevelDebug, "policy failed; will retry")
	if warned != 0 {
		t.Errorf("%d WARN or ERROR records while the models loaded; want none", warned)
	}
	if refused := int(det.refused.Load()); retried != refused {
		t.Errorf("%d DEBUG retries logged; want one per refused try (%d)", retried, refused)
	}
}
