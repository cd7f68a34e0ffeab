package router

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/twitter/twittertext"
	"github.com/inboxbot/inboxbot/inbox"
)

// TestPolicyRules runs the whole chain on one item of each kind and case,
// on both platforms, and checks what was decided.
func TestPolicyRules(t *testing.T) {
	link := twittertext.DMLink(ourTwitterID)
	tests := []struct {
		name    string
		cfg     func(*Config)
		in      inbox.Inbound
		actions []string
		flags   []string
		status  inbox.Status
		link    bool
		check   func(t *testing.T, d Decision)
	}{
		// Twitter mentions.
		{
			name: "English tweet needing help gets a DM invitation", in: tweet("101", "1", "@support my room is not ready, can you help?"),
			actions: []string{"reply:dm_invite"},
			check: func(t *testing.T, d Decision) {
				a := d.Actions[0]
				if !strings.Contains(a.Text, link) || a.Target != "101" {
					t.Errorf("invitation %+v: want the deep link %s, target 101", a, link)
				}
				if !strings.HasPrefix(a.Key, "twitter:dm_invite:1:") {
					t.Errorf("key %q: want a time-bucketed key per customer", a.Key)
				}
			},
		},
		{name: "thank-you tweet gets nothing", in: tweet("102", "1", "@support thanks, great service! 👍"), actions: nil},
		{name: "emoji-only tweet gets nothing", in: tweet("103", "1", "@support 🙏🙏"), actions: nil},
		{
			name: "non-English tweet: notice and invitation in one English reply, pending", in: tweet("104", "2", "[es] hola, necesito ayuda con mi reserva"),
			actions: []string{"reply:non_english_notice+dm_invite"}, flags: []string{inbox.FlagNonEnglish}, status: inbox.Pending,
			check: func(t *testing.T, d Decision) {
				txt := d.Actions[0].Text
				for _, want := range []string{"English", "https://facebook.com/ExampleHotels", "+1 800 555 0100", "help@example.com", "https://help.example.com", link} {
					if !strings.Contains(txt, want) {
						t.Errorf("reply %q lacks %q", txt, want)
					}
				}
				if d.Language != "es" || d.English != "false" {
					t.Errorf("language %q english %q", d.Language, d.English)
				}
			},
		},
		{
			name: "Spanish tweet with a booking number: delete request, notice and invitation in one reply", in: tweet("105", "3", "[es] mi reserva 1234567890 no aparece"),
			actions: []string{"reply:pii_notice+non_english_notice+dm_invite"}, flags: []string{inbox.FlagPIIRedacted, inbox.FlagNonEnglish}, status: inbox.Pending,
			check: func(t *testing.T, d Decision) {
				a := d.Actions[0]
				if n := TweetLength(a.Text); n > MaxTweet {
					t.Errorf("reply is %d characters", n)
				}
				if !strings.HasPrefix(a.Text, "Hi Ann! Please delete your tweet") || strings.Contains(a.Text, "1234567890") {
					t.Errorf("reply %q", a.Text)
				}
				if a.Key != "twitter:reply:105" {
					t.Errorf("key %q: a delete request is owed to this very tweet", a.Key)
				}
				if d.Text != "[es] mi reserva [booking number] no aparece" {
					t.Errorf("stored text %q", d.Text)
				}
				if len(d.Findings) != 1 || d.Findings[0].Kind != "booking_number" || d.Findings[0].Start != 16 || d.Findings[0].End != 26 {
					t.Errorf("findings %+v", d.Findings)
				}
			},
		},
		{
			name: "English tweet with a PIN: delete request and invitation", in: tweet("106", "4", "booking 1234567890, my pin is 4321, help"),
			actions: []string{"reply:pii_notice+dm_invite"}, flags: []string{inbox.FlagPIIRedacted},
			check: func(t *testing.T, d Decision) {
				if strings.Contains(d.Text, "4321") || strings.Contains(d.Text, "1234567890") || len(d.Findings) != 2 {
					t.Errorf("stored %q with findings %+v", d.Text, d.Findings)
				}
			},
		},
		{
			name: "unsure tweet is treated as English and flagged", in: tweet("107", "5", "[unsure] hotel room?"),
			actions: []string{"reply:dm_invite"}, flags: []string{inbox.FlagLanguageUnsure},
		},
		{
			name: "our own tweet gets nothing, but is stored redacted", in: tweet("108", ourTwitterID, "booking 1234567890 is confirmed, help"),
			actions: nil, flags: []string{inbox.FlagPIIRedacted},
			check: func(t *testing.T, d Decision) {
				if strings.Contains(d.Text, "1234567890") {
					t.Errorf("stored %q", d.Text)
				}
			},
		},
		{
			name: "follow is added to the invitation when on", cfg: func(c *Config) { c.Twitter.Follow = true },
			in: tweet("109", "6", "need help with my booking"), actions: []string{"follow:follow", "reply:dm_invite"},
			check: func(t *testing.T, d Decision) {
				if a := d.Actions[0]; a.Recipient != "6" || a.Key != "twitter:follow:6" {
					t.Errorf("follow %+v", a)
				}
			},
		},
		{
			name: "invitations off: an English tweet gets nothing", cfg: func(c *Config) { c.Twitter.InviteDM = ptr(false) },
			in: tweet("110", "7", "need help with my booking"), actions: nil,
		},
		{
			name: "invitations off: a Spanish tweet gets the notice only", cfg: func(c *Config) { c.Twitter.InviteDM = ptr(false) },
			in: tweet("111", "7", "[es] necesito ayuda"), actions: []string{"reply:non_english_notice"}, flags: []string{inbox.FlagNonEnglish}, status: inbox.Pending,
		},
		{
			name: "English-only notice off: flagged and pending, invitation only", cfg: func(c *Config) { c.Twitter.EnglishOnly = ptr(false) },
			in: tweet("112", "8", "[es] necesito ayuda"), actions: []string{"reply:dm_invite"}, flags: []string{inbox.FlagNonEnglish}, status: inbox.Pending,
		},
		// Twitter DMs.
		{
			name: "English DM: linked, stored as sent with findings, no action", in: twitterDM("201", "9", "my booking is 1234567890"),
			actions: nil, link: true,
			check: func(t *testing.T, d Decision) {
				if d.Text != "my booking is 1234567890" || len(d.Findings) != 1 || slices.Contains(d.Flags, inbox.FlagPIIRedacted) {
					t.Errorf("stored %q findings %+v flags %v", d.Text, d.Findings, d.Flags)
				}
			},
		},
		{
			name: "non-English DM gets the notice by DM", in: twitterDM("202", "10", "[it] ho bisogno di aiuto"),
			actions: []string{"dm:non_english_notice"}, flags: []string{inbox.FlagNonEnglish}, status: inbox.Pending, link: true,
			check: func(t *testing.T, d Decision) {
				if a := d.Actions[0]; a.Recipient != "10" || !strings.Contains(a.Text, "English") {
					t.Errorf("notice %+v", a)
				}
			},
		},
		{name: "our own DM gets nothing and no link", in: twitterDM("203", ourTwitterID, "[es] hola"), actions: nil},
		// Facebook comments and posts.
		{
			name: "English comment: Private Reply and public acknowledgement", in: fbComment("c1", "20", "Is breakfast included in my booking?"),
			actions: []string{"private_reply:private_reply", "reply:public_ack"},
			check: func(t *testing.T, d Decision) {
				pr := d.Actions[0]
				if pr.Key != "facebook:private_reply:c1" || pr.Target != "c1" || !strings.HasPrefix(pr.Text, "Hi Marco,") || !pr.LastCustomerMessageAt.Equal(d.Message.CreatedAt) {
					t.Errorf("private reply %+v", pr)
				}
				if ack := d.Actions[1]; ack.Target != "c1" || ack.Key != "facebook:reply:c1" || ack.Text != "Thanks! We've sent you a private message." {
					t.Errorf("ack %+v", ack)
				}
			},
		},
		{
			name: "Italian comment is answered in Italian", in: fbComment("c2", "21", "[it] la colazione è inclusa?"),
			actions: []string{"private_reply:private_reply", "reply:public_ack"},
			check: func(t *testing.T, d Decision) {
				if !strings.HasPrefix(d.Actions[0].Text, "Ciao Marco,") || d.Actions[1].Text != "Grazie! Ti abbiamo inviato un messaggio privato." {
					t.Errorf("texts %q / %q", d.Actions[0].Text, d.Actions[1].Text)
				}
				if slices.Contains(d.Flags, inbox.FlagNonEnglish) || d.Status != "" {
					t.Errorf("Facebook is served in every language; flags %v status %q", d.Flags, d.Status)
				}
			},
		},
		{
			name: "comment in a language without templates is answered in English", in: fbComment("c3", "22", "[sw] naomba msaada"),
			actions: []string{"private_reply:private_reply", "reply:public_ack"},
			check: func(t *testing.T, d Decision) {
				if !strings.HasPrefix(d.Actions[0].Text, "Hi Marco,") {
					t.Errorf("private reply %q", d.Actions[0].Text)
				}
			},
		},
		{
			name: "comment with a booking number is hidden; the Private Reply says why; no public reply", in: fbComment("c4", "23", "[de] meine Buchung 1234567890 fehlt"),
			actions: []string{"hide:pii_hide", "private_reply:private_reply"}, flags: []string{inbox.FlagPIIRedacted},
			check: func(t *testing.T, d Decision) {
				if d.Actions[0].Target != "c4" || d.Actions[0].Key != "facebook:hide:c4" {
					t.Errorf("hide %+v", d.Actions[0])
				}
				if !strings.Contains(d.Actions[1].Text, "ausgeblendet") || strings.Contains(d.Actions[1].Text, "1234567890") {
					t.Errorf("private reply %q", d.Actions[1].Text)
				}
			},
		},
		{
			name: "comment with a booking number, hiding off: delete request and acknowledgement in one reply", cfg: func(c *Config) { c.Facebook.HidePII = ptr(false) },
			in: fbComment("c5", "24", "my booking 1234567890 is missing"), actions: []string{"private_reply:private_reply", "reply:pii_notice+public_ack"}, flags: []string{inbox.FlagPIIRedacted},
		},
		{
			name: "visitor post with a booking number cannot be hidden: delete request and acknowledgement", in: fbPost(ourPageID+"_77", "25", "[fr] ma réservation 1234567890 a disparu"),
			actions: []string{"private_reply:private_reply", "reply:pii_notice+public_ack"}, flags: []string{inbox.FlagPIIRedacted},
			check: func(t *testing.T, d Decision) {
				if !strings.HasPrefix(d.Actions[1].Text, "Pour votre sécurité") || d.Actions[0].Key != "facebook:private_reply:"+ourPageID+"_77" {
					t.Errorf("actions %+v", d.Actions)
				}
			},
		},
		{name: "thank-you comment gets nothing", in: fbComment("c6", "26", "Grazie mille! 😍"), actions: nil},
		{name: "the Page's own comment gets nothing", in: fbComment("c7", ourPageID, "We are happy to help, send us a message"), actions: nil},
		{
			name: "comment older than 7 days gets no Private Reply", in: func() inbox.Inbound {
				in := fbComment("c8", "27", "where is my refund?")
				in.CreatedAt = testNow.Add(-8 * 24 * time.Hour)
				return in
			}(), actions: nil,
		},
		{
			name: "acknowledgement off: Private Reply only", cfg: func(c *Config) { c.Facebook.PublicAck = ptr(false) },
			in: fbComment("c9", "28", "where is my refund?"), actions: []string{"private_reply:private_reply"},
		},
		{
			name: "Private Replies off: nothing", cfg: func(c *Config) { c.Facebook.PrivateReply, c.Facebook.PublicAck = ptr(false), ptr(false) },
			in: fbComment("c10", "29", "where is my refund?"), actions: nil,
		},
		// Facebook Messenger.
		{
			name: "Messenger message: linked, stored as sent, findings recorded", in: fbMessage("m1", "30", "[es] mi PIN es 4321"),
			actions: nil, link: true,
			check: func(t *testing.T, d Decision) {
				if d.Text != "[es] mi PIN es 4321" || len(d.Findings) != 1 || d.Findings[0].Kind != "pin" {
					t.Errorf("stored %q findings %+v", d.Text, d.Findings)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			d := decide(t, newPolicy(t, cfg, nil), tc.in)
			if got := actionsOf(d); !slices.Equal(got, tc.actions) {
				t.Fatalf("actions %v, want %v", got, tc.actions)
			}
			for _, f := range tc.flags {
				if !slices.Contains(d.Flags, f) {
					t.Errorf("flags %v lack %s", d.Flags, f)
				}
			}
			if len(d.Flags) != len(tc.flags) {
				t.Errorf("flags %v, want %v", d.Flags, tc.flags)
			}
			if d.Status != tc.status || d.Link != tc.link {
				t.Errorf("status %q link %v, want %q %v", d.Status, d.Link, tc.status, tc.link)
			}
			for _, a := range d.Actions {
				if a.Platform != tc.in.Platform || a.RequestedBy != "router" || a.Key == "" {
					t.Errorf("action %+v", a)
				}
				if a.Kind.Public() && TweetLength(a.Text) > MaxTweet && a.Platform == inbox.Twitter {
					t.Errorf("tweet of %d characters", TweetLength(a.Text))
				}
			}
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestPrivateCardNumberKeepsLastFourOnly: a card number sent in private
// is never stored, only its last four digits; a booking number there is
// kept for agents.
func TestPrivateCardNumberKeepsLastFourOnly(t *testing.T) {
	p := newPolicy(t, testConfig(), nil)
	d := Decision{Message: twitterDM("d1", "9", "card 4111 1111 1111 1111 for booking 4821553907"), Text: "card 4111 1111 1111 1111 for booking 4821553907"}
	if err := p.Apply(context.Background(), &d); err != nil {
		t.Fatal(err)
	}
	if d.Text != "card [card •••• 1111] for booking 4821553907" {
		t.Errorf("stored %q", d.Text)
	}
}
