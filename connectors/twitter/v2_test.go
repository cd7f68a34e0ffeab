package twitter_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/webhook"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/twitter"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/testutil/connectortest"
	"github.com/inboxbot/inboxbot/metrics"
)

// These tests cover what X API v2 and pay-per-use add: a self-serve
// account on v1.1, what X bills, the daily budget, webhooks, and a gap
// filled after a stop.

func TestSelfServeAccountOnV11IsForbidden(t *testing.T) {
	fk := newFake(t, twfake.Options{Window: time.Second, SelfServe: true})
	env := connectortest.New(t)
	c := newConnector(t, modes[1], fk, env) // v1.1
	run(t, env, c)
	state := func() health.Component { s, _ := env.Health.Get("twitter"); return s }
	connectortest.Eventually(t, 5*time.Second, func() bool { return state().State == health.Forbidden })
	if r := state().Reason; !strings.Contains(r, "453") || !strings.Contains(r, "twitter.api: v2") {
		t.Errorf("health reason %q does not say what to do", r)
	}
	// Within one poll both feeds were refused once; many poll intervals
	// later, still once: the next try is 10 minutes away.
	connectortest.Eventually(t, 5*time.Second, func() bool {
		return fk.Requests(twfake.MentionsTimeline) == 1 && fk.Requests(twfake.DMEventsList) == 1
	})
	time.Sleep(20 * interval)
	for _, ep := range []string{twfake.MentionsTimeline, twfake.DMEventsList} {
		if n := fk.Requests(ep); n != 1 {
			t.Errorf("%d requests to %s after 453, want 1 per 10 minutes", n, ep)
		}
	}
}

// spendUSD is the inboxbot_platform_spend_usd_total sum over endpoints.
func spendUSD(env *connectortest.Env) float64 {
	var sum float64
	for _, ep := range []string{"users/me", "users/:id/mentions", "dm_events", "tweets", "dm_conversations/with/:participant_id/messages"} {
		sum += testutil.ToFloat64(env.Metrics.PlatformSpend.WithLabelValues("twitter", ep))
	}
	return sum
}

func TestSpendEqualsTheBill(t *testing.T) {
	fk := newFake(t, twfake.Options{Window: time.Second})
	env := connectortest.New(t)
	c := newConnector(t, modes[0], fk, env)
	run(t, env, c)
	for i := range 30 {
		fk.AddMention(customer(i), fmt.Sprintf("@HotelHelp question %d", i), "en", 0)
		if i%3 == 0 {
			fk.AddDM(customer(i), fmt.Sprintf("dm %d", i))
		}
	}
	fk.AddOwnDM(customer(1), "our answer") // read and billed, not stored
	connectortest.Eventually(t, 10*time.Second, func() bool { return env.CountMessages(t) >= 40 })
	tweet, conv := seedConversation(t, fk, env, 99)
	for i, text := range []string{"We are on it.", "Details at https://help.example.com/rooms", "See help.example.com"} {
		a := action(conv, inbox.Reply, fmt.Sprintf("r%d", i))
		a.Target, a.Text = strconv.FormatInt(tweet, 10), text
		if a := env.WaitAction(t, env.Action(t, a, 1).ID, 10*time.Second); a.State != inbox.StateSent {
			t.Fatalf("reply %d: %s %s", i, a.State, a.Error)
		}
	}
	d := action(conv, inbox.SendDM, "d")
	d.Recipient, d.Text = customer(99).IDStr(), "hello"
	if a := env.WaitAction(t, env.Action(t, d, 1).ID, 10*time.Second); a.State != inbox.StateSent {
		t.Fatalf("DM: %s %s", a.State, a.Error)
	}
	// Compare once the poller has settled on the same calls the fake saw.
	connectortest.Eventually(t, 10*time.Second, func() bool {
		return math.Abs(spendUSD(env)-float64(fk.Bill())/1e6) < 1e-9
	})
	bill := float64(fk.Bill()) / 1e6
	if got := spendUSD(env); math.Round(got*100) != math.Round(bill*100) || bill < 0.4 {
		t.Errorf("metered $%.6f, the fake billed $%.6f", got, bill)
	}
	// Two of the three replies hold a link, at $0.20 each.
	if got := fk.BillByEndpoint()[twfake.CreateTweet]; got != 15_000+2*200_000 {
		t.Errorf("posts billed %d µ$", got)
	}
	if today := c.Meter().Today(context.Background()); math.Abs(today.Dollars()-bill) > 1e-9 {
		t.Errorf("today's spend %s, bill $%v", today, bill)
	}
}

// TestPriceOverridesAreMetered sets every twitter.prices key to a price
// other than X's, runs a scripted exchange against the fake billing the
// same prices (one poll, then two replies and a DM), and checks that
// inboxbot_platform_spend_usd_total of each endpoint is what the script
// read or created times the overridden price, as the fake bills it.
func TestPriceOverridesAreMetered(t *testing.T) {
	prices := twitter.Prices{
		PostRead: 0.003, DMEventRead: 0.007, UserRead: 0.02,
		PostCreate: 0.011, PostCreateURL: 0.3, DMCreate: 0.013,
	}
	fk := newFake(t, twfake.Options{Prices: map[string]int64{
		twfake.PricePostRead: 3_000, twfake.PriceDMEventRead: 7_000, twfake.PriceUserRead: 20_000,
		twfake.PricePostCreate: 11_000, twfake.PricePostCreateURL: 300_000, twfake.PriceDMCreate: 13_000,
	}})
	ck, cs, at, as := fk.Credentials()
	m := metrics.New()
	c, err := twitter.New(twitter.Config{
		ConsumerKey: ck, ConsumerSecret: cs, AccessToken: at, AccessSecret: as,
		APIURL: fk.URLv2(), Prices: prices,
	}, connectortest.NewMemStore(), twitter.WithMetrics(m), twitter.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	var tweet int64
	for i := range 12 {
		tweet = fk.AddMention(customer(i), fmt.Sprintf("@HotelHelp question %d", i), "en", 0)
	}
	for i := range 4 {
		fk.AddDM(customer(i), fmt.Sprintf("dm %d", i))
	}
	ctx := context.Background()
	published := 0
	if _, err := c.Poll(ctx, func(_ context.Context, items []inbox.Inbound) error { published += len(items); return nil }); err != nil {
		t.Fatal(err)
	}
	if published != 12+4 {
		t.Fatalf("published %d items, want 16", published)
	}
	for i, send := range []inbox.Action{
		{Kind: inbox.Reply, Target: strconv.FormatInt(tweet, 10), Text: "We are on it."},
		{Kind: inbox.Reply, Target: strconv.FormatInt(tweet, 10), Text: "Details at https://help.example.com/rooms"},
		{Kind: inbox.SendDM, Recipient: customer(1).IDStr(), Text: "hello"},
	} {
		if _, err := c.Send(ctx, send); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}

	bill := fk.BillByEndpoint()
	for _, tc := range []struct {
		endpoint, fake string
		want           float64 // units × overridden price
	}{
		{"users/me", twfake.UsersMe, 1 * prices.UserRead},
		{"users/:id/mentions", twfake.UserMentions, 12 * prices.PostRead},
		{"dm_events", twfake.DMEvents, 4 * prices.DMEventRead},
		{"tweets", twfake.CreateTweet, prices.PostCreate + prices.PostCreateURL},
		{"dm_conversations/with/:participant_id/messages", twfake.DMSend, 1 * prices.DMCreate},
	} {
		got := testutil.ToFloat64(m.PlatformSpend.WithLabelValues("twitter", tc.endpoint))
		if math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s metered $%v, want $%v", tc.endpoint, got, tc.want)
		}
		if billed := float64(bill[tc.fake]) / 1e6; math.Abs(billed-tc.want) > 1e-9 {
			t.Errorf("%s billed $%v by the fake, want $%v", tc.endpoint, billed, tc.want)
		}
	}
}

func TestDailyBudgetStopsAutomaticPostsOnly(t *testing.T) {
	fk := newFake(t, twfake.Options{Window: time.Second})
	env := connectortest.New(t)
	meter, err := twitter.NewMeter(twitter.Config{DailyBudgetUSD: 0.05}, env.Metrics, env.Store)
	if err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, modes[0], fk, env, twitter.WithMeter(meter))
	run(t, env, c)
	tweet, conv := seedConversation(t, fk, env, 1)
	// users/me ($0.01) + one mention ($0.001) + one post with a link
	// ($0.20): over the $0.05 budget.
	a := action(conv, inbox.Reply, "r0")
	a.Target, a.Text = strconv.FormatInt(tweet, 10), "Details at https://help.example.com"
	if a := env.WaitAction(t, env.Action(t, a, 1).ID, 10*time.Second); a.State != inbox.StateSent {
		t.Fatalf("first reply: %s %s", a.State, a.Error)
	}
	if !meter.OverBudget(context.Background()) {
		t.Fatalf("not over budget at %s", meter.Today(context.Background()))
	}
	auto := action(conv, inbox.Reply, "auto")
	auto.Target, auto.Text = strconv.FormatInt(tweet, 10), "Please send us a DM."
	// Held back, not failed: it waits for tomorrow's budget.
	autoID := env.Action(t, auto, 1).ID
	connectortest.Eventually(t, 10*time.Second, func() bool {
		a, err := env.Store.Action(context.Background(), autoID)
		return err == nil && strings.Contains(a.Error, "budget")
	})
	if a, _ := env.Store.Action(context.Background(), autoID); a.State != inbox.StatePending {
		t.Errorf("router's reply over budget: %s %q", a.State, a.Error)
	}
	agent := action(conv, inbox.SendDM, "agent")
	agent.RequestedBy, agent.Recipient, agent.Text = "agent:alice", customer(1).IDStr(), "Hi, Alice here"
	if got := env.WaitAction(t, env.Action(t, agent, 1).ID, 10*time.Second); got.State != inbox.StateSent {
		t.Errorf("agent's DM over budget: %s %q", got.State, got.Error)
	}
	if n := len(fk.Replies()); n != 1 {
		t.Errorf("%d posts, want only the first", n)
	}
}

// serveWebhook serves c's webhook for fk on a test server, publishing into env,
// and registers it with fk (which makes the CRC check).
func serveWebhook(t *testing.T, fk *twfake.Server, env *connectortest.Env, c *twitter.Connector) *webhook.Handler {
	t.Helper()
	_, secret, _, _ := fk.Credentials()
	wh, err := twitter.NewWebhook(twitter.WebhookConfig{ConsumerSecret: secret, SelfID: c.SelfID}, webhook.Deps{
		Publish: connectors.Publisher(env.Bus, env.Metrics), Delivered: c.WebhookDelivered,
		Health: env.Health, Metrics: env.Metrics,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wh)
	t.Cleanup(srv.Close)
	if err := fk.SetWebhook(srv.URL); err != nil {
		t.Fatalf("registering the webhook: %v", err)
	}
	return wh
}

func TestWebhookAndPollingStoreOnce(t *testing.T) {
	fk := newFake(t, twfake.Options{Window: time.Second, WebhookRetryDelay: 10 * time.Millisecond})
	env := connectortest.New(t)
	c := newConnector(t, modes[0], fk, env)
	wh := serveWebhook(t, fk, env, c)
	// Delivered by the webhook before the poller runs, then read again by
	// the poller: stored once.
	for i := range 20 {
		fk.AddMention(customer(i), fmt.Sprintf("@HotelHelp hi %d", i), "en", 0)
		fk.AddDM(customer(i), fmt.Sprintf("dm %d", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fk.WaitDeliveries(ctx, 40); err != nil {
		t.Fatal(err)
	}
	connectortest.Eventually(t, 10*time.Second, func() bool { return env.CountMessages(t) >= 40 })
	run(t, env, c)
	connectortest.Eventually(t, 10*time.Second, func() bool {
		return fk.Requests(twfake.UserMentions) >= 1 && fk.Requests(twfake.DMEvents) >= 1
	})
	settle()
	if n := env.CountMessages(t); n != 40 {
		t.Errorf("stored %d messages, want 40", n)
	}
	if wh.LastDelivery().IsZero() {
		t.Error("no delivery recorded")
	}
	// While webhooks deliver, polling is a slow gap fill: no second poll
	// within poll_interval_with_webhooks (5m).
	n := fk.Requests(twfake.UserMentions)
	time.Sleep(10 * interval)
	if m := fk.Requests(twfake.UserMentions); m != n {
		t.Errorf("%d mentions polls while webhooks deliver", m-n)
	}
	// Customers' DM senders have names: X's users map in the delivery.
	priv, err := env.Store.ConversationByThread(context.Background(), inbox.Twitter, inbox.Private, customer(3).IDStr())
	if err != nil || priv.Customer.Handle != "guest3" {
		t.Errorf("DM customer %+v, %v", priv.Customer, err)
	}
}

func TestMentionsWhileStoppedAreFilledIn(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		fk := newFake(t, twfake.Options{Window: time.Second})
		dir := t.TempDir()
		env := connectortest.Open(t, dir)
		stop := run(t, env, newConnector(t, m, fk, env))
		seedConversation(t, fk, env, 1)
		stop()
		connectortest.Eventually(t, 10*time.Second, func() bool { return env.CountMessages(t) == 1 })
		env.Close()

		for i := range 250 {
			fk.AddMention(customer(i%60), fmt.Sprintf("@HotelHelp while you were away %d", i), "en", 0)
			if i%10 == 0 {
				fk.AddDM(customer(i%60), fmt.Sprintf("dm while away %d", i))
			}
		}
		env2 := connectortest.Open(t, dir)
		run(t, env2, newConnector(t, m, fk, env2))
		connectortest.Eventually(t, 20*time.Second, func() bool { return env2.CountMessages(t) >= 1+250+25 })
		settle()
		if n := env2.CountMessages(t); n != 1+250+25 {
			t.Errorf("stored %d messages, want %d", n, 1+250+25)
		}
		if n := ingested(env2, inbox.Mention); n != 250 {
			t.Errorf("published %d mentions after the restart, want 250", n)
		}
		checkBudgets(t, fk, twfake.DefaultLimits())
	})
}
