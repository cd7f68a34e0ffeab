package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/internal/testutil"
)

// TestFacebookWebhookKillWhileRetrying is issue #13's acceptance: "a
// kill -9 while the fake is retrying a batch loses nothing and doubles
// nothing". serve takes Facebook's webhook on its own address, with
// polling on but slow, as in production (a gap fill). Customers write
// (Messenger messages, visitor posts, comments); once the fake has a
// batch accepted, serve gets SIGKILL with batches still to deliver, and
// customers go on writing while it is down, so the fake's deliveries fail
// and are retried with back-off. serve restarts on the same data and
// addresses, its first poll and the fake's retries bring everything
// again, and every customer item is stored exactly once, none
// dead-lettered.
func TestFacebookWebhookKillWhileRetrying(t *testing.T) {
	const page, token, secret, verify = "1000", "EAApage", "app-secret", "verify-me"
	// Retries come quickly and the wait stays short (1 s at most), while
	// the subscription is disabled only after an hour of failures: far
	// beyond this test.
	fb := fbfake.New(fbfake.Options{PageID: page, Token: token, AppID: "4242", AppSecret: secret,
		WebhookBatch: 2, WebhookRetryDelay: 100 * time.Millisecond, WebhookMaxRetryDelay: time.Second,
		WebhookDisableAfter: time.Hour, ConversationsPerSecond: 10})
	defer fb.Close()
	target := embeddedTarget(t)
	dataDir := t.TempDir()
	db := filepath.Join(dataDir, "inboxbot.db")
	hookAddr := testutil.FreeAddr(t)
	env := append(serveEnv(t, dataDir, target),
		"INBOXBOT_HTTP_WEBHOOK_ADDR="+hookAddr,
		"INBOXBOT_FACEBOOK_ENABLED=true", "INBOXBOT_FACEBOOK_PAGE_ID="+page, "INBOXBOT_FACEBOOK_PAGE_TOKEN="+token,
		"INBOXBOT_FACEBOOK_APP_ID=4242", "INBOXBOT_FACEBOOK_APP_SECRET="+secret, "INBOXBOT_FACEBOOK_VERIFY_TOKEN="+verify,
		"INBOXBOT_FACEBOOK_GRAPH_URL="+fb.URL(),
		// Slow polling: the webhook brings the items; a poll at each
		// start, and a minute after a failed look-up, fills the gaps.
		"INBOXBOT_FACEBOOK_POLL_INTERVAL=1m")

	p := startServe(t, env)
	// Subscribed once serve answers Meta's verification request; the
	// subscription outlives serve, as Meta's does.
	waitFor(t, 120*time.Second, func() bool { return fb.SetWebhook("http://"+hookAddr+"/webhooks/facebook", verify) == nil })
	pagePost := fb.AddPagePost("Winter deals on sea-view rooms", time.Time{})

	want := fbCustomersWrite(fb, pagePost, 0, 6)
	// kill -9 the moment the first batch is taken: the rest are in
	// flight or queued.
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if err := fb.WaitDeliveries(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	takenBefore, _, _ := hookStats(fb.Deliveries())
	outstanding, storedBefore := fb.OutstandingDeliveries(), storedCount(t, db)

	// Customers go on writing while serve is down; the fake is retrying
	// once one of its retries has failed too.
	want = append(want, fbCustomersWrite(fb, pagePost, 6, 3)...)
	waitFor(t, 60*time.Second, func() bool {
		return slices.ContainsFunc(fb.Deliveries(), func(d fbfake.Delivery) bool { return d.Attempt > 1 && !d.OK() })
	})

	startServe(t, env)
	waitFor(t, 180*time.Second, func() bool {
		return fb.OutstandingDeliveries() == 0 && storedCount(t, db) >= len(want)
	})
	got := storedExternalIDs(t, db, "facebook")
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("stored %d Facebook items %v,\nwant the %d customers wrote %v", len(got), got, len(want), want)
	}
	taken, failed, retriesTaken := hookStats(fb.Deliveries())
	if retriesTaken == 0 {
		t.Error("no retried batch was taken after the restart")
	}
	if fb.WebhookDisabled() {
		t.Error("the fake disabled the subscription")
	}
	if n := deadRecords(t, target.url); n != 0 {
		t.Errorf("%d records in the DEAD stream", n)
	}
	// Nothing was answered twice: one action per item and purpose, and no
	// public reply or Private Reply sent twice to one item (the fake, as
	// Meta, refuses a second Private Reply: that shows as a failed send).
	if doubled := doubledActions(t, db); len(doubled) > 0 {
		t.Errorf("actions created twice for one item and purpose: %v", doubled)
	}
	replied := map[string]int{}
	for _, r := range fb.Replies() {
		if replied[r.Target]++; replied[r.Target] > 1 {
			t.Errorf("public reply sent twice to %s", r.Target)
		}
	}
	if len(fb.SentMessages()) == 0 {
		t.Error("no Private Reply or message was sent: nothing to check for doubles")
	}
	t.Logf("before SIGKILL: %d events taken, %d outstanding, %d stored; in all: %d events taken in %d attempts, %d failed, %d retries taken; %d customer items stored once each",
		takenBefore, outstanding, storedBefore, taken, len(fb.Deliveries()), failed, retriesTaken, len(got))
}

// fbCustomersWrite has n customers, numbered from first, each write a
// Messenger message, a visitor post, a comment under the Page's post and
// a comment under the visitor post before theirs (or their own), and
// returns the ids of these items.
func fbCustomersWrite(fb *fbfake.Server, pagePost string, first, n int) []string {
	var ids []string
	prev := ""
	for i := first; i < first+n; i++ {
		g := fbfake.User{ID: fmt.Sprint(31000 + i), Name: fmt.Sprintf("Guest %c", 'A'+i)}
		visitor := fb.AddPost(g, "The view from our balcony this morning, "+g.Name, time.Time{})
		if prev == "" {
			prev = visitor
		}
		ids = append(ids,
			fb.AddMessage("", g, "Hello, is breakfast included in my stay? "+g.Name, time.Time{}),
			visitor,
			fb.AddComment(pagePost, "", g, "Are pets allowed in these rooms?", time.Time{}),
			fb.AddComment(prev, "", g, "Lovely view, which floor is that?", time.Time{}))
		prev = visitor
	}
	return ids
}

// hookStats sums the fake's webhook attempts: the events taken (in
// attempts answered 2xx), the attempts that failed, and the retries
// taken.
func hookStats(ds []fbfake.Delivery) (taken, failed, retriesTaken int) {
	for _, d := range ds {
		switch {
		case !d.OK():
			failed++
		case d.Attempt > 1:
			retriesTaken++
			fallthrough
		default:
			taken += d.Entries
		}
	}
	return taken, failed, retriesTaken
}

// storedExternalIDs returns the external ids of platform's stored
// inbound messages, sorted.
func storedExternalIDs(t *testing.T, dbPath, platform string) []string {
	t.Helper()
	ids := storeStrings(t, dbPath, `SELECT external_id FROM messages WHERE direction = 'in' AND platform = ?`, platform)
	slices.Sort(ids)
	return ids
}

// doubledActions lists the items (kind, target, purpose) that got more
// than one action, and the actions that failed as already sent.
func doubledActions(t *testing.T, dbPath string) []string {
	t.Helper()
	return storeStrings(t, dbPath, `SELECT kind || ' ' || target || ' ' || purpose || ' x' || COUNT(*) FROM actions
		WHERE target <> '' GROUP BY kind, target, purpose HAVING COUNT(*) > 1
		UNION ALL SELECT kind || ' ' || target || ': ' || error FROM actions WHERE error LIKE '%already replied%'`)
}

// storeStrings returns the one text column of query's rows, read from the
// SQLite store at dbPath beside the serve that writes it.
func storeStrings(t *testing.T, dbPath, query string, args ...any) []string {
	t.Helper()
	db := readStore(t, dbPath)
	defer db.Close()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("reading the store: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("reading the store: %v", err)
	}
	return out
}

// deadRecords counts the records in the DEAD stream of the bus at url.
func deadRecords(t *testing.T, url string) uint64 {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("NATS %s: %v", url, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, bus.StreamDead)
	if err != nil {
		t.Fatalf("DEAD stream: %v", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatalf("DEAD stream: %v", err)
	}
	return info.State.Msgs
}
