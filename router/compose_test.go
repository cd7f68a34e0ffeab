package router

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/inbox"
)

func TestTweetLength(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"hello", 5},
		{"DM us: https://twitter.com/messages/compose?recipient_id=123456789", 7 + 23},
		{"see help.example.com, thanks", 4 + 23 + 8},
		{"mail help@example.com", 21},
		{"café", 4},
		{"ありがとう", 10},
		{"ok 👍", 5},
	} {
		if got := TweetLength(tc.s); got != tc.want {
			t.Errorf("TweetLength(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

func TestComposeTweet(t *testing.T) {
	pii := part{purpose: PurposePIINotice, text: "Please delete your tweet."}
	notice := part{purpose: PurposeNonEnglishNotice, text: "English only."}
	invite := part{purpose: PurposeDMInvite, text: "DM us: https://twitter.com/messages/compose?recipient_id=1"}

	c := composeTweet("", []part{invite, notice, pii})
	if c.text != "Please delete your tweet. English only. DM us: https://twitter.com/messages/compose?recipient_id=1" || c.purpose() != "pii_notice+non_english_notice+dm_invite" {
		t.Errorf("composed %q as %s", c.text, c.purpose())
	}

	// Too long: the invitation goes first, then the notice; the delete
	// request stays.
	long := part{purpose: PurposeNonEnglishNotice, text: strings.Repeat("English only. ", 18)}
	c = composeTweet("", []part{pii, long, invite})
	if c.purpose() != "pii_notice+non_english_notice" || len(c.dropped) != 1 || TweetLength(c.text) > MaxTweet {
		t.Errorf("composed %q (%d) as %s, dropped %v", c.text, TweetLength(c.text), c.purpose(), c.dropped)
	}
	longer := part{purpose: PurposeNonEnglishNotice, text: strings.Repeat("English only. ", 30)}
	c = composeTweet("", []part{pii, longer, invite})
	if c.purpose() != "pii_notice" || TweetLength(c.text) > MaxTweet {
		t.Errorf("composed %q as %s", c.text, c.purpose())
	}

	// One part alone that is too long is cut at a word, never in a link.
	c = composeTweet("", []part{{purpose: PurposeDMInvite, text: strings.Repeat("word ", 60) + "https://twitter.com/messages/compose?recipient_id=1"}})
	if n := TweetLength(c.text); n > MaxTweet || !strings.HasSuffix(c.text, "word…") {
		t.Errorf("truncated to %q (%d)", c.text, n)
	}
}

// TestComposeDropsSecrets: no automatic action may publish a secret,
// whatever a template or a customer's name holds.
func TestComposeDropsSecrets(t *testing.T) {
	c := compose{inviteWindow: DefaultInviteWindow, noticeWindow: DefaultNoticeWindow, t: newTemplates(testConfig().WithDefaults()), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	d := Decision{Message: tweet("1", "2", "my pin is 4321 and booking 1234567890"), secrets: []string{"4321", "1234567890"}}
	d.replyTarget = "1"
	d.parts = []part{{purpose: PurposeDMInvite, text: "About booking 1234 567 890: DM us"}}
	d.Actions = []inbox.Action{
		{Kind: inbox.SendDM, Text: "your PIN 4321 is safe"},
		{Kind: inbox.Follow},
		{Kind: inbox.SendDM, Text: "nothing secret, call +1 800 555 0100"},
	}
	if err := c.Apply(context.Background(), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Actions) != 2 || d.Actions[0].Kind != inbox.Follow || !strings.HasPrefix(d.Actions[1].Text, "nothing secret") {
		t.Errorf("kept %+v", d.Actions)
	}
}

func TestDigitRuns(t *testing.T) {
	got := strings.Join(digitRuns("PIN 43 21, booking 1234-567-890. Call +1 800 555 0100 or 2.5"), "|")
	if got != "4321|1234567890|18005550100|25" {
		t.Errorf("digit runs %q", got)
	}
}

func TestTemplates(t *testing.T) {
	tm := newTemplates(testConfig().WithDefaults())
	// Every Facebook text exists in the languages customers write in.
	for _, name := range []string{TmplPrivateReply, TmplPublicAck, TmplPIIHidden, TmplPIIDeleteFacebook} {
		for _, lang := range []string{"en", "it", "id", "es", "de", "fr"} {
			if tm.lang(name, lang) != lang {
				t.Errorf("%s has no %s text", name, lang)
			}
		}
	}
	if got := tm.text(TmplPrivateReply, "sw", vars{name: "Asha Juma"}); !strings.HasPrefix(got, "Hi Asha, thanks") {
		t.Errorf("fallback to English: %q", got)
	}
	if got := tm.text(TmplPrivateReply, "es", vars{}); !strings.HasPrefix(got, "Hola, ¡gracias") {
		t.Errorf("without a name: %q", got)
	}
	if got := tm.text(TmplPrivateReply, "en", vars{name: "1234567890 Smith"}); strings.Contains(got, "1234567890") {
		t.Errorf("a name holding a booking number: %q", got)
	}
	if got := tm.text(TmplNonEnglishNotice, "en", vars{}); got != "Our Twitter support is in English. For other languages: https://facebook.com/ExampleHotels, +1 800 555 0100, help@example.com, https://help.example.com" {
		t.Errorf("notice %q", got)
	}
	none := newTemplates(Config{}.WithDefaults())
	if got := none.text(TmplNonEnglishNotice, "en", vars{}); !strings.HasSuffix(got, "our Facebook Page or website") {
		t.Errorf("notice without contacts %q", got)
	}
	if got := placeholdersIn("a {x} b {y}{z} {"); strings.Join(got, ",") != "x,y,z" {
		t.Errorf("placeholders %v", got)
	}
	// The default composition of the three Twitter texts fits a tweet.
	c := composeTweet("Hi Maximiliana!", []part{
		{PurposePIINotice, tm.text(TmplPIIDeleteTweet, "en", vars{})},
		{PurposeNonEnglishNotice, tm.text(TmplNonEnglishNotice, "en", vars{})},
		{PurposeDMInvite, tm.text(TmplDMInvite, "en", vars{dmLink: twitterDMLink("1234567890123456789")})},
	})
	if len(c.dropped) > 0 || TweetLength(c.text) > MaxTweet {
		t.Errorf("default reply %d characters, dropped %v", TweetLength(c.text), c.dropped)
	}
}
