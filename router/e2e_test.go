package router_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/facebook"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/router"
	"github.com/inboxbot/inboxbot/spend"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// secrets are the booking numbers, PINs and card numbers of the burst:
// none may appear in anything public, stored or sent.
var secrets = []string{"4821553907", "1234567890", "9988776655", "5566", "4321", "4111111111111111", "4111 1111 1111 1111"}

// TestEndToEnd sends a burst of mixed traffic through both fakes, both
// connectors' Runners, the real bus, the SQLite store and the router with
// the real policy chain and language detector (loading in the background
// while the burst is already being pulled), and checks that exactly the
// replies, DMs, Private Replies, follows and hides the rules call for were
// made, one each, and that nothing public holds a secret.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("loads language models")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	dir := t.TempDir()
	b, err := bus.Open(ctx, bus.Config{StoreDir: filepath.Join(dir, "nats")}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	st, err := sqlstore.Open(ctx, store.Config{Driver: "sqlite", DSN: filepath.Join(dir, "inboxbot.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, hr := metrics.New(), health.New()

	// The platforms.
	tw := twfake.New(twfake.Options{})
	defer tw.Close()
	const pageID = "1000"
	fb := fbfake.New(fbfake.Options{PageID: pageID, Token: "page-token"})
	defer fb.Close()

	// The connectors.
	ck, cs, at, as := tw.Credentials()
	twc, err := twitter.New(twitter.Config{Enabled: true, ConsumerKey: ck, ConsumerSecret: cs, AccessToken: at, AccessSecret: as,
		APIURL: tw.URLv2(), PollInterval: 100 * time.Millisecond}, st, twitter.WithLogger(log)) // X API v2, the default
	if err != nil {
		t.Fatal(err)
	}
	fbc, err := facebook.New(facebook.Config{Enabled: true, PageID: pageID, PageToken: "page-token", GraphURL: fb.URL(),
		PollInterval: 100 * time.Millisecond, PageSize: 50}, st, facebook.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}

	mention := true
	// The router, with the policy serve builds: the Twitter account id
	// comes from the connector, the Page id from the config.
	cfg := router.Config{
		// v2 defaults: no follow (X removed it), no deep link (a post
		// with a URL costs 13 times more), the customer's @handle first
		// (v2 adds none, and X refuses identical posts).
		Twitter:  router.TwitterPolicy{MentionAuthor: &mention},
		Facebook: router.FacebookPolicy{PageID: pageID},
		Contact:  router.Contact{FacebookPage: "https://facebook.com/HotelHelp", Phone: "+1 800 555 0100", HelpCenter: "https://help.example.com"},
		// A smaller language set than the default keeps this test light
		// (it also runs under -race); the detector is the real one.
		Language: router.LanguageConfig{Languages: []string{"en", "es", "it", "id", "de", "fr", "nl", "pt", "ms"}},
	}
	policy, err := router.NewPolicy(cfg, router.Deps{Store: st, Accounts: router.ConnectorAccounts(twc, router.StaticAccounts{Facebook: pageID}), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	r := router.New(router.Options{Bus: b, Store: st, Policy: policy, Metrics: m, Log: log, Batch: 64})

	// The burst, scripted before anything runs, so that it arrives at once.
	self := tw.Self()
	names := []string{"", "Tom Baker", "Ana Ruiz", "Lucía Gómez", "Sam O'Neill", "Kim Lee", "Giulia Bianchi", "Jo Smith", "Budi Santoso"}
	u := func(n int) twfake.User {
		return twfake.User{ID: int64(5000 + n), ScreenName: fmt.Sprintf("guest%d", n), Name: names[n]}
	}
	wantReplyTo := map[int64]string{} // tweet id -> purpose of its reply
	t1 := tw.AddMention(u(1), "@HotelHelp the air conditioning in my room is broken, can someone help?", "en", 0)
	wantReplyTo[t1] = "dm_invite"
	tw.AddMention(u(1), "@HotelHelp still waiting, it is really hot in here", "en", 0)
	t3 := tw.AddMention(u(2), "@HotelHelp hola, necesito ayuda con mi reserva, no me ha llegado el correo de confirmación", "es", 0)
	wantReplyTo[t3] = "non_english_notice+dm_invite"
	tw.AddMention(u(2), "@HotelHelp ¿alguien me puede responder, por favor?", "es", 0)
	tw.AddDM(u(2), "Hola, ¿me podéis ayudar con la reserva?")
	t6 := tw.AddMention(u(3), "@HotelHelp mi reserva 9988776655 no aparece en la aplicación, ¿qué hago?", "es", 0)
	wantReplyTo[t6] = "pii_notice+non_english_notice+dm_invite"
	t7 := tw.AddMention(u(4), "@HotelHelp I was charged twice for booking 4821553907, my PIN is 4321, please refund", "en", 0)
	wantReplyTo[t7] = "pii_notice+dm_invite"
	tw.AddMention(u(5), "@HotelHelp thanks, great stay! 👍", "en", 0)
	tw.AddDM(u(6), "Ciao, vorrei cambiare la data del mio soggiorno a Roma, è possibile?")
	tw.AddDM(u(7), "My booking number is 1234567890 and the PIN is 5566, the hotel has no reservation")
	tw.AddOwnTweet("@HotelHelp testing our own account, please help", 0)
	t12 := tw.AddMention(u(8), "@HotelHelp halo, saya ingin membatalkan pesanan saya untuk minggu depan", "in", 0)
	wantReplyTo[t12] = "non_english_notice+dm_invite"

	now := time.Now()
	fbNames := []string{"", "Emma Brown", "Liam Wilson", "Marco Rossi", "Sofia Conti", "Noah Davis"}
	g := func(n int) fbfake.User { return fbfake.User{ID: fmt.Sprintf("%d", 20000+n), Name: fbNames[n]} }
	visitorPost := fb.AddPost(g(1), "My booking 1234567890 is missing from the app, please help me", now.Add(-5*time.Minute))
	pagePost := fb.AddPagePost("Summer offers are here!", now.Add(-time.Hour))
	c3 := fb.AddComment(pagePost, "", g(2), "Is breakfast included in the summer offer?", now.Add(-4*time.Minute))
	c4 := fb.AddComment(pagePost, "", g(3), "La mia prenotazione 9988776655 non risulta, potete aiutarmi?", now.Add(-3*time.Minute))
	c5 := fb.AddComment(pagePost, "", g(2), "And is parking free?", now.Add(-2*time.Minute))
	c6 := fb.AddComment(pagePost, "", g(4), "Grazie mille!", now.Add(-2*time.Minute))
	fb.AddMessage("t_77", g(5), "Hi, my PIN is 5566 and my card is 4111 1111 1111 1111, can you check my booking?", now.Add(-time.Minute))
	fb.AddComment(pagePost, "", fb.Page(), "Book now, send us a message for help", now.Add(-90*time.Second))

	// Run everything.
	done := make(chan struct{})
	runners := []*connectors.Runner{
		{Platform: inbox.Twitter, Source: twc, Sender: twc, Bus: b, Store: st, Health: hr, Metrics: m, Log: log, Interval: 100 * time.Millisecond, Poll: true, Send: true},
		{Platform: inbox.Facebook, Source: fbc, Sender: fbc, Bus: b, Store: st, Health: hr, Metrics: m, Log: log, Interval: 100 * time.Millisecond, Poll: true, Send: true},
	}
	go func() {
		defer close(done)
		errc := make(chan error, 3)
		go func() { errc <- r.Run(ctx) }()
		for _, rn := range runners {
			go func() { errc <- rn.Run(ctx) }()
		}
		for range 3 {
			if err := <-errc; err != nil {
				t.Errorf("run: %v", err)
			}
		}
	}()
	defer func() { cancel(); <-done }()

	// Wait for what the rules call for, then a little longer for anything
	// they do not.
	const wantTwitterItems, wantFacebookItems = 11, 6
	deadline := time.Now().Add(3 * time.Minute)
	for {
		routed := 0
		for _, k := range []string{"mention", "dm"} {
			routed += int(counter(m, "twitter", k))
		}
		fbRouted := 0
		for _, k := range []string{"message", "post", "comment"} {
			fbRouted += int(counter(m, "facebook", k))
		}
		if routed >= wantTwitterItems && fbRouted >= wantFacebookItems && len(tw.Replies()) >= 5 && len(tw.DMs()) >= 1 &&
			len(fb.SentMessages()) >= 3 && len(fb.Replies()) >= 2 && fb.Hidden(c4) && allSent(t, st) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out: routed twitter %d/%d facebook %d/%d; replies %d, DMs %d, follows %d, private replies %d, facebook replies %d, hidden %v",
				routed, wantTwitterItems, fbRouted, wantFacebookItems, len(tw.Replies()), len(tw.DMs()), len(tw.Follows()), len(fb.SentMessages()), len(fb.Replies()), fb.Hidden(c4))
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)

	// Twitter: one reply per tweet the rules answer, each in English,
	// inviting a DM without a link (dm_link is off with v2), under 280
	// characters, and with the right parts.
	replies := tw.Replies()
	if len(replies) != len(wantReplyTo) {
		t.Errorf("%d tweets posted, want %d", len(replies), len(wantReplyTo))
	}
	answered := map[int64]bool{}
	for _, rp := range replies {
		purpose, ok := wantReplyTo[rp.InReplyTo]
		if !ok || answered[rp.InReplyTo] {
			t.Errorf("unexpected reply to %d: %q", rp.InReplyTo, rp.Text)
			continue
		}
		answered[rp.InReplyTo] = true
		if !strings.HasPrefix(rp.Text, "@guest") || !strings.Contains(rp.Text, "send us a DM") || strings.Contains(rp.Text, "messages/compose") || router.TweetLength(rp.Text) > router.MaxTweet {
			t.Errorf("reply to %d: %q", rp.InReplyTo, rp.Text)
		}
		if strings.Contains(purpose, "non_english") != strings.Contains(rp.Text, "support is in English") ||
			strings.Contains(purpose, "pii") != strings.Contains(rp.Text, "delete your tweet") {
			t.Errorf("reply to %d is not %s: %q", rp.InReplyTo, purpose, rp.Text)
		}
	}
	if dms := tw.DMs(); len(dms) != 1 || dms[0].To != u(6).ID || !strings.Contains(dms[0].Text, "support is in English") {
		t.Errorf("DMs %+v, want the notice to guest6 only", dms)
	}
	if follows := tw.Follows(); len(follows) != 0 {
		t.Errorf("follows %v: v2 has none", follows)
	}
	// Pay-per-use: what inboxbot would have metered is what X billed.
	if bill := tw.Bill(); bill <= 0 || twc.Meter().Today(ctx) != spend.Micros(bill) {
		t.Errorf("metered %s, billed %d µ$", twc.Meter().Today(ctx), bill)
	}

	// Facebook: Private Replies to the visitor post and the two comments
	// that need support, acknowledgements where nothing was hidden, the
	// comment with a booking number hidden.
	sent := fb.SentMessages()
	targets := map[string]string{}
	for _, sm := range sent {
		targets[sm.CommentID+sm.PostID] = sm.Text
	}
	if len(sent) != 3 || targets[visitorPost] == "" || targets[c3] == "" || targets[c4] == "" {
		t.Errorf("private replies %+v, want one each to %s, %s, %s", sent, visitorPost, c3, c4)
	}
	if !strings.HasPrefix(targets[c4], "Ciao Marco,") || !strings.Contains(targets[c4], "nascosto") {
		t.Errorf("private reply to the Italian comment: %q", targets[c4])
	}
	fbReplies := map[string]string{}
	for _, rp := range fb.Replies() {
		if _, dup := fbReplies[rp.Target]; dup {
			t.Errorf("two public replies to %s", rp.Target)
		}
		fbReplies[rp.Target] = rp.Text
	}
	if len(fbReplies) != 2 || !strings.Contains(fbReplies[visitorPost], "delete") || !strings.Contains(fbReplies[visitorPost], "private message") ||
		fbReplies[c3] != "Thanks! We've sent you a private message." {
		t.Errorf("public replies %v", fbReplies)
	}
	for _, id := range []string{visitorPost, c3, c5, c6} {
		if fb.Hidden(id) {
			t.Errorf("%s hidden", id)
		}
	}

	for _, rp := range replies {
		t.Logf("tweet to %d: %s", rp.InReplyTo, rp.Text)
	}
	for _, rp := range fb.Replies() {
		t.Logf("comment on %s: %s", rp.Target, rp.Text)
	}
	for _, sm := range sent {
		t.Logf("private reply to %s%s: %q", sm.CommentID, sm.PostID, sm.Text)
	}

	// Nothing public holds a secret: not the replies, not the stored text
	// of public messages.
	var public []string
	for _, rp := range replies {
		public = append(public, rp.Text)
	}
	for _, rp := range fb.Replies() {
		public = append(public, rp.Text)
	}
	for _, sm := range sent {
		public = append(public, sm.Text) // private, but automatic: no secret either
	}
	stored := storedMessages(t, st)
	for _, msg := range stored {
		if msg.Visibility == inbox.Public {
			public = append(public, msg.Text)
		}
	}
	for _, text := range public {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("secret %s in public text %q", s, text)
			}
		}
	}
	// Private messages are stored as sent, with their findings.
	var dm7 *store.Message
	for i := range stored {
		if stored[i].Direction == inbox.In && strings.HasPrefix(stored[i].Text, "My booking number is 1234567890") {
			dm7 = &stored[i]
		}
	}
	if dm7 == nil || len(dm7.Findings) != 2 {
		t.Errorf("the DM with a booking number and PIN is not stored as sent with its findings: %+v", dm7)
	}

	// The conversations carry the decisions.
	convs, err := st.Conversations(ctx, store.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range convs.Conversations {
		switch {
		case c.Platform == inbox.Twitter && c.Customer.ExternalID == u(2).IDStr():
			if !c.HasFlag(inbox.FlagNonEnglish) || c.Status != inbox.Pending || c.Language != "es" {
				t.Errorf("guest2's %s conversation: %+v", c.Channel, c)
			}
		case c.Platform == inbox.Twitter && c.Customer.ExternalID == u(4).IDStr() && c.Channel == inbox.Public:
			if !c.HasFlag(inbox.FlagPIIRedacted) || c.HasFlag(inbox.FlagNonEnglish) || c.Status != inbox.Open {
				t.Errorf("guest4's conversation: %+v", c)
			}
		case c.Platform == inbox.Twitter && c.Customer.ExternalID == self.IDStr():
			t.Errorf("our own tweet became a conversation: %+v", c)
		}
	}
}

// counter reads a routed counter.
func counter(m *metrics.Metrics, platform, kind string) float64 {
	return testutil.ToFloat64(m.Routed.WithLabelValues(platform, kind))
}

// allSent reports whether every action in the store has finished, and
// fails the test on any that did not succeed.
func allSent(t *testing.T, st store.Store) bool {
	t.Helper()
	ctx := context.Background()
	page, err := st.Conversations(ctx, store.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range page.Conversations {
		acts, err := st.Actions(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range acts {
			switch a.State {
			case inbox.StatePending:
				return false
			case inbox.StateFailed, inbox.StateUnknown:
				t.Fatalf("action %d (%s %s) %s: %s", a.ID, a.Kind, a.Purpose, a.State, a.Error)
			}
		}
	}
	return true
}

// storedMessages returns every stored message.
func storedMessages(t *testing.T, st store.Store) []store.Message {
	t.Helper()
	ctx := context.Background()
	page, err := st.Conversations(ctx, store.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Message
	for _, c := range page.Conversations {
		ms, err := st.Messages(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ms...)
	}
	return out
}
