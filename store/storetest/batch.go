package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// The tests in this file pin what one Ingest batch does when its items
// depend on each other, so that an implementation that stores a batch as
// sets (PostgreSQL) ends exactly where storing the items one by one, in
// order, ends.

// testBatchConversation: several items of one conversation in one batch,
// out of time order, with statuses, languages, flags and actions.
func testBatchConversation(t *testing.T, s store.Store) {
	// An existing conversation, answered: nothing is owed.
	first := mention("bc0", "bc-u", at(20))
	first.Language, first.LanguageConfidence = "it", 0.8
	id := ingest(t, s, first)[0].ConversationID
	update(t, s, id, store.Update{Answered: true, Status: ptr(inbox.Closed)})

	steps := []struct {
		ext    string
		min    int
		lang   string
		conf   float64
		status inbox.Status
		flags  []string
	}{
		{"bc2", 25, "", 0, inbox.Pending, nil},                               // pending: not owed
		{"bc1", 30, "es", 0, "", []string{inbox.FlagNonEnglish}},             // unsure: keeps it
		{"bc3", 28, "fr", 0.7, "", []string{inbox.FlagNonEnglish, "vip"}},    // confident: fr
		{"bc4", 22, "de", 0, inbox.Pending, []string{inbox.FlagPIIRedacted}}, // last status wins
	}
	var batch []store.Item
	for i, st := range steps {
		it := mention(st.ext, "bc-u", at(st.min))
		it.Language, it.LanguageConfidence, it.Status, it.Flags = st.lang, st.conf, st.status, st.flags
		it.Actions = []inbox.Action{{Platform: inbox.Twitter, Kind: inbox.Reply, Key: fmt.Sprintf("bc-reply-%d", i),
			Target: st.ext, Text: "Thanks", RequestedBy: "router"}}
		batch = append(batch, it)
	}
	res := ingest(t, s, batch...)
	for i, r := range res {
		if r.Duplicate || r.ConversationID != id || r.MessageID == 0 {
			t.Fatalf("item %d: %+v, want a new message of conversation %d", i, r, id)
		}
		if i > 0 && r.MessageID <= res[i-1].MessageID {
			t.Errorf("message ids %d then %d: not in batch order", res[i-1].MessageID, r.MessageID)
		}
	}
	c := conv(t, s, id)
	if c.Status != inbox.Pending || c.Language != "fr" || c.LanguageConfidence != 0.7 {
		t.Errorf("status %s language %q (%v); want pending, fr (0.7)", c.Status, c.Language, c.LanguageConfidence)
	}
	// Owed since the oldest item that is not pending; the last message
	// is the newest of all.
	if !c.AwaitingSince.Equal(at(28)) || !c.LastCustomerMessageAt.Equal(at(30)) {
		t.Errorf("awaiting %v, last customer message %v; want %v and %v", c.AwaitingSince, c.LastCustomerMessageAt, at(28), at(30))
	}
	if want := []string{inbox.FlagNonEnglish, inbox.FlagPIIRedacted, "vip"}; !slices.Equal(c.Flags, want) {
		t.Errorf("flags %v, want %v", c.Flags, want)
	}
	// Each action carries the last customer message as of its own item.
	for i, wantMin := range []int{25, 30, 30, 30} {
		if a := res[i].Actions; len(a) != 1 || !a[0].LastCustomerMessageAt.Equal(at(wantMin)) || a[0].State != inbox.StatePending {
			t.Errorf("item %d actions %+v, want one pending with last customer message %v", i, a, at(wantMin))
		}
	}
	if ms := messages(t, s, id); len(ms) != 5 || ms[0].ExternalID != "bc0" || ms[1].ExternalID != "bc4" || ms[4].ExternalID != "bc1" {
		t.Errorf("messages %v, want 5 in time order", ms)
	}

	// A new conversation made by a batch: the first item's customer, and
	// actions that see the conversation as it was when their item came.
	a := fbComment("nc1", "nc", "nc-owner", at(5))
	a.Actions = []inbox.Action{dmAction("nc-dm-1", "nc-owner")}
	b := fbComment("nc2", "nc", "nc-other", at(3))
	b.Actions = []inbox.Action{dmAction("nc-dm-2", "nc-other")}
	d := fbComment("nc3", "nc", "nc-owner", at(9))
	d.Actions = []inbox.Action{dmAction("nc-dm-3", "nc-owner")}
	res = ingest(t, s, a, b, d)
	nc := conv(t, s, res[0].ConversationID)
	if nc.Customer.ExternalID != "nc-owner" || res[1].ConversationID != nc.ID || res[2].ConversationID != nc.ID {
		t.Errorf("new conversation %+v; results %+v", nc, res)
	}
	for i, wantMin := range []int{5, 5, 9} {
		if got := res[i].Actions[0].LastCustomerMessageAt; !got.Equal(at(wantMin)) {
			t.Errorf("action of item %d: last customer message %v, want %v", i, got, at(wantMin))
		}
	}
	if !nc.AwaitingSince.Equal(at(3)) || !nc.LastCustomerMessageAt.Equal(at(9)) || nc.Status != inbox.Open {
		t.Errorf("new conversation awaiting %v last %v status %s", nc.AwaitingSince, nc.LastCustomerMessageAt, nc.Status)
	}
}

// testBatchCustomers: a customer who writes several times in one batch
// keeps the last non-empty handle and name.
func testBatchCustomers(t *testing.T, s store.Store) {
	named := func(ext, thread, handle, name string, min int) store.Item {
		it := fbMessage(ext, thread, "cu-1", at(min))
		it.Message.Author.Handle, it.Message.Author.Name = handle, name
		return it
	}
	res := ingest(t, s, named("cu-a", "cu-t1", "ann", "Ann", 0), named("cu-b", "cu-t2", "ann2", "", 1),
		named("cu-c", "cu-t1", "", "", 2))
	c1, c2 := conv(t, s, res[0].ConversationID), conv(t, s, res[1].ConversationID)
	if c1.Customer.ID != c2.Customer.ID || c1.Customer.Handle != "ann2" || c1.Customer.Name != "Ann" {
		t.Errorf("customers %+v and %+v; want one, ann2 / Ann", c1.Customer, c2.Customer)
	}
	ingest(t, s, named("cu-d", "cu-t1", "", "Ann B", 3), named("cu-e", "cu-t1", "ann3", "", 4))
	if c := conv(t, s, c1.ID); c.Customer.ID != c1.Customer.ID || c.Customer.Handle != "ann3" || c.Customer.Name != "Ann B" {
		t.Errorf("customer after a second batch %+v", c.Customer)
	}
	// A handle and name that change and change back within a batch end
	// as the last item has them: what the batch wrote earlier is no
	// longer the row.
	ingest(t, s, named("cu-f", "cu-t1", "ann4", "Ann D", 5), named("cu-g", "cu-t2", "ann5", "Ann C", 6),
		named("cu-h", "cu-t1", "ann4", "Ann D", 7))
	if c := conv(t, s, c1.ID); c.Customer.Handle != "ann4" || c.Customer.Name != "Ann D" {
		t.Errorf("customer after a handle changed back %+v, want ann4 / Ann D", c.Customer)
	}
}

// testBatchDuplicates: an item twice in one batch (the second time with
// other actions), an action key shared by two items, and a redelivery of
// part of a batch mixed with new items of the same conversations.
func testBatchDuplicates(t *testing.T, s store.Store) {
	a := fbComment("bd1", "bd", "bd-u", at(1))
	a.Actions = []inbox.Action{dmAction("bd-dm", "bd-u"),
		{Platform: inbox.Facebook, Kind: inbox.Hide, Key: "bd-hide-1", Target: "bd1", RequestedBy: "router"}}
	again := a
	again.Actions = []inbox.Action{{Platform: inbox.Facebook, Kind: inbox.Hide, Key: "bd-hide-x", Target: "bd1", RequestedBy: "router"}}
	b := fbComment("bd2", "bd", "bd-u", at(2))
	b.Actions = []inbox.Action{dmAction("bd-dm", "bd-u"), // the key a created
		{Platform: inbox.Facebook, Kind: inbox.Hide, Key: "bd-hide-2", Target: "bd2", RequestedBy: "router"}}
	res := ingest(t, s, a, b, again, a)
	if res[0].Duplicate || res[1].Duplicate || !res[2].Duplicate || !res[3].Duplicate {
		t.Fatalf("Duplicate = %v %v %v %v", res[0].Duplicate, res[1].Duplicate, res[2].Duplicate, res[3].Duplicate)
	}
	actionIDs := func(as []inbox.Action) []int64 {
		var out []int64
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	first := actionIDs(res[0].Actions)
	if len(first) != 2 || res[1].Actions[0].ID != first[0] || len(res[1].Actions) != 2 {
		t.Errorf("actions %v and %v: the shared key must be one action", first, actionIDs(res[1].Actions))
	}
	for _, n := range []int{2, 3} {
		if res[n].MessageID != res[0].MessageID || res[n].ConversationID != res[0].ConversationID ||
			!slices.Equal(actionIDs(res[n].Actions), first) {
			t.Errorf("repeat %d: %+v, want message %d with actions %v", n, res[n], res[0].MessageID, first)
		}
	}
	if _, err := s.ActionByKey(t.Context(), "bd-hide-x"); err == nil {
		t.Error("a repeated item's own actions were stored")
	}
	as, err := s.Actions(t.Context(), res[0].ConversationID)
	if err != nil || len(as) != 3 {
		t.Errorf("Actions = %d, %v; want 3", len(as), err)
	}
	before := conv(t, s, res[0].ConversationID)

	// Part of the batch again, shuffled among new items.
	c := fbComment("bd3", "bd", "bd-u", at(0))
	d := fbComment("bd4", "bd-other", "bd-u", at(3))
	res2 := ingest(t, s, b, c, a, d)
	if !res2[0].Duplicate || res2[1].Duplicate || !res2[2].Duplicate || res2[3].Duplicate {
		t.Fatalf("Duplicate = %v %v %v %v", res2[0].Duplicate, res2[1].Duplicate, res2[2].Duplicate, res2[3].Duplicate)
	}
	if res2[0].MessageID != res[1].MessageID || res2[2].MessageID != res[0].MessageID {
		t.Errorf("redelivered ids %d %d, want %d %d", res2[0].MessageID, res2[2].MessageID, res[1].MessageID, res[0].MessageID)
	}
	// b's first delivery created only bd-hide-2 (bd-dm was a's).
	if got := actionIDs(res2[0].Actions); len(got) != 1 || got[0] != res[1].Actions[1].ID {
		t.Errorf("redelivered b: actions %v, want [%d]", got, res[1].Actions[1].ID)
	}
	if !slices.Equal(actionIDs(res2[2].Actions), first) {
		t.Errorf("redelivered a: actions %v, want %v", actionIDs(res2[2].Actions), first)
	}
	after := conv(t, s, before.ID)
	if !after.AwaitingSince.Equal(at(0)) || !after.LastCustomerMessageAt.Equal(before.LastCustomerMessageAt) {
		t.Errorf("after the new item: awaiting %v last %v", after.AwaitingSince, after.LastCustomerMessageAt)
	}
	if got := len(allMessages(t, s)); got != 4 {
		t.Errorf("%d messages stored, want 4", got)
	}
}

// testBatchLink: links decided inside one batch see exactly the items
// before them.
func testBatchLink(t *testing.T, s store.Store) {
	// A public comment, then a message asking for a link: linked.
	dm := fbMessage("bl-m1", "bl-inbox1", "bl-u1", at(2))
	dm.Link = true
	res := ingest(t, s, fbComment("bl-c1", "bl-post1", "bl-u1", at(1)), dm)
	if c := conv(t, s, res[1].ConversationID); c.LinkedConversation != res[0].ConversationID || !c.HasFlag(inbox.FlagMovedToPrivate) {
		t.Errorf("private conversation %+v, want linked to %d", c, res[0].ConversationID)
	}

	// The message before the customer's first public comment: nothing to
	// link to yet; later messages of the batch in the same conversation
	// ask again and find the comment only once it is stored.
	dm2 := fbMessage("bl-m2", "bl-inbox2", "bl-u2", at(1))
	dm2.Link = true
	dm3 := fbMessage("bl-m3", "bl-inbox3", "bl-u3", at(1))
	dm3.Link = true
	dm3b := fbMessage("bl-m3b", "bl-inbox3", "bl-u3", at(3))
	dm3b.Link = true
	res = ingest(t, s, dm2, dm3, fbComment("bl-c2", "bl-post2", "bl-u2", at(2)), fbComment("bl-c3", "bl-post3", "bl-u3", at(2)), dm3b)
	if c := conv(t, s, res[0].ConversationID); c.LinkedConversation != 0 {
		t.Errorf("linked to a comment stored after it: %+v", c)
	}
	if c := conv(t, s, res[2].ConversationID); c.LinkedConversation != 0 || c.HasFlag(inbox.FlagMovedToPrivate) {
		t.Errorf("public conversation %+v linked", c)
	}
	if c := conv(t, s, res[1].ConversationID); c.LinkedConversation != res[3].ConversationID {
		t.Errorf("second message of bl-inbox3 did not link to the comment before it: %+v", c)
	}

	// Two new private conversations of one customer in one batch: the
	// first takes the public conversation, the second finds none left.
	dm4 := fbMessage("bl-m4", "bl-inbox4", "bl-u1", at(5))
	dm4.Link = true
	dm5 := fbMessage("bl-m5", "bl-inbox5", "bl-u1", at(6))
	dm5.Link = true
	pub := ingest(t, s, fbComment("bl-c4", "bl-post4", "bl-u1", at(4)))[0].ConversationID
	res = ingest(t, s, dm4, dm5)
	if c := conv(t, s, res[0].ConversationID); c.LinkedConversation != pub {
		t.Errorf("first private conversation linked to %d, want %d", c.LinkedConversation, pub)
	}
	if c := conv(t, s, res[1].ConversationID); c.LinkedConversation != 0 {
		t.Errorf("second private conversation linked to %d, want none", c.LinkedConversation)
	}
}
