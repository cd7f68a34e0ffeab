package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// What keeps customers' private secrets out of sight: one message by id,
// the walk over closed conversations and rewriting texts.

func testMessageByID(t *testing.T, s store.Store) {
	it := fbMessage("m1", "th1", "u1", at(0))
	it.Message.Text = "booking 1234567890"
	it.Findings = []inbox.Finding{{Kind: "booking_number", Start: 8, End: 18}}
	res := ingest(t, s, it)
	m, err := s.Message(t.Context(), res[0].MessageID)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != res[0].MessageID || m.ConversationID != res[0].ConversationID || m.Text != it.Message.Text ||
		m.Visibility != inbox.Private || !m.CreatedAt.Equal(at(0)) || len(m.Findings) != 1 || m.Findings[0].End != 18 {
		t.Errorf("Message = %+v", m)
	}
	_, err = s.Message(t.Context(), res[0].MessageID+100)
	wantErr(t, "Message(unknown)", err, store.ErrNotFound)
}

func testClosedConversations(t *testing.T, s store.Store) {
	ctx := t.Context()
	var ids []int64
	for i := range 5 {
		res := ingest(t, s, mention("t"+string(rune('a'+i)), "u"+string(rune('a'+i)), at(i)))
		ids = append(ids, res[0].ConversationID)
	}
	closed := inbox.Closed
	before := time.Now()
	for _, id := range []int64{ids[3], ids[0], ids[2]} { // closed in this order
		update(t, s, id, store.Update{Status: &closed})
	}
	// ids[4] is closed, then reopened by the customer: not closed any more.
	update(t, s, ids[4], store.Update{Status: &closed})
	ingest(t, s, mention("t-again", "ue", at(10)))
	until := time.Now()

	var walked []int64
	from := store.ConversationRef{}
	for {
		refs, err := s.ClosedConversations(ctx, from, until, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) > 2 {
			t.Fatalf("%d refs, limit 2", len(refs))
		}
		for _, r := range refs {
			if r.UpdatedAt.Before(before) || r.UpdatedAt.After(until) {
				t.Errorf("ref %+v outside (%s, %s]", r, before, until)
			}
			walked = append(walked, r.ID)
		}
		if len(refs) < 2 {
			break
		}
		from = refs[len(refs)-1]
	}
	if want := []int64{ids[3], ids[0], ids[2]}; !equalIDs(walked, want) {
		t.Errorf("walked %v, want the closed conversations in the order they closed %v", walked, want)
	}
	if refs, err := s.ClosedConversations(ctx, store.ConversationRef{}, before, 10); err != nil || len(refs) != 0 {
		t.Errorf("closed before any close: %v, %v", refs, err)
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testRewriteTexts(t *testing.T, s store.Store) {
	ctx := t.Context()
	it := fbMessage("m1", "th1", "u1", at(0))
	it.Message.Text = "my PIN is 4321"
	other := fbMessage("m2", "th2", "u2", at(0))
	other.Message.Text = "my PIN is 4321"
	res := ingest(t, s, it, fbMessage("m3", "th1", "u1", at(1)), other)
	convID := res[0].ConversationID
	// A sent reply (an action and an outbound message) and a pending one.
	sent, _, err := s.CreateAction(ctx, inbox.Action{Platform: inbox.Facebook, Kind: inbox.SendDM, ConversationID: convID,
		Key: "k-sent", Recipient: "u1", Text: "PIN 4321 works now", RequestedBy: "agent:ann"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginSend(ctx, sent.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishSend(ctx, sent.ID, store.Result{State: inbox.StateSent, PlatformID: "mid.1"}); err != nil {
		t.Fatal(err)
	}
	pending, _, err := s.CreateAction(ctx, inbox.Action{Platform: inbox.Facebook, Kind: inbox.SendDM, ConversationID: convID,
		Key: "k-pending", Recipient: "u1", Text: "PIN 4321 again", RequestedBy: "agent:ann"})
	if err != nil {
		t.Fatal(err)
	}
	mask := func(s string) string { return strings.ReplaceAll(s, "4321", "[PIN]") }
	n, err := s.RewriteTexts(ctx, convID, mask)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 { // the customer's message, the outbound one, the sent action
		t.Errorf("rewrote %d texts, want 3", n)
	}
	for _, m := range messages(t, s, convID) {
		if strings.Contains(m.Text, "4321") {
			t.Errorf("message %d still reads %q", m.ID, m.Text)
		}
	}
	if a, _ := s.Action(ctx, sent.ID); a.Text != "PIN [PIN] works now" {
		t.Errorf("sent action reads %q", a.Text)
	}
	if a, _ := s.Action(ctx, pending.ID); a.Text != "PIN 4321 again" {
		t.Errorf("a pending action was rewritten: %q", a.Text)
	}
	if ms := messages(t, s, res[2].ConversationID); ms[0].Text != "my PIN is 4321" {
		t.Errorf("another conversation was rewritten: %q", ms[0].Text)
	}
	if n, err := s.RewriteTexts(ctx, convID, mask); n != 0 || err != nil {
		t.Errorf("second rewrite: %d, %v; want nothing left", n, err)
	}
	// A rewrite the store could not keep changes nothing.
	_, err = s.RewriteTexts(ctx, res[2].ConversationID, func(string) string { return "a\x00b" })
	wantErr(t, "RewriteTexts(NUL)", err, store.ErrInvalid)
	if ms := messages(t, s, res[2].ConversationID); ms[0].Text != "my PIN is 4321" {
		t.Errorf("a refused rewrite changed %q", ms[0].Text)
	}
}
