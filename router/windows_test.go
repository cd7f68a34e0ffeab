package router

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// TestNoticeOncePerWindow: one English-only notice per customer per
// notice_window, across mentions and DMs, across batches (the store) and
// within one batch (the claims).
func TestNoticeOncePerWindow(t *testing.T) {
	st := openStore(t)
	p := newPolicy(t, testConfig(), st)

	first := decide(t, p, tweet("1", "42", "[es] necesito ayuda"))
	if got := actionsOf(first); !slices.Equal(got, []string{"reply:non_english_notice+dm_invite"}) {
		t.Fatalf("first tweet: %v", got)
	}
	ingest(t, st, first)

	again := decide(t, p, tweet("2", "42", "[es] ¿hola? necesito ayuda"))
	if len(again.Actions) != 0 {
		t.Errorf("second tweet within the window: %v", actionsOf(again))
	}
	if !slices.Contains(again.Flags, inbox.FlagNonEnglish) || again.Status != inbox.Pending {
		t.Errorf("second tweet still non-English and pending: flags %v status %q", again.Flags, again.Status)
	}
	dm := decide(t, p, twitterDM("3", "42", "[es] hola"))
	if len(dm.Actions) != 0 {
		t.Errorf("DM after a notice by tweet: %v", actionsOf(dm))
	}
	other := decide(t, p, tweet("4", "43", "[es] necesito ayuda"))
	if len(other.Actions) != 1 {
		t.Errorf("another customer: %v", actionsOf(other))
	}

	// After the window, the customer is told again.
	later, err := NewPolicy(testConfig(), Deps{Store: st, Detector: stubDetector{}, Now: func() time.Time { return time.Now().Add(25 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if got := actionsOf(decide(t, later, tweet("5", "42", "[es] hola otra vez"))); !slices.Equal(got, []string{"reply:non_english_notice+dm_invite"}) {
		t.Errorf("after the window: %v", got)
	}
}

// TestNoticeOncePerBatch: tweets decided in one batch, before any is
// stored, get one notice between them; a DM in the same batch too.
func TestNoticeOncePerBatch(t *testing.T) {
	p := newPolicy(t, testConfig(), openStore(t))
	ctx := WithBatch(context.Background())
	var got [][]string
	for _, in := range []inbox.Inbound{
		tweet("1", "42", "[es] necesito ayuda"), tweet("2", "42", "[es] ayuda por favor"), twitterDM("3", "42", "[es] hola"),
	} {
		got = append(got, actionsOf(decideIn(t, ctx, p, in)))
	}
	if !slices.Equal(got[0], []string{"reply:non_english_notice+dm_invite"}) || len(got[1]) != 0 || len(got[2]) != 0 {
		t.Errorf("one batch: %v", got)
	}
}

// TestNoticeKeyBucket: two routers deciding two tweets of one customer at
// once (neither sees the other) give their replies the same key, so the
// store keeps one; a delete request is owed per tweet and keyed by it.
func TestNoticeKeyBucket(t *testing.T) {
	p := newPolicy(t, testConfig(), nil)
	a := decide(t, p, tweet("1", "42", "[es] necesito ayuda"))
	b := decide(t, p, tweet("2", "42", "[es] ayuda por favor"))
	if a.Actions[0].Key != b.Actions[0].Key {
		t.Errorf("keys %q and %q differ", a.Actions[0].Key, b.Actions[0].Key)
	}
	c := decide(t, p, tweet("3", "42", "[es] mi reserva 1234567890"))
	if c.Actions[0].Key != "twitter:reply:3" {
		t.Errorf("key %q", c.Actions[0].Key)
	}
	st := openStore(t)
	res := ingest(t, st, a, b)
	if res[0].Actions[0].ID != res[1].Actions[0].ID {
		t.Errorf("the store kept two replies: %+v", res)
	}
}

// TestInviteOncePerThread: one invitation per public thread and customer
// per invite_window, on both platforms.
func TestInviteOncePerThread(t *testing.T) {
	st := openStore(t)
	p := newPolicy(t, testConfig(), st)

	tw := decide(t, p, tweet("1", "42", "my room is cold, help"))
	ingest(t, st, tw)
	if got := actionsOf(decide(t, p, tweet("2", "42", "still cold, anyone?"))); len(got) != 0 {
		t.Errorf("second tweet: %v", got)
	}
	// A delete request is still owed, without a second invitation.
	if got := actionsOf(decide(t, p, tweet("3", "42", "my booking 1234567890"))); !slices.Equal(got, []string{"reply:pii_notice"}) {
		t.Errorf("tweet with a booking number after the invitation: %v", got)
	}

	c1 := decide(t, p, fbComment("c1", "50", "where is my refund?"))
	ingest(t, st, c1)
	if got := actionsOf(decide(t, p, fbComment("c2", "50", "hello??"))); len(got) != 0 {
		t.Errorf("second comment in the thread: %v", got)
	}
	// The same customer under another post is another thread.
	other := fbComment("c3", "50", "and this one?")
	other.Thread, other.ParentID = ourPageID+"_2/50", ourPageID+"_2"
	if got := actionsOf(decide(t, p, other)); len(got) != 2 {
		t.Errorf("comment under another post: %v", got)
	}
	// Under a visitor post customers share the thread, but each gets one.
	post := fbPost(ourPageID+"_9", "60", "my booking is wrong")
	ingest(t, st, decide(t, p, post))
	reply := fbComment("c4", "61", "same problem here")
	reply.Thread, reply.ParentID = post.ExternalID, post.ExternalID
	if got := actionsOf(decide(t, p, reply)); len(got) != 2 {
		t.Errorf("another customer in a visitor post's thread: %v", got)
	}
	reply.ExternalID, reply.Author.ID = "c5", "60"
	if got := actionsOf(decide(t, p, reply)); len(got) != 0 {
		t.Errorf("the visitor again in their own thread: %v", got)
	}
}

// failingStore fails every lookup: a WindowStore whose database is down.
type failingStore struct{}

var errDown = errors.New("database down")

func (failingStore) CountActions(context.Context, store.ActionFilter) (int, error) { return 0, errDown }
func (failingStore) ConversationID(context.Context, inbox.Platform, inbox.Channel, string) (int64, error) {
	return 0, errDown
}

// TestWindowLookupErrorsAreReturned: a store failure stops the item (it
// is retried) rather than risking a second notice or invitation.
func TestWindowLookupErrorsAreReturned(t *testing.T) {
	p := newPolicy(t, testConfig(), failingStore{})
	for _, in := range []inbox.Inbound{tweet("1", "42", "[es] hola"), tweet("2", "42", "help me"), fbComment("c1", "5", "help me")} {
		d := Decision{Message: in, Text: in.Text}
		if err := p.Apply(context.Background(), &d); !errors.Is(err, errDown) {
			t.Errorf("%s: error %v, want the store's", in.ExternalID, err)
		}
	}
	// Items that need no lookup are unaffected.
	d := Decision{Message: tweet("3", "42", "thanks!"), Text: "thanks!"}
	if err := p.Apply(context.Background(), &d); err != nil {
		t.Errorf("thank-you tweet: %v", err)
	}
}

func TestPurposesWith(t *testing.T) {
	got := purposesWith(inbox.Twitter, PurposeDMInvite)
	want := []string{"dm_invite", "pii_notice+dm_invite", "non_english_notice+dm_invite", "pii_notice+non_english_notice+dm_invite"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("purposes with dm_invite: %v, want %v", got, want)
	}
}
