package app_test

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/inboxbot/inboxbot/app"
	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/testutil"
	"github.com/inboxbot/inboxbot/logging"
	"github.com/inboxbot/inboxbot/router"
)

// publicSecret is a customer's public post that shows secrets, and the
// needles that must never be found at rest: each secret's digits with the
// words around them, as they read once digits are ASCII and everything
// but letters and digits is gone (see dense).
type publicSecret struct {
	text    string
	needles []string
}

// The secrets of the test, written as customers obfuscate them (fullwidth
// and other scripts' digits, zero-width and bidi characters, odd
// separators, keywords glued to the number or after it); each ends with a
// NUL in its refused variant, which makes the store refuse the item.
var (
	secretTweets = []publicSecret{
		{"@HotelHelp booking ４８２１５５３９０７ PIN ５５６６ please help", []string{"4821553907", "pin5566"}},
		{"@HotelHelp my P\u200bIN is 7\u200b3\u200b9\u200b1, booking 612 . 458 . 9037", []string{"6124589037", "pin7391", "pinis7391"}},
		{"@HotelHelp bookingnr3712904586 still not in the app", []string{"3712904586"}},
		{"@HotelHelp 3847 is my PIN, reservation \u202a2935\u202c-\u202a718\u202c-\u202a640\u202c", []string{"2935718640", "3847ismypin"}},
		{"@HotelHelp booking 5193728460 PIN 6677 \x00", []string{"5193728460", "pin6677"}},
	}
	secretComments = []publicSecret{
		{"booking 2\u200b9\u200b4\u200b8\u200b1\u200b7\u200b6\u200b0\u200b3\u200b5 pin: 8 3 2 1", []string{"2948176035", "pin8321"}},
		{"reservation ٤٦٢٨١٩٣٥٧٠/4455 is wrong", []string{"4628193570", "bookingnumber4455", "reservation4455"}},
		{"ref 5\u00a0732\u2009918\u202f460 — P\u00adIN 9·0·1·2", []string{"5732918460", "pin9012"}},
		{"booking 8273645190 PIN 3344\x00", []string{"8273645190", "pin3344"}},
	}
)

// dense is how the test compares text with secrets: digits of any script
// as ASCII, invisible characters (format characters, marks, variation
// selectors) dropped, letters in lower case, and everything else removed,
// so that no spelling of a secret escapes the search.
func dense(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			b.WriteByte(byte('0' + digitValue(r)))
		case unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me):
		case unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// digitValue is the value of decimal digit r: Unicode's decimal digits
// come in runs of ten, from zero, some runs back to back.
func digitValue(r rune) int {
	start := r
	for unicode.IsDigit(start - 1) {
		start--
	}
	return int(r-start) % 10
}

// TestPublicSecretsNeverRest posts tweets and comments with secrets in
// obfuscated shapes, some of which the store refuses, through the fake
// platforms to serve's assembly with its real logger. First only the
// connectors run, so that every item waits in INBOUND's stream files;
// then everything runs on the same data dir. Neither while the items wait
// nor afterwards is a secret found in any file under the data dir (the
// embedded NATS server's stream files, DEAD included, the SQLite database
// and its WAL) or in the log; every comment is hidden, every tweet got a
// request to delete it, and the refused items are kept as placeholders
// that agents see.
func TestPublicSecretsNeverRest(t *testing.T) {
	const page = "1500100900"
	fb := fbfake.New(fbfake.Options{PageID: page, ConversationsPerSecond: 100})
	defer fb.Close()
	tw := twfake.New(twfake.Options{SelfServe: true})
	defer tw.Close()
	dataDir := t.TempDir()
	logs := &testutil.Buffer{}
	env := append(xEnv(tw),
		"INBOXBOT_DATA_DIR="+dataDir,
		"INBOXBOT_TWITTER_POLL_INTERVAL=200ms",
		"INBOXBOT_FACEBOOK_ENABLED=true",
		"INBOXBOT_FACEBOOK_PAGE_ID="+page,
		"INBOXBOT_FACEBOOK_PAGE_TOKEN="+fb.Token(),
		"INBOXBOT_FACEBOOK_GRAPH_URL="+fb.URL(),
		"INBOXBOT_FACEBOOK_POLL_INTERVAL=200ms",
		"INBOXBOT_FACEBOOK_REQUESTS_PER_SECOND=100",
		// Our account, so that the connectors-only instance needs no
		// router to know it.
		"INBOXBOT_POLICY_TWITTER_ACCOUNT_ID="+strconv.FormatInt(tw.Self().ID, 10),
		"INBOXBOT_LOG_LEVEL=debug",
	)
	logger := func(cfg config.Config) *slog.Logger { return logging.New(logs, "json", slog.LevelDebug, cfg.Secrets()) }
	ctx := context.Background()

	// A clean tweet with a phone number: the control that proves the
	// search finds digits where they rest.
	const control = "@HotelHelp is breakfast included? call me on +39 02 9129 4973"
	controlID := tw.AddMention(twfake.User{ID: 6000, ScreenName: "guest0", Name: "Guest"}, control, "en", 0)
	var tweetIDs []int64
	for i, s := range secretTweets {
		tweetIDs = append(tweetIDs, tw.AddMention(twfake.User{ID: int64(6001 + i), ScreenName: fmt.Sprintf("guest%d", i+1), Name: "Guest"}, s.text, "en", 0))
	}
	post := fb.AddPagePost("Our new pool is open!", time.Now().Add(-time.Hour))
	var commentIDs []string
	for i, s := range secretComments {
		commentIDs = append(commentIDs, fb.AddComment(post, "", fbfake.User{ID: fmt.Sprint(7001 + i), Name: "Pat Guest"}, s.text, time.Now()))
	}
	items := 1 + len(secretTweets) + len(secretComments)

	// The connectors alone: every item waits in INBOUND.
	a, stop := startApp(t, app.RoleConnectors, env, logger)
	testutil.WaitFor(t, 120*time.Second, "every item in INBOUND", func() bool {
		s, err := a.Bus.JetStream().Stream(ctx, bus.StreamInbound)
		if err != nil {
			return false
		}
		info, err := s.Info(ctx)
		return err == nil && info.State.Msgs >= uint64(items)
	})
	stop()
	checkAtRest(t, "while the items wait in INBOUND", dataDir, true)

	// Everything: the router stores and acts.
	a, stop = startApp(t, app.RoleAll, env, logger)
	deleteReq := router.DefaultTemplates[router.TmplPIIDeleteTweet]["en"]
	testutil.WaitFor(t, 120*time.Second, "comments hidden and tweets asked to be deleted", func() bool {
		for _, id := range commentIDs {
			if !fb.Hidden(id) {
				return false
			}
		}
		asked := map[int64]bool{}
		for _, r := range tw.Replies() {
			if strings.Contains(r.Text, deleteReq) {
				asked[r.InReplyTo] = true
			}
		}
		for _, id := range tweetIDs {
			if !asked[id] {
				return false
			}
		}
		_, err := a.Store.ConversationByThread(ctx, inbox.Twitter, inbox.Public, "6000")
		return err == nil
	})
	for _, r := range tw.Replies() {
		if r.InReplyTo == controlID && strings.Contains(r.Text, deleteReq) {
			t.Errorf("the clean tweet was asked to be deleted: %q", r.Text)
		}
	}
	// The refused items are kept as placeholders that agents see.
	for _, th := range []struct {
		p  inbox.Platform
		id string
	}{{inbox.Twitter, "6005"}} {
		c, err := a.Store.ConversationByThread(ctx, th.p, inbox.Public, th.id)
		if err != nil {
			t.Fatal(err)
		}
		if !c.HasFlag(inbox.FlagUnstorable) || !c.HasFlag(inbox.FlagPIIRedacted) {
			t.Errorf("refused item's conversation %s flags %v", th.id, c.Flags)
		}
	}
	stop()
	checkAtRest(t, "after routing", dataDir, false)

	log := dense(logs.String())
	if !strings.Contains(log, "storerefused") {
		t.Error("the log does not show the store's refusals: the test did not exercise them")
	}
	for _, n := range allNeedles() {
		if strings.Contains(log, n) {
			t.Errorf("secret in the log: %s", n)
		}
	}
}

func allNeedles() []string {
	var out []string
	for _, s := range append(append([]publicSecret(nil), secretTweets...), secretComments...) {
		out = append(out, s.needles...)
	}
	return out
}

// checkAtRest walks every file under dataDir and fails on any secret in
// one. The control phone number must be found (in the bus's files when
// inBus), which shows that the search sees digits where they rest.
func checkAtRest(t *testing.T, when, dataDir string, inBus bool) {
	t.Helper()
	var walked, busFiles int
	controlSeen := false
	err := filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dataDir, path)
		isBus := strings.HasPrefix(rel, "nats"+string(filepath.Separator))
		walked++
		if isBus {
			busFiles++
		}
		text := dense(string(data))
		if strings.Contains(text, "390291294973") && (isBus || !inBus) {
			controlSeen = true
		}
		for _, n := range allNeedles() {
			if strings.Contains(text, n) {
				t.Errorf("%s: secret at rest in %s: %s", when, rel, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if busFiles == 0 {
		t.Fatalf("%s: walked %d files, none of the bus (under nats/)", when, walked)
	}
	if !controlSeen {
		t.Errorf("%s: the control phone number is nowhere it should rest: the search cannot be trusted", when)
	}
	t.Logf("%s: walked %d files, %d of the bus", when, walked, busFiles)
}
