package facebook

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
)

func TestMessagingType(t *testing.T) {
	now := time.Date(2024, 6, 10, 12, 0, 0, 0, time.UTC)
	h := time.Hour
	tests := []struct {
		name     string
		age      time.Duration // since the customer's last message; <0: never wrote
		by       string
		wantType string
		wantTag  string
		wantErr  string // substring of the refusal
	}{
		{"router just now", 0, "router", TypeResponse, "", ""},
		{"router 23h59m", 24*h - time.Minute, "router", TypeResponse, "", ""},
		{"agent 1h", h, "agent:ann", TypeResponse, "", ""},
		{"router exactly 24h", 24 * h, "router", "", "", "24-hour window"},
		{"router 30h", 30 * h, "router", "", "", "only a reply written by a human agent"},
		{"agent exactly 24h", 24 * h, "agent:ann", TypeMessageTag, TagHumanAgent, ""},
		{"agent 6d23h", 7*24*h - h, "agent:ann", TypeMessageTag, TagHumanAgent, ""},
		{"agent exactly 7d", 7 * 24 * h, "agent:ann", "", "", "7-day window"},
		{"agent 30d", 30 * 24 * h, "agent:ann", "", "", "7-day window"},
		{"router 8d", 8 * 24 * h, "router", "", "", "7-day window"},
		{"malformed requester", 30 * h, "agent:", "", "", "24-hour window"},
		{"customer never wrote", -1, "agent:ann", "", "", "has not"},
		{"clock skew: message in the future", -time.Minute, "router", TypeResponse, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := inbox.Action{Kind: inbox.SendDM, RequestedBy: tc.by}
			switch {
			case tc.age == -1:
			default:
				a.LastCustomerMessageAt = now.Add(-tc.age)
			}
			mt, tag, err := MessagingType(a, now)
			if tc.wantErr != "" {
				if !errors.Is(err, connectors.ErrRefused) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a refusal mentioning %q", err, tc.wantErr)
				}
				if mt != "" || tag != "" {
					t.Fatalf("a refusal must not come with a type: %q %q", mt, tag)
				}
				return
			}
			if err != nil || mt != tc.wantType || tag != tc.wantTag {
				t.Fatalf("got %q %q %v, want %q %q", mt, tag, err, tc.wantType, tc.wantTag)
			}
		})
	}
}

func TestCheckPrivateReply(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		age  time.Duration
		want bool
	}{{time.Minute, true}, {6 * 24 * time.Hour, true}, {7 * 24 * time.Hour, false}, {10 * 24 * time.Hour, false}} {
		err := CheckPrivateReply(inbox.Action{LastCustomerMessageAt: now.Add(-tc.age)}, now)
		if (err == nil) != tc.want || (err != nil && (!errors.Is(err, connectors.ErrRefused) || !strings.Contains(err.Error(), "7-day window"))) {
			t.Errorf("age %s: %v", tc.age, err)
		}
	}
	if err := CheckPrivateReply(inbox.Action{}, now); !errors.Is(err, connectors.ErrRefused) {
		t.Errorf("unknown time: %v", err)
	}
	if PrivateReplyKey("123_456") != "facebook:private_reply:123_456" {
		t.Error(PrivateReplyKey("123_456"))
	}
}

// TestSendRefusesWithoutCalling checks the refusals decided before any
// call: an unreachable Graph URL proves no call is made.
func TestSendRefusesWithoutCalling(t *testing.T) {
	c := newTestConnector(t)
	st := c.store.(*memStore)
	now := time.Now()
	st.actions = []inbox.Action{{ID: 1, ConversationID: 7, Kind: inbox.PrivateReply, Target: "55_66", Key: "other", State: inbox.StateUnknown}}
	for name, a := range map[string]inbox.Action{
		"dm outside 7 days":  {Kind: inbox.SendDM, Recipient: "1", Text: "hi", RequestedBy: "agent:ann", LastCustomerMessageAt: now.Add(-8 * 24 * time.Hour)},
		"empty dm":           {Kind: inbox.SendDM, Recipient: "1", Text: " ", RequestedBy: "agent:ann", LastCustomerMessageAt: now},
		"second private":     {ID: 2, ConversationID: 7, Kind: inbox.PrivateReply, Target: "55_66", Text: "hi", LastCustomerMessageAt: now},
		"old private":        {ID: 3, ConversationID: 8, Kind: inbox.PrivateReply, Target: "55_77", Text: "hi", LastCustomerMessageAt: now.Add(-7 * 24 * time.Hour)},
		"follow on facebook": {Kind: inbox.Follow, Recipient: "1"},
	} {
		if _, err := c.Send(t.Context(), a); !errors.Is(err, connectors.ErrRefused) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !c.isPostID(testPage+"_123") || c.isPostID("123_456") {
		t.Error("isPostID")
	}
}
