// Package storetest is the behaviour suite that every store.Store
// implementation must pass, in the manner of testing/fstest: an
// implementation's own test calls Run with a function that opens an empty
// store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// Run runs every behaviour test against stores made by open. Each call of
// open must return a new, empty store that only that test uses; Run closes
// it when the test ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"IngestNew", testIngestNew},
		{"IngestIdempotent", testIngestIdempotent},
		{"IngestDuplicateInBatch", testIngestDuplicateInBatch},
		{"IngestGrouping", testIngestGrouping},
		{"IngestInvalid", testIngestInvalid},
		{"Attachments", testAttachments},
		{"IngestConcurrent", testIngestConcurrent},
		{"BatchConversation", testBatchConversation},
		{"BatchCustomers", testBatchCustomers},
		{"BatchDuplicates", testBatchDuplicates},
		{"BatchLink", testBatchLink},
		{"Text", testText},
		{"StatusRules", testStatusRules},
		{"Language", testLanguage},
		{"Awaiting", testAwaiting},
		{"Flags", testFlags},
		{"Link", testLink},
		{"LinkByPrivateReply", testLinkByPrivateReply},
		{"QueueOrder", testQueueOrder},
		{"Filters", testFilters},
		{"Limits", testLimits},
		{"Counts", testCounts},
		{"CountsFollowChanges", testCountsFollowChanges},
		{"Sorts", testSorts},
		{"Glances", testGlances},
		{"Notes", testNotes},
		{"Persons", testPersons},
		{"Search", testSearch},
		{"MovedToPrivate", testMovedToPrivate},
		{"Claim", testClaim},
		{"ClaimConcurrent", testClaimConcurrent},
		{"IngestActions", testIngestActions},
		{"CreateAction", testCreateAction},
		{"CountActions", testCountActions},
		{"SendStateMachine", testSendStateMachine},
		{"OutboundMessage", testOutboundMessage},
		{"Cursors", testCursors},
		{"Agents", testAgents},
		{"Tokens", testTokens},
		{"Audit", testAudit},
		{"NotFound", testNotFound},
		{"Lifecycle", testLifecycle},
		{"Reports", testReports},
		{"Profiles", testProfiles},
		{"MessageByID", testMessageByID},
		{"ClosedConversations", testClosedConversations},
		{"RewriteTexts", testRewriteTexts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// t0 is a fixed, nanosecond-precise base time: stores must keep it exactly.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func in(p inbox.Platform, k inbox.Kind, ext, thread, author string, created time.Time) inbox.Inbound {
	return inbox.Inbound{
		V: inbox.SchemaVersion, Platform: p, Kind: k, ExternalID: ext, Thread: thread,
		Author: inbox.Author{ID: author}, Text: "text of " + ext, CreatedAt: created,
	}
}

func item(m inbox.Inbound) store.Item { return store.Item{Message: m} }

func fbMessage(ext, thread, author string, created time.Time) store.Item {
	return item(in(inbox.Facebook, inbox.Message, ext, thread, author, created))
}

func fbComment(ext, thread, author string, created time.Time) store.Item {
	return item(in(inbox.Facebook, inbox.Comment, ext, thread, author, created))
}

func mention(ext, author string, created time.Time) store.Item {
	return item(in(inbox.Twitter, inbox.Mention, ext, author, author, created))
}

func ingest(t *testing.T, s store.Store, items ...store.Item) []store.Ingested {
	t.Helper()
	res, err := s.Ingest(t.Context(), items)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	if len(res) != len(items) {
		t.Fatalf("Ingest returned %d results for %d items", len(res), len(items))
	}
	return res
}

func conv(t *testing.T, s store.Store, id int64) store.Conversation {
	t.Helper()
	c, err := s.Conversation(t.Context(), id)
	if err != nil {
		t.Fatalf("Conversation(%d): %v", id, err)
	}
	return c
}

func messages(t *testing.T, s store.Store, convID int64) []store.Message {
	t.Helper()
	ms, err := s.Messages(t.Context(), convID)
	if err != nil {
		t.Fatalf("Messages(%d): %v", convID, err)
	}
	return ms
}

func update(t *testing.T, s store.Store, id int64, u store.Update) store.Conversation {
	t.Helper()
	c, err := s.UpdateConversation(t.Context(), id, u)
	if err != nil {
		t.Fatalf("UpdateConversation(%d): %v", id, err)
	}
	return c
}

func page(t *testing.T, s store.Store, f store.Filter) store.Page {
	t.Helper()
	p, err := s.Conversations(t.Context(), f)
	if err != nil {
		t.Fatalf("Conversations(%+v): %v", f, err)
	}
	return p
}

func ids(p store.Page) []int64 {
	out := make([]int64, len(p.Conversations))
	for i, c := range p.Conversations {
		out[i] = c.ID
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// allMessages returns the external id → message id of every stored message,
// walking the whole queue, and fails on a message stored twice.
func allMessages(t *testing.T, s store.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for off := 0; ; off += 500 {
		p := page(t, s, store.Filter{Limit: 500, Offset: off})
		for _, c := range p.Conversations {
			for _, m := range messages(t, s, c.ID) {
				k := string(m.Platform) + ":" + m.ExternalID
				if _, dup := out[k]; dup {
					t.Fatalf("message %s stored twice", k)
				}
				out[k] = m.ID
			}
		}
		if off+500 >= p.Total {
			return out
		}
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func testIngestNew(t *testing.T, s store.Store) {
	it := fbMessage("m1", "th1", "u1", at(0))
	it.Message.Author.Handle = "ann"
	it.Message.Author.Name = "Ann Example"
	it.Message.ParentID = "p0"
	it.Findings = []inbox.Finding{{Kind: "card", Start: 1, End: 5}}
	res := ingest(t, s, it)[0]
	if res.Duplicate || res.ConversationID == 0 || res.MessageID == 0 {
		t.Fatalf("Ingested = %+v", res)
	}
	c := conv(t, s, res.ConversationID)
	if c.Platform != inbox.Facebook || c.Channel != inbox.Private || c.Thread != "th1" || c.Status != inbox.Open {
		t.Errorf("conversation = %+v", c)
	}
	if c.Customer.ID == 0 || c.Customer.Platform != inbox.Facebook || c.Customer.ExternalID != "u1" ||
		c.Customer.Handle != "ann" || c.Customer.Name != "Ann Example" {
		t.Errorf("customer = %+v", c.Customer)
	}
	if !c.AwaitingSince.Equal(at(0)) || !c.LastCustomerMessageAt.Equal(at(0)) {
		t.Errorf("awaiting %v, last customer message %v; want %v", c.AwaitingSince, c.LastCustomerMessageAt, at(0))
	}
	if c.Assignee != "" || c.LinkedConversation != 0 || len(c.Flags) != 0 || c.CreatedAt.IsZero() || c.UpdatedAt.IsZero() {
		t.Errorf("conversation = %+v", c)
	}
	ms := messages(t, s, c.ID)
	if len(ms) != 1 {
		t.Fatalf("%d messages, want 1", len(ms))
	}
	m := ms[0]
	want := store.Message{
		ID: res.MessageID, ConversationID: c.ID, Platform: inbox.Facebook, Kind: inbox.Message,
		ExternalID: "m1", Direction: inbox.In, Author: "u1", Text: "text of m1", Visibility: inbox.Private,
		Findings: it.Findings, ParentID: "p0",
	}
	if !m.CreatedAt.Equal(at(0)) {
		t.Errorf("message created_at %v, want %v", m.CreatedAt, at(0))
	}
	m.CreatedAt = time.Time{}
	if fmt.Sprint(m) != fmt.Sprint(want) {
		t.Errorf("message\n got %+v\nwant %+v", m, want)
	}
	byThread, err := s.ConversationByThread(t.Context(), inbox.Facebook, inbox.Private, "th1")
	if err != nil || byThread.ID != c.ID {
		t.Errorf("ConversationByThread = %d, %v; want %d", byThread.ID, err, c.ID)
	}
	if _, err := s.ConversationByThread(t.Context(), inbox.Facebook, inbox.Public, "th1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("public thread th1: %v, want ErrNotFound", err)
	}
	if id, err := s.ConversationID(t.Context(), inbox.Facebook, inbox.Private, "th1"); err != nil || id != c.ID {
		t.Errorf("ConversationID = %d, %v; want %d", id, err, c.ID)
	}
	if _, err := s.ConversationID(t.Context(), inbox.Facebook, inbox.Public, "th1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ConversationID of another channel: %v, want ErrNotFound", err)
	}

	// A later message updates the handle; an empty handle or name keeps it.
	it2 := fbMessage("m2", "th1", "u1", at(1))
	it2.Message.Author.Handle = "ann2"
	res2 := ingest(t, s, it2, fbMessage("m3", "th1", "u1", at(2)))
	if res2[0].ConversationID != c.ID || res2[1].ConversationID != c.ID {
		t.Errorf("follow-ups went to %d, %d; want %d", res2[0].ConversationID, res2[1].ConversationID, c.ID)
	}
	c = conv(t, s, c.ID)
	if c.Customer.Handle != "ann2" || c.Customer.Name != "Ann Example" {
		t.Errorf("customer after update = %+v", c.Customer)
	}
	if !c.LastCustomerMessageAt.Equal(at(2)) || !c.AwaitingSince.Equal(at(0)) {
		t.Errorf("awaiting %v, last %v", c.AwaitingSince, c.LastCustomerMessageAt)
	}
	if ms := messages(t, s, c.ID); len(ms) != 3 || ms[0].ExternalID != "m1" || ms[2].ExternalID != "m3" {
		t.Errorf("messages = %v", ms)
	}

	if res, err := s.Ingest(t.Context(), nil); err != nil || len(res) != 0 {
		t.Errorf("Ingest(nil) = %v, %v", res, err)
	}
}

// mixedItems makes n items over a realistic mix of kinds, customers and threads.
func mixedItems(prefix string, n, threads int) []store.Item {
	items := make([]store.Item, n)
	for i := range items {
		th := i % threads
		author := fmt.Sprintf("%su%d", prefix, th%(threads/2+1))
		ext := fmt.Sprintf("%s%d", prefix, i)
		thread := fmt.Sprintf("%st%d", prefix, th)
		created := at(i)
		switch i % 5 {
		case 0:
			items[i] = fbMessage(ext, thread, author, created)
		case 1:
			items[i] = fbComment(ext, thread, author, created)
		case 2:
			items[i] = item(in(inbox.Facebook, inbox.Post, ext, thread, author, created))
		case 3:
			items[i] = item(in(inbox.Twitter, inbox.Mention, ext, thread, author, created))
		default:
			items[i] = item(in(inbox.Twitter, inbox.DM, ext, thread, author, created))
		}
	}
	return items
}

func ingestBatches(t *testing.T, s store.Store, items []store.Item, size int) []store.Ingested {
	t.Helper()
	var out []store.Ingested
	for len(items) > 0 {
		n := min(size, len(items))
		out = append(out, ingest(t, s, items[:n]...)...)
		items = items[n:]
	}
	return out
}

func testIngestIdempotent(t *testing.T, s store.Store) {
	items := mixedItems("a", 1000, 101)
	first := ingestBatches(t, s, items, 200)
	byExt := map[string]store.Ingested{}
	for i, r := range first {
		if r.Duplicate {
			t.Fatalf("item %d reported duplicate on first delivery", i)
		}
		byExt[items[i].Message.ExternalID] = r
	}
	sample := conv(t, s, first[0].ConversationID)

	// Redeliver everything, shuffled and mixed with new items.
	again := append(slices.Clone(items), mixedItems("b", 100, 10)...)
	rand.Shuffle(len(again), func(i, j int) { again[i], again[j] = again[j], again[i] })
	for off := 0; off < len(again); off += 137 {
		batch := again[off:min(off+137, len(again))]
		for i, r := range ingest(t, s, batch...) {
			ext := batch[i].Message.ExternalID
			old, seen := byExt[ext]
			if seen != r.Duplicate {
				t.Fatalf("%s: Duplicate = %v, want %v", ext, r.Duplicate, seen)
			}
			if seen && (r.MessageID != old.MessageID || r.ConversationID != old.ConversationID) {
				t.Fatalf("%s: redelivery reported %+v, first delivery %+v", ext, r, old)
			}
		}
	}
	if got := len(allMessages(t, s)); got != 1100 {
		t.Errorf("%d messages stored, want 1100", got)
	}
	if after := conv(t, s, sample.ID); !after.UpdatedAt.Equal(sample.UpdatedAt) ||
		!after.AwaitingSince.Equal(sample.AwaitingSince) || after.Status != sample.Status {
		t.Errorf("redelivery changed the conversation:\n%+v\n%+v", sample, after)
	}
}

func testIngestDuplicateInBatch(t *testing.T, s store.Store) {
	a := fbMessage("x1", "t", "u", at(0))
	a.Actions = []inbox.Action{{Platform: inbox.Facebook, Kind: inbox.SendDM, Key: "k1", Recipient: "u", RequestedBy: "router"}}
	res := ingest(t, s, a, fbMessage("x2", "t", "u", at(1)), a)
	if res[0].Duplicate || res[1].Duplicate || !res[2].Duplicate {
		t.Fatalf("Duplicate flags = %v %v %v", res[0].Duplicate, res[1].Duplicate, res[2].Duplicate)
	}
	if res[2].MessageID != res[0].MessageID || res[2].ConversationID != res[0].ConversationID {
		t.Errorf("duplicate reported %+v, original %+v", res[2], res[0])
	}
	if len(res[2].Actions) != 1 || res[2].Actions[0].ID != res[0].Actions[0].ID {
		t.Errorf("duplicate actions = %+v, want %+v", res[2].Actions, res[0].Actions)
	}
	if n := len(messages(t, s, res[0].ConversationID)); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

func testIngestGrouping(t *testing.T, s store.Store) {
	const n, threads = 10000, 703
	items := mixedItems("g", n, threads)
	type key struct {
		p  inbox.Platform
		ch inbox.Channel
		th string
	}
	want := map[key]int{}
	for _, it := range items {
		want[key{it.Message.Platform, it.Message.Kind.Channel(), it.Message.Thread}]++
	}
	ingestBatches(t, s, items, 500)
	if got := len(allMessages(t, s)); got != n {
		t.Errorf("%d messages stored, want %d", got, n)
	}
	if p := page(t, s, store.Filter{}); p.Total != len(want) {
		t.Errorf("%d conversations, want %d", p.Total, len(want))
	}
	checked := 0
	for k, count := range want {
		if checked == 60 { // a sample keeps the test fast on slow stores
			break
		}
		checked++
		c, err := s.ConversationByThread(t.Context(), k.p, k.ch, k.th)
		if err != nil {
			t.Fatalf("ConversationByThread(%v): %v", k, err)
		}
		if got := len(messages(t, s, c.ID)); got != count {
			t.Errorf("conversation %v has %d messages, want %d", k, got, count)
		}
	}
}

func testIngestInvalid(t *testing.T, s store.Store) {
	good := func() store.Item { return fbMessage("ok", "t", "u", at(0)) }
	cases := []struct {
		name   string
		change func(*store.Item)
	}{
		{"no version", func(it *store.Item) { it.Message.V = 0 }},
		{"unknown platform", func(it *store.Item) { it.Message.Platform = "myspace" }},
		{"kind of other platform", func(it *store.Item) { it.Message.Kind = inbox.Mention }},
		{"no external id", func(it *store.Item) { it.Message.ExternalID = "" }},
		{"no thread", func(it *store.Item) { it.Message.Thread = "" }},
		{"no author", func(it *store.Item) { it.Message.Author.ID = "" }},
		{"no time", func(it *store.Item) { it.Message.CreatedAt = time.Time{} }},
		{"NUL in text", func(it *store.Item) { it.Message.Text = "a\x00b" }},
		{"invalid UTF-8", func(it *store.Item) { it.Message.Text = "a\xffb" }},
		{"NUL in attachment", func(it *store.Item) {
			it.Message.Attachments = []inbox.Attachment{{Type: "image", URL: "https://x/\x00"}}
		}},
		{"unknown status", func(it *store.Item) { it.Status = "snoozed" }},
		{"empty flag", func(it *store.Item) { it.Flags = []string{""} }},
		{"action without key", func(it *store.Item) {
			it.Actions = []inbox.Action{{Platform: inbox.Facebook, Kind: inbox.SendDM, Recipient: "u", RequestedBy: "router"}}
		}},
		{"reply without target", func(it *store.Item) {
			it.Actions = []inbox.Action{{Platform: inbox.Facebook, Kind: inbox.Reply, Key: "k", RequestedBy: "router"}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bad := good()
			tc.change(&bad)
			batch := []store.Item{fbMessage("before", "t0", "u", at(0)), fbMessage("other", "t0", "u", at(1)), bad}
			_, err := s.Ingest(t.Context(), batch)
			wantErr(t, "Ingest", err, store.ErrInvalid)
			var ie *store.InvalidItemError
			if !errors.As(err, &ie) || ie.Index != 2 {
				t.Errorf("error %v does not name item 2", err)
			}
		})
	}
	// Nothing of a rejected batch is stored.
	if _, err := s.ConversationByThread(t.Context(), inbox.Facebook, inbox.Private, "t0"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("valid items of a rejected batch were stored: %v", err)
	}
}

func testIngestConcurrent(t *testing.T, s store.Store) {
	items := mixedItems("c", 600, 61)
	const workers = 6
	results := make([][]store.Ingested, workers)
	orders := make([][]store.Item, workers)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		order := slices.Clone(items)
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		orders[w] = order
		wg.Go(func() {
			for off := 0; off < len(order); off += 50 {
				res, err := s.Ingest(context.Background(), order[off:off+50])
				if err != nil {
					errs <- fmt.Errorf("worker %d: %w", w, err)
					return
				}
				results[w] = append(results[w], res...)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	stored := allMessages(t, s)
	if len(stored) != len(items) {
		t.Fatalf("%d messages stored, want %d", len(stored), len(items))
	}
	fresh := 0
	for w := range workers {
		for i, r := range results[w] {
			m := orders[w][i].Message
			if id := stored[string(m.Platform)+":"+m.ExternalID]; r.MessageID != id {
				t.Fatalf("worker %d got message id %d for %s, stored %d", w, r.MessageID, m.ExternalID, id)
			}
			if !r.Duplicate {
				fresh++
			}
		}
	}
	if fresh != len(items) {
		t.Errorf("%d items reported new, want %d", fresh, len(items))
	}
}

func testText(t *testing.T, s store.Store) {
	texts := map[string]string{
		"unicode": "Héllo 👋🏽 مرحبا שלום 你好 e\u0301 \u200d\u2028 'quotes' \"dq\" \\ ; DROP TABLE messages; --",
		"empty":   "",
		"huge":    huge(1 << 20),
	}
	for name, text := range texts {
		it := fbComment("text-"+name, "t-"+name, "u", at(0))
		it.Message.Text = text
		it.Message.Author.Name = "Zoë 🦊"
		res := ingest(t, s, it)[0]
		ms := messages(t, s, res.ConversationID)
		if len(ms) != 1 || ms[0].Text != text {
			t.Errorf("%s text not stored intact", name)
		}
		if c := conv(t, s, res.ConversationID); c.Customer.Name != "Zoë 🦊" {
			t.Errorf("name = %q", c.Customer.Name)
		}
	}
}

// huge returns valid UTF-8 text of exactly n bytes with multi-byte runes.
func huge(n int) string {
	const unit = "0123456789abcdé€😀"
	s := strings.ToValidUTF8(strings.Repeat(unit, n/len(unit)+1)[:n], "")
	return s + strings.Repeat("x", n-len(s))
}

func testStatusRules(t *testing.T, s store.Store) {
	cases := []struct {
		name         string
		before       inbox.Status // set by an agent after the first message ("" = leave)
		itemStatus   inbox.Status
		want         inbox.Status
		wantAwaiting bool
	}{
		{"new conversation is open", "", "", inbox.Open, true},
		{"new pending conversation awaits nobody", "", inbox.Pending, inbox.Pending, false},
		{"customer reopens closed", inbox.Closed, "", inbox.Open, true},
		{"customer reopens pending", inbox.Pending, "", inbox.Open, true},
		{"item status wins over reopening", inbox.Closed, inbox.Pending, inbox.Pending, false},
		{"open stays open", inbox.Open, "", inbox.Open, true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			thread := fmt.Sprintf("status-%d", i)
			first := fbMessage(thread+"-1", thread, "u", at(0))
			if tc.before == "" {
				first.Status = tc.itemStatus
				c := conv(t, s, ingest(t, s, first)[0].ConversationID)
				if c.Status != tc.want || c.AwaitingSince.IsZero() == tc.wantAwaiting {
					t.Errorf("status %s awaiting %v; want %s awaiting=%v", c.Status, c.AwaitingSince, tc.want, tc.wantAwaiting)
				}
				return
			}
			id := ingest(t, s, first)[0].ConversationID
			update(t, s, id, store.Update{Status: ptr(tc.before), Answered: true})
			second := fbMessage(thread+"-2", thread, "u", at(5))
			second.Status = tc.itemStatus
			ingest(t, s, second)
			c := conv(t, s, id)
			if c.Status != tc.want {
				t.Errorf("status %s, want %s", c.Status, tc.want)
			}
			if tc.wantAwaiting && !c.AwaitingSince.Equal(at(5)) || !tc.wantAwaiting && !c.AwaitingSince.IsZero() {
				t.Errorf("awaiting since %v, want awaiting=%v", c.AwaitingSince, tc.wantAwaiting)
			}
		})
	}
}

func testLanguage(t *testing.T, s store.Store) {
	steps := []struct {
		lang     string
		conf     float64
		wantLang string
		wantConf float64
	}{
		{"es", 0, "es", 0},     // none yet: any guess fills it
		{"en", 0, "es", 0},     // unsure guess does not replace
		{"fr", 0.9, "fr", 0.9}, // a confident one does
		{"", 0, "fr", 0.9},     // no guess changes nothing
		{"de", 0.4, "de", 0.4}, // the latest confident value wins
	}
	var id int64
	for i, st := range steps {
		it := fbComment(fmt.Sprintf("lang-%d", i), "lang", "u", at(i))
		it.Language, it.LanguageConfidence = st.lang, st.conf
		id = ingest(t, s, it)[0].ConversationID
		if c := conv(t, s, id); c.Language != st.wantLang || c.LanguageConfidence != st.wantConf {
			t.Errorf("step %d: language %q (%v), want %q (%v)", i, c.Language, c.LanguageConfidence, st.wantLang, st.wantConf)
		}
	}
}

func testAwaiting(t *testing.T, s store.Store) {
	id := ingest(t, s, mention("w1", "u", at(10)))[0].ConversationID
	ingest(t, s, mention("w0", "u", at(5))) // late delivery of an older message
	c := conv(t, s, id)
	if !c.AwaitingSince.Equal(at(5)) || !c.LastCustomerMessageAt.Equal(at(10)) {
		t.Errorf("awaiting %v last %v; want %v and %v", c.AwaitingSince, c.LastCustomerMessageAt, at(5), at(10))
	}
	c = update(t, s, id, store.Update{Answered: true})
	if !c.AwaitingSince.IsZero() {
		t.Errorf("answered conversation awaits since %v", c.AwaitingSince)
	}
	ingest(t, s, mention("w2", "u", at(20)))
	if c = conv(t, s, id); !c.AwaitingSince.Equal(at(20)) || !c.LastCustomerMessageAt.Equal(at(20)) {
		t.Errorf("after new message: awaiting %v last %v", c.AwaitingSince, c.LastCustomerMessageAt)
	}
}

func testFlags(t *testing.T, s store.Store) {
	a := fbComment("f1", "flags", "u", at(0))
	a.Flags = []string{inbox.FlagPIIRedacted, inbox.FlagNonEnglish}
	b := fbComment("f2", "flags", "u", at(1))
	b.Flags = []string{inbox.FlagPIIRedacted, inbox.FlagLanguageUnsure}
	id := ingest(t, s, a, b)[0].ConversationID
	want := []string{inbox.FlagLanguageUnsure, inbox.FlagNonEnglish, inbox.FlagPIIRedacted}
	if c := conv(t, s, id); !slices.Equal(c.Flags, want) {
		t.Errorf("flags %v, want %v (sorted, once each)", c.Flags, want)
	}
	c := update(t, s, id, store.Update{AddFlags: []string{"vip", "vip"}, RemoveFlags: []string{inbox.FlagNonEnglish, "absent"}})
	want = []string{inbox.FlagLanguageUnsure, inbox.FlagPIIRedacted, "vip"}
	if !slices.Equal(c.Flags, want) {
		t.Errorf("flags after update %v, want %v", c.Flags, want)
	}
	if !c.HasFlag("vip") || c.HasFlag(inbox.FlagNonEnglish) {
		t.Errorf("HasFlag wrong for %v", c.Flags)
	}
	if _, err := s.UpdateConversation(t.Context(), id, store.Update{AddFlags: []string{""}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("empty flag: %v, want ErrInvalid", err)
	}
}

func testLink(t *testing.T, s store.Store) {
	older := ingest(t, s, fbComment("pc1", "post-old", "cust", at(0)))[0].ConversationID
	public := ingest(t, s, fbComment("pc2", "post-new", "cust", at(5)))[0].ConversationID
	other := ingest(t, s, fbComment("pc3", "post-x", "someone-else", at(9)))[0].ConversationID
	twitter := ingest(t, s, mention("tw1", "cust", at(9)))[0].ConversationID

	notAsked := fbMessage("dm0", "inbox-0", "cust", at(6))
	if c := conv(t, s, ingest(t, s, notAsked)[0].ConversationID); c.LinkedConversation != 0 {
		t.Errorf("linked without Link: %+v", c)
	}

	dm := fbMessage("dm1", "inbox-1", "cust", at(7))
	dm.Link = true
	private := ingest(t, s, dm)[0].ConversationID
	p, pub := conv(t, s, private), conv(t, s, public)
	if p.LinkedConversation != public || pub.LinkedConversation != private {
		t.Fatalf("links: private→%d public→%d; want %d and %d", p.LinkedConversation, pub.LinkedConversation, public, private)
	}
	if !p.HasFlag(inbox.FlagMovedToPrivate) || !pub.HasFlag(inbox.FlagMovedToPrivate) {
		t.Errorf("flags %v / %v lack moved_to_private", p.Flags, pub.Flags)
	}
	for _, id := range []int64{older, other, twitter} {
		if c := conv(t, s, id); c.LinkedConversation != 0 || c.HasFlag(inbox.FlagMovedToPrivate) {
			t.Errorf("conversation %d was linked too: %+v", id, c)
		}
	}

	// An already linked private conversation keeps its link.
	again := fbMessage("dm2", "inbox-1", "cust", at(8))
	again.Link = true
	ingest(t, s, again)
	if c := conv(t, s, private); c.LinkedConversation != public {
		t.Errorf("relinked to %d", c.LinkedConversation)
	}
	// The next private conversation takes the remaining unlinked public one.
	third := fbMessage("dm3", "inbox-2", "cust", at(9))
	third.Link = true
	if c := conv(t, s, ingest(t, s, third)[0].ConversationID); c.LinkedConversation != older {
		t.Errorf("second link to %d, want %d", c.LinkedConversation, older)
	}
	// Then nothing is left to link to.
	fourth := fbMessage("dm4", "inbox-3", "cust", at(10))
	fourth.Link = true
	if c := conv(t, s, ingest(t, s, fourth)[0].ConversationID); c.LinkedConversation != 0 || c.HasFlag(inbox.FlagMovedToPrivate) {
		t.Errorf("linked with no public conversation left: %+v", c)
	}
	// Link on a public item is ignored.
	pubLink := fbComment("pc4", "post-y", "cust2", at(11))
	pubLink.Link = true
	if c := conv(t, s, ingest(t, s, pubLink)[0].ConversationID); c.LinkedConversation != 0 {
		t.Errorf("public conversation linked: %+v", c)
	}
}

// testLinkByPrivateReply: on Facebook a commenter's Messenger id (PSID)
// differs from their comment author id; the PSID a sent Private Reply
// reached (Result.Recipient) links their Messenger conversation.
func testLinkByPrivateReply(t *testing.T, s store.Store) {
	ctx := t.Context()
	// privateReply stores a private reply to comment ext of conversation
	// convID, created with recipient preset, and records the outcome res.
	privateReply := func(convID int64, ext, preset string, res store.Result) inbox.Action {
		t.Helper()
		a, _, err := s.CreateAction(ctx, inbox.Action{ConversationID: convID, Platform: inbox.Facebook, Kind: inbox.PrivateReply,
			Key: "pr:" + ext, Target: ext, Recipient: preset, Text: "Write to us in Messenger", RequestedBy: "router"})
		if err != nil {
			t.Fatalf("CreateAction: %v", err)
		}
		if _, err := s.BeginSend(ctx, a.ID); err != nil {
			t.Fatalf("BeginSend: %v", err)
		}
		done, err := s.FinishSend(ctx, a.ID, res)
		if err != nil {
			t.Fatalf("FinishSend: %v", err)
		}
		return done
	}
	sent := func(psid string) store.Result {
		return store.Result{State: inbox.StateSent, PlatformID: "m_" + psid, Recipient: psid}
	}
	private := func(ext, thread, author string, min int) store.Conversation {
		t.Helper()
		it := fbMessage(ext, thread, author, at(min))
		it.Link = true
		return conv(t, s, ingest(t, s, it)[0].ConversationID)
	}
	linked := func(id, want int64) {
		t.Helper()
		c := conv(t, s, id)
		if c.LinkedConversation != want || (want != 0) != c.HasFlag(inbox.FlagMovedToPrivate) {
			t.Errorf("conversation %d: linked to %d, flags %v; want %d", id, c.LinkedConversation, c.Flags, want)
		}
	}

	oldest := ingest(t, s, fbComment("lp-c1", "lp-post1", "asid-1", at(0)))[0].ConversationID
	newer := ingest(t, s, fbComment("lp-c2", "lp-post2", "asid-1", at(3)))[0].ConversationID
	failed := ingest(t, s, fbComment("lp-c3", "lp-post3", "asid-1", at(5)))[0].ConversationID
	other := ingest(t, s, fbComment("lp-c4", "lp-post4", "asid-2", at(6)))[0].ConversationID
	own := ingest(t, s, fbComment("lp-c5", "lp-post5", "psid-3", at(1)))[0].ConversationID
	foreign := ingest(t, s, fbComment("lp-c6", "lp-post6", "asid-3", at(9)))[0].ConversationID
	if a := privateReply(oldest, "lp-c1", "", sent("psid-1")); a.Recipient != "psid-1" {
		t.Errorf("recipient %q after a sent private reply, want psid-1", a.Recipient)
	}
	privateReply(newer, "lp-c2", "", sent("psid-1"))
	privateReply(failed, "lp-c3", "psid-1", store.Result{State: inbox.StateFailed, Error: "refused"})
	if a := privateReply(other, "lp-c4", "psid-2", sent("psid-9")); a.Recipient != "psid-2" {
		t.Errorf("recipient %q replaced the one the action named", a.Recipient)
	}
	privateReply(foreign, "lp-c6", "", sent("psid-3"))

	// The same id on another platform is another customer.
	tw := item(in(inbox.Twitter, inbox.DM, "lp-tw", "lp-tw", "psid-1", at(10)))
	tw.Link = true
	linked(ingest(t, s, tw)[0].ConversationID, 0)

	// The newest public conversation with a sent private reply to the
	// PSID first, then the next; never one whose private reply failed.
	p1 := private("lp-m1", "lp-t1", "psid-1", 10)
	linked(p1.ID, newer)
	linked(newer, p1.ID)
	p2 := private("lp-m2", "lp-t2", "psid-1", 11)
	linked(p2.ID, oldest)
	linked(oldest, p2.ID)
	linked(private("lp-m3", "lp-t3", "psid-1", 12).ID, 0)
	linked(failed, 0)
	// The recipient the action named before sending counts too.
	p4 := private("lp-m4", "lp-t4", "psid-2", 12)
	linked(p4.ID, other)
	// The customer's own public conversation comes first.
	p5 := private("lp-m5", "lp-t5", "psid-3", 13)
	linked(p5.ID, own)
	linked(foreign, 0)
}

func testQueueOrder(t *testing.T, s store.Store) {
	a := ingest(t, s, mention("q-a", "ua", at(2)))[0].ConversationID
	b := ingest(t, s, mention("q-b", "ub", at(1)))[0].ConversationID
	time.Sleep(2 * time.Millisecond)
	pend := mention("q-c", "uc", at(0))
	pend.Status = inbox.Pending
	c := ingest(t, s, pend)[0].ConversationID
	d := ingest(t, s, mention("q-d", "ud", at(0)))[0].ConversationID
	time.Sleep(2 * time.Millisecond)
	update(t, s, d, store.Update{Answered: true}) // updated last of the unawaited
	time.Sleep(2 * time.Millisecond)
	e := ingest(t, s, mention("q-e", "ue", at(1)))[0].ConversationID

	got := ids(page(t, s, store.Filter{}))
	// Awaiting oldest first (equal times: the most recently updated first),
	// then the unawaited, the most recently updated first.
	want := []int64{e, b, a, d, c}
	if !slices.Equal(got, want) {
		t.Errorf("queue order %v, want %v", got, want)
	}
}

func testFilters(t *testing.T, s store.Store) {
	mk := func(it store.Item, lang string, flags ...string) int64 {
		it.Language, it.LanguageConfidence, it.Flags = lang, 0.9, flags
		return ingest(t, s, it)[0].ConversationID
	}
	fbPriv := mk(fbMessage("f-1", "f-t1", "alice", at(0)), "en")
	fbPub := mk(fbComment("f-2", "f-t2", "bob", at(1)), "es", inbox.FlagNonEnglish)
	twPub := mk(mention("f-3", "carol", at(2)), "en", inbox.FlagPIIRedacted)
	twPriv := mk(item(in(inbox.Twitter, inbox.DM, "f-4", "carol", "carol", at(3))), "es", inbox.FlagNonEnglish, inbox.FlagPIIRedacted)
	closed := mk(fbComment("f-5", "f-t5", "alice", at(4)), "en")
	update(t, s, fbPriv, store.Update{Assignee: ptr("agent1")})
	update(t, s, twPub, store.Update{Assignee: ptr("agent2")})
	update(t, s, closed, store.Update{Status: ptr(inbox.Closed)})
	aliceID := conv(t, s, fbPriv).Customer.ID

	cases := []struct {
		name string
		f    store.Filter
		want []int64
	}{
		{"all", store.Filter{}, []int64{fbPriv, fbPub, twPub, twPriv, closed}},
		{"platform", store.Filter{Platform: inbox.Twitter}, []int64{twPub, twPriv}},
		{"channel", store.Filter{Channel: inbox.Private}, []int64{fbPriv, twPriv}},
		{"language", store.Filter{Language: "es"}, []int64{fbPub, twPriv}},
		{"flag", store.Filter{Flag: inbox.FlagPIIRedacted}, []int64{twPub, twPriv}},
		{"assignee", store.Filter{Assignee: "agent1"}, []int64{fbPriv}},
		{"unassigned", store.Filter{Assignee: "-"}, []int64{fbPub, twPriv, closed}},
		{"status", store.Filter{Status: inbox.Closed}, []int64{closed}},
		{"open", store.Filter{Status: inbox.Open}, []int64{fbPriv, fbPub, twPub, twPriv}},
		{"customer", store.Filter{CustomerID: aliceID}, []int64{fbPriv, closed}},
		{"combined", store.Filter{Platform: inbox.Twitter, Flag: inbox.FlagNonEnglish, Assignee: "-"}, []int64{twPriv}},
		{"nothing", store.Filter{Platform: inbox.Facebook, Language: "de"}, []int64{}},
		{"limit", store.Filter{Limit: 2}, []int64{fbPriv, fbPub}},
		{"offset", store.Filter{Limit: 2, Offset: 2}, []int64{twPub, twPriv}},
		{"offset past end", store.Filter{Offset: 10}, []int64{}},
	}
	totals := map[string]int{"limit": 5, "offset": 5, "offset past end": 5}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := page(t, s, tc.f)
			if got := ids(p); !slices.Equal(got, tc.want) {
				t.Errorf("ids %v, want %v", got, tc.want)
			}
			wantTotal, ok := totals[tc.name]
			if !ok {
				wantTotal = len(tc.want)
			}
			if p.Total != wantTotal {
				t.Errorf("Total %d, want %d", p.Total, wantTotal)
			}
			for _, c := range p.Conversations {
				if c.Flags == nil || c.Customer.ExternalID == "" {
					t.Errorf("conversation %d incomplete: %+v", c.ID, c)
				}
			}
		})
	}
}

func testLimits(t *testing.T, s store.Store) {
	items := make([]store.Item, 520)
	for i := range items {
		items[i] = mention(fmt.Sprintf("l%d", i), fmt.Sprintf("lu%d", i), at(i))
	}
	ingestBatches(t, s, items, 260)
	if p := page(t, s, store.Filter{}); len(p.Conversations) != 50 || p.Total != 520 {
		t.Errorf("default page: %d of %d, want 50 of 520", len(p.Conversations), p.Total)
	}
	if p := page(t, s, store.Filter{Limit: 10000}); len(p.Conversations) != 500 {
		t.Errorf("page of %d, want at most 500", len(p.Conversations))
	}
	if p := page(t, s, store.Filter{Limit: 100, Offset: 500}); len(p.Conversations) != 20 {
		t.Errorf("last page of %d, want 20", len(p.Conversations))
	}
}

func testClaim(t *testing.T, s store.Store) {
	id := ingest(t, s, mention("cl", "u", at(0)))[0].ConversationID
	c := update(t, s, id, store.Update{ExpectAssignee: ptr(""), Assignee: ptr("alice")})
	if c.Assignee != "alice" {
		t.Fatalf("assignee %q after claim", c.Assignee)
	}
	c, err := s.UpdateConversation(t.Context(), id, store.Update{ExpectAssignee: ptr(""), Assignee: ptr("bob"), Status: ptr(inbox.Closed)})
	wantErr(t, "second claim", err, store.ErrConflict)
	if c.ID != id || c.Assignee != "alice" || c.Status != inbox.Open {
		t.Errorf("conflict returned %+v, want the unchanged conversation", c)
	}
	if c = update(t, s, id, store.Update{ExpectAssignee: ptr("alice"), Assignee: ptr("bob")}); c.Assignee != "bob" {
		t.Errorf("hand-over: assignee %q", c.Assignee)
	}
	if c = update(t, s, id, store.Update{Assignee: ptr("")}); c.Assignee != "" {
		t.Errorf("release: assignee %q", c.Assignee)
	}
	before := conv(t, s, id)
	time.Sleep(2 * time.Millisecond)
	if c = update(t, s, id, store.Update{Status: ptr(inbox.Pending)}); c.Status != inbox.Pending || !c.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("status update: %+v", c)
	}
	_, err = s.UpdateConversation(t.Context(), id, store.Update{Status: ptr(inbox.Status("bogus"))})
	wantErr(t, "bogus status", err, store.ErrInvalid)
	_, err = s.UpdateConversation(t.Context(), id+1000, store.Update{Assignee: ptr("x")})
	wantErr(t, "unknown conversation", err, store.ErrNotFound)
}

func testClaimConcurrent(t *testing.T, s store.Store) {
	id := ingest(t, s, mention("cc", "u", at(0)))[0].ConversationID
	const agents = 8
	var wg sync.WaitGroup
	won := make(chan string, agents)
	for i := range agents {
		name := fmt.Sprintf("agent%d", i)
		wg.Go(func() {
			_, err := s.UpdateConversation(context.Background(), id, store.Update{ExpectAssignee: ptr(""), Assignee: ptr(name)})
			switch {
			case err == nil:
				won <- name
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("%s: %v", name, err)
			}
		})
	}
	wg.Wait()
	close(won)
	var winners []string
	for w := range won {
		winners = append(winners, w)
	}
	if len(winners) != 1 {
		t.Fatalf("winners %v, want exactly one", winners)
	}
	if c := conv(t, s, id); c.Assignee != winners[0] {
		t.Errorf("assignee %q, winner %q", c.Assignee, winners[0])
	}
}

func dmAction(key, to string) inbox.Action {
	return inbox.Action{V: 1, Platform: inbox.Facebook, Kind: inbox.SendDM, Key: key, Purpose: "dm_invite",
		Recipient: to, Text: "Hi, write to us here", RequestedBy: "router"}
}

func testIngestActions(t *testing.T, s store.Store) {
	it := fbComment("ia1", "ia", "u", at(3))
	it.Actions = []inbox.Action{dmAction("k-dm", "u"),
		{Platform: inbox.Facebook, Kind: inbox.Hide, Key: "k-hide", Target: "ia1", RequestedBy: "router"}}
	res := ingest(t, s, it)[0]
	if len(res.Actions) != 2 {
		t.Fatalf("%d actions, want 2", len(res.Actions))
	}
	for i, a := range res.Actions {
		if a.ID == 0 || a.ConversationID != res.ConversationID || a.State != inbox.StatePending || a.Attempts != 0 ||
			a.Key != it.Actions[i].Key || a.Kind != it.Actions[i].Kind || a.V != inbox.SchemaVersion ||
			!a.LastCustomerMessageAt.Equal(at(3)) || a.CreatedAt.IsZero() {
			t.Errorf("action %d = %+v", i, a)
		}
	}
	if res.Actions[0].Text != "Hi, write to us here" || res.Actions[0].Recipient != "u" || res.Actions[0].Purpose != "dm_invite" {
		t.Errorf("action fields lost: %+v", res.Actions[0])
	}
	// Redelivery returns the stored actions.
	dup := ingest(t, s, it)[0]
	if !dup.Duplicate || len(dup.Actions) != 2 || dup.Actions[0].ID != res.Actions[0].ID || dup.Actions[1].ID != res.Actions[1].ID {
		t.Errorf("redelivery actions = %+v", dup.Actions)
	}
	// A redelivery decided anew (the policy's once-per-window rules now
	// see the first actions and decide none) still gets the actions the
	// first routing created, so the router re-publishes them.
	bare := it
	bare.Actions = nil
	again := ingest(t, s, bare)[0]
	if !again.Duplicate || len(again.Actions) != 2 || again.Actions[0].ID != res.Actions[0].ID || again.Actions[1].ID != res.Actions[1].ID {
		t.Errorf("redelivery without actions = %+v", again.Actions)
	}
	// Another item with an existing key gets the stored action, not a copy.
	it2 := fbComment("ia2", "ia", "u", at(4))
	it2.Actions = []inbox.Action{dmAction("k-dm", "u")}
	res2 := ingest(t, s, it2)[0]
	if len(res2.Actions) != 1 || res2.Actions[0].ID != res.Actions[0].ID {
		t.Errorf("existing key: %+v", res2.Actions)
	}
	as, err := s.Actions(t.Context(), res.ConversationID)
	if err != nil || len(as) != 2 || as[0].ID != res.Actions[0].ID || as[1].ID != res.Actions[1].ID {
		t.Errorf("Actions = %+v, %v", as, err)
	}
	if !as[0].LastCustomerMessageAt.Equal(at(4)) {
		t.Errorf("stored action's last customer message %v, want the conversation's %v", as[0].LastCustomerMessageAt, at(4))
	}
}

func testCreateAction(t *testing.T, s store.Store) {
	id := ingest(t, s, mention("ca", "u", at(1)))[0].ConversationID
	a := inbox.Action{Platform: inbox.Twitter, Kind: inbox.Reply, Key: "reply-1", Target: "ca", Text: "Hello!",
		RequestedBy: "agent:alice", ConversationID: id, State: inbox.StateSent, Attempts: 7}
	stored, created, err := s.CreateAction(t.Context(), a)
	if err != nil || !created {
		t.Fatalf("CreateAction = %v, %v", created, err)
	}
	if stored.ID == 0 || stored.State != inbox.StatePending || stored.Attempts != 0 || stored.ConversationID != id ||
		!stored.LastCustomerMessageAt.Equal(at(1)) || stored.Text != "Hello!" {
		t.Errorf("stored = %+v", stored)
	}
	again, created, err := s.CreateAction(t.Context(), a)
	if err != nil || created || again.ID != stored.ID {
		t.Errorf("same key again = %+v, %v, %v", again, created, err)
	}
	got, err := s.Action(t.Context(), stored.ID)
	if err != nil || got.Key != "reply-1" || got.Target != "ca" || got.RequestedBy != "agent:alice" {
		t.Errorf("Action = %+v, %v", got, err)
	}
	if got, err = s.ActionByKey(t.Context(), "reply-1"); err != nil || got.ID != stored.ID {
		t.Errorf("ActionByKey = %+v, %v", got, err)
	}
	a.Key, a.ConversationID = "reply-2", id+1000
	_, _, err = s.CreateAction(t.Context(), a)
	wantErr(t, "unknown conversation", err, store.ErrNotFound)
	a.ConversationID, a.Target = id, ""
	_, _, err = s.CreateAction(t.Context(), a)
	wantErr(t, "reply without target", err, store.ErrInvalid)
}

func testCountActions(t *testing.T, s store.Store) {
	mk := func(it store.Item, keys ...string) int64 {
		for _, k := range keys {
			a := dmAction(k, it.Message.Author.ID)
			a.Platform = it.Message.Platform
			if strings.HasPrefix(k, "notice") {
				a.Purpose = "non_english_notice"
			}
			it.Actions = append(it.Actions, a)
		}
		return ingest(t, s, it)[0].ConversationID
	}
	c1 := mk(fbComment("ct1", "ct-a", "ann", at(0)), "invite-1", "notice-1")
	mk(fbComment("ct2", "ct-b", "ann", at(0)), "invite-2")
	mk(fbComment("ct3", "ct-c", "bob", at(0)), "invite-3")
	mk(item(in(inbox.Twitter, inbox.Mention, "ct4", "ann", "ann", at(0))), "invite-4")
	mid := time.Now()
	time.Sleep(2 * time.Millisecond)
	mk(fbComment("ct5", "ct-a", "ann", at(1)), "invite-5")

	cases := []struct {
		name string
		f    store.ActionFilter
		want int
	}{
		{"all", store.ActionFilter{}, 6},
		{"platform", store.ActionFilter{Platform: inbox.Facebook}, 5},
		{"customer on platform", store.ActionFilter{Platform: inbox.Facebook, CustomerExternalID: "ann"}, 4},
		{"customer anywhere", store.ActionFilter{CustomerExternalID: "ann"}, 5},
		{"conversation", store.ActionFilter{ConversationID: c1}, 3},
		{"purpose", store.ActionFilter{Platform: inbox.Facebook, CustomerExternalID: "ann", Purpose: "dm_invite"}, 3},
		{"since", store.ActionFilter{CustomerExternalID: "ann", Purpose: "dm_invite", Since: mid}, 1},
		{"any of purposes", store.ActionFilter{CustomerExternalID: "ann", Purposes: []string{"non_english_notice", "pii_notice"}}, 1},
		{"any of purposes and since", store.ActionFilter{CustomerExternalID: "ann", Purposes: []string{"dm_invite", "non_english_notice"}, Since: mid}, 1},
		{"any of purposes, all", store.ActionFilter{Purposes: []string{"dm_invite", "non_english_notice"}}, 6},
		{"purpose and purposes", store.ActionFilter{Purpose: "dm_invite", Purposes: []string{"non_english_notice"}}, 0},
		{"future", store.ActionFilter{Since: time.Now().Add(time.Hour)}, 0},
		{"nobody", store.ActionFilter{CustomerExternalID: "zed"}, 0},
	}
	for _, tc := range cases {
		n, err := s.CountActions(t.Context(), tc.f)
		if err != nil || n != tc.want {
			t.Errorf("%s: CountActions = %d, %v; want %d", tc.name, n, err, tc.want)
		}
	}
}

func testSendStateMachine(t *testing.T, s store.Store) {
	ctx := t.Context()
	var n int
	newAction := func() inbox.Action {
		n++
		it := fbMessage(fmt.Sprintf("sm%d", n), fmt.Sprintf("sm%d", n), "u", at(0))
		it.Actions = []inbox.Action{dmAction(fmt.Sprintf("sm-key-%d", n), "u")}
		return ingest(t, s, it)[0].Actions[0]
	}
	begin := func(id int64, want error) inbox.Action {
		t.Helper()
		a, err := s.BeginSend(ctx, id)
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Fatalf("BeginSend: %v, want %v", err, want)
		}
		return a
	}
	finish := func(id int64, r store.Result, want error) inbox.Action {
		t.Helper()
		a, err := s.FinishSend(ctx, id, r)
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Fatalf("FinishSend(%+v): %v, want %v", r, err, want)
		}
		return a
	}

	t.Run("sent", func(t *testing.T) {
		a := newAction()
		if b := begin(a.ID, nil); b.Attempts != 1 || b.State != inbox.StatePending {
			t.Errorf("after BeginSend: %+v", b)
		}
		done := finish(a.ID, store.Result{State: inbox.StateSent, PlatformID: "m_1"}, nil)
		if done.State != inbox.StateSent || done.PlatformID != "m_1" || done.Attempts != 1 || done.UpdatedAt.Before(a.UpdatedAt) {
			t.Errorf("after FinishSend: %+v", done)
		}
		if b := begin(a.ID, store.ErrTerminal); b.State != inbox.StateSent {
			t.Errorf("BeginSend on sent returned %+v", b)
		}
		finish(a.ID, store.Result{State: inbox.StateSent, PlatformID: "m_1"}, nil) // redelivered report
		finish(a.ID, store.Result{State: inbox.StateFailed, Error: "late"}, store.ErrTerminal)
		finish(a.ID, store.Result{State: inbox.StatePending}, store.ErrTerminal)
	})
	t.Run("crash after begin", func(t *testing.T) {
		a := newAction()
		begin(a.ID, nil)
		u := begin(a.ID, store.ErrAlreadyAttempted)
		if u.State != inbox.StateUnknown || u.Error != "outcome unknown after restart" || u.ID != a.ID {
			t.Errorf("after second BeginSend: %+v", u)
		}
		if got, _ := s.Action(ctx, a.ID); got.State != inbox.StateUnknown {
			t.Errorf("stored state %s, want unknown", got.State)
		}
		begin(a.ID, store.ErrTerminal)
		// A late outcome may still be recorded.
		if done := finish(a.ID, store.Result{State: inbox.StateSent, PlatformID: "m_2"}, nil); done.State != inbox.StateSent {
			t.Errorf("late outcome: %+v", done)
		}
	})
	t.Run("failed", func(t *testing.T) {
		a := newAction()
		begin(a.ID, nil)
		if f := finish(a.ID, store.Result{State: inbox.StateFailed, Error: "blocked"}, nil); f.State != inbox.StateFailed || f.Error != "blocked" {
			t.Errorf("after failure: %+v", f)
		}
		begin(a.ID, store.ErrTerminal)
		finish(a.ID, store.Result{State: inbox.StateSent}, store.ErrTerminal)
		if ms := messages(t, s, a.ConversationID); len(ms) != 1 {
			t.Errorf("failed send recorded a message: %v", ms)
		}
	})
	t.Run("unknown reported", func(t *testing.T) {
		a := newAction()
		begin(a.ID, nil)
		if u := finish(a.ID, store.Result{State: inbox.StateUnknown, Error: "timeout"}, nil); u.State != inbox.StateUnknown {
			t.Errorf("%+v", u)
		}
		begin(a.ID, store.ErrTerminal)
	})
	t.Run("retry after a check", func(t *testing.T) {
		a := newAction()
		begin(a.ID, nil)
		if _, err := s.RetrySend(ctx, a.ID, "checked"); !errors.Is(err, store.ErrTerminal) {
			t.Errorf("RetrySend of a pending action: %v, want ErrTerminal", err)
		}
		finish(a.ID, store.Result{State: inbox.StateUnknown, Error: "timeout"}, nil)
		r, err := s.RetrySend(ctx, a.ID, "not done on the platform; sending again")
		if err != nil || r.State != inbox.StatePending || r.Attempts != 1 || r.Error != "not done on the platform; sending again" {
			t.Fatalf("RetrySend: %+v %v", r, err)
		}
		// It is the claim: the second taker loses, and a redelivery that
		// begins the send again finds the attempt in flight.
		if _, err := s.RetrySend(ctx, a.ID, "again"); !errors.Is(err, store.ErrTerminal) {
			t.Errorf("second RetrySend: %v, want ErrTerminal", err)
		}
		if done := finish(a.ID, store.Result{State: inbox.StateSent}, nil); done.State != inbox.StateSent || done.Error != "" {
			t.Errorf("after the retry: %+v", done)
		}
		if _, err := s.RetrySend(ctx, a.ID, "late"); !errors.Is(err, store.ErrTerminal) {
			t.Errorf("RetrySend of a sent action: %v, want ErrTerminal", err)
		}
		_, err = s.RetrySend(ctx, 987654, "x")
		wantErr(t, "RetrySend unknown id", err, store.ErrNotFound)
	})
	t.Run("refused before sending", func(t *testing.T) {
		a := newAction()
		begin(a.ID, nil)
		if p := finish(a.ID, store.Result{State: inbox.StatePending, Error: "rate limited"}, nil); p.State != inbox.StatePending || p.Attempts != 0 {
			t.Errorf("after reset: %+v", p)
		}
		if b := begin(a.ID, nil); b.Attempts != 1 {
			t.Errorf("retry after reset: %+v", b)
		}
	})
	t.Run("errors", func(t *testing.T) {
		_, err := s.BeginSend(ctx, 987654)
		wantErr(t, "BeginSend unknown", err, store.ErrNotFound)
		_, err = s.FinishSend(ctx, 987654, store.Result{State: inbox.StateSent})
		wantErr(t, "FinishSend unknown", err, store.ErrNotFound)
		a := newAction()
		_, err = s.FinishSend(ctx, a.ID, store.Result{State: "maybe"})
		wantErr(t, "FinishSend bogus state", err, store.ErrInvalid)
	})
}

func testOutboundMessage(t *testing.T, s store.Store) {
	ctx := t.Context()
	send := func(a inbox.Action, platformID string) {
		t.Helper()
		stored, _, err := s.CreateAction(ctx, a)
		if err != nil {
			t.Fatalf("CreateAction: %v", err)
		}
		if _, err := s.BeginSend(ctx, stored.ID); err != nil {
			t.Fatalf("BeginSend: %v", err)
		}
		if _, err := s.FinishSend(ctx, stored.ID, store.Result{State: inbox.StateSent, PlatformID: platformID}); err != nil {
			t.Fatalf("FinishSend: %v", err)
		}
	}
	cases := []struct {
		name         string
		in           store.Item
		action       inbox.Action
		platformID   string
		wantKind     inbox.Kind
		wantVis      inbox.Channel
		wantExt      string
		wantAnswered bool
	}{
		{"agent tweet reply", mention("ob1", "u1", at(0)),
			inbox.Action{Platform: inbox.Twitter, Kind: inbox.Reply, Key: "ob-k1", Target: "ob1", Text: "On it!", RequestedBy: "agent:alice"},
			"tw-99", inbox.Mention, inbox.Public, "tw-99", true},
		{"router messenger dm", fbMessage("ob2", "ob-t2", "u2", at(0)),
			inbox.Action{Platform: inbox.Facebook, Kind: inbox.SendDM, Key: "ob-k2", Recipient: "u2", Text: "Auto", RequestedBy: "router"},
			"", inbox.Message, inbox.Private, "action:ob-k2", false},
		{"agent private reply", fbComment("ob3", "ob-t3", "u3", at(0)),
			inbox.Action{Platform: inbox.Facebook, Kind: inbox.PrivateReply, Key: "ob-k3", Target: "ob3", Text: "DM'd you", RequestedBy: "agent:bob"},
			"m_3", inbox.Message, inbox.Private, "m_3", true},
		{"agent comment reply", fbComment("ob4", "ob-t4", "u4", at(0)),
			inbox.Action{Platform: inbox.Facebook, Kind: inbox.Reply, Key: "ob-k4", Target: "ob4", Text: "Thanks", RequestedBy: "agent:bob"},
			"c_4", inbox.Comment, inbox.Public, "c_4", true},
		{"agent twitter dm", item(in(inbox.Twitter, inbox.DM, "ob5", "u5", "u5", at(0))),
			inbox.Action{Platform: inbox.Twitter, Kind: inbox.SendDM, Key: "ob-k5", Recipient: "u5", Text: "Hi", RequestedBy: "agent:bob"},
			"d_5", inbox.DM, inbox.Private, "d_5", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := ingest(t, s, tc.in)[0].ConversationID
			tc.action.ConversationID = id
			send(tc.action, tc.platformID)
			ms := messages(t, s, id)
			if len(ms) != 2 {
				t.Fatalf("%d messages, want 2", len(ms))
			}
			m := ms[1]
			if m.Direction != inbox.Out || m.Kind != tc.wantKind || m.Visibility != tc.wantVis || m.ExternalID != tc.wantExt ||
				m.Author != tc.action.RequestedBy || m.Text != tc.action.Text || m.ParentID != tc.action.Target {
				t.Errorf("outbound message = %+v", m)
			}
			if c := conv(t, s, id); c.AwaitingSince.IsZero() != tc.wantAnswered {
				t.Errorf("awaiting since %v; want answered=%v", c.AwaitingSince, tc.wantAnswered)
			}
		})
	}
	t.Run("hide records no message", func(t *testing.T) {
		id := ingest(t, s, fbComment("ob6", "ob-t6", "u6", at(0)))[0].ConversationID
		send(inbox.Action{Platform: inbox.Facebook, Kind: inbox.Hide, Key: "ob-k6", Target: "ob6", RequestedBy: "agent:bob", ConversationID: id}, "")
		if ms := messages(t, s, id); len(ms) != 1 {
			t.Errorf("%d messages, want 1", len(ms))
		}
	})
}

func testCursors(t *testing.T, s store.Store) {
	ctx := t.Context()
	if v, ok, err := s.Cursor(ctx, "twitter:mentions"); err != nil || ok || v != "" {
		t.Errorf("missing cursor = %q, %v, %v", v, ok, err)
	}
	for _, v := range []string{"100", "250", ""} {
		if err := s.SetCursor(ctx, "twitter:mentions", v); err != nil {
			t.Fatalf("SetCursor: %v", err)
		}
		if got, ok, err := s.Cursor(ctx, "twitter:mentions"); err != nil || !ok || got != v {
			t.Errorf("Cursor = %q, %v, %v; want %q", got, ok, err, v)
		}
	}
	if _, ok, _ := s.Cursor(ctx, "facebook:feed"); ok {
		t.Error("cursors are not separate")
	}
}

func testAgents(t *testing.T, s store.Store) {
	ctx := t.Context()
	bob, err := s.CreateAgent(ctx, store.Agent{Name: "bob", Role: "admin", PasswordHash: "h1"})
	if err != nil || bob.ID == 0 || bob.CreatedAt.IsZero() {
		t.Fatalf("CreateAgent = %+v, %v", bob, err)
	}
	ann, err := s.CreateAgent(ctx, store.Agent{Name: "ann", Disabled: true})
	if err != nil || ann.Role != "agent" {
		t.Fatalf("CreateAgent = %+v, %v", ann, err)
	}
	_, err = s.CreateAgent(ctx, store.Agent{Name: "bob"})
	wantErr(t, "duplicate name", err, store.ErrExists)
	_, err = s.CreateAgent(ctx, store.Agent{})
	wantErr(t, "no name", err, store.ErrInvalid)

	got, err := s.Agent(ctx, "bob")
	if err != nil || got.ID != bob.ID || got.Role != "admin" || got.PasswordHash != "h1" || got.Disabled || !got.CreatedAt.Equal(bob.CreatedAt) {
		t.Errorf("Agent = %+v, %v; want %+v", got, err, bob)
	}
	if got, err = s.AgentByID(ctx, ann.ID); err != nil || got.Name != "ann" || !got.Disabled {
		t.Errorf("AgentByID = %+v, %v", got, err)
	}
	all, err := s.Agents(ctx)
	if err != nil || len(all) != 2 || all[0].Name != "ann" || all[1].Name != "bob" {
		t.Errorf("Agents = %+v, %v", all, err)
	}
	if err := s.SetPassword(ctx, "bob", "h2"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	if got, _ = s.Agent(ctx, "bob"); got.PasswordHash != "h2" {
		t.Errorf("password hash %q after SetPassword", got.PasswordHash)
	}
	wantErr(t, "SetPassword unknown", s.SetPassword(ctx, "zed", "h"), store.ErrNotFound)
	_, err = s.Agent(ctx, "zed")
	wantErr(t, "Agent unknown", err, store.ErrNotFound)
	_, err = s.AgentByID(ctx, 424242)
	wantErr(t, "AgentByID unknown", err, store.ErrNotFound)
}

func testTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, err := s.CreateAgent(ctx, store.Agent{Name: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).Round(0)
	for _, tok := range []store.Token{
		{Hash: "live", AgentID: a.ID, Kind: "session", CSRF: "csrf1", ExpiresAt: exp},
		{Hash: "expired", AgentID: a.ID, Kind: "session", ExpiresAt: time.Now().Add(-time.Second)},
		{Hash: "forever", AgentID: a.ID, Kind: "api"},
	} {
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatalf("CreateToken(%s): %v", tok.Hash, err)
		}
	}
	got, err := s.TokenByHash(ctx, "live")
	if err != nil || got.AgentID != a.ID || got.Kind != "session" || got.CSRF != "csrf1" || !got.ExpiresAt.Equal(exp) || got.CreatedAt.IsZero() {
		t.Errorf("TokenByHash = %+v, %v", got, err)
	}
	if got, err = s.TokenByHash(ctx, "forever"); err != nil || !got.ExpiresAt.IsZero() {
		t.Errorf("token without expiry = %+v, %v", got, err)
	}
	_, err = s.TokenByHash(ctx, "expired")
	wantErr(t, "expired token", err, store.ErrNotFound)
	wantErr(t, "duplicate hash", s.CreateToken(ctx, store.Token{Hash: "live", AgentID: a.ID, Kind: "api"}), store.ErrExists)
	wantErr(t, "unknown agent", s.CreateToken(ctx, store.Token{Hash: "orphan", AgentID: a.ID + 100, Kind: "api"}), store.ErrNotFound)
	if err := s.DeleteToken(ctx, "live"); err != nil {
		t.Fatal(err)
	}
	_, err = s.TokenByHash(ctx, "live")
	wantErr(t, "deleted token", err, store.ErrNotFound)
	if err := s.DeleteToken(ctx, "live"); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
}

func testAudit(t *testing.T, s store.Store) {
	ctx := t.Context()
	id := ingest(t, s, mention("au", "u", at(0)))[0].ConversationID
	entries := []store.Audit{
		{Actor: "agent:ann", Action: "claim", ConversationID: id, At: at(1)},
		{Actor: "router", Action: "dm_invite", ConversationID: id, Detail: "action 7", At: at(2)},
		{Actor: "agent:bob", Action: "login"},
		{Actor: "agent:ann", Action: "close", ConversationID: id},
	}
	for _, e := range entries {
		if err := s.AddAudit(ctx, e); err != nil {
			t.Fatalf("AddAudit: %v", err)
		}
	}
	trail, err := s.AuditTrail(ctx, id)
	if err != nil || len(trail) != 3 {
		t.Fatalf("AuditTrail = %+v, %v", trail, err)
	}
	if trail[0].Action != "claim" || !trail[0].At.Equal(at(1)) || trail[1].Detail != "action 7" || trail[2].Action != "close" ||
		trail[2].At.IsZero() || trail[0].ID == 0 || trail[0].ConversationID != id || trail[0].Actor != "agent:ann" {
		t.Errorf("AuditTrail = %+v", trail)
	}
	if trail, err := s.AuditTrail(ctx, id+100); err != nil || len(trail) != 0 {
		t.Errorf("trail of unknown conversation = %v, %v", trail, err)
	}
	wantErr(t, "AddAudit without actor", s.AddAudit(ctx, store.Audit{Action: "x"}), store.ErrInvalid)
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	id := ingest(t, s, mention("nf", "u", at(0)))[0].ConversationID
	missing := id + 1000
	checks := map[string]func() error{
		"Conversation": func() error { _, err := s.Conversation(ctx, missing); return err },
		"ConversationByThread": func() error {
			_, err := s.ConversationByThread(ctx, inbox.Twitter, inbox.Public, "nobody")
			return err
		},
		"Messages":    func() error { _, err := s.Messages(ctx, missing); return err },
		"Actions":     func() error { _, err := s.Actions(ctx, missing); return err },
		"Action":      func() error { _, err := s.Action(ctx, 424242); return err },
		"ActionByKey": func() error { _, err := s.ActionByKey(ctx, "nope"); return err },
		"Update":      func() error { _, err := s.UpdateConversation(ctx, missing, store.Update{}); return err },
	}
	for name, fn := range checks {
		wantErr(t, name, fn(), store.ErrNotFound)
	}
	if as, err := s.Actions(ctx, id); err != nil || len(as) != 0 {
		t.Errorf("actions of a conversation without any = %v, %v", as, err)
	}
}

func testLifecycle(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	v, err := s.Migrate(ctx)
	if err != nil || v < 1 {
		t.Fatalf("Migrate = %d, %v", v, err)
	}
	if v2, err := s.Migrate(ctx); err != nil || v2 != v {
		t.Errorf("Migrate again = %d, %v; want %d", v2, err, v)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
