package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/procstat"
	"github.com/inboxbot/inboxbot/store"
)

// benchItems makes n new items starting at sequence number seq, spread over
// threads threads (one customer each; 0 means a new thread per item) with the router's usual extras: a
// language guess on every item, a flag on some, an action on a few.
func benchItems(rng *rand.Rand, seq, n, threads int) []store.Item {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	items := make([]store.Item, n)
	for i := range items {
		id := seq + i
		th := id
		if threads > 0 {
			th = rng.IntN(threads)
		}
		var p inbox.Platform
		var k inbox.Kind
		switch th % 4 {
		case 0:
			p, k = inbox.Facebook, inbox.Message
		case 1:
			p, k = inbox.Facebook, inbox.Comment
		case 2:
			p, k = inbox.Twitter, inbox.Mention
		default:
			p, k = inbox.Twitter, inbox.DM
		}
		it := store.Item{
			Message: inbox.Inbound{
				V: inbox.SchemaVersion, Platform: p, Kind: k,
				ExternalID: fmt.Sprintf("x%d", id), Thread: fmt.Sprintf("t%d", th),
				Author:    inbox.Author{ID: fmt.Sprintf("u%d", th), Handle: fmt.Sprintf("user%d", th), Name: "Guest"},
				Text:      "Hi, I booked a room for next Friday but never got a confirmation email. Can you check booking 12345?",
				CreatedAt: base.Add(time.Duration(id) * time.Second),
			},
			Language:           "en",
			LanguageConfidence: 0.95,
		}
		switch id % 10 {
		case 0:
			it.Language, it.Flags = "es", []string{inbox.FlagNonEnglish}
		case 1:
			it.Flags = []string{inbox.FlagPIIRedacted}
			it.Findings = []inbox.Finding{{Kind: "card", Start: 10, End: 26}}
		}
		if id%20 == 0 && k.Channel() == inbox.Public {
			it.Actions = []inbox.Action{{Platform: p, Kind: inbox.Reply, Key: fmt.Sprintf("notice:%d", id),
				Purpose: "non_english_notice", Target: it.Message.ExternalID, Text: "We answer in English", RequestedBy: "router"}}
		}
		items[i] = it
	}
	return items
}

// BenchmarkIngest measures storing batches of 200 new items over about
// 1,000 threads, as the router does, and the bytes the process writes
// per item (WAL, checkpoints, journals).
func BenchmarkIngest(b *testing.B) { benchIngest(b, openSQLite(b)) }

// benchIngest reports items/s and bytes written per item; each iteration
// stores ingestPerOp items in batches of 200, so that one iteration (as
// make bench runs) is a measure, not a single transaction.
func benchIngest(b *testing.B, s store.Store) float64 {
	ctx := b.Context()
	const batch, perOp = 200, 5
	rng := rand.New(rand.NewPCG(1, 2))
	// Warm up so that the measured batches update existing conversations
	// as much as they create new ones.
	if _, err := s.Ingest(ctx, benchItems(rng, 0, 2000, 1000)); err != nil {
		b.Fatal(err)
	}
	seq, n := 2000, 0
	w0 := procstat.WriteBytes()
	for b.Loop() {
		for range perOp {
			items := benchItems(rng, seq, batch, 1000)
			seq += batch
			if _, err := s.Ingest(ctx, items); err != nil {
				b.Fatal(err)
			}
			n += batch
		}
	}
	rate := float64(n) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "items/s")
	b.ReportMetric(float64(procstat.WriteBytes()-w0)/float64(n), "B-written/item")
	return rate
}

// BenchmarkConversationsFirstPage measures the agents' queue view over
// 50,000 conversations: the first page of common filters, and the facet
// counts shown beside it.
func BenchmarkConversationsFirstPage(b *testing.B) { benchConversationsFirstPage(b, openSQLite(b)) }

func benchConversationsFirstPage(b *testing.B, s store.Store) {
	ctx := b.Context()
	const convs = 50000
	rng := rand.New(rand.NewPCG(3, 4))
	var ids []int64
	for seq := 0; seq < convs; seq += 1000 {
		items := benchItems(rng, seq, 1000, 0)
		for i := range items {
			// Most of a queue's history is closed.
			switch i % 5 {
			case 0, 1, 2:
				items[i].Status = inbox.Closed
			case 3:
				items[i].Status = inbox.Pending
			}
		}
		res, err := s.Ingest(ctx, items)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			ids = append(ids, r.ConversationID)
		}
	}
	// Some conversations are claimed, and some of those answered.
	for i := 4; i < len(ids); i += 35 {
		u := store.Update{Assignee: new("alice"), Answered: i%2 == 0}
		if _, err := s.UpdateConversation(ctx, ids[i], u); err != nil {
			b.Fatal(err)
		}
	}
	if p, err := s.Conversations(ctx, store.Filter{}); err != nil || p.Total != convs {
		b.Fatalf("seeded %d conversations, %v; want %d", p.Total, err, convs)
	}
	filters := []struct {
		name string
		f    store.Filter
	}{
		{"all", store.Filter{}},
		{"open", store.Filter{Status: inbox.Open}},
		{"open-unassigned", store.Filter{Status: inbox.Open, Assignee: "-"}},
		{"mine", store.Filter{Assignee: "alice"}},
		{"flag", store.Filter{Flag: inbox.FlagNonEnglish}},
		{"twitter-public", store.Filter{Platform: inbox.Twitter, Channel: inbox.Public}},
		{"language", store.Filter{Language: "es"}},
		{"page-100", store.Filter{Status: inbox.Open, Offset: 4950}},
	}
	for _, tc := range filters {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				p, err := s.Conversations(ctx, tc.f)
				if err != nil || len(p.Conversations) == 0 {
					b.Fatalf("Conversations: %d, %v", len(p.Conversations), err)
				}
			}
		})
	}
	b.Run("counts", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Counts(ctx, store.Filter{Status: inbox.Open}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
