package router

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/language"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// The accounts of the tests.
const (
	ourTwitterID = "999"
	ourPageID    = "555"
)

// testNow is the clock of the policy tests: the real time, because the
// store stamps actions with it and the windows are counted from it.
var testNow = time.Now().UTC().Truncate(time.Second)

// stubDetector decides languages by marker words, so that policy tests do
// not load models: "[es]" makes a text confidently Spanish, "[unsure]"
// unsure; anything else is English.
type stubDetector struct{}

func (stubDetector) Detect(_ context.Context, text, hint string) (language.Result, error) {
	switch {
	case strings.Contains(text, "[unsure]"):
		return language.Result{Language: "nl", Confidence: 0.3, English: language.Unsure, EnglishConfidence: 0.2, Words: 2}, nil
	case strings.Contains(text, "["):
		i := strings.Index(text, "[")
		if j := strings.Index(text[i:], "]"); j == 3 {
			return language.Result{Language: text[i+1 : i+3], Confidence: 0.95, English: language.NotEnglish, EnglishConfidence: 0.001, Words: 6}, nil
		}
	}
	return language.Result{Language: "en", Confidence: 0.9, English: language.English, EnglishConfidence: 0.9, Words: 6}, nil
}

// testConfig is a complete policy with both accounts and every contact.
func testConfig() Config {
	return Config{
		// The deep link on, as with twitter.api v1.1, so that the
		// invitation's link is checked; the v2 default (off) has its own
		// cases.
		Twitter:  TwitterPolicy{AccountID: ourTwitterID, DMLink: ptr(true)},
		Facebook: FacebookPolicy{PageID: ourPageID},
		Contact: Contact{
			FacebookPage: "https://facebook.com/ExampleHotels", Phone: "+1 800 555 0100",
			Email: "help@example.com", HelpCenter: "https://help.example.com",
		},
	}
}

// openStore opens a SQLite store in a temporary directory.
func openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), store.Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "db.sqlite")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newPolicy builds the full chain with the stub detector.
func newPolicy(t testing.TB, cfg Config, st WindowStore) Policy {
	t.Helper()
	p, err := NewPolicy(cfg, Deps{Store: st, Detector: stubDetector{}, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// decide runs p on in, alone in its batch.
func decide(t testing.TB, p Policy, in inbox.Inbound) Decision {
	t.Helper()
	return decideIn(t, WithBatch(context.Background()), p, in)
}

func decideIn(t testing.TB, ctx context.Context, p Policy, in inbox.Inbound) Decision {
	t.Helper()
	d := Decision{Message: in, Text: in.Text}
	if err := p.Apply(ctx, &d); err != nil {
		t.Fatalf("policy: %v", err)
	}
	return d
}

// Items of the tests.

func tweet(id, author, text string) inbox.Inbound {
	return inbox.Inbound{V: 1, Platform: inbox.Twitter, Kind: inbox.Mention, ExternalID: id, Thread: author,
		Author: inbox.Author{ID: author, Handle: "user" + author, Name: "Ann Lee"}, Recipient: ourTwitterID,
		Text: text, CreatedAt: testNow.Add(-time.Minute)}
}

func twitterDM(id, author, text string) inbox.Inbound {
	in := tweet(id, author, text)
	in.Kind = inbox.DM
	return in
}

func fbComment(id, author, text string) inbox.Inbound {
	return inbox.Inbound{V: 1, Platform: inbox.Facebook, Kind: inbox.Comment, ExternalID: id, Thread: ourPageID + "_1/" + author,
		ParentID: ourPageID + "_1", Author: inbox.Author{ID: author, Name: "Marco Rossi"}, Text: text, CreatedAt: testNow.Add(-time.Minute)}
}

func fbPost(id, author, text string) inbox.Inbound {
	return inbox.Inbound{V: 1, Platform: inbox.Facebook, Kind: inbox.Post, ExternalID: id, Thread: id,
		Author: inbox.Author{ID: author, Name: "Marco Rossi"}, Text: text, CreatedAt: testNow.Add(-time.Minute)}
}

func fbMessage(id, author, text string) inbox.Inbound {
	return inbox.Inbound{V: 1, Platform: inbox.Facebook, Kind: inbox.Message, ExternalID: id, Thread: "t_" + author,
		Author: inbox.Author{ID: author, Name: "Marco Rossi"}, Recipient: ourPageID, Text: text, CreatedAt: testNow.Add(-time.Minute)}
}

// actionsOf returns the kinds and purposes of d's actions, e.g.
// "reply:pii_notice+dm_invite".
func actionsOf(d Decision) []string {
	var out []string
	for _, a := range d.Actions {
		out = append(out, string(a.Kind)+":"+a.Purpose)
	}
	return out
}

// ingest stores decisions as the router would.
func ingest(t testing.TB, st store.Store, ds ...Decision) []store.Ingested {
	t.Helper()
	items := make([]store.Item, len(ds))
	for i := range ds {
		items[i] = ds[i].item()
	}
	res, err := st.Ingest(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
