package twitter

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/spend"
)

// TestDailyBudgetSlowsPolling drives a v2 connector's spend past
// twitter.daily_budget_usd against the fake, on a clock that the test
// moves (the meter's too, so that the UTC day turns when the test says):
// the connector then asks to be called again in BudgetPollInterval and
// calls each feed once per BudgetPollInterval however often it is polled;
// the next UTC day it is back to the configured pace. The sibling
// TestDailyBudgetStopsAutomaticPostsOnly covers what the budget does to
// sending.
func TestDailyBudgetSlowsPolling(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	clk := &clock{}
	ctx := context.Background()
	meter, err := spend.New(spend.Config{Platform: "twitter", DailyBudget: spend.USD(0.05), Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	c := testConnectorAPI(t, APIv2, fk.URLv2(), fk, newMemStore(), WithClock(clk.now), WithMeter(meter))
	col := &collector{}
	feeds := []string{twfake.UserMentions, twfake.DMEvents}
	// callsOver counts the calls to each feed while poll runs.
	callsOver := func(poll func()) map[string]int {
		before := map[string]int{}
		for _, ep := range feeds {
			before[ep] = fk.Requests(ep)
		}
		poll()
		got := map[string]int{}
		for _, ep := range feeds {
			got[ep] = fk.Requests(ep) - before[ep]
		}
		return got
	}
	// everyMinute polls once a minute for n minutes.
	everyMinute := func(n int) func() {
		return func() {
			for range n {
				pollOnce(t, c, clk, col, time.Minute)
			}
		}
	}

	// Within the budget: users/me ($0.01) and two empty feeds.
	next := pollOnce(t, c, clk, col, 0)
	if meter.OverBudget(ctx) || next >= BudgetPollInterval {
		t.Fatalf("within the budget (%s spent): next poll in %s", meter.Today(ctx), next)
	}

	// 50 mentions at $0.001 take the day to $0.06 of $0.05. Five minutes
	// on, both feeds are due (dm_events, 15 calls a window, is paced about
	// a minute apart).
	for i := range 50 {
		fk.AddMention(customer(i), fmt.Sprintf("@HotelHelp question %d", i), "en", 0)
	}
	next = pollOnce(t, c, clk, col, 5*time.Minute)
	if len(col.items) != 50 || !meter.OverBudget(ctx) {
		t.Fatalf("published %d mentions, %s spent: want 50, over the budget", len(col.items), meter.Today(ctx))
	}
	if next < BudgetPollInterval-time.Second || next > BudgetPollInterval {
		t.Errorf("over the budget, next poll in %s, want %s", next, BudgetPollInterval)
	}
	// Polled every minute for 45 minutes, each feed is called once per
	// BudgetPollInterval: 3 times.
	for ep, n := range callsOver(everyMinute(45)) {
		if n != 3 {
			t.Errorf("%s called %d times in 45 minutes over the budget, want 3 (one per %s)", ep, n, BudgetPollInterval)
		}
	}

	// The next UTC day the budget is back, and so is the pace: mentions
	// (300 calls a window) every minute, DMs more than once in 5 minutes.
	now := clk.now().UTC()
	midnight := now.Truncate(24 * time.Hour).Add(24 * time.Hour)
	next = pollOnce(t, c, clk, col, midnight.Sub(now)+BudgetPollInterval)
	if meter.OverBudget(ctx) || next >= BudgetPollInterval {
		t.Fatalf("the next day (%s spent): over the budget %v, next poll in %s", meter.Today(ctx), meter.OverBudget(ctx), next)
	}
	got := callsOver(everyMinute(5))
	if got[twfake.UserMentions] != 5 || got[twfake.DMEvents] < 2 {
		t.Errorf("the next day, calls in 5 minutes polled every minute: %v; want 5 mentions calls and at least 2 DM calls", got)
	}
}
