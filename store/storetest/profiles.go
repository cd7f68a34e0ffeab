package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// testProfiles: a customer who writes privately is due for a look-up once,
// again only when the profile is stale and they wrote since; public
// customers never are; what a look-up finds replaces what was known.
func testProfiles(t *testing.T, s store.Store) {
	ctx := t.Context()
	due := func(p inbox.Platform, staleBefore time.Time) []string {
		t.Helper()
		ids, err := s.ProfilesDue(ctx, p, staleBefore, 10)
		if err != nil {
			t.Fatalf("ProfilesDue: %v", err)
		}
		return ids
	}
	now := time.Now()
	week := now.Add(-7 * 24 * time.Hour)
	dm := func(ext, author string, at time.Time) store.Item {
		return item(in(inbox.Twitter, inbox.DM, ext, author, author, at))
	}
	first := ingest(t, s, dm("p1", "ann", at(0)), mention("p2", "ben", at(1)), dm("p3", "cat", at(2)))[0]
	ingest(t, s, fbMessage("p4", "m-dan", "dan", at(3)))
	if got := due(inbox.Twitter, week); !slices.Equal(got, []string{"ann", "cat"}) {
		t.Fatalf("due = %v, want the two DM senders, not the mention's author", got)
	}
	if got := due(inbox.Facebook, week); !slices.Equal(got, []string{"dan"}) {
		t.Errorf("facebook due = %v, want dan", got)
	}

	// Ann is found; Cat is gone from X. Neither is due any more, even
	// when Ann writes again while her profile is fresh.
	if err := s.SetProfiles(ctx, inbox.Twitter, now, []store.Profile{
		{ExternalID: "ann", Handle: "ann_h", Name: "Ann", AvatarURL: "https://pbs.twimg.com/a.jpg"},
		{ExternalID: "cat", Gone: true, Name: "ignored"},
		{ExternalID: "nobody", Name: "Unknown user"},
	}); err != nil {
		t.Fatalf("SetProfiles: %v", err)
	}
	c := conv(t, s, first.ConversationID)
	if c.Customer.Handle != "ann_h" || c.Customer.Name != "Ann" {
		t.Errorf("customer after look-up = %+v", c.Customer)
	}
	g, err := s.Glances(ctx, "alice", []int64{first.ConversationID}, nil)
	if err != nil || g[first.ConversationID].AvatarURL != "https://pbs.twimg.com/a.jpg" {
		t.Errorf("avatar = %q, %v", g[first.ConversationID].AvatarURL, err)
	}
	ingest(t, s, dm("p5", "ann", at(10)))
	if got := due(inbox.Twitter, week); len(got) != 0 {
		t.Errorf("due after the look-up = %v, want none", got)
	}
	// A week later Ann's profile is stale and she wrote since: due. Cat
	// wrote nothing since: not due.
	if got := due(inbox.Twitter, now.Add(time.Second)); !slices.Equal(got, []string{"ann"}) {
		t.Errorf("due once stale = %v, want ann", got)
	}
	// A refresh with fewer fields keeps the others.
	if err := s.SetProfiles(ctx, inbox.Twitter, now.Add(2*time.Second), []store.Profile{{ExternalID: "ann", Name: "Ann B."}}); err != nil {
		t.Fatal(err)
	}
	if c := conv(t, s, first.ConversationID); c.Customer.Handle != "ann_h" || c.Customer.Name != "Ann B." {
		t.Errorf("after a partial refresh: %+v", c.Customer)
	}
	if got := due(inbox.Twitter, now.Add(time.Minute)); len(got) != 0 {
		t.Errorf("due after the refresh = %v, want none", got)
	}
	// Ingest still takes names a platform sends with an item.
	named := dm("p6", "cat", at(20))
	named.Message.Author.Name = "Cat From Webhook"
	ingest(t, s, named)
	if got := due(inbox.Twitter, now.Add(time.Minute)); !slices.Equal(got, []string{"cat"}) {
		t.Errorf("due after cat wrote = %v", got)
	}
	for _, bad := range []store.Profile{{ExternalID: ""}, {ExternalID: "ann", Name: "bad\x00name"}, {ExternalID: "ann", Handle: "\xff"}} {
		if err := s.SetProfiles(ctx, inbox.Twitter, now, []store.Profile{bad}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("SetProfiles(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}
