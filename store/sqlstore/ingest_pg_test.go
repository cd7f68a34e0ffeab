package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// TestPostgresBatchMatchesPerItem stores the same random batches, full of
// items that depend on each other (shared customers and conversations,
// links, repeats, redeliveries, shared action keys, sent Private Replies
// in between), through the set-based path and through the per-item path
// into two databases, and requires the same results and the same data.
func TestPostgresBatchMatchesPerItem(t *testing.T) {
	batched, perItem := openPostgres(t), sqlstore.PerItem(openPostgres(t))
	rng := rand.New(rand.NewPCG(17, 4))
	var history []store.Item
	dups := 0
	for round := range 40 {
		batch := randomBatch(rng, round, history)
		history = append(history, batch...)
		want, err := perItem.Ingest(t.Context(), batch)
		if err != nil {
			t.Fatalf("round %d: per item: %v", round, err)
		}
		got, err := batched.Ingest(t.Context(), batch)
		if err != nil {
			t.Fatalf("round %d: batched: %v", round, err)
		}
		for _, r := range got {
			if r.Duplicate {
				dups++
			}
		}
		w, g := describeResults(t, perItem, want), describeResults(t, batched, got)
		if w != g {
			t.Fatalf("round %d: results differ\nper item:\n%s\nbatched:\n%s", round, w, g)
		}
		if round%3 == 2 {
			// A sent Private Reply on a random public Facebook
			// conversation, so that links by recipient happen too.
			thread := fmt.Sprintf("post%d/u%d", rng.IntN(3), rng.IntN(6))
			psid := fmt.Sprintf("u%d", rng.IntN(6))
			for _, s := range []store.Store{perItem, batched} {
				sendPrivateReply(t, s, thread, fmt.Sprintf("pr-%d", round), psid)
			}
		}
	}
	w, g := describeStore(t, perItem), describeStore(t, batched)
	if w != g {
		t.Fatalf("stores differ\nper item:\n%s\nbatched:\n%s", w, g)
	}
	// The report facts that triggers keep as rows change (opened, closed).
	q := store.ReportQuery{From: t0b.Add(-24 * time.Hour), To: t0b.Add(72 * time.Hour), Now: t0b}
	wr, err := perItem.Report(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	gr, err := batched.Report(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if wj, gj := fmt.Sprintf("%+v", wr), fmt.Sprintf("%+v", gr); wj != gj || wr.OpenedTotal == 0 {
		t.Fatalf("reports differ\nper item: %s\nbatched:  %s", wj, gj)
	}
	if links := strings.Count(w, "linked to -"); links == strings.Count(w, "linked to") || dups == 0 {
		t.Fatalf("the random batches linked nothing or repeated nothing (%d repeats):\n%s", dups, w)
	}
}

// randomBatch makes up to 40 items over six customers, some repeated from
// earlier batches or within the batch.
func randomBatch(rng *rand.Rand, round int, history []store.Item) []store.Item {
	n := 1 + rng.IntN(40)
	var batch []store.Item
	for i := range n {
		if rng.IntN(8) == 0 && len(history)+len(batch) > 0 {
			all := append(slices.Clone(history), batch...)
			it := all[rng.IntN(len(all))]
			if rng.IntN(2) == 0 {
				it.Actions = nil // decided anew: nothing this time
			}
			batch = append(batch, it)
			continue
		}
		u := rng.IntN(6)
		author := fmt.Sprintf("u%d", u)
		ext := fmt.Sprintf("r%d-%d", round, i)
		created := t0b.Add(time.Duration(rng.IntN(100000)) * time.Second)
		var m inbox.Inbound
		switch rng.IntN(5) {
		case 0:
			m = inbox.Inbound{Platform: inbox.Facebook, Kind: inbox.Message, Thread: "inbox-" + author}
		case 1:
			m = inbox.Inbound{Platform: inbox.Facebook, Kind: inbox.Comment, Thread: fmt.Sprintf("post%d/%s", rng.IntN(3), author)}
		case 2:
			m = inbox.Inbound{Platform: inbox.Twitter, Kind: inbox.Mention, Thread: author}
		case 3:
			m = inbox.Inbound{Platform: inbox.Twitter, Kind: inbox.DM, Thread: fmt.Sprintf("dm-%s-%d", author, rng.IntN(2))}
		default:
			m = inbox.Inbound{Platform: inbox.Facebook, Kind: inbox.Post, Thread: "post-" + ext}
		}
		m.V, m.ExternalID, m.CreatedAt, m.Text = inbox.SchemaVersion, ext, created, "text "+ext
		m.Author = inbox.Author{ID: author, Handle: []string{"", "h" + author, fmt.Sprintf("h%s-%d", author, round)}[rng.IntN(3)],
			Name: []string{"", "Name " + author}[rng.IntN(2)]}
		it := store.Item{Message: m, Link: m.Kind.Channel() == inbox.Private && rng.IntN(4) > 0}
		it.Language = []string{"", "en", "es", "it"}[rng.IntN(4)]
		it.LanguageConfidence = []float64{0, 0.5, 0.9}[rng.IntN(3)]
		it.Status = []inbox.Status{"", "", inbox.Pending, inbox.Closed}[rng.IntN(4)]
		if rng.IntN(3) == 0 {
			it.Flags = []string{[]string{inbox.FlagNonEnglish, inbox.FlagPIIRedacted, "vip"}[rng.IntN(3)]}
		}
		if rng.IntN(5) == 0 {
			it.Findings = []inbox.Finding{{Kind: "pin", Start: 0, End: 4}}
		}
		for j := range rng.IntN(3) {
			kind := []string{inbox.AttachImage, inbox.AttachSticker, inbox.AttachFile}[rng.IntN(3)]
			it.Message.Attachments = append(it.Message.Attachments,
				inbox.Attachment{Type: kind, URL: fmt.Sprintf("https://cdn.example/%s/%d.%s", ext, j, kind)})
		}
		for range rng.IntN(3) {
			// A small key space, so that keys are shared within and
			// across batches.
			key := fmt.Sprintf("k%d", rng.IntN(60))
			if m.Kind.Channel() == inbox.Public {
				it.Actions = append(it.Actions, inbox.Action{Platform: m.Platform, Kind: inbox.Reply, Key: key,
					Target: m.ExternalID, Text: "reply " + key, RequestedBy: "router"})
			} else {
				it.Actions = append(it.Actions, inbox.Action{Platform: m.Platform, Kind: inbox.SendDM, Key: key,
					Recipient: author, Text: "dm " + key, RequestedBy: "router"})
			}
		}
		batch = append(batch, it)
	}
	return batch
}

var t0b = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// sendPrivateReply records a sent Private Reply that reached psid on the
// public Facebook conversation of thread, when it exists.
func sendPrivateReply(t *testing.T, s store.Store, thread, key, psid string) {
	t.Helper()
	ctx := t.Context()
	c, err := s.ConversationByThread(ctx, inbox.Facebook, inbox.Public, thread)
	if err != nil {
		return
	}
	a, _, err := s.CreateAction(ctx, inbox.Action{ConversationID: c.ID, Platform: inbox.Facebook, Kind: inbox.PrivateReply,
		Key: key, Target: "x", Text: "write to us", RequestedBy: "router"})
	if err == nil {
		_, err = s.BeginSend(ctx, a.ID)
	}
	if err == nil {
		_, err = s.FinishSend(ctx, a.ID, store.Result{State: inbox.StateSent, PlatformID: "m-" + key, Recipient: psid})
	}
	if err != nil {
		t.Fatalf("private reply: %v", err)
	}
}

// convName names a conversation by its platform thread, which both
// databases share (their ids differ: sequences advance differently).
func convName(t *testing.T, s store.Store, id int64) string {
	t.Helper()
	if id == 0 {
		return "-"
	}
	c, err := s.Conversation(t.Context(), id)
	if err != nil {
		t.Fatalf("Conversation(%d): %v", id, err)
	}
	return fmt.Sprintf("%s/%s/%s", c.Platform, c.Channel, c.Thread)
}

func describeAction(t *testing.T, s store.Store, a inbox.Action) string {
	return fmt.Sprintf("%s %s %s to %q in %s, %s, attempts %d, last customer message %s", a.Key, a.Kind, a.Text, a.Recipient,
		convName(t, s, a.ConversationID), a.State, a.Attempts, a.LastCustomerMessageAt.Format(time.RFC3339Nano))
}

func describeResults(t *testing.T, s store.Store, res []store.Ingested) string {
	t.Helper()
	var b strings.Builder
	for i, r := range res {
		ms, err := s.Messages(t.Context(), r.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		ext := "?"
		for _, m := range ms {
			if m.ID == r.MessageID {
				ext = m.ExternalID
			}
		}
		fmt.Fprintf(&b, "%d: %s in %s, duplicate %v\n", i, ext, convName(t, s, r.ConversationID), r.Duplicate)
		for _, a := range r.Actions {
			fmt.Fprintf(&b, "    %s\n", describeAction(t, s, a))
		}
	}
	return b.String()
}

func describeStore(t *testing.T, s store.Store) string {
	t.Helper()
	p, err := s.Conversations(t.Context(), store.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range p.Conversations {
		var b strings.Builder
		fmt.Fprintf(&b, "%s of %s (%s, %s): %s, language %q %v, flags %v, linked to %s, awaiting %s, last %s\n",
			convName(t, s, c.ID), c.Customer.ExternalID, c.Customer.Handle, c.Customer.Name, c.Status,
			c.Language, c.LanguageConfidence, c.Flags, convName(t, s, c.LinkedConversation),
			c.AwaitingSince.Format(time.RFC3339), c.LastCustomerMessageAt.Format(time.RFC3339))
		ms, err := s.Messages(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			at := m.CreatedAt.Format(time.RFC3339)
			if m.Direction == inbox.Out {
				at = "when sent" // FinishSend's clock, not the items'
			}
			fmt.Fprintf(&b, "    message %s %s %s %q %v %v %s\n", m.ExternalID, m.Kind, m.Direction, m.Text, m.Findings, m.Attachments, at)
		}
		as, err := s.Actions(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			fmt.Fprintf(&b, "    action %s\n", describeAction(t, s, a))
		}
		lines = append(lines, b.String())
	}
	slices.Sort(lines)
	return fmt.Sprintf("%d conversations\n", p.Total) + strings.Join(lines, "")
}
