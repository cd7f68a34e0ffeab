package router

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
)

// TestRetentionRedactsPrivateSecrets runs the retention job on a real
// SQLite store: a closed conversation's private booking number and PIN,
// in the customer's messages and in an agent's sent reply, stay while the
// retention lasts and are redacted in place after it, with an audit
// entry; open conversations, and one reopened by the customer, keep
// theirs; the company's own number is kept.
func TestRetentionRedactsPrivateSecrets(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	cfg := testConfig()
	cfg.Contact.Phone = "800 555 0199"
	secret := "booking 4821553907, PIN 5566, call me back or call 800 555 0199"
	msg := func(id, author string) inbox.Inbound {
		in := fbMessage(id, author, secret)
		in.CreatedAt = time.Now().Add(-time.Hour)
		return in
	}
	res, err := st.Ingest(ctx, []store.Item{
		{Message: msg("m-closed", "70")}, {Message: msg("m-open", "71")}, {Message: msg("m-later", "72")}, {Message: msg("m-reopened", "73")},
	})
	if err != nil {
		t.Fatal(err)
	}
	closedID, openID, laterID, reopenedID := res[0].ConversationID, res[1].ConversationID, res[2].ConversationID, res[3].ConversationID
	// An agent's reply that repeats the booking number, sent.
	reply, _, err := st.CreateAction(ctx, inbox.Action{Platform: inbox.Facebook, Kind: inbox.SendDM, ConversationID: closedID,
		Key: "agent:reply:1", Recipient: "70", Text: "Booking 4821553907 is confirmed", RequestedBy: "agent:ann"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.BeginSend(ctx, reply.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FinishSend(ctx, reply.ID, store.Result{State: inbox.StateSent, PlatformID: "mid.1"}); err != nil {
		t.Fatal(err)
	}
	closed := inbox.Closed
	for _, id := range []int64{closedID, reopenedID} {
		if _, err := st.UpdateConversation(ctx, id, store.Update{Status: &closed}); err != nil {
			t.Fatal(err)
		}
	}
	// The customer writes again: the conversation reopens.
	if _, err := st.Ingest(ctx, []store.Item{{Message: msg("m-reopened-2", "73")}}); err != nil {
		t.Fatal(err)
	}
	closedAt := time.Now()

	var now time.Time
	job, err := NewRetention(cfg, RetentionDeps{Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	texts := func(id int64) string {
		t.Helper()
		ms, err := st.Messages(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		acts, err := st.Actions(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, m := range ms {
			b.WriteString(m.Text + "\n")
		}
		for _, a := range acts {
			b.WriteString(a.Text + "\n")
		}
		return b.String()
	}
	kept := func(id int64) bool {
		s := texts(id)
		return strings.Contains(s, "4821553907") && strings.Contains(s, "5566")
	}

	// 29 days after the close: everything is kept.
	now = closedAt.Add(29 * 24 * time.Hour)
	if r, err := job.RunOnce(ctx); err != nil || r.Texts != 0 {
		t.Fatalf("pass within the retention: %+v, %v", r, err)
	}
	if !kept(closedID) {
		t.Fatalf("redacted within the retention:\n%s", texts(closedID))
	}

	// The later conversation closes after closedAt; 30 days after
	// closedAt, only the first is past the retention.
	if _, err := st.UpdateConversation(ctx, laterID, store.Update{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	laterClosedAt := time.Now()
	now = closedAt.Add(30 * 24 * time.Hour)
	r, err := job.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The customer's message, the sent reply and its outbound message.
	if r.Conversations != 1 || r.Texts != 3 {
		t.Errorf("pass after the retention: %+v, want 1 conversation, 3 texts", r)
	}
	got := texts(closedID)
	for _, leak := range []string{"4821553907", "5566"} {
		if strings.Contains(got, leak) {
			t.Errorf("closed conversation still holds %s:\n%s", leak, got)
		}
	}
	if !strings.Contains(got, "[booking number]") || !strings.Contains(got, "[PIN]") || !strings.Contains(got, "800 555 0199") {
		t.Errorf("closed conversation reads:\n%s", got)
	}
	for name, id := range map[string]int64{"open": openID, "reopened": reopenedID, "closed later": laterID} {
		if !kept(id) {
			t.Errorf("%s conversation lost its secrets:\n%s", name, texts(id))
		}
	}
	trail, err := st.AuditTrail(ctx, closedID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(trail); n == 0 || trail[n-1].Action != AuditRetention || trail[n-1].Actor != RequestedByRouter {
		t.Errorf("audit trail %+v, want a %s entry by the router", trail, AuditRetention)
	}

	// Later passes pick up the conversation closed later, and nothing
	// else changes.
	now = laterClosedAt.Add(31 * 24 * time.Hour)
	if r, err := job.RunOnce(ctx); err != nil || r.Conversations != 1 || r.Texts != 1 {
		t.Errorf("pass after the later close: %+v, %v; want 1 conversation, 1 text", r, err)
	}
	if kept(laterID) || !kept(openID) || !kept(reopenedID) {
		t.Errorf("after the later pass: later %q, open kept %v, reopened kept %v", texts(laterID), kept(openID), kept(reopenedID))
	}
	if r, err := job.RunOnce(ctx); err != nil || r.Texts != 0 {
		t.Errorf("a pass with nothing new: %+v, %v", r, err)
	}
}

func TestRetentionConfig(t *testing.T) {
	c := testConfig().WithDefaults()
	if c.Retention.PrivateSecrets != 30*24*time.Hour {
		t.Errorf("default private_secrets %s, want 720h", c.Retention.PrivateSecrets)
	}
	c.Retention.PrivateSecrets = time.Minute
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "retention.private_secrets: 1m0s is too short") {
		t.Errorf("a one-minute retention: %v", err)
	}
	if _, err := NewRetention(testConfig(), RetentionDeps{}); err == nil {
		t.Error("NewRetention without a store succeeded")
	}
}
