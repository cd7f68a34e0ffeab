package connectors_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/testutil/connectortest"
	"github.com/inboxbot/inboxbot/store"
)

// fakeProfiles answers look-ups from a table, and counts them.
type fakeProfiles struct {
	mu    sync.Mutex
	calls [][]string
	// answer is how many of the ids asked each look-up answers (0: all).
	answer int
	err    error
}

func (f *fakeProfiles) LookupProfiles(_ context.Context, ids []string) ([]store.Profile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, append([]string(nil), ids...))
	if f.err != nil {
		return nil, f.err
	}
	if f.answer > 0 {
		ids = ids[:min(f.answer, len(ids))]
	}
	out := make([]store.Profile, len(ids))
	for i, id := range ids {
		out[i] = store.Profile{ExternalID: id, Handle: "h" + id, Name: "Name " + id}
	}
	return out, nil
}

func (f *fakeProfiles) lookups() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.calls) }

func dms(t *testing.T, st store.Store, n int) {
	t.Helper()
	items := make([]store.Item, n)
	for i := range items {
		items[i] = store.Item{Message: inbox.Inbound{V: inbox.SchemaVersion, Platform: inbox.Twitter, Kind: inbox.DM,
			ExternalID: fmt.Sprintf("e%d", i), Thread: fmt.Sprintf("u%d", i), Author: inbox.Author{ID: fmt.Sprintf("u%d", i)},
			Text: "hi", CreatedAt: time.Now()}}
	}
	if _, err := st.Ingest(context.Background(), items); err != nil {
		t.Fatal(err)
	}
}

func TestProfilerBatches(t *testing.T) {
	env := connectortest.New(t)
	src := &fakeProfiles{}
	p, err := connectors.NewProfiler(connectors.ProfilerConfig{Platform: inbox.Twitter, Batch: 2},
		connectors.ProfilerDeps{Source: src, Store: env.Store, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	dms(t, env.Store, 5)
	if n, err := p.Once(context.Background()); n != 5 || err != nil {
		t.Fatalf("Once = %d, %v, want 5 in batches of 2", n, err)
	}
	if src.lookups() != 3 {
		t.Errorf("%d look-ups, want 3", src.lookups())
	}
	// A source that answers for fewer than asked ends the pass: the rest
	// waits for the next one.
	src.answer = 1
	dms(t, env.Store, 8) // u0..u4 again (not due: fresh), u5..u7 new
	if n, err := p.Once(context.Background()); n != 1 || err != nil {
		t.Errorf("partial pass = %d, %v, want 1", n, err)
	}
	src.err = fmt.Errorf("wrapped: %w", connectors.ErrOverBudget)
	if n, err := p.Once(context.Background()); n != 0 || !errors.Is(err, connectors.ErrOverBudget) {
		t.Errorf("over-budget pass = %d, %v", n, err)
	}
}

func TestProfilerRunNamesCustomers(t *testing.T) {
	env := connectortest.New(t)
	src := &fakeProfiles{}
	p, err := connectors.NewProfiler(connectors.ProfilerConfig{Platform: inbox.Twitter, Interval: 20 * time.Millisecond},
		connectors.ProfilerDeps{Source: src, Store: env.Store, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	dms(t, env.Store, 1)
	connectortest.Eventually(t, 60*time.Second, func() bool {
		pg, err := env.Store.Conversations(context.Background(), store.Filter{})
		return err == nil && len(pg.Conversations) == 1 && pg.Conversations[0].Customer.Name == "Name u0"
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return")
	}
}

// nopProfiles is a store.Profiles with nothing due.
type nopProfiles struct{}

func (nopProfiles) ProfilesDue(context.Context, inbox.Platform, time.Time, int) ([]string, error) {
	return nil, nil
}
func (nopProfiles) SetProfiles(context.Context, inbox.Platform, time.Time, []store.Profile) error {
	return nil
}

func TestProfilerConfig(t *testing.T) {
	if _, err := connectors.NewProfiler(connectors.ProfilerConfig{Platform: inbox.Twitter}, connectors.ProfilerDeps{Source: &fakeProfiles{}, Store: nopProfiles{}}); err != nil {
		t.Errorf("defaults refused: %v", err)
	}
	for _, c := range []connectors.ProfilerConfig{
		{Platform: "myspace"},
		{Platform: inbox.Twitter, MaxAge: time.Minute},
		{Platform: inbox.Twitter, Batch: 1000},
	} {
		if _, err := connectors.NewProfiler(c, connectors.ProfilerDeps{Source: &fakeProfiles{}, Store: nopProfiles{}}); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}
