package twittertext_test

import (
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/connectors/twitter/twittertext"
)

func TestLength(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"hello world", 11},
		{"DM us: https://twitter.com/messages/compose?recipient_id=123456789012345", 7 + 23},
		{"see help.example.com.", 4 + 23 + 1},
		{"mail me at a@b.com", 18},
		{"version 1.2", 11},
		{"日本語", 6},
		{"ok 👍", 5},
		{strings.Repeat("a", 280), 280},
	}
	for _, tt := range tests {
		if got := twittertext.Length(tt.in); got != tt.want {
			t.Errorf("Length(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestDMLink(t *testing.T) {
	if got := twittertext.DMLink("1072250532645998596"); got != "https://twitter.com/messages/compose?recipient_id=1072250532645998596" {
		t.Fatal(got)
	}
}
