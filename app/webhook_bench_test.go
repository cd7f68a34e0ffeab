package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/app"
	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
)

// BenchmarkWebhookToInbox measures how long a customer's item takes from
// the platform's webhook delivery to the web inbox: the signed delivery,
// the bus, the router with the real policy, the store, and the live event
// that the inbox's pages listen to. Items go one at a time, so each
// latency is one item's alone. It reports p50 and p99 over 200 items per
// platform (the acceptance target is p99 under 1 s): X mentions; and
// Messenger messages, comments and visitor posts in turn on Facebook.
//
//	go test -run '^$' -bench WebhookToInbox -benchtime 1x ./app/
func BenchmarkWebhookToInbox(b *testing.B) {
	const events = 200
	b.Run("twitter", func(b *testing.B) {
		fk := twfake.New(twfake.Options{SelfServe: true})
		defer fk.Close()
		a := benchApp(b, append(xEnv(fk), "INBOXBOT_POLICY_TWITTER_ACCOUNT_ID="+fk.Self().IDStr()),
			func(hook string) error { return fk.SetWebhook(hook + "twitter") })
		measure(b, a, events, func(i int) {
			from := twfake.User{ID: int64(7_000_000 + i), ScreenName: fmt.Sprintf("guest%d", i), Name: "Guest"}
			fk.AddMention(from, fmt.Sprintf("@%s my room %d has no hot water, can you help?", fk.Self().ScreenName, i), "en", 0)
		})
	})
	b.Run("facebook", func(b *testing.B) {
		const page, token, secret, verify = "1085249610", "page-token", "app-secret", "verify-token"
		fb := fbfake.New(fbfake.Options{PageID: page, Token: token, AppSecret: secret})
		defer fb.Close()
		a := benchApp(b, []string{
			"INBOXBOT_FACEBOOK_ENABLED=true", "INBOXBOT_FACEBOOK_PAGE_ID=" + page,
			"INBOXBOT_FACEBOOK_PAGE_TOKEN=" + token, "INBOXBOT_FACEBOOK_APP_SECRET=" + secret,
			"INBOXBOT_FACEBOOK_VERIFY_TOKEN=" + verify, "INBOXBOT_FACEBOOK_GRAPH_URL=" + fb.URL(),
		}, func(hook string) error { return fb.SetWebhook(hook+"facebook", verify) })
		post := fb.AddPagePost("Our summer offers are out!", time.Now())
		measure(b, a, events, func(i int) {
			// Twenty customers, each writing in turn: most deliveries are
			// from a customer the connector has seen, as on a real Page.
			from := fbfake.User{ID: fmt.Sprint(8_000_000 + i%20), Name: "Guest"}
			switch i % 3 {
			case 0:
				fb.AddMessage(fmt.Sprint("t_", i%20), from, fmt.Sprintf("Hi, my booking %d has the wrong dates", i), time.Now())
			case 1:
				fb.AddComment(post, "", from, fmt.Sprintf("Is breakfast included? (%d)", i), time.Now())
			default:
				fb.AddPost(from, fmt.Sprintf("Great stay, but the wifi in room %d was down", i), time.Now())
			}
		})
	})
}

// benchApp runs serve's assembly with env (see runApp), waits for the
// language models, and registers the platform's webhook with register
// (given the base URL of /webhooks/).
func benchApp(b *testing.B, env []string, register func(hook string) error) *app.App {
	b.Helper()
	a := runApp(b, env)
	if err := register("http://" + a.Addr() + "/webhooks/"); err != nil {
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
	return a
}

// runApp opens and runs serve's assembly (role all) with env on top of a
// fresh data dir, a free port and a light language set; it stops at the
// end of the test, and Run must end without error.
func runApp(tb testing.TB, env []string) *app.App {
	tb.Helper()
	a, _ := startApp(tb, app.RoleAll, env, func(config.Config) *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) })
	return a
}

// startApp is runApp for a role, with the logger that logger builds from
// the loaded config; stop stops the app (it is idempotent, and runs at the
// end of the test too). env may name its own data dir.
func startApp(tb testing.TB, role app.Role, env []string, logger func(config.Config) *slog.Logger) (a *app.App, stop func()) {
	tb.Helper()
	cfg, err := config.Load("", append([]string{
		"INBOXBOT_DATA_DIR=" + tb.TempDir(),
		"INBOXBOT_HTTP_ADDR=127.0.0.1:0",
		// A small language set keeps the models' load short; the
		// detector and the whole policy chain are the real ones.
		"INBOXBOT_POLICY_LANGUAGE_LANGUAGES=en,es,it",
	}, env...))
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err = app.Open(ctx, cfg, role, logger(cfg))
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				tb.Errorf("Run: %v", err)
			}
			a.Close()
		})
	}
	tb.Cleanup(stop)
	return a, stop
}

// xEnv configures X for the fake fk, in v2 mode.
func xEnv(fk *twfake.Server) []string {
	ck, cs, at, as := fk.Credentials()
	return []string{
		"INBOXBOT_TWITTER_ENABLED=true",
		"INBOXBOT_TWITTER_CONSUMER_KEY=" + ck, "INBOXBOT_TWITTER_CONSUMER_SECRET=" + cs,
		"INBOXBOT_TWITTER_ACCESS_TOKEN=" + at, "INBOXBOT_TWITTER_ACCESS_SECRET=" + as,
		"INBOXBOT_TWITTER_API_URL=" + fk.URLv2(),
	}
}

// measure adds n items one at a time with add, waits for each to reach
// the inbox (its "message" event), and reports p50 and p99.
func measure(b *testing.B, a *app.App, n int, add func(i int)) {
	b.Helper()
	arrived := make(chan struct{}, n)
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
		lat := make([]time.Duration, 0, n)
		for i := range n {
			start := time.Now()
			add(i)
			select {
			case <-arrived:
				lat = append(lat, time.Since(start))
			case <-time.After(30 * time.Second):
				b.Fatalf("item %d not in the inbox within 30 s", i)
			}
		}
		slices.Sort(lat)
		p99 := lat[len(lat)*99/100]
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
		// The target of #12 and #13: a delivered item is in the web inbox
		// within 1 s, p99.
		if p99 >= time.Second {
			b.Errorf("p99 %v from delivery to the inbox; the target is under 1 s", p99)
		}
	}
	b.StopTimer()
}
