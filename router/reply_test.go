package router

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/store"
)

// replyEnv is a router on a real embedded bus and SQLite store, with one
// conversation of each kind.
type replyEnv struct {
	r     *Router
	bus   *bus.Bus
	store store.Store
	conv  map[string]int64 // by name
}

func newReplyEnv(t *testing.T) *replyEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	b, err := bus.Open(ctx, bus.Config{StoreDir: filepath.Join(dir, "nats")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	st := openStore(t)
	e := &replyEnv{r: New(Options{Bus: b, Store: st, Metrics: metrics.New()}), bus: b, store: st, conv: map[string]int64{}}
	now := time.Now()
	at := func(in inbox.Inbound, ago time.Duration) inbox.Inbound { in.CreatedAt = now.Add(-ago); return in }
	items := map[string]inbox.Inbound{
		"mention":    at(tweet("1001", "42", "my room is cold"), time.Hour),
		"twitterDM":  at(twitterDM("2001", "43", "hello"), time.Hour),
		"comment":    at(fbComment("c1", "50", "where is my refund?"), time.Hour),
		"message":    at(fbMessage("m1", "51", "hello"), time.Hour),
		"message30h": at(fbMessage("m2", "52", "hello"), 30*time.Hour),
		"message8d":  at(fbMessage("m3", "53", "hello"), 8*24*time.Hour),
		"oldComment": func() inbox.Inbound {
			in := at(fbComment("c9", "54", "refund?"), 8*24*time.Hour)
			in.Thread = ourPageID + "_1/54"
			return in
		}(),
		"closed": at(tweet("1002", "44", "help"), time.Hour),
		// A public thread whose customer moved to Messenger.
		"linkedComment": func() inbox.Inbound {
			in := at(fbComment("c20", "60", "my booking?"), 2*time.Hour)
			return in
		}(),
		"linkedMessage": func() inbox.Inbound {
			in := at(fbMessage("m20", "60", "hi, it's me"), time.Hour)
			return in
		}(),
	}
	// A later customer tweet in the mention conversation: replies answer it.
	later := at(tweet("1003", "42", "still cold"), time.Minute)
	order := []string{"mention", "twitterDM", "comment", "message", "message30h", "message8d", "oldComment", "closed", "linkedComment", "linkedMessage"}
	var stItems []store.Item
	for _, name := range order {
		it := store.Item{Message: items[name]}
		if name == "linkedMessage" {
			it.Link = true
		}
		stItems = append(stItems, it)
	}
	stItems = append(stItems, store.Item{Message: later})
	res, err := st.Ingest(ctx, stItems)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range order {
		e.conv[name] = res[i].ConversationID
	}
	closed := inbox.Closed
	if _, err := st.UpdateConversation(ctx, e.conv["closed"], store.Update{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	return e
}

// outbound returns the actions published to OUTBOUND so far.
func (e *replyEnv) outbound(t *testing.T) []inbox.Action {
	t.Helper()
	ctx := context.Background()
	s, err := e.bus.JetStream().Stream(ctx, bus.StreamOutbound)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []inbox.Action
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		var a inbox.Action
		if err := json.Unmarshal(m.Data, &a); err != nil {
			t.Fatal(err)
		}
		if m.Subject != a.Subject() {
			t.Errorf("action on %s, want %s", m.Subject, a.Subject())
		}
		out = append(out, a)
	}
	return out
}

func TestReplyGuard(t *testing.T) {
	e := newReplyEnv(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		conv   string
		public bool
		text   string
		// want is the action kind, target and recipient, or the refusal.
		kind      inbox.ActionKind
		target    string
		recipient string
		refused   string
	}{
		{name: "public tweet reply answers the latest tweet", conv: "mention", public: true, text: "Sorry! We'll send someone up.", kind: inbox.Reply, target: "1003"},
		{name: "public reply with a booking number", conv: "mention", public: true, text: "Is it booking 1234567890?", refused: "must not show a booking number"},
		{name: "public reply with a PIN and a card", conv: "comment", public: true, text: "Your PIN 4321 and card 4111 1111 1111 1111", refused: "must not show a PIN and a card number"},
		{name: "tweet too long", conv: "mention", public: true, text: strings.Repeat("sorry ", 50), refused: "a tweet holds 280"},
		{name: "private reply to a mention is a DM", conv: "mention", text: "Your booking 1234567890 is fine", kind: inbox.SendDM, recipient: "42"},
		{name: "Twitter DM", conv: "twitterDM", text: "Hi!", kind: inbox.SendDM, recipient: "43"},
		{name: "public reply in a private conversation", conv: "twitterDM", public: true, text: "Hi!", refused: "is private"},
		{name: "Messenger within 24 hours", conv: "message", text: "Hi!", kind: inbox.SendDM, recipient: "51"},
		{name: "Messenger after 24 hours by an agent", conv: "message30h", text: "Hi!", kind: inbox.SendDM, recipient: "52"},
		{name: "Messenger after 7 days", conv: "message8d", text: "Hi!", refused: "7-day window"},
		{name: "Messenger too long", conv: "message", text: strings.Repeat("a", 2001), refused: "Messenger allows 2000"},
		{name: "public Facebook reply", conv: "comment", public: true, text: "We're on it!", kind: inbox.Reply, target: "c1"},
		{name: "private reply to a comment is the Private Reply", conv: "comment", text: "Let's look at your refund.", kind: inbox.PrivateReply, target: "c1"},
		{name: "second private reply to a comment", conv: "comment", text: "Hello again", refused: "a private reply was already sent"},
		{name: "Private Reply after 7 days", conv: "oldComment", text: "Sorry for the wait", refused: "7-day window"},
		{name: "private reply in a thread that moved to Messenger", conv: "linkedComment", text: "Hi, here we are", kind: inbox.SendDM, recipient: "60"},
		{name: "closed conversation", conv: "closed", public: true, text: "Hello?", refused: "is closed; reopen it"},
		{name: "empty reply", conv: "mention", public: true, text: "  ", refused: "the reply is empty"},
	}
	published := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			convID := e.conv[tc.conv]
			before, _ := e.store.Actions(ctx, convID)
			a, err := e.r.Reply(ctx, ReplyRequest{ConversationID: convID, Agent: "ann", Public: tc.public, Text: tc.text})
			if tc.refused != "" {
				if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("error %v, want a refusal saying %q", err, tc.refused)
				}
				for _, secret := range []string{"1234567890", "4321", "4111"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("the refusal repeats a secret: %v", err)
					}
				}
				if after, _ := e.store.Actions(ctx, convID); len(after) != len(before) {
					t.Errorf("a refused reply was stored")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			published++
			if a.Kind != tc.kind || a.Target != tc.target || a.Recipient != tc.recipient {
				t.Errorf("action %s target %q recipient %q, want %s %q %q", a.Kind, a.Target, a.Recipient, tc.kind, tc.target, tc.recipient)
			}
			if a.ID == 0 || a.State != inbox.StatePending || a.RequestedBy != "agent:ann" || a.Purpose != PurposeAgentReply || a.Text != strings.TrimSpace(tc.text) {
				t.Errorf("stored %+v", a)
			}
			if a.Kind == inbox.PrivateReply && a.Key != "facebook:private_reply:"+tc.target {
				t.Errorf("private reply key %q", a.Key)
			}
			if a.Kind != inbox.PrivateReply && !strings.HasPrefix(a.Key, "agent:") {
				t.Errorf("key %q", a.Key)
			}
			if a.LastCustomerMessageAt.IsZero() {
				t.Error("no LastCustomerMessageAt for the Messenger windows")
			}
		})
	}
	if got := e.outbound(t); len(got) != published {
		t.Errorf("%d actions published, want %d", len(got), published)
	}
	trail, err := e.store.AuditTrail(ctx, e.conv["mention"])
	if err != nil {
		t.Fatal(err)
	}
	var queued, refused int
	for _, a := range trail {
		switch a.Action {
		case "reply_queued":
			queued++
		case "reply_refused":
			refused++
			if strings.Contains(a.Detail, "1234567890") {
				t.Errorf("audit detail repeats a secret: %q", a.Detail)
			}
		}
		if a.Actor != "agent:ann" {
			t.Errorf("audit actor %q", a.Actor)
		}
	}
	if queued != 2 || refused != 3 {
		t.Errorf("audit of the mention conversation: %d queued, %d refused: %+v", queued, refused, trail)
	}
}

func TestReplyUnknownConversation(t *testing.T) {
	e := newReplyEnv(t)
	_, err := e.r.Reply(context.Background(), ReplyRequest{ConversationID: 9999, Agent: "ann", Text: "hi"})
	if !errors.Is(err, store.ErrNotFound) || errors.Is(err, ErrRefused) {
		t.Errorf("error %v", err)
	}
}

// TestReplyNotQueuedIsFailed: when the bus cannot take the action, it is
// marked failed, so that it is never sent later by surprise.
func TestReplyNotQueuedIsFailed(t *testing.T) {
	e := newReplyEnv(t)
	ctx := context.Background()
	down, err := bus.Open(ctx, bus.Config{StoreDir: filepath.Join(t.TempDir(), "nats")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	down.Close()
	r := New(Options{Bus: down, Store: e.store, Metrics: metrics.New()})
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := r.Reply(short, ReplyRequest{ConversationID: e.conv["twitterDM"], Agent: "ann", Text: "hi"}); err == nil || errors.Is(err, ErrRefused) {
		t.Fatalf("error %v", err)
	}
	acts, _ := e.store.Actions(ctx, e.conv["twitterDM"])
	if len(acts) != 1 || acts[0].State != inbox.StateFailed || !strings.Contains(acts[0].Error, "could not be queued") {
		t.Errorf("actions %+v", acts)
	}
}
