package inbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
)

func TestInboundValidate(t *testing.T) {
	ok := inbox.Inbound{V: 1, Platform: inbox.Twitter, Kind: inbox.Mention, ExternalID: "1", Thread: "9", Author: inbox.Author{ID: "9"}, CreatedAt: time.Now()}
	tests := []struct {
		name   string
		modify func(m *inbox.Inbound)
		want   string
	}{
		{"valid", func(*inbox.Inbound) {}, ""},
		{"future schema", func(m *inbox.Inbound) { m.V = 2 }, "schema version"},
		{"unknown platform", func(m *inbox.Inbound) { m.Platform = "myspace" }, "platform"},
		{"kind of another platform", func(m *inbox.Inbound) { m.Kind = inbox.Comment }, "not valid on twitter"},
		{"no id", func(m *inbox.Inbound) { m.ExternalID = "" }, "external_id"},
		{"no thread", func(m *inbox.Inbound) { m.Thread = "" }, "thread"},
		{"no author", func(m *inbox.Inbound) { m.Author.ID = "" }, "author"},
		{"no time", func(m *inbox.Inbound) { m.CreatedAt = time.Time{} }, "created_at"},
	}
	for _, tt := range tests {
		m := ok
		tt.modify(&m)
		err := m.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
	if got := ok.Subject(); got != "inbox.in.twitter.mention" {
		t.Errorf("Subject = %q", got)
	}
	if got := ok.MsgID(); got != "twitter:mention:1" {
		t.Errorf("MsgID = %q", got)
	}
}

func TestChannelsAndActions(t *testing.T) {
	for k, want := range map[inbox.Kind]inbox.Channel{
		inbox.Message: inbox.Private, inbox.DM: inbox.Private,
		inbox.Post: inbox.Public, inbox.Comment: inbox.Public, inbox.Mention: inbox.Public,
	} {
		if got := k.Channel(); got != want {
			t.Errorf("%s.Channel() = %s, want %s", k, got, want)
		}
	}
	a := inbox.Action{V: 1, Platform: inbox.Facebook, Kind: inbox.PrivateReply, Key: "k", RequestedBy: "agent:ana"}
	if err := a.Validate(); err == nil || !strings.Contains(err.Error(), "target") {
		t.Errorf("private reply without target: %v", err)
	}
	a.Target = "c1"
	if err := a.Validate(); err != nil {
		t.Errorf("valid action: %v", err)
	}
	if !a.ByAgent() || (&inbox.Action{RequestedBy: "router"}).ByAgent() {
		t.Error("ByAgent misreads requested_by")
	}
	if a.Subject() != "inbox.out.facebook.private_reply" || !inbox.Reply.Public() || inbox.SendDM.Public() {
		t.Error("subjects or publicity wrong")
	}
}
