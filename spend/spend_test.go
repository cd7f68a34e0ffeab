package spend_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/spend"
)

// TestNewDayIsReported: a budget reached yesterday is reported as no
// longer reached as soon as the meter is asked on the next UTC day, not
// only at the first paid call of that day (which may never come when
// there is nothing to read).
func TestNewDayIsReported(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 23, 50, 0, 0, time.UTC)
	type change struct{ today, budget spend.Micros }
	var changes []change
	m, err := spend.New(spend.Config{
		Platform: "twitter", DailyBudget: spend.USD(0.05),
		OnChange: func(today, budget spend.Micros) { changes = append(changes, change{today, budget}) },
		Now:      func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Charge(ctx, "mentions", spend.USD(0.06)); err != nil {
		t.Fatal(err)
	}
	if !m.OverBudget(ctx) || len(changes) != 1 || changes[0].today != spend.USD(0.06) {
		t.Fatalf("after the charge: over budget %v, changes %v", m.OverBudget(ctx), changes)
	}
	// Asking again the same day reports nothing new.
	m.Today(ctx)
	if len(changes) != 1 {
		t.Fatalf("same day: changes %v, want only the charge", changes)
	}

	now = now.Add(20 * time.Minute) // 00:10 UTC the next day
	if m.OverBudget(ctx) {
		t.Error("still over budget on the next day")
	}
	if len(changes) != 2 || changes[1] != (change{0, spend.USD(0.05)}) {
		t.Errorf("next day: changes %v, want a second one with 0 spent of the budget", changes)
	}
}

// flakyPersister keeps totals in memory and fails the first read.
type flakyPersister struct {
	m      map[string]string
	failed bool
}

func (p *flakyPersister) Cursor(_ context.Context, key string) (string, bool, error) {
	if !p.failed {
		p.failed = true
		return "", false, errors.New("store down")
	}
	v, ok := p.m[key]
	return v, ok, nil
}

func (p *flakyPersister) SetCursor(_ context.Context, key, value string) error {
	p.m[key] = value
	return nil
}

// TestPersistedTotalIsReported: when today's total cannot be read at
// first, the meter reports what it knows, and reports the persisted total
// once it is read, so that /healthz agrees with OverBudget.
func TestPersistedTotalIsReported(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	p := &flakyPersister{m: map[string]string{"spend:twitter:2026-12-01": "60000"}} // $0.06
	var last spend.Micros = -1
	m, err := spend.New(spend.Config{
		Platform: "twitter", DailyBudget: spend.USD(0.05), Persister: p,
		OnChange: func(today, _ spend.Micros) { last = today },
		Now:      func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Today(ctx); got != 0 || last != 0 {
		t.Fatalf("with the store down: Today %v, reported %v; want 0 and 0", got, last)
	}
	if !m.OverBudget(ctx) || last != spend.USD(0.06) {
		t.Errorf("once read: over budget %v, reported %v; want true and $0.06", m.OverBudget(ctx), last)
	}
}
