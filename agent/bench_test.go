package agent

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// BenchmarkQueuePage renders the first page of the queue, through the
// whole HTML handler (authentication, store queries, counts, template),
// with 50,000 conversations in the store. Goal: under 100 ms.
func BenchmarkQueuePage(b *testing.B) {
	e := newTestEnv(b)
	seedConversations(b, e.st, 50000)
	c := e.session(b, "alice", e.addAgent(b, "alice", RoleAgent))
	for _, path := range []string{"/", "/?platform=twitter&channel=private", "/?flag=non_english"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", path, nil)
				req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.cookie})
				rec := httptest.NewRecorder()
				e.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d", path, rec.Code)
				}
			}
		})
	}
}

// seedConversations stores n conversations across platforms, channels,
// languages and flags, in batches as the router would.
func seedConversations(tb testing.TB, st store.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	kinds := []struct {
		p inbox.Platform
		k inbox.Kind
	}{{inbox.Facebook, inbox.Comment}, {inbox.Facebook, inbox.Message}, {inbox.Facebook, inbox.Post}, {inbox.Twitter, inbox.Mention}, {inbox.Twitter, inbox.DM}}
	langs := []string{"en", "en", "en", "de", "fr", "es"}
	start := time.Now().Add(-time.Duration(n) * time.Minute)
	const batch = 1000
	for i := 0; i < n; i += batch {
		items := make([]store.Item, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			k := kinds[j%len(kinds)]
			it := store.Item{
				Message: inbox.Inbound{
					V: inbox.SchemaVersion, Platform: k.p, Kind: k.k,
					ExternalID: fmt.Sprintf("seed-%d", j), Thread: fmt.Sprintf("seed-thread-%d", j),
					Author:    inbox.Author{ID: fmt.Sprintf("u%d", j%7919), Handle: fmt.Sprintf("guest%d", j%7919), Name: "Guest"},
					Text:      "Hello, I have a question about my booking.",
					CreatedAt: start.Add(time.Duration(j) * time.Minute),
				},
				Language: langs[j%len(langs)], LanguageConfidence: 0.9,
			}
			if it.Language != "en" {
				it.Flags = []string{inbox.FlagNonEnglish}
			}
			if j%10 == 0 {
				it.Status = inbox.Closed
			}
			items = append(items, it)
		}
		if _, err := st.Ingest(ctx, items); err != nil {
			tb.Fatalf("seeding: %v", err)
		}
	}
}
