package facebook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/testutil/connectortest"
	"github.com/inboxbot/inboxbot/store"
)

func guest(n int) fbfake.User {
	return fbfake.User{ID: fmt.Sprintf("%d", 20000+n), Name: fmt.Sprintf("Guest %d", n)}
}

// ingested is the number of items the Runner published in this Env.
func (r *rig) ingested() int {
	n := 0.0
	for _, k := range []inbox.Kind{inbox.Message, inbox.Post, inbox.Comment} {
		n += testutil.ToFloat64(r.env.Metrics.Ingested.WithLabelValues(string(inbox.Facebook), string(k)))
	}
	return int(n)
}

// traffic is scripted Facebook activity and the customer items it holds.
type traffic struct {
	want  map[string]bool
	texts []string
}

func (tr *traffic) add(id, text string) {
	tr.want[id] = true
	tr.texts = append(tr.texts, text)
}

// addConversations adds n conversations of msgs customer messages, two per
// second (so timestamps repeat), with a Page answer every tenth message.
func addConversations(r *rig, tr *traffic, first, n, msgs int, base time.Time) {
	for ci := first; ci < first+n; ci++ {
		g := guest(ci)
		conv := fmt.Sprintf("t_%d", 500+ci)
		for i := 0; i < msgs; i++ {
			at := base.Add(time.Duration(i/2) * time.Second)
			text := fmt.Sprintf("secret-ish guest text %d/%d", ci, i)
			tr.add(r.srv.AddMessage(conv, g, text, at), text)
			if i%10 == 9 {
				r.srv.AddMessage(conv, r.srv.Page(), "page answer", at)
			}
		}
	}
}

// addComments adds n comments under post from 6 customers, every fifth a
// reply to the previous top-level comment, with a Page reply now and then.
func addComments(r *rig, tr *traffic, post string, n int, base time.Time) {
	var top string
	for i := 0; i < n; i++ {
		parent := ""
		if i%5 == 4 {
			parent = top
		}
		text := fmt.Sprintf("comment text %s %d", post, i)
		id := r.srv.AddComment(post, parent, guest(100+i%6), text, base.Add(time.Duration(i)*time.Second))
		tr.add(id, text)
		if parent == "" {
			top = id
		}
		if i%15 == 0 {
			r.srv.AddComment(post, id, r.srv.Page(), "page reply", base.Add(time.Duration(i)*time.Second))
		}
	}
}

// checkLogs fails when the logs hold customer text or the token.
func (r *rig) checkLogs(tr *traffic) {
	r.t.Helper()
	logs := r.logs.String()
	for _, s := range append(tr.texts, r.cfg.PageToken, "page answer", "page reply") {
		if s != "" && strings.Contains(logs, s) {
			r.t.Fatalf("logs hold %q", s)
		}
	}
}

// TestPullsEverythingExactlyOnce: 3 conversations × 120 messages (three
// pages of 50 each) and 2 posts × 60 comments are stored once, nothing is
// published twice, the Page's own items are skipped, and items added later
// at the same second as the watermark are still picked up.
func TestPullsEverythingExactlyOnce(t *testing.T) {
	r := newRig(t, fbfake.Options{MaxPageSize: 50}, func(c *Config) { c.PageSize = 100 })
	tr := &traffic{want: map[string]bool{}}
	base := time.Now().Add(-2 * time.Hour)
	addConversations(r, tr, 0, 3, 120, base)
	pagePost := r.srv.AddPagePost("Summer deals", base)
	visitorPost := r.srv.AddPost(guest(99), "Where is my booking?", base.Add(time.Second), fbfake.Attachment{Type: "image", URL: "https://cdn.example/p.jpg"})
	tr.add(visitorPost, "Where is my booking?")
	addComments(r, tr, pagePost, 60, base.Add(time.Minute))
	addComments(r, tr, visitorPost, 60, base.Add(time.Minute))

	r.start()
	r.waitStored(tr.want, 20*time.Second)
	r.waitPolls(20)
	r.waitStored(tr.want, time.Second)
	if got := r.ingested(); got != len(tr.want) {
		t.Fatalf("published %d items for %d distinct ones", got, len(tr.want))
	}

	// Mapping.
	got := r.externalIDs()
	if m := got[visitorPost]; m.Kind != inbox.Post {
		t.Errorf("visitor post stored as %+v", m)
	}
	vp := r.conversation(inbox.Public, visitorPost)
	if vp.Customer.ExternalID != guest(99).ID {
		t.Errorf("visitor post conversation = %+v", vp)
	}
	c := r.conversation(inbox.Public, CommentThread(pagePost, guest(101).ID, true))
	msgs, _ := r.env.Store.Messages(context.Background(), c.ID)
	if len(msgs) != 10 || msgs[0].Kind != inbox.Comment || msgs[0].ParentID != pagePost {
		t.Errorf("thread of guest 101 under the page post: %d messages, first %+v", len(msgs), msgs[0])
	}
	dm := r.conversation(inbox.Private, "t_501")
	if dm.Customer.ExternalID != guest(1).ID {
		t.Errorf("messenger conversation = %+v", dm)
	}

	// New items, then more at the very second of the new watermarks,
	// after those were saved.
	sec := time.Now().Truncate(time.Second)
	tr.add(r.srv.AddMessage("t_500", guest(0), "one more", sec), "one more")
	tr.add(r.srv.AddComment(pagePost, "", guest(100), "late comment", sec), "late comment")
	r.waitStored(tr.want, 10*time.Second)
	r.waitPolls(4)
	tr.add(r.srv.AddMessage("t_500", guest(0), "one more at the same second", sec), "one more at the same second")
	tr.add(r.srv.AddComment(pagePost, "", guest(101), "late comment at the same second", sec), "late comment at the same second")
	tr.add(r.srv.AddMessage("t_503", guest(3), "a new conversation", sec), "a new conversation")
	r.waitStored(tr.want, 10*time.Second)
	r.waitPolls(10)
	if got := r.ingested(); got != len(tr.want) {
		t.Fatalf("published %d items for %d distinct ones", got, len(tr.want))
	}
	r.checkLogs(tr)
}

// TestRestartExactlyOnce stops the connector mid-way (a rate limit with a
// long wait cuts the first poll short), restarts bus, store and connector
// on the same directory with new items in between, and again after
// completion: every item is stored once and nothing is published again.
func TestRestartExactlyOnce(t *testing.T) {
	r := newRig(t, fbfake.Options{MaxPageSize: 50}, func(c *Config) { c.RateLimitWait = time.Hour })
	tr := &traffic{want: map[string]bool{}}
	base := time.Now().Add(-3 * time.Hour)
	addConversations(r, tr, 0, 2, 120, base)
	post := r.srv.AddPagePost("Autumn deals", base)
	addComments(r, tr, post, 60, base)
	// The newest conversation (t_501) is read whole (pages 2 and 3 are let
	// through), then t_500's second page is refused.
	r.srv.Inject(fbfake.Fault{Code: 613, Path: "/messages", Query: "after=", Skip: 2})

	r.start()
	connectortest.Eventually(t, 10*time.Second, func() bool {
		c, _ := r.env.Health.Get("facebook")
		return c.State == health.RateLimited
	})
	// The poll stopped with the 120 published; the ingest loop stores
	// them shortly after.
	var first map[string]store.Message
	connectortest.Eventually(t, 10*time.Second, func() bool {
		first = r.externalIDs()
		return len(first) >= 120
	})
	time.Sleep(100 * time.Millisecond) // anything beyond 120 would show now
	first = r.externalIDs()
	if len(first) != 120 {
		t.Fatalf("%d items stored before the restart, want 120 (one conversation)", len(first))
	}

	r.restart()
	tr.add(r.srv.AddMessage("t_500", guest(0), "while down 1", time.Time{}), "while down 1")
	tr.add(r.srv.AddMessage("t_501", guest(1), "while down 2", time.Time{}), "while down 2")
	tr.add(r.srv.AddComment(post, "", guest(7), "while down 3", time.Time{}), "while down 3")
	r.cfg.RateLimitWait = 200 * time.Millisecond
	r.start()
	r.waitStored(tr.want, 20*time.Second)
	if got, want := r.ingested(), len(tr.want)-120; got != want {
		t.Fatalf("after the restart %d items were published, want %d (t_501 was done)", got, want)
	}

	r.restart()
	tr.add(r.srv.AddMessage("t_500", guest(0), "after restart 1", time.Time{}), "after restart 1")
	tr.add(r.srv.AddComment(post, "", guest(8), "after restart 2", time.Time{}), "after restart 2")
	r.start()
	r.waitStored(tr.want, 10*time.Second)
	r.waitPolls(6)
	if got := r.ingested(); got != 2 {
		t.Fatalf("after the second restart %d items were published, want 2", got)
	}
	r.checkLogs(tr)
}

// busPublish publishes like the Runner does, for tests that call Poll
// directly.
func busPublish(b *bus.Bus) connectors.Publish { return b.PublishInbound }

// TestCrashBetweenPublishAndCursorSave: when publish succeeds but the
// process dies before the cursor is saved (simulated by publish returning
// an error after publishing), the next poll publishes again and dedupe
// keeps the store exact: a duplicate, never a gap.
func TestCrashBetweenPublishAndCursorSave(t *testing.T) {
	r := newRig(t, fbfake.Options{MaxPageSize: 20}, func(c *Config) { c.PageSize = 20 })
	tr := &traffic{want: map[string]bool{}}
	base := time.Now().Add(-time.Hour)
	addConversations(r, tr, 0, 2, 45, base)
	post := r.srv.AddPagePost("Deals", base)
	addComments(r, tr, post, 30, base)

	c, err := New(r.cfg, r.env.Store)
	if err != nil {
		t.Fatal(err)
	}
	real := busPublish(r.env.Bus)
	var published atomic.Int64
	calls, crashes, clean := 0, 0, false
	for poll := 0; poll < 20 && !clean; poll++ {
		_, err := c.Poll(context.Background(), func(ctx context.Context, items []inbox.Inbound) error {
			if err := real(ctx, items); err != nil {
				return err
			}
			published.Add(int64(len(items)))
			// Every other publish "crashes" before the cursor is saved.
			if calls++; calls%2 == 1 && crashes < 3 {
				crashes++
				return errors.New("simulated crash after publish")
			}
			return nil
		})
		switch {
		case err == nil:
			clean = true
		case !strings.Contains(err.Error(), "simulated crash"):
			t.Fatalf("poll %d: %v", poll, err)
		}
	}
	if !clean || crashes != 3 {
		t.Fatalf("clean=%v after %d crashes", clean, crashes)
	}
	r.waitStored(tr.want, 10*time.Second)
	if published.Load() <= int64(len(tr.want)) {
		t.Fatalf("the crashes should have caused duplicates, published %d", published.Load())
	}
}

// TestRateLimitMidPaging: a 613 on the second page of a conversation, then
// on the second page of a post's comments: the connector backs off for
// rate_limit_wait without calling, then finishes with nothing lost and
// nothing published twice.
func TestRateLimitMidPaging(t *testing.T) {
	r := newRig(t, fbfake.Options{MaxPageSize: 50}, nil)
	tr := &traffic{want: map[string]bool{}}
	base := time.Now().Add(-time.Hour)
	addConversations(r, tr, 0, 1, 120, base)
	post := r.srv.AddPagePost("Deals", base)
	addComments(r, tr, post, 60, base)
	r.srv.Inject(fbfake.Fault{Code: 613, Path: "/messages", Query: "after="})
	r.srv.Inject(fbfake.Fault{Code: 613, Path: "/comments", Query: "after="})

	r.start()
	r.waitStored(tr.want, 15*time.Second)
	calls := r.srv.Calls()
	failed := 0
	for i, c := range calls {
		if c.Status != 400 {
			continue
		}
		failed++
		if i+1 < len(calls) {
			if gap := calls[i+1].At.Sub(c.At); gap < 150*time.Millisecond {
				t.Errorf("call after a 613 came %s later, want ≥ rate_limit_wait", gap)
			}
		}
	}
	if failed != 2 {
		t.Fatalf("%d refused calls, want 2", failed)
	}
	if got := testutil.ToFloat64(r.env.Metrics.ConnectorErrors.WithLabelValues("facebook", "rate_limited")); got != 2 {
		t.Errorf("rate_limited errors = %v", got)
	}
	r.waitPolls(4)
	if got := r.ingested(); got != len(tr.want) {
		t.Fatalf("published %d items for %d", got, len(tr.want))
	}
}

// TestUnauthorizedStopsPolling: an expired token shows as unauthorized
// within one poll and polling stops; a new token and a new connector
// resume and ingest what was pending.
func TestUnauthorizedStopsPolling(t *testing.T) {
	r := newRig(t, fbfake.Options{}, nil)
	tr := &traffic{want: map[string]bool{}}
	tr.add(r.srv.AddMessage("t_1", guest(1), "first", time.Now().Add(-time.Minute)), "first")
	r.start()
	r.waitStored(tr.want, 5*time.Second)

	r.srv.ExpireToken()
	tr.add(r.srv.AddMessage("t_1", guest(1), "second", time.Time{}), "second")
	var comp health.Component
	connectortest.Eventually(t, 2*time.Second, func() bool {
		comp, _ = r.env.Health.Get("facebook")
		return comp.State == health.Unauthorized
	})
	if strings.Contains(comp.Reason, testToken) || !strings.Contains(comp.Reason, "190") {
		t.Errorf("health reason = %q", comp.Reason)
	}
	n := len(r.srv.Calls())
	time.Sleep(10 * tick)
	if m := len(r.srv.Calls()); m != n {
		t.Fatalf("%d calls after unauthorized: polling must stop", m-n)
	}

	r.stop()
	r.srv.SetToken("EAAnew-token")
	r.cfg.PageToken = "EAAnew-token"
	r.start()
	r.waitStored(tr.want, 5*time.Second)
	connectortest.Eventually(t, 2*time.Second, func() bool {
		comp, _ = r.env.Health.Get("facebook")
		return comp.State == health.OK
	})
	r.checkLogs(tr)
}

// TestPrivateReplyOnce: a private reply published twice is sent once; a
// second private reply to the same comment under another key is refused
// without calling Facebook; one past the 7-day window is refused; a
// visitor post gets recipient post_id.
func TestPrivateReplyOnce(t *testing.T) {
	r := newRig(t, fbfake.Options{}, nil)
	now := time.Now()
	post := r.srv.AddPagePost("Win a weekend", now.Add(-9*24*time.Hour))
	g := guest(1)
	cm := r.srv.AddComment(post, "", g, "How do I enter?", now.Add(-time.Hour))
	old := r.srv.AddComment(post, "", guest(2), "Old question", now.Add(-8*24*time.Hour))
	visitor := r.srv.AddPost(guest(3), "My room was cold", now.Add(-2*time.Hour))
	r.start()
	conv := r.conversation(inbox.Public, CommentThread(post, g.ID, true))

	pr := func(convID int64, key, target string, times int) inbox.Action {
		a := r.env.Action(t, inbox.Action{ConversationID: convID, Platform: inbox.Facebook, Kind: inbox.PrivateReply,
			Key: key, Target: target, Text: "We sent you the details", RequestedBy: "router"}, times)
		return r.env.WaitAction(t, a.ID, 5*time.Second)
	}
	a := pr(conv.ID, PrivateReplyKey(cm), cm, 2)
	if a.State != inbox.StateSent || !strings.HasPrefix(a.PlatformID, "m_") {
		t.Fatalf("first private reply: %+v", a)
	}
	b := pr(conv.ID, "agent:ann:private:"+cm, cm, 1)
	if b.State != inbox.StateFailed || !strings.Contains(b.Error, "already") {
		t.Fatalf("second private reply: %+v", b)
	}
	oldConv := r.conversation(inbox.Public, CommentThread(post, guest(2).ID, true))
	o := pr(oldConv.ID, PrivateReplyKey(old), old, 1)
	if o.State != inbox.StateFailed || !strings.Contains(o.Error, "7-day window") {
		t.Fatalf("private reply after 8 days: %+v", o)
	}
	vconv := r.conversation(inbox.Public, visitor)
	v := pr(vconv.ID, PrivateReplyKey(visitor), visitor, 1)
	if v.State != inbox.StateSent {
		t.Fatalf("private reply to a visitor post: %+v", v)
	}

	sent := r.srv.SentMessages()
	if len(sent) != 2 || sent[0].CommentID != cm || sent[0].Text != "We sent you the details" || sent[1].PostID != visitor {
		t.Fatalf("sent = %+v", sent)
	}
	posts := 0
	for _, c := range r.srv.Calls() {
		if c.Method == "POST" {
			posts++
		}
	}
	if posts != 2 {
		t.Fatalf("%d POSTs to Facebook, want 2", posts)
	}
	// The private replies land in Messenger conversations as the Page's
	// messages: they must not come back as customer items.
	r.waitPolls(6)
	if n := len(r.externalIDs()); n != 3 {
		t.Fatalf("%d inbound items stored, want 3", n)
	}
}

// TestPrivateReplyLinksMessenger: on Facebook a commenter's Messenger id
// (PSID) differs from their comment author id. The Private Reply's answer
// reveals the PSID, the action records it as its recipient, and the
// customer's answer in Messenger is linked to their public conversation;
// another commenter's Messenger conversation is not.
func TestPrivateReplyLinksMessenger(t *testing.T) {
	r := newRig(t, fbfake.Options{DistinctPSIDs: true}, nil)
	r.env.LinkPrivate.Store(true)
	now := time.Now()
	post := r.srv.AddPagePost("Spa week", now.Add(-time.Hour))
	g, other := guest(1), guest(2)
	cm := r.srv.AddComment(post, "", g, "My booking is gone", now.Add(-2*time.Minute))
	r.srv.AddComment(post, "", other, "Same here", now.Add(-2*time.Minute))
	r.start()
	pub := r.conversation(inbox.Public, CommentThread(post, g.ID, true))
	otherPub := r.conversation(inbox.Public, CommentThread(post, other.ID, true))

	a := r.env.Action(t, inbox.Action{ConversationID: pub.ID, Platform: inbox.Facebook, Kind: inbox.PrivateReply,
		Key: PrivateReplyKey(cm), Target: cm, Text: "Please send us your booking number", RequestedBy: "router"}, 1)
	a = r.env.WaitAction(t, a.ID, 5*time.Second)
	psid := r.srv.PSID(g.ID)
	if psid == g.ID {
		t.Fatalf("the fake gives %s the same id in Messenger", g.ID)
	}
	if a.State != inbox.StateSent || a.Recipient != psid {
		t.Fatalf("private reply: %+v; want sent with recipient %s", a, psid)
	}
	sent := r.srv.SentMessages()
	if len(sent) != 1 || sent[0].RecipientID != psid {
		t.Fatalf("sent = %+v", sent)
	}

	thread := sent[0].ConversationID
	r.srv.AddMessage(thread, g, "It is AB123", time.Time{})
	otherThread := r.srv.ConversationOf(r.srv.AddMessage("", other, "Me too, CD456", time.Time{}))
	priv := r.conversation(inbox.Private, thread)
	otherPriv := r.conversation(inbox.Private, otherThread)
	if priv.Customer.ExternalID != psid || otherPriv.Customer.ExternalID != r.srv.PSID(other.ID) {
		t.Fatalf("Messenger customers %q and %q; want PSIDs", priv.Customer.ExternalID, otherPriv.Customer.ExternalID)
	}
	pub, err := r.env.Store.Conversation(t.Context(), pub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if priv.LinkedConversation != pub.ID || pub.LinkedConversation != priv.ID {
		t.Fatalf("links: private→%d public→%d; want %d and %d", priv.LinkedConversation, pub.LinkedConversation, pub.ID, priv.ID)
	}
	if !priv.HasFlag(inbox.FlagMovedToPrivate) || !pub.HasFlag(inbox.FlagMovedToPrivate) {
		t.Errorf("flags %v / %v lack %s", priv.Flags, pub.Flags, inbox.FlagMovedToPrivate)
	}
	if otherPub, err = r.env.Store.Conversation(t.Context(), otherPub.ID); err != nil {
		t.Fatal(err)
	}
	if otherPriv.LinkedConversation != 0 || otherPub.LinkedConversation != 0 {
		t.Errorf("the commenter without a private reply was linked: %+v / %+v", otherPriv, otherPub)
	}
}

// TestMessengerWindows: RESPONSE inside 24 h, HUMAN_AGENT only for a
// human between 24 h and 7 days, refusals otherwise.
func TestMessengerWindows(t *testing.T) {
	r := newRig(t, fbfake.Options{}, nil)
	now := time.Now()
	r.srv.AddMessage("t_1", guest(1), "recent", now.Add(-time.Hour))
	r.srv.AddMessage("t_2", guest(2), "yesterday", now.Add(-30*time.Hour))
	r.srv.AddMessage("t_3", guest(3), "last week", now.Add(-8*24*time.Hour))
	r.start()

	send := func(thread, recipient, by string) inbox.Action {
		c := r.conversation(inbox.Private, thread)
		a := r.env.Action(t, inbox.Action{ConversationID: c.ID, Platform: inbox.Facebook, Kind: inbox.SendDM,
			Key: fmt.Sprintf("%s:%s:%d", thread, by, time.Now().UnixNano()), Recipient: recipient, Text: "Hello from the team", RequestedBy: by}, 1)
		return r.env.WaitAction(t, a.ID, 5*time.Second)
	}
	if a := send("t_1", guest(1).ID, "router"); a.State != inbox.StateSent {
		t.Errorf("router inside 24h: %+v", a)
	}
	if a := send("t_2", guest(2).ID, "agent:ann"); a.State != inbox.StateSent {
		t.Errorf("agent after 30h: %+v", a)
	}
	if a := send("t_2", guest(2).ID, "router"); a.State != inbox.StateFailed || !strings.Contains(a.Error, "24-hour window") {
		t.Errorf("router after 30h: %+v", a)
	}
	if a := send("t_3", guest(3).ID, "agent:ann"); a.State != inbox.StateFailed || !strings.Contains(a.Error, "7-day window") {
		t.Errorf("agent after 8 days: %+v", a)
	}
	sent := r.srv.SentMessages()
	if len(sent) != 2 || sent[0].MessagingType != TypeResponse || sent[0].Tag != "" ||
		sent[1].MessagingType != TypeMessageTag || sent[1].Tag != TagHumanAgent || sent[1].RecipientID != guest(2).ID {
		t.Fatalf("sent = %+v", sent)
	}
}

// TestHideAndReply: hiding and a public reply are sent and recorded; the
// Page's reply does not come back as a customer item.
func TestHideAndReply(t *testing.T) {
	r := newRig(t, fbfake.Options{}, nil)
	post := r.srv.AddPagePost("Deals", time.Now().Add(-time.Hour))
	spam := r.srv.AddComment(post, "", guest(1), "buy followers", time.Now().Add(-time.Minute))
	q := r.srv.AddComment(post, "", guest(2), "is the pool open?", time.Now().Add(-time.Minute))
	r.start()
	c1 := r.conversation(inbox.Public, CommentThread(post, guest(1).ID, true))
	c2 := r.conversation(inbox.Public, CommentThread(post, guest(2).ID, true))

	h := r.env.Action(t, inbox.Action{ConversationID: c1.ID, Platform: inbox.Facebook, Kind: inbox.Hide, Key: "hide:" + spam, Target: spam, RequestedBy: "router"}, 1)
	if h = r.env.WaitAction(t, h.ID, 5*time.Second); h.State != inbox.StateSent || h.PlatformID != "" || !r.srv.Hidden(spam) {
		t.Fatalf("hide: %+v hidden=%v", h, r.srv.Hidden(spam))
	}
	rp := r.env.Action(t, inbox.Action{ConversationID: c2.ID, Platform: inbox.Facebook, Kind: inbox.Reply, Key: "reply:" + q, Target: q, Text: "Yes, 8 to 20.", RequestedBy: "agent:ann"}, 1)
	rp = r.env.WaitAction(t, rp.ID, 5*time.Second)
	replies := r.srv.Replies()
	if rp.State != inbox.StateSent || len(replies) != 1 || replies[0].ID != rp.PlatformID || replies[0].Target != q {
		t.Fatalf("reply: %+v, fake: %+v", rp, replies)
	}
	r.waitPolls(6)
	if n := len(r.externalIDs()); n != 2 {
		t.Fatalf("%d inbound items, want 2", n)
	}
}

// TestAppsecretProof: with app_secret set every call, paging links
// included, carries appsecret_proof = hex HMAC-SHA256(app_secret, token).
func TestAppsecretProof(t *testing.T) {
	const secret = "app-s3cret"
	r := newRig(t, fbfake.Options{AppSecret: secret, MaxPageSize: 20}, func(c *Config) { c.AppSecret = secret; c.PageSize = 20 })
	tr := &traffic{want: map[string]bool{}}
	addConversations(r, tr, 0, 1, 50, time.Now().Add(-time.Hour))
	post := r.srv.AddPagePost("Deals", time.Now().Add(-time.Hour))
	addComments(r, tr, post, 30, time.Now().Add(-time.Hour))
	r.start()
	r.waitStored(tr.want, 10*time.Second)
	c := r.conversation(inbox.Public, CommentThread(post, guest(100).ID, true))
	var target string
	for id := range tr.want {
		if m := r.externalIDs()[id]; m.ConversationID == c.ID {
			target = id
			break
		}
	}
	a := r.env.Action(t, inbox.Action{ConversationID: c.ID, Platform: inbox.Facebook, Kind: inbox.Reply, Key: "reply:1", Target: target, Text: "thanks", RequestedBy: "router"}, 1)
	if a = r.env.WaitAction(t, a.ID, 5*time.Second); a.State != inbox.StateSent {
		t.Fatalf("reply: %+v", a)
	}

	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(testToken))
	want := hex.EncodeToString(mac.Sum(nil))
	paging, posts := 0, 0
	for _, call := range r.srv.Calls() {
		if got := call.Params.Get("appsecret_proof"); got != want {
			t.Fatalf("%s %s?%s: appsecret_proof %q, want %q", call.Method, call.Path, call.Query.Encode(), got, want)
		}
		if call.Query.Get("after") != "" {
			paging++
		}
		if call.Method == "POST" && call.Form.Get("appsecret_proof") == want {
			posts++
		}
	}
	if paging == 0 || posts != 1 {
		t.Fatalf("paging calls %d, POSTs with proof %d", paging, posts)
	}
	if strings.Contains(r.logs.String(), secret) || strings.Contains(r.logs.String(), want) {
		t.Fatal("logs hold the secret or the proof")
	}
}

// TestMalformedSkipped: broken items and a broken page are skipped, logged
// without text and counted; everything else is ingested, and the broken
// page's conversation is read again.
func TestMalformedSkipped(t *testing.T) {
	r := newRig(t, fbfake.Options{}, nil)
	tr := &traffic{want: map[string]bool{}}
	base := time.Now().Add(-time.Hour)
	tr.add(r.srv.AddMessage("t_good", guest(1), "good one", base), "good one")
	tr.add(r.srv.AddMessage("t_bad", guest(2), "survivor 1", base), "survivor 1")
	r.srv.AddRawMessage("t_bad", `{"id":"m_badtime","message":"raw text A","from":{"id":"9"},"created_time":"yesterday"}`, base.Add(time.Second))
	r.srv.AddRawMessage("t_bad", `{"message":"raw text B","created_time":"2024-01-01T00:00:00+0000"}`, base.Add(2*time.Second))
	r.srv.AddRawMessage("t_bad", `{"id":"m_wrongtype","message":["raw text C"],"from":{"id":"9"},"created_time":"2024-01-01T00:00:00+0000"}`, base.Add(3*time.Second))
	tr.add(r.srv.AddMessage("t_bad", guest(2), "survivor 2", base.Add(4*time.Second)), "survivor 2")
	// t_flaky has more messages than a page (50): the rest is read
	// with paging.next, whose page comes back broken, twice.
	for i := range 60 {
		text := fmt.Sprintf("flaky one %d", i)
		tr.add(r.srv.AddMessage("t_flaky", guest(3), text, base.Add(time.Duration(i)*time.Second)), text)
	}
	post := r.srv.AddPagePost("Deals", base)
	r.srv.AddRawComment(post, `{"id":"c_noauthor","message":"raw text D","created_time":"2024-01-01T00:00:00+0000"}`, base.Add(time.Second))
	r.srv.AddRawComment(post, `"raw text E"`, base.Add(2*time.Second))
	tr.add(r.srv.AddComment(post, "", guest(4), "good comment", base.Add(3*time.Second)), "good comment")
	// One conversation's second page of messages comes back as invalid
	// JSON, twice.
	r.srv.Inject(fbfake.Fault{Body: `{"data":[{"id":"m_x","message":"raw text F"`, Path: "t_flaky/messages", Times: 2})

	r.start()
	r.waitStored(tr.want, 10*time.Second)
	for reason, min := range map[string]float64{"bad_time": 1, "missing_id": 1, "bad_shape": 2, "missing_author": 1, "invalid_json": 2} {
		if got := testutil.ToFloat64(r.env.Metrics.Skipped.WithLabelValues("facebook", reason)); got < min {
			t.Errorf("skipped %s = %v, want ≥ %v", reason, got, min)
		}
	}
	logs := r.logs.String()
	if !strings.Contains(logs, "skipped malformed facebook item") {
		t.Error("skips must be logged")
	}
	for _, s := range []string{"raw text", "yesterday"} {
		if strings.Contains(logs, s) {
			t.Errorf("logs hold %q", s)
		}
	}
	r.checkLogs(tr)
}
