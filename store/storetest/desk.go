package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// The behaviour of store.Desk and of the queue's orders and counts.

func testCounts(t *testing.T, s store.Store) {
	c, err := s.Counts(t.Context(), store.Filter{})
	if err != nil {
		t.Fatalf("Counts: %v", err)
	}
	if c.ByPlatform == nil || c.ByFlag == nil || c.ByAssignee == nil || len(c.ByStatus) != 0 {
		t.Errorf("empty store counts = %+v", c)
	}
	en := mention("c1", "u1", at(0))
	en.Language, en.LanguageConfidence = "en", 1
	es := fbComment("c2", "t2", "u2", at(0))
	es.Language, es.LanguageConfidence, es.Flags = "es", 1, []string{inbox.FlagNonEnglish}
	pend := fbMessage("c3", "t3", "u3", at(0))
	pend.Status, pend.Flags = inbox.Pending, []string{inbox.FlagNonEnglish, inbox.FlagPIIRedacted}
	gone := fbMessage("c4", "t4", "u4", at(0))
	gone.Flags = []string{inbox.FlagPIIRedacted}
	res := ingest(t, s, en, es, pend, gone)
	update(t, s, res[0].ConversationID, store.Update{Assignee: ptr("ann")})
	update(t, s, res[3].ConversationID, store.Update{Status: ptr(inbox.Closed), Assignee: ptr("ann")})

	check := func(name string, got, want map[string]int) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	// Open conversations, as the queue shows by default.
	if c, err = s.Counts(t.Context(), store.Filter{Status: inbox.Open}); err != nil {
		t.Fatalf("Counts: %v", err)
	}
	check("ByPlatform", c.ByPlatform, map[string]int{"facebook": 1, "twitter": 1})
	check("ByChannel", c.ByChannel, map[string]int{"public": 2})
	check("ByLanguage", c.ByLanguage, map[string]int{"en": 1, "es": 1})
	check("ByFlag", c.ByFlag, map[string]int{inbox.FlagNonEnglish: 1})
	check("ByStatus", c.ByStatus, map[string]int{"open": 2, "pending": 1}) // closed: not counted
	check("ByAssignee", c.ByAssignee, map[string]int{"-": 1, "ann": 1})

	// Every count is the total of the list that choosing its value shows,
	// whatever else is chosen.
	for _, f := range []store.Filter{
		{}, {Status: inbox.Open}, {Status: inbox.Pending}, {Platform: inbox.Facebook},
		{Status: inbox.Open, Flag: inbox.FlagNonEnglish}, {Assignee: "ann"}, {Assignee: "-", Channel: inbox.Private},
	} {
		c, err := s.Counts(t.Context(), f)
		if err != nil {
			t.Fatalf("Counts(%+v): %v", f, err)
		}
		for facet, counts := range map[string]map[string]int{
			"platform": c.ByPlatform, "channel": c.ByChannel, "language": c.ByLanguage,
			"flag": c.ByFlag, "status": c.ByStatus, "assignee": c.ByAssignee,
		} {
			for v, n := range counts {
				g := f
				switch facet {
				case "platform":
					g.Platform = inbox.Platform(v)
				case "channel":
					g.Channel = inbox.Channel(v)
				case "language":
					if v == "" {
						continue // "unknown" is not a value a filter selects
					}
					g.Language = v
				case "flag":
					g.Flag = v
				case "status":
					if v == string(inbox.Closed) {
						t.Errorf("filter %+v: closed conversations counted", f)
					}
					g.Status = inbox.Status(v)
				case "assignee":
					g.Assignee = v
				}
				if total := page(t, s, g).Total; total != n {
					t.Errorf("filter %+v: %s %q counts %d, its list has %d", f, facet, v, n, total)
				}
			}
		}
	}
}

// testCountsFollowChanges moves conversations between statuses,
// assignees and languages, by ingest (one by one and in batches) and by
// agents, and checks the queue's totals and facet counts against the
// conversations themselves, listed in full and counted here: the stores
// keep counts (migration 0014) rather than count the conversations.
func testCountsFollowChanges(t *testing.T, s store.Store) {
	var items []store.Item
	for i := range 12 {
		ext, author := fmt.Sprintf("cf%d", i), fmt.Sprintf("cfu%d", i)
		var it store.Item
		switch i % 3 {
		case 0:
			it = mention(ext, author, at(i))
		case 1:
			it = fbMessage(ext, "cft"+ext, author, at(i))
		default:
			it = fbComment(ext, "cft"+ext, author, at(i))
		}
		if i%4 == 1 {
			it.Language, it.LanguageConfidence, it.Flags = "es", 1, []string{inbox.FlagNonEnglish}
		}
		if i%5 == 2 {
			it.Status = inbox.Pending
		}
		items = append(items, it)
	}
	res := ingest(t, s, items[:6]...)
	for _, it := range items[6:] {
		res = append(res, ingest(t, s, it)...)
	}
	id := func(i int) int64 { return res[i].ConversationID }
	update(t, s, id(0), store.Update{Assignee: ptr("ann")})
	update(t, s, id(1), store.Update{Assignee: ptr("bob"), Status: ptr(inbox.Closed)})
	update(t, s, id(2), store.Update{Status: ptr(inbox.Closed)})
	update(t, s, id(0), store.Update{Assignee: ptr("bob")})
	update(t, s, id(3), store.Update{Status: ptr(inbox.Pending)})
	update(t, s, id(6), store.Update{Status: ptr(inbox.Closed), Assignee: ptr("ann")})
	update(t, s, id(4), store.Update{Status: ptr(inbox.Closed), Assignee: ptr("ann")})
	// The customers write again: the closed conversations reopen, one in
	// another language; the pending one stays so; an open one too; id(4)
	// stays closed.
	again1 := fbMessage("cf1b", "cftcf1", "cfu1", at(30))
	again1.Language, again1.LanguageConfidence = "de", 1
	again2 := fbComment("cf2b", "cftcf2", "cfu2", at(31))
	again2.Status = inbox.Pending
	ingest(t, s, again1, again2, mention("cf9b", "cfu9", at(32)))
	ingest(t, s, mention("cf6b", "cfu6", at(33)))

	all := page(t, s, store.Filter{Limit: 500}).Conversations
	if len(all) != len(items) {
		t.Fatalf("%d conversations, want %d", len(all), len(items))
	}
	assignee := func(c store.Conversation) string {
		if c.Assignee == "" {
			return "-"
		}
		return c.Assignee
	}
	// matches is the filter, leaving out the facet skip.
	matches := func(c store.Conversation, f store.Filter, skip string) bool {
		return (f.Platform == "" || skip == "platform" || c.Platform == f.Platform) &&
			(f.Channel == "" || skip == "channel" || c.Channel == f.Channel) &&
			(f.Language == "" || skip == "language" || c.Language == f.Language) &&
			(f.Status == "" || skip == "status" || c.Status == f.Status) &&
			(f.Assignee == "" || skip == "assignee" || assignee(c) == f.Assignee) &&
			(f.Flag == "" || skip == "flag" || slices.Contains(c.Flags, f.Flag))
	}
	for _, f := range []store.Filter{
		{}, {Status: inbox.Open}, {Status: inbox.Closed}, {Status: inbox.Pending, Platform: inbox.Facebook},
		{Assignee: "bob"}, {Assignee: "-", Channel: inbox.Public}, {Language: "es"}, {Language: "de", Status: inbox.Open},
		{Flag: inbox.FlagNonEnglish}, {Platform: inbox.Twitter, Assignee: "ann"},
	} {
		want := map[string]map[string]int{
			"platform": {}, "channel": {}, "language": {}, "flag": {}, "status": {}, "assignee": {},
		}
		total := 0
		for _, c := range all {
			if matches(c, f, "") {
				total++
			}
			for facet, values := range map[string][]string{
				"platform": {string(c.Platform)}, "channel": {string(c.Channel)}, "language": {c.Language},
				"flag": c.Flags, "status": {string(c.Status)}, "assignee": {assignee(c)},
			} {
				if !matches(c, f, facet) {
					continue
				}
				for _, v := range values {
					if facet != "status" || v != string(inbox.Closed) {
						want[facet][v]++
					}
				}
			}
		}
		if got := page(t, s, f).Total; got != total {
			t.Errorf("filter %+v: total %d, want %d", f, got, total)
		}
		c, err := s.Counts(t.Context(), f)
		if err != nil {
			t.Fatalf("Counts(%+v): %v", f, err)
		}
		for facet, got := range map[string]map[string]int{
			"platform": c.ByPlatform, "channel": c.ByChannel, "language": c.ByLanguage,
			"flag": c.ByFlag, "status": c.ByStatus, "assignee": c.ByAssignee,
		} {
			if fmt.Sprint(got) != fmt.Sprint(want[facet]) {
				t.Errorf("filter %+v: %s counts %v, want %v", f, facet, got, want[facet])
			}
		}
	}
}

func testSorts(t *testing.T, s store.Store) {
	// fb: a Messenger chat waiting since minute 0; tw: a tweet waiting
	// since minute 10; old: answered, updated last.
	fb := ingest(t, s, fbMessage("s1", "st1", "su1", at(0)))[0].ConversationID
	tw := ingest(t, s, mention("s2", "su2", at(10)))[0].ConversationID
	old := ingest(t, s, mention("s3", "su3", at(-60)))[0].ConversationID
	update(t, s, old, store.Update{Answered: true})

	got := func(f store.Filter) []int64 { t.Helper(); return ids(page(t, s, f)) }
	if g := got(store.Filter{}); !slices.Equal(g, []int64{fb, tw, old}) {
		t.Errorf("waiting order = %v, want %v", g, []int64{fb, tw, old})
	}
	if g := got(store.Filter{Sort: store.SortNewest}); !slices.Equal(g, []int64{tw, fb, old}) {
		t.Errorf("newest order = %v, want %v", g, []int64{tw, fb, old})
	}
	targets := []store.SLATarget{
		{Platform: inbox.Facebook, Channel: inbox.Private, FirstResponse: time.Hour, NextResponse: 5 * time.Minute},
		{Platform: inbox.Twitter, Channel: inbox.Public, FirstResponse: 15 * time.Minute},
	}
	// First responses: the tweet is due at minute 25, the chat at 60.
	if g := got(store.Filter{Sort: store.SortDue, Targets: targets}); !slices.Equal(g, []int64{tw, fb, old}) {
		t.Errorf("due order = %v, want %v", g, []int64{tw, fb, old})
	}
	// Without a target a conversation goes after those with one.
	if g := got(store.Filter{Sort: store.SortDue, Targets: targets[:1]}); !slices.Equal(g, []int64{fb, tw, old}) {
		t.Errorf("due order with the chat's target only = %v, want %v", g, []int64{fb, tw, old})
	}
	// An agent answers the chat; the customer writes again at minute 12:
	// the next-response target (5 min) now applies, due at minute 17.
	answer(t, s, fb, "agent:ann")
	g, err := s.Glances(t.Context(), "ann", []int64{fb, tw}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g[fb].FirstResponseAt.IsZero() || !g[tw].FirstResponseAt.IsZero() {
		t.Errorf("first responses: chat %v, tweet %v", g[fb].FirstResponseAt, g[tw].FirstResponseAt)
	}
	ingest(t, s, fbMessage("s4", "st1", "su1", at(12)))
	if g := got(store.Filter{Sort: store.SortDue, Targets: targets}); !slices.Equal(g, []int64{fb, tw, old}) {
		t.Errorf("due order after the answer = %v, want %v", g, []int64{fb, tw, old})
	}
	if _, err := s.Conversations(t.Context(), store.Filter{Sort: "random"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("unknown sort: %v, want ErrInvalid", err)
	}
}

// answer sends an agent's private reply in conversation id and records it
// sent, as a connector does.
func answer(t *testing.T, s store.Store, id int64, by string) inbox.Action {
	t.Helper()
	c := conv(t, s, id)
	a, _, err := s.CreateAction(t.Context(), inbox.Action{
		V: inbox.SchemaVersion, ConversationID: id, Platform: c.Platform, Kind: inbox.SendDM,
		Key: fmt.Sprintf("answer:%d:%d", id, time.Now().UnixNano()), Recipient: c.Customer.ExternalID,
		Text: "We are on it.", RequestedBy: by, Purpose: "agent_reply",
	})
	if err != nil {
		t.Fatalf("CreateAction: %v", err)
	}
	if _, err := s.BeginSend(t.Context(), a.ID); err != nil {
		t.Fatalf("BeginSend: %v", err)
	}
	a, err = s.FinishSend(t.Context(), a.ID, store.Result{State: inbox.StateSent, PlatformID: fmt.Sprintf("sent-%d", a.ID)})
	if err != nil {
		t.Fatalf("FinishSend: %v", err)
	}
	return a
}

func testGlances(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := ingest(t, s, fbMessage("g1", "gt1", "gu1", at(0)), fbMessage("g2", "gt1", "gu1", at(1)))[0].ConversationID
	b := ingest(t, s, mention("g3", "gu2", at(2)))[0].ConversationID
	g, err := s.Glances(ctx, "ann", []int64{a, b, a + b + 100}, nil)
	if err != nil {
		t.Fatalf("Glances: %v", err)
	}
	if len(g) != 2 {
		t.Fatalf("Glances of 2 known and 1 unknown id = %v", g)
	}
	if p := g[a].Preview; p.ExternalID != "g2" || p.Text != "text of g2" || p.Direction != inbox.In || p.Visibility != inbox.Private {
		t.Errorf("preview = %+v, want the newest message g2", p)
	}
	if !g[a].Unread || !g[b].Unread || g[a].Mentioned {
		t.Errorf("glances before reading = %+v", g)
	}
	if g[a].PersonID == 0 || g[a].PersonID == g[b].PersonID {
		t.Errorf("persons %d and %d", g[a].PersonID, g[b].PersonID)
	}

	// Reading up to the newest customer message clears the marker for
	// that agent only; a later message brings it back.
	if err := s.MarkRead(ctx, "ann", a, at(1)); err != nil {
		t.Fatalf("MarkRead: %v", err)
	}
	if err := s.MarkRead(ctx, "ann", a, at(0)); err != nil { // never moves back
		t.Fatalf("MarkRead: %v", err)
	}
	unread := func(agent string, id int64) bool {
		t.Helper()
		g, err := s.Glances(ctx, agent, []int64{id}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return g[id].Unread
	}
	if unread("ann", a) || !unread("bob", a) {
		t.Error("read marks are not per agent")
	}
	ingest(t, s, fbMessage("g4", "gt1", "gu1", at(5)))
	if !unread("ann", a) {
		t.Error("a new customer message did not make the conversation unread")
	}
	wantErr(t, "MarkRead unknown", s.MarkRead(ctx, "ann", a+b+100, at(0)), store.ErrNotFound)

	// A search match replaces the preview.
	first := messages(t, s, a)[0]
	if g, err := s.Glances(ctx, "ann", []int64{a}, map[int64]int64{a: first.ID}); err != nil || g[a].Preview.ID != first.ID {
		t.Errorf("preview with a match = %+v, %v; want message %d", g[a].Preview, err, first.ID)
	}
}

func testNotes(t *testing.T, s store.Store) {
	ctx := t.Context()
	id := ingest(t, s, fbMessage("n1", "nt1", "nu1", at(0)))[0].ConversationID
	if ns, err := s.Notes(ctx, id); err != nil || len(ns) != 0 {
		t.Fatalf("Notes of a new conversation = %v, %v", ns, err)
	}
	n1, err := s.AddNote(ctx, store.Note{ConversationID: id, Author: "ann", Text: "Refund approved by finance", Mentions: []string{"cy", "bob", "cy"}, CreatedAt: at(1)})
	if err != nil || n1.ID == 0 || !slices.Equal(n1.Mentions, []string{"bob", "cy"}) {
		t.Fatalf("AddNote = %+v, %v", n1, err)
	}
	n2, err := s.AddNote(ctx, store.Note{ConversationID: id, Author: "bob", Text: "Called the hotel"})
	if err != nil || n2.CreatedAt.IsZero() || len(n2.Mentions) != 0 {
		t.Fatalf("AddNote = %+v, %v", n2, err)
	}
	got, err := s.Notes(ctx, id)
	if err != nil || len(got) != 2 {
		t.Fatalf("Notes = %+v, %v", got, err)
	}
	if got[0].ID != n1.ID || got[0].Author != "ann" || got[0].Text != n1.Text || !got[0].CreatedAt.Equal(at(1)) ||
		!slices.Equal(got[0].Mentions, []string{"bob", "cy"}) || got[1].ID != n2.ID || len(got[1].Mentions) != 0 {
		t.Errorf("Notes = %+v", got)
	}
	// Notes are not messages: never part of the thread sent or shown as customer text.
	if ms := messages(t, s, id); len(ms) != 1 {
		t.Errorf("%d messages after adding notes, want 1", len(ms))
	}

	// A mention marks the conversation for the agent until they open it.
	for agent, want := range map[string]int{"bob": 1, "cy": 1, "ann": 0} {
		if n, err := s.Mentions(ctx, agent); err != nil || n != want {
			t.Errorf("Mentions(%s) = %d, %v; want %d", agent, n, err, want)
		}
	}
	if g, _ := s.Glances(ctx, "bob", []int64{id}, nil); !g[id].Mentioned {
		t.Error("bob's glance shows no mention")
	}
	if err := s.MarkRead(ctx, "bob", id, at(0)); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Mentions(ctx, "bob"); n != 0 {
		t.Errorf("bob still has %d mentions after opening the conversation", n)
	}
	if n, _ := s.Mentions(ctx, "cy"); n != 1 {
		t.Errorf("cy's mention went with bob's")
	}

	_, err = s.AddNote(ctx, store.Note{ConversationID: id + 100, Author: "ann", Text: "x"})
	wantErr(t, "note on unknown conversation", err, store.ErrNotFound)
	for name, n := range map[string]store.Note{
		"empty":       {ConversationID: id, Author: "ann", Text: "  "},
		"no author":   {ConversationID: id, Text: "x"},
		"NUL":         {ConversationID: id, Author: "ann", Text: "a\x00b"},
		"bad mention": {ConversationID: id, Author: "ann", Text: "x", Mentions: []string{""}},
	} {
		_, err := s.AddNote(ctx, n)
		wantErr(t, "AddNote "+name, err, store.ErrInvalid)
	}
}

func testPersons(t *testing.T, s store.Store) {
	ctx := t.Context()
	res := ingest(t, s,
		fbComment("p1", "pt1", "fb-ann", at(0)), fbMessage("p2", "pt2", "fb-ann-psid", at(1)),
		mention("p3", "tw-ann", at(2)), mention("p4", "tw-bob", at(3)))
	cust := func(i int) int64 { return conv(t, s, res[i].ConversationID).Customer.ID }
	p, err := s.Person(ctx, cust(0))
	if err != nil || p.ID != cust(0) || len(p.Customers) != 1 || p.Customers[0].ExternalID != "fb-ann" {
		t.Fatalf("Person of an unmerged customer = %+v, %v", p, err)
	}
	if p, err = s.MergeCustomers(ctx, cust(0), cust(1)); err != nil || p.ID != cust(0) || len(p.Customers) != 2 {
		t.Fatalf("MergeCustomers = %+v, %v", p, err)
	}
	// Merging a third account into a member of the person joins the same person.
	if p, err = s.MergeCustomers(ctx, cust(2), cust(1)); err != nil || len(p.Customers) != 3 {
		t.Fatalf("MergeCustomers into the merged person = %+v, %v", p, err)
	}
	for i := range 3 {
		q, err := s.Person(ctx, cust(i))
		if err != nil || q.ID != p.ID || len(q.Customers) != 3 {
			t.Errorf("Person of customer %d = %+v, %v; want person %d of 3", i, q, err, p.ID)
		}
	}
	if p2, err := s.MergeCustomers(ctx, cust(0), cust(2)); err != nil || p2.ID != p.ID || len(p2.Customers) != 3 {
		t.Errorf("merging a person with itself = %+v, %v", p2, err)
	}
	got := ids(page(t, s, store.Filter{PersonID: p.ID}))
	slices.Sort(got)
	want := []int64{res[0].ConversationID, res[1].ConversationID, res[2].ConversationID}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("conversations of the person = %v, want %v", got, want)
	}
	if g, _ := s.Glances(ctx, "ann", []int64{res[2].ConversationID, res[3].ConversationID}, nil); g[res[2].ConversationID].PersonID != p.ID || g[res[3].ConversationID].PersonID == p.ID {
		t.Errorf("glance persons = %+v", g)
	}
	_, err = s.MergeCustomers(ctx, cust(0), 424242)
	wantErr(t, "merging an unknown customer", err, store.ErrNotFound)
	_, err = s.Person(ctx, 424242)
	wantErr(t, "Person of an unknown customer", err, store.ErrNotFound)
}

// testSearch is the search case every store must pass, whatever its
// full-text engine.
func testSearch(t *testing.T, s store.Store) {
	ctx := t.Context()
	type msg struct {
		ext, thread, author, handle, name, text string
		kind                                    inbox.Kind
	}
	msgs := []msg{
		{"se1", "th-1", "au-1", "ann_smith", "Ann Smith", "I need a refund for my stay in Rome", inbox.Mention},
		{"se2", "th-2", "au-2", "bobby", "Bob Jones", "Can I change my dates to next week?", inbox.Mention},
		{"se3", "th-3", "au-3", "carla", "Carla Ruiz", "Please cancel the booking, my PIN is 4821", inbox.DM},
		{"se4", "th-4", "au-4", "annika", "Annika Berg", "Where do I find the booking number?", inbox.DM},
		{"se5", "th-2", "au-2", "bobby", "Bob Jones", "Also: the dates for the refund are wrong", inbox.Mention},
		{"se6", "th-6", "au-6", "dora", "Dora Refunder", "Hello there", inbox.Mention},
		{"se7", "th-7", "au-7", "emil", "Emil", "Les chambres étaient très propres, merci", inbox.Mention},
	}
	convOf := map[string]int64{}
	for i, m := range msgs {
		it := item(inbox.Inbound{
			V: inbox.SchemaVersion, Platform: inbox.Twitter, Kind: m.kind, ExternalID: m.ext, Thread: m.thread,
			Author: inbox.Author{ID: m.author, Handle: m.handle, Name: m.name}, Text: m.text, CreatedAt: at(i),
		})
		convOf[m.ext] = ingest(t, s, it)[0].ConversationID
	}
	search := func(q string, f store.Filter) []int64 {
		t.Helper()
		p, err := s.Search(ctx, q, f)
		if err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		out := []int64{}
		for _, c := range p.Conversations {
			out = append(out, c.ID)
		}
		return out
	}
	convs := func(exts ...string) []int64 {
		out := []int64{}
		for _, e := range exts {
			out = append(out, convOf[e])
		}
		return out
	}
	cases := []struct {
		q    string
		want []int64
	}{
		// A word: message matches, newest match first; se6's customer is
		// named Refunder, which "refund" does not match as a word.
		{"refund", convs("se5", "se1")},
		{"REFUND", convs("se5", "se1")},
		// A prefix matches the customer's name first, then messages.
		{"refund*", convs("se6", "se5", "se1")},
		// Words must all be in one message.
		{"refund rome", convs("se1")},
		{"refund week", []int64{}},
		// A phrase must be in order.
		{`"change my dates"`, convs("se2")},
		{`"dates my change"`, []int64{}},
		{`"booking number"`, convs("se4")},
		// A phrase, not its words: se5 has "dates", se3 "booking".
		{`"my dates"`, convs("se2")},
		{`"find the booking"`, convs("se4")},
		// A word the index splits is a phrase, a prefix still.
		{"the-book*", convs("se4", "se3")},
		{"booking-num*", convs("se4")},
		// Handles: a prefix of the customer's handle only.
		{"@ann", convs("se4", "se1")},
		{"@ann_sm", convs("se1")},
		{"@bobby", convs("se2")},
		{"@carla cancel", convs("se3")},
		{"@bobby cancel", []int64{}},
		// Customer names.
		{"smith", convs("se1")},
		{"jones", convs("se2")},
		// Platform ids and conversation ids, exactly.
		{"se3", convs("se3")},
		{"th-6", convs("se6")},
		{"au-4", convs("se4")},
		{fmt.Sprintf("#%d", convOf["se7"]), convs("se7")},
		// Digits in text are not searchable: a PIN in private is not found.
		{"4821", []int64{}},
		// Accents are kept, case is not.
		{"très", convs("se7")},
		{"TRÈS propres", convs("se7")},
	}
	// Agents' messages are found too.
	reply := agentDM(convOf["se4"], inbox.Twitter, "search-reply", "ana")
	reply.Text = "Your voucher is attached"
	sendAction(t, s, reply)
	cases = append(cases, struct {
		q    string
		want []int64
	}{"voucher", convs("se4")})
	for _, tc := range cases {
		if got := search(tc.q, store.Filter{}); !slices.Equal(got, tc.want) {
			t.Errorf("Search(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}

	// Filters apply, and a match names its message.
	update(t, s, convOf["se1"], store.Update{Status: ptr(inbox.Closed)})
	if got := search("refund", store.Filter{Status: inbox.Open}); !slices.Equal(got, convs("se5")) {
		t.Errorf("open conversations about refunds = %v, want %v", got, convs("se5"))
	}
	p, err := s.Search(ctx, "refund", store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if m := p.Matches[convOf["se5"]]; m == 0 || m == p.Matches[convOf["se1"]] {
		t.Errorf("matches = %v", p.Matches)
	}
	// Pages.
	p1, err1 := s.Search(ctx, "refund*", store.Filter{Limit: 2})
	p2, err2 := s.Search(ctx, "refund*", store.Filter{Limit: 2, Offset: 2})
	if err1 != nil || err2 != nil || len(p1.Conversations) != 2 || !p1.More || len(p2.Conversations) != 1 || p2.More ||
		p2.Conversations[0].ID != convOf["se1"] {
		t.Errorf("pages: %+v (%v), %+v (%v)", p1, err1, p2, err2)
	}
	// Many matches: the stream reads on until the page is full.
	var many []store.Item
	for i := range 700 {
		many = append(many, mention(fmt.Sprintf("mx%d", i), fmt.Sprintf("mu%d", i), at(100+i)))
		many[i].Message.Text = "the pool was cold"
	}
	ingestBatches(t, s, many, 350)
	if p, err := s.Search(ctx, "pool cold", store.Filter{Limit: 500, Offset: 100}); err != nil || len(p.Conversations) != 500 || !p.More {
		t.Errorf("a page deep into 700 matches: %d conversations, more %v, %v", len(p.Conversations), p.More, err)
	}

	// A rewritten text (the retention job's) is searched as it is now.
	if _, err := s.RewriteTexts(ctx, convOf["se1"], func(text string) string {
		return strings.ReplaceAll(text, "Rome", "Milan")
	}); err != nil {
		t.Fatalf("RewriteTexts: %v", err)
	}
	if got := search("milan", store.Filter{}); !slices.Equal(got, convs("se1")) {
		t.Errorf("search for the rewritten word = %v, want %v", got, convs("se1"))
	}
	if got := search("rome", store.Filter{}); len(got) != 0 {
		t.Errorf("search for the word rewritten away = %v, want none", got)
	}

	for _, q := range []string{"", "   ", "!!! ???", `""`, "@", string(make([]byte, store.MaxQueryBytes+1)), "a b c d e f g h i", "bad\xff"} {
		_, err := s.Search(ctx, q, store.Filter{})
		var qe *store.QueryError
		if !errors.Is(err, store.ErrInvalid) || !errors.As(err, &qe) || qe.Reason == "" {
			t.Errorf("Search(%q): %v, want a QueryError", q, err)
		}
	}
}

// testMovedToPrivate: a public conversation whose customer moved to a
// private one leaves the open queue (pending), until they write publicly
// again.
func testMovedToPrivate(t *testing.T, s store.Store) {
	pub := ingest(t, s, mention("mv1", "mvu", at(0)))[0].ConversationID
	dm := item(in(inbox.Twitter, inbox.DM, "mv2", "mvu", "mvu", at(1)))
	dm.Link = true
	priv := ingest(t, s, dm)[0].ConversationID
	if c := conv(t, s, pub); c.Status != inbox.Pending || c.LinkedConversation != priv {
		t.Errorf("public conversation after the move: status %s, linked %d; want pending, %d", c.Status, c.LinkedConversation, priv)
	}
	if c := conv(t, s, priv); c.Status != inbox.Open || c.LinkedConversation != pub {
		t.Errorf("private conversation: status %s, linked %d", c.Status, c.LinkedConversation)
	}
	if got := ids(page(t, s, store.Filter{Status: inbox.Open})); !slices.Equal(got, []int64{priv}) {
		t.Errorf("open queue = %v, want only the private conversation %d", got, priv)
	}
	cs, err := s.ConversationsByID(t.Context(), []int64{priv, pub + priv + 100, pub})
	if err != nil || len(cs) != 2 || cs[0].ID != priv || cs[1].ID != pub {
		t.Errorf("ConversationsByID = %+v, %v", cs, err)
	}
	ingest(t, s, mention("mv3", "mvu", at(2)))
	if c := conv(t, s, pub); c.Status != inbox.Open {
		t.Errorf("a new public message left the public conversation %s", c.Status)
	}
}
