package router

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/language"
)

// hintRecorder remembers the hint it was given and answers unsure.
type hintRecorder struct{ hint *string }

func (h hintRecorder) Detect(_ context.Context, _, hint string) (language.Result, error) {
	*h.hint = hint
	return language.Result{Language: "nl", Confidence: 0.4, English: language.Unsure}, nil
}

func TestLanguagePolicy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       inbox.Inbound
		wantHint string
		unsure   bool // flagged language_unsure
	}{
		{"mention passes Twitter's lang", func() inbox.Inbound { in := tweet("1", "2", "hoi"); in.Lang = "nl"; return in }(), "nl", true},
		{"DM has no hint", func() inbox.Inbound { in := twitterDM("1", "2", "hoi"); in.Lang = "nl"; return in }(), "", true},
		{"Facebook is not flagged unsure", fbComment("c1", "2", "hoi"), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hint string
			d := Decision{Message: tc.in, Text: tc.in.Text}
			if err := (languagePolicy{detector: hintRecorder{&hint}}).Apply(context.Background(), &d); err != nil {
				t.Fatal(err)
			}
			if hint != tc.wantHint {
				t.Errorf("hint %q, want %q", hint, tc.wantHint)
			}
			if d.Language != "nl" || d.Confidence != 0.4 || d.English != "unsure" {
				t.Errorf("decision %q %v %q", d.Language, d.Confidence, d.English)
			}
			if got := len(d.Flags) == 1 && d.Flags[0] == inbox.FlagLanguageUnsure; got != tc.unsure {
				t.Errorf("flags %v", d.Flags)
			}
		})
	}
}

// TestLanguagePolicyWaitsForModels: while the models load, an item waits
// at most `wait`, then fails so that it is retried; once they are in, it
// is decided.
func TestLanguagePolicyWaitsForModels(t *testing.T) {
	// Loading only English and Spanish is quick, and enough here.
	det, err := language.Start(language.Config{Languages: []string{"en", "es"}})
	if err != nil {
		t.Fatal(err)
	}
	p := languagePolicy{detector: det, wait: time.Millisecond}
	d := Decision{Message: tweet("1", "2", "where is my booking confirmation?")}
	if !det.Ready() {
		if err := p.Apply(context.Background(), &d); !errors.Is(err, language.ErrNotReady) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("before the models: %v", err)
		}
	}
	p.wait = time.Minute
	if err := p.Apply(context.Background(), &d); err != nil || d.English != "true" {
		t.Errorf("after the models: %v, english %q", err, d.English)
	}
}

type selfStub struct {
	id    string
	err   error
	calls int
}

func (s *selfStub) Self(context.Context) (string, string, error) {
	s.calls++
	return s.id, "support", s.err
}

func TestAccounts(t *testing.T) {
	ctx := context.Background()
	if _, err := (StaticAccounts{}).TwitterID(ctx); !errors.Is(err, ErrNoTwitterAccount) {
		t.Errorf("no id: %v", err)
	}
	s := &selfStub{id: "77"}
	if id, err := ConnectorAccounts(s, StaticAccounts{Facebook: "5"}).TwitterID(ctx); id != "77" || err != nil || s.calls != 1 {
		t.Errorf("from the connector: %q %v", id, err)
	}
	if id, _ := ConnectorAccounts(s, StaticAccounts{Twitter: "88"}).TwitterID(ctx); id != "88" || s.calls != 1 {
		t.Errorf("the config wins: %q", id)
	}
	s.err, s.id = errors.New("401"), ""
	if _, err := ConnectorAccounts(s, StaticAccounts{}).TwitterID(ctx); !errors.Is(err, ErrNoTwitterAccount) {
		t.Errorf("connector failing: %v", err)
	}
	if id, _ := ConnectorAccounts(s, StaticAccounts{Facebook: "5"}).FacebookID(ctx); id != "5" {
		t.Errorf("page id %q", id)
	}
}

// TestInvitationWaitsForTheAccountID: without our Twitter id the deep
// link cannot be written; the tweet is retried rather than answered
// without one, while a Facebook item and a thank-you go through.
func TestInvitationWaitsForTheAccountID(t *testing.T) {
	cfg := testConfig()
	cfg.Twitter.AccountID = ""
	p, err := NewPolicy(cfg, Deps{Detector: stubDetector{}, Accounts: ConnectorAccounts(&selfStub{err: errors.New("timeout")}, StaticAccounts{Facebook: ourPageID})})
	if err != nil {
		t.Fatal(err)
	}
	d := Decision{Message: tweet("1", "2", "help me please")}
	if err := p.Apply(context.Background(), &d); !errors.Is(err, ErrNoTwitterAccount) {
		t.Errorf("tweet: %v", err)
	}
	for _, in := range []inbox.Inbound{tweet("2", "2", "thanks!"), fbComment("c1", "3", "help me please")} {
		d := Decision{Message: in}
		if err := p.Apply(context.Background(), &d); err != nil {
			t.Errorf("%s: %v", in.ExternalID, err)
		}
	}
	// Without the deep link (the v2 default) the invitation needs no id.
	cfg.Twitter.DMLink = ptr(false)
	p, err = NewPolicy(cfg, Deps{Detector: stubDetector{}, Accounts: ConnectorAccounts(&selfStub{err: errors.New("timeout")}, StaticAccounts{Facebook: ourPageID})})
	if err != nil {
		t.Fatal(err)
	}
	d = Decision{Message: tweet("3", "4", "help me please")}
	if err := p.Apply(context.Background(), &d); err != nil || len(d.Actions) != 1 ||
		!strings.Contains(d.Actions[0].Text, "send us a DM") || strings.Contains(d.Actions[0].Text, "http") {
		t.Errorf("invitation without a link: %v %+v", err, d.Actions)
	}
}

// blockingDetector waits for its context, as the real one does while its
// models load.
type blockingDetector struct{}

func (blockingDetector) Detect(ctx context.Context, _, _ string) (language.Result, error) {
	<-ctx.Done()
	return language.Result{}, fmt.Errorf("%w: %w", language.ErrNotReady, ctx.Err())
}

// TestLanguageWaitIsPerBatch: the items of one batch share one wait, so a
// full batch is retried after `wait`, not after 256 waits.
func TestLanguageWaitIsPerBatch(t *testing.T) {
	p := languagePolicy{detector: blockingDetector{}, wait: 100 * time.Millisecond}
	ctx := WithBatch(context.Background())
	start := time.Now()
	for i := range 10 {
		d := Decision{Message: tweet(fmt.Sprint(i), "2", "hello")}
		if err := p.Apply(ctx, &d); !errors.Is(err, language.ErrNotReady) {
			t.Fatalf("item %d: %v", i, err)
		}
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("10 items waited %s, want about 100ms in all", took)
	}
}

// TestFailedAccountLookupIsNotRepeated: while Twitter is down at start-up
// every item asking for our id would wait selfTimeout, stalling the one
// INBOUND consumer; after a failure the answer is the failure, at once,
// until selfRetry has passed.
func TestFailedAccountLookupIsNotRepeated(t *testing.T) {
	ctx := context.Background()
	s := &selfStub{err: errors.New("twitter is down")}
	now := time.Now()
	a := ConnectorAccounts(s, StaticAccounts{}).(*connectorAccounts)
	a.now = func() time.Time { return now }
	for range 100 {
		if _, err := a.TwitterID(ctx); !errors.Is(err, ErrNoTwitterAccount) {
			t.Fatalf("lookup: %v", err)
		}
	}
	if s.calls != 1 {
		t.Errorf("%d questions to the connector in the retry window, want 1", s.calls)
	}
	now = now.Add(selfRetry)
	s.err, s.id = nil, "77"
	if id, err := a.TwitterID(ctx); id != "77" || err != nil || s.calls != 2 {
		t.Errorf("after the window: %q %v (%d calls)", id, err, s.calls)
	}
}

// TestClaimsOfAFailedDecisionAreReleased: an item whose policy fails (it
// is retried later) must not take a once-per-window part from the next
// item of its batch.
func TestClaimsOfAFailedDecisionAreReleased(t *testing.T) {
	fail := true
	p := PolicyFunc(func(ctx context.Context, d *Decision) error {
		if !claim(ctx, "notice:"+d.Message.Author.ID) {
			return nil
		}
		d.AddFlag("claimed")
		if d.Message.ExternalID == "1" && fail {
			return errors.New("store timeout")
		}
		return nil
	})
	r := New(Options{Policy: p})
	ctx := WithBatch(context.Background())
	if _, _, err := r.decide(ctx, tweet("1", "7", "help")); err == nil {
		t.Fatal("the first decision should fail")
	}
	d, keep, err := r.decide(ctx, tweet("2", "7", "help"))
	if err != nil || len(d.Flags) != 1 {
		t.Fatalf("the next item lost the part: %v %v", d.Flags, err)
	}
	keep()
	d3, _, _ := r.decide(ctx, tweet("3", "7", "help again"))
	if len(d3.Flags) != 0 {
		t.Errorf("a kept claim was given twice: %v", d3.Flags)
	}
}

func TestRetryDelayBacksOff(t *testing.T) {
	prev := time.Duration(0)
	total := time.Duration(0)
	for n := uint64(0); n < maxDeliver; n++ {
		d := retryDelay(n)
		if d < prev || d > 5*time.Minute {
			t.Fatalf("retryDelay(%d) = %s after %s", n, d, prev)
		}
		prev, total = d, total+d
	}
	if total < time.Hour {
		t.Errorf("an item is given up after %s: too soon to ride out an outage", total)
	}
}
