package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/app"
	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
)

// BenchmarkWebhookToInbox measures how long a customer's mention takes
// from X's webhook delivery to the web inbox: the signed delivery, the
// bus, the router with the real policy, the store, and the live event
// that the inbox's pages listen to. Events go one at a time, so each
// latency is one item's alone. It reports p50 and p99 over 200 events
// (the acceptance target is p99 under 1 s).
//
//	go test -run '^$' -bench WebhookToInbox -benchtime 1x ./app/
func BenchmarkWebhookToInbox(b *testing.B) {
	const events = 200
	fk := twfake.New(twfake.Options{SelfServe: true})
	defer fk.Close()
	ck, cs, at, as := fk.Credentials()
	cfg, err := config.Load("", []string{
		"INBOXBOT_DATA_DIR=" + b.TempDir(),
		"INBOXBOT_HTTP_ADDR=127.0.0.1:0",
		"INBOXBOT_TWITTER_ENABLED=true",
		"INBOXBOT_TWITTER_CONSUMER_KEY=" + ck, "INBOXBOT_TWITTER_CONSUMER_SECRET=" + cs,
		"INBOXBOT_TWITTER_ACCESS_TOKEN=" + at, "INBOXBOT_TWITTER_ACCESS_SECRET=" + as,
		"INBOXBOT_TWITTER_API_URL=" + fk.URLv2(),
		"INBOXBOT_POLICY_TWITTER_ACCOUNT_ID=" + fk.Self().IDStr(),
		// A small language set keeps the models' load short; the
		// detector and the whole policy chain are the real ones.
		"INBOXBOT_POLICY_LANGUAGE_LANGUAGES=en,es,it",
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.Open(ctx, cfg, app.RoleAll, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	if err := fk.SetWebhook("http://" + a.Addr() + "/webhooks/twitter"); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		if c, _ := a.Health.Get("language"); c.State == health.OK {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("language models not loaded within 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	arrived := make(chan struct{}, events)
	unsub, err := a.Bus.SubscribeEvents(func(_ string, data []byte) {
		var ev inbox.Event
		if json.Unmarshal(data, &ev) == nil && ev.Type == "message" {
			arrived <- struct{}{}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer unsub()

	b.ResetTimer()
	for range b.N {
		lat := make([]time.Duration, 0, events)
		for i := range events {
			from := twfake.User{ID: int64(7_000_000 + i), ScreenName: fmt.Sprintf("guest%d", i), Name: "Guest"}
			start := time.Now()
			fk.AddMention(from, fmt.Sprintf("@%s my room %d has no hot water, can you help?", fk.Self().ScreenName, i), "en", 0)
			select {
			case <-arrived:
				lat = append(lat, time.Since(start))
			case <-time.After(30 * time.Second):
				b.Fatalf("event %d not in the inbox within 30 s", i)
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.StopTimer()
	if n := fk.Requests(twfake.UserMentions); n > 2 {
		// Polling is a gap fill while webhooks deliver.
		b.Logf("%d mentions polls during the run", n)
	}
	cancel()
	if err := <-done; err != nil && !strings.Contains(err.Error(), "context canceled") {
		b.Fatal(err)
	}
}
