package twitter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/inboxbot/inboxbot/connectors/twitter"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twittertext"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/testutil/connectortest"
)

// These tests run the connector under the shared Runner against the fake
// API, with the real embedded bus and SQLite store of connectortest.

const interval = 100 * time.Millisecond

func customer(i int) twfake.User {
	return twfake.User{ID: int64(5000 + i), ScreenName: fmt.Sprintf("guest%d", i), Name: fmt.Sprintf("Guest %d", i)}
}

// mode is one X API version under test: the connector's setting and the
// fake's names for what that version calls.
type mode struct {
	api                     string
	url                     func(*twfake.Server) string
	verify, mentions, dms   string // list endpoints
	reply, dm               string // send endpoints
	cursorParam, maxIDParam string // the DM list's page cursor; the mentions gap's upper bound
	maxIDOffset             int64  // what the upper bound adds to the gap's max id (until_id is exclusive)
	duplicate               string // in the error of a duplicate post
	follows                 bool   // the version can follow (v2 self-serve cannot)
	pageSize                int    // mentions per page
}

// burst is how many mentions the burst tests add at once: more than a
// window's pages in both versions, and within the 800 newest mentions that
// v2 serves at all.
const burst = 750

// modes are the API versions every connector test runs in: v2 (every
// access level, the default) and v1.1 (Enterprise).
var modes = []mode{
	{
		api: twitter.APIv2, url: (*twfake.Server).URLv2,
		verify: twfake.UsersMe, mentions: twfake.UserMentions, dms: twfake.DMEvents,
		reply: twfake.CreateTweet, dm: twfake.DMSend,
		cursorParam: "pagination_token", maxIDParam: "until_id", maxIDOffset: 1, duplicate: "duplicate content", pageSize: 100,
	},
	{
		api: twitter.APIv11, url: (*twfake.Server).URL,
		verify: twfake.VerifyCredentials, mentions: twfake.MentionsTimeline, dms: twfake.DMEventsList,
		reply: twfake.StatusesUpdate, dm: twfake.DMEventsNew,
		cursorParam: "cursor", maxIDParam: "max_id", duplicate: "187", follows: true, pageSize: 200,
	},
}

// eachMode runs test as a subtest per API version.
func eachMode(t *testing.T, test func(t *testing.T, m mode)) {
	for _, m := range modes {
		t.Run(m.api, func(t *testing.T) { test(t, m) })
	}
}

// newConnector returns a connector in mode m for fk's account, its
// credentials taken now (so that ExpireToken later makes them stale).
func newConnector(t *testing.T, m mode, fk *twfake.Server, env *connectortest.Env, opts ...twitter.Option) *twitter.Connector {
	t.Helper()
	ck, cs, at, as := fk.Credentials()
	c, err := twitter.New(twitter.Config{
		Enabled: true, ConsumerKey: ck, ConsumerSecret: cs, AccessToken: at, AccessSecret: as,
		API: m.api, APIURL: m.url(fk), PollInterval: interval,
	}, env.Store, append([]twitter.Option{twitter.WithMetrics(env.Metrics), twitter.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// run starts a Runner with both loops for c.
func run(t *testing.T, env *connectortest.Env, c *twitter.Connector) (stop func()) {
	return env.Start(t, env.Runner(inbox.Twitter, c, c, interval))
}

func newFake(t *testing.T, opts twfake.Options) *twfake.Server {
	fk := twfake.New(opts)
	t.Cleanup(fk.Close)
	return fk
}

func ingested(env *connectortest.Env, kind inbox.Kind) int {
	return int(testutil.ToFloat64(env.Metrics.Ingested.WithLabelValues(string(inbox.Twitter), string(kind))))
}

// settle waits a few poll rounds so that a wrong extra item would show.
func settle() { time.Sleep(5 * interval) }

// checkBudgets fails when a request was made past an endpoint's budget:
// no 429 served, and no window with more requests than its limit.
func checkBudgets(t *testing.T, fk *twfake.Server, limits map[string]int) {
	t.Helper()
	if n := fk.RateLimited(); n != 0 {
		t.Errorf("the fake served %d 429s", n)
	}
	perWindow := map[string]int{}
	for _, c := range fk.Calls() {
		perWindow[c.Endpoint+"@"+strconv.FormatInt(c.Window, 10)]++
	}
	for k, n := range perWindow {
		ep, _, _ := strings.Cut(k, "@")
		if lim, ok := limits[ep]; ok && n > lim {
			t.Errorf("%d requests to %s in one window (limit %d)", n, k, lim)
		}
	}
}

func TestBurstOfMentionsStoredOnce(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		fk := newFake(t, twfake.Options{Window: 2 * time.Second})
		env := connectortest.New(t)
		c := newConnector(t, m, fk, env)
		run(t, env, c)
		connectortest.Eventually(t, 5*time.Second, func() bool { return fk.Requests(m.mentions) >= 1 })

		for i := range burst {
			fk.AddMention(customer(i%50), fmt.Sprintf("@HotelHelp burst %d", i), "en", 0)
		}
		connectortest.Eventually(t, 30*time.Second, func() bool { return env.CountMessages(t) >= burst })
		settle()
		if n := env.CountMessages(t); n != burst {
			t.Errorf("stored %d messages, want %d", n, burst)
		}
		if n := ingested(env, inbox.Mention); n != burst {
			t.Errorf("published %d mentions, want each of the %d once", n, burst)
		}
		checkBudgets(t, fk, twfake.DefaultLimits())
	})
}

func TestBudgetOfFivePerWindow(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		limits := map[string]int{m.verify: 5, m.mentions: 5, m.dms: 5}
		fk := newFake(t, twfake.Options{Window: time.Second, Limits: limits})
		env := connectortest.New(t)
		c := newConnector(t, m, fk, env)
		run(t, env, c)
		connectortest.Eventually(t, 5*time.Second, func() bool { return fk.Requests(m.mentions) >= 1 })

		// A burst needing 6 pages (more than one window's budget), then a
		// trickle while the connector is paced, and DMs all along; within
		// v2's reach of 800 mentions.
		big := 5 * m.pageSize
		for i := range big {
			fk.AddMention(customer(i%40), fmt.Sprintf("@HotelHelp burst %d", i), "en", 0)
		}
		for round := range 4 {
			for i := range 40 {
				fk.AddMention(customer(i), fmt.Sprintf("@HotelHelp round %d item %d", round, i), "en", 0)
				if i%4 == 0 {
					fk.AddDM(customer(i), fmt.Sprintf("dm %d/%d", round, i))
				}
			}
			time.Sleep(300 * time.Millisecond)
		}
		want := big + 4*40 + 4*10
		connectortest.Eventually(t, 30*time.Second, func() bool { return env.CountMessages(t) >= want })
		settle()
		if n := env.CountMessages(t); n != want {
			t.Errorf("stored %d messages, want %d", n, want)
		}
		checkBudgets(t, fk, limits)
		if n := ingested(env, inbox.Mention); n != big+4*40 {
			t.Errorf("published %d mentions: some twice or lost", n)
		}
	})
}

func TestDMPagingWithEmptyPage(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		fk := newFake(t, twfake.Options{Window: time.Second})
		env := connectortest.New(t)
		for i := range 120 {
			fk.AddDM(customer(i%9), fmt.Sprintf("dm %d", i))
			if i%30 == 0 {
				fk.AddOwnDM(customer(i%9), "our answer")
			}
		}
		fk.InjectEmptyDMPage() // the very first page: empty, with a cursor
		c := newConnector(t, m, fk, env)
		run(t, env, c)
		connectortest.Eventually(t, 10*time.Second, func() bool { return env.CountMessages(t) >= 120 })

		fk.InjectEmptyDMPage()
		fk.AddDM(customer(1), "one more")
		connectortest.Eventually(t, 10*time.Second, func() bool { return env.CountMessages(t) >= 121 })
		settle()
		if n := env.CountMessages(t); n != 121 {
			t.Errorf("stored %d DMs, want 121", n)
		}
		var empties, afterEmpty int
		calls := fk.Calls()
		for i, call := range calls {
			if call.Endpoint == m.dms && call.Status == 200 && call.Items == 0 && call.Query.Get(m.cursorParam) == "" {
				empties++
				for _, next := range calls[i+1:] {
					if next.Endpoint == m.dms {
						if next.Query.Get(m.cursorParam) != "" {
							afterEmpty++
						}
						break
					}
				}
			}
		}
		if empties < 2 || afterEmpty != empties {
			t.Errorf("%d empty first pages, %d followed by their cursor", empties, afterEmpty)
		}
		checkBudgets(t, fk, twfake.DefaultLimits())
	})
}

func TestOwnTweetsDMsAndRetweetsNotStored(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		fk := newFake(t, twfake.Options{Window: time.Second})
		env := connectortest.New(t)
		self := fk.Self().IDStr()

		ours := fk.AddOwnTweet("Our rooms are ready", 0)
		m1 := fk.AddMention(customer(1), "@HotelHelp kamar saya dingin", "in", ours)
		fk.AddMention(customer(2), "@HotelHelp where is breakfast?", "en", 0)
		fk.AddOwnTweet("@HotelHelp testing our own account", 0)
		fk.AddRetweet(customer(3), m1)
		fk.AddDM(customer(2), "my booking number is in the DM")
		fk.AddOwnDM(customer(2), "thanks, we are checking")

		c := newConnector(t, m, fk, env)
		run(t, env, c)
		connectortest.Eventually(t, 10*time.Second, func() bool { return env.CountMessages(t) >= 3 })
		settle()
		if n := env.CountMessages(t); n != 3 {
			t.Fatalf("stored %d messages, want 3 (2 mentions, 1 DM)", n)
		}
		ctx := context.Background()
		pub, err := env.Store.ConversationByThread(ctx, inbox.Twitter, inbox.Public, customer(1).IDStr())
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := env.Store.Messages(ctx, pub.ID)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("customer 1: %d messages, %v", len(msgs), err)
		}
		if msgs[0].ParentID != strconv.FormatInt(ours, 10) || msgs[0].Author != customer(1).IDStr() {
			t.Errorf("mention stored as %+v", msgs[0])
		}
		if pub.Customer.Handle != "guest1" {
			t.Errorf("customer %+v", pub.Customer)
		}
		priv, err := env.Store.ConversationByThread(ctx, inbox.Twitter, inbox.Private, customer(2).IDStr())
		if err != nil {
			t.Fatalf("DM conversation: %v", err)
		}
		if msgs, _ := env.Store.Messages(ctx, priv.ID); len(msgs) != 1 || msgs[0].Author == self {
			t.Errorf("DM conversation holds %+v", msgs)
		}
		if _, err := env.Store.ConversationByThread(ctx, inbox.Twitter, inbox.Public, self); err == nil {
			t.Error("a conversation exists for our own account")
		}
		if _, err := env.Store.ConversationByThread(ctx, inbox.Twitter, inbox.Public, customer(3).IDStr()); err == nil {
			t.Error("the retweet was stored")
		}
	})
}

func TestRestartMidGap(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		// Two requests per 2s window: the first burst page or the second one
		// runs out of budget, however slow the machine.
		limits := map[string]int{m.mentions: 2}
		fk := newFake(t, twfake.Options{Window: 2 * time.Second, Limits: limits})
		dir := t.TempDir()
		env := connectortest.Open(t, dir)
		c := newConnector(t, m, fk, env)
		stop := run(t, env, c)
		connectortest.Eventually(t, 5*time.Second, func() bool { return fk.Requests(m.mentions) >= 1 })
		for i := range burst {
			fk.AddMention(customer(i%50), fmt.Sprintf("@HotelHelp burst %d", i), "en", 0)
		}
		// Stop while the connector waits for the window mid-gap.
		key := "twitter:" + fk.Self().IDStr() + ":mentions"
		var cursor string
		connectortest.Eventually(t, 10*time.Second, func() bool {
			cursor, _, _ = env.Store.Cursor(context.Background(), key)
			return strings.Contains(cursor, `"gap"`) && strings.Contains(cursor, `"not_before"`)
		})
		stop()
		stopped := time.Now()
		first := ingested(env, inbox.Mention)
		if first == 0 || first >= burst {
			t.Fatalf("published %d mentions before the stop; want part of the gap", first)
		}
		var saved struct {
			Gap struct {
				MaxID string `json:"max_id"`
			} `json:"gap"`
		}
		if err := json.Unmarshal([]byte(cursor), &saved); err != nil || saved.Gap.MaxID == "" {
			t.Fatalf("cursor %s: %v", cursor, err)
		}
		// Let the harness's ingest loop store what was published, so that no
		// message is left delivered but unacknowledged (redelivered only after
		// the bus's 30s AckWait) when the bus closes.
		connectortest.Eventually(t, 10*time.Second, func() bool { return env.CountMessages(t) == first })
		env.Close()

		env2 := connectortest.Open(t, dir)
		c2 := newConnector(t, m, fk, env2)
		run(t, env2, c2)
		connectortest.Eventually(t, 30*time.Second, func() bool { return env2.CountMessages(t) >= burst })
		settle()
		if n := env2.CountMessages(t); n != burst {
			t.Errorf("stored %d messages, want %d", n, burst)
		}
		if n := first + ingested(env2, inbox.Mention); n != burst {
			t.Errorf("published %d mentions over both runs, want %d", n, burst)
		}
		// The second run's first mentions request resumed at the saved position.
		for _, call := range fk.Calls() {
			if call.Endpoint == m.mentions && call.At.After(stopped) {
				maxID, _ := strconv.ParseInt(saved.Gap.MaxID, 10, 64)
				if got, want := call.Query.Get(m.maxIDParam), strconv.FormatInt(maxID+m.maxIDOffset, 10); got != want {
					t.Errorf("first request after the restart has %s %q, want %s", m.maxIDParam, got, want)
				}
				break
			}
		}
		checkBudgets(t, fk, limits)
	})
}

// seedConversation stores a mention from customer(i) and returns its
// tweet id and public conversation id.
func seedConversation(t *testing.T, fk *twfake.Server, env *connectortest.Env, i int) (int64, int64) {
	t.Helper()
	before := env.CountMessages(t)
	id := fk.AddMention(customer(i), "@HotelHelp my room is cold", "en", 0)
	connectortest.Eventually(t, 10*time.Second, func() bool { return env.CountMessages(t) > before })
	conv, err := env.Store.ConversationByThread(context.Background(), inbox.Twitter, inbox.Public, customer(i).IDStr())
	if err != nil {
		t.Fatal(err)
	}
	return id, conv.ID
}

func action(conv int64, kind inbox.ActionKind, key string) inbox.Action {
	return inbox.Action{ConversationID: conv, Platform: inbox.Twitter, Kind: kind, Key: key, RequestedBy: "router"}
}

func TestActionsSentOnceWhenPublishedTwice(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		fk := newFake(t, twfake.Options{Window: time.Second})
		env := connectortest.New(t)
		c := newConnector(t, m, fk, env)
		run(t, env, c)
		tweet, conv := seedConversation(t, fk, env, 1)
		self, screen, err := c.Self(context.Background())
		if err != nil || self != fk.Self().IDStr() || screen != "HotelHelp" {
			t.Fatalf("Self = %q, %q, %v", self, screen, err)
		}

		r := action(conv, inbox.Reply, "reply-1")
		r.Target, r.Text = strconv.FormatInt(tweet, 10), "Sorry! Please DM us: "+twittertext.DMLink(self)
		r = env.Action(t, r, 2)
		d := action(conv, inbox.SendDM, "dm-1")
		d.Recipient, d.Text = customer(1).IDStr(), "Hello from the support team"
		d = env.Action(t, d, 2)
		f := action(conv, inbox.Follow, "follow-1")
		f.Recipient = customer(1).IDStr()
		f = env.Action(t, f, 2)

		got := map[string]inbox.Action{}
		for name, id := range map[string]int64{"reply": r.ID, "dm": d.ID, "follow": f.ID} {
			a := env.WaitAction(t, id, 10*time.Second)
			if name == "follow" && !m.follows {
				// v2: refused with the reason, without a request.
				if a.State != inbox.StateFailed || !strings.Contains(a.Error, "removed") {
					t.Errorf("follow in v2: state %s (%s)", a.State, a.Error)
				}
				continue
			}
			if a.State != inbox.StateSent {
				t.Fatalf("%s: state %s (%s)", name, a.State, a.Error)
			}
			got[name] = a
		}
		settle()
		replies, dms, follows := fk.Replies(), fk.DMs(), fk.Follows()
		wantFollows := 0
		if m.follows {
			wantFollows = 1
		}
		if len(replies) != 1 || len(dms) != 1 || len(follows) != wantFollows {
			t.Fatalf("sent %d replies, %d DMs, %d follows; want 1, 1, %d", len(replies), len(dms), len(follows), wantFollows)
		}
		// v1.1 adds the @mention only when asked; v2 always shows whom a
		// reply answers.
		if replies[0].InReplyTo != tweet || (m.api == twitter.APIv11 && !replies[0].AutoPopulateReplyMetadata) || got["reply"].PlatformID != strconv.FormatInt(replies[0].ID, 10) {
			t.Errorf("reply %+v recorded as %q", replies[0], got["reply"].PlatformID)
		}
		if dms[0].To != customer(1).ID || dms[0].Text != d.Text || got["dm"].PlatformID != strconv.FormatInt(dms[0].ID, 10) {
			t.Errorf("DM %+v recorded as %q", dms[0], got["dm"].PlatformID)
		}
		if m.follows && (follows[0] != customer(1).ID || got["follow"].PlatformID != "") {
			t.Errorf("follow %v recorded as %q", follows, got["follow"].PlatformID)
		}
		for ep, want := range map[string]int{m.reply: 1, m.dm: 1, twfake.FriendshipsCreate: wantFollows} {
			if n := fk.Requests(ep); n != want {
				t.Errorf("%d requests to %s, want %d", n, ep, want)
			}
		}
		// Our DM is now in the DM list: it must not come back as a customer's.
		if n := env.CountMessages(t); n != 1 {
			t.Errorf("%d inbound messages, want 1", n)
		}
	})
}

func TestDuplicateRefusedAndServerErrorUnknown(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		fk := newFake(t, twfake.Options{Window: time.Second})
		env := connectortest.New(t)
		c := newConnector(t, m, fk, env)
		run(t, env, c)
		tweet, conv := seedConversation(t, fk, env, 1)
		target := strconv.FormatInt(tweet, 10)

		a1 := action(conv, inbox.Reply, "r1")
		a1.Target, a1.Text = target, "We are on it."
		if a := env.WaitAction(t, env.Action(t, a1, 1).ID, 10*time.Second); a.State != inbox.StateSent {
			t.Fatalf("first reply: %s %s", a.State, a.Error)
		}
		a2 := action(conv, inbox.Reply, "r2")
		a2.Target, a2.Text = target, "We are on it."
		a := env.WaitAction(t, env.Action(t, a2, 2).ID, 10*time.Second)
		if a.State != inbox.StateFailed || !strings.Contains(a.Error, m.duplicate) || !strings.Contains(a.Error, "duplicate") {
			t.Errorf("duplicate reply: %s %q", a.State, a.Error)
		}

		fk.FailNext(m.reply, 503)
		a3 := action(conv, inbox.Reply, "r3")
		a3.Target, a3.Text = target, "Checking with the front desk."
		if a := env.WaitAction(t, env.Action(t, a3, 2).ID, 10*time.Second); a.State != inbox.StateUnknown {
			t.Errorf("reply during a 503: %s %q", a.State, a.Error)
		}
		fk.FailNext(m.dm, 500)
		d := action(conv, inbox.SendDM, "d1")
		d.Recipient, d.Text = customer(1).IDStr(), "hello"
		if a := env.WaitAction(t, env.Action(t, d, 2).ID, 10*time.Second); a.State != inbox.StateUnknown {
			t.Errorf("DM during a 500: %s %q", a.State, a.Error)
		}
		settle()
		if n := fk.Requests(m.reply); n != 3 {
			t.Errorf("%d statuses/update requests, want 3 (no retry of the refused or unknown ones)", n)
		}
		if n := fk.Requests(m.dm); n != 1 {
			t.Errorf("%d DM requests, want 1", n)
		}
	})
}

func TestSendWaitsForItsBudget(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		fk := newFake(t, twfake.Options{Window: time.Second, Limits: map[string]int{m.reply: 1}})
		env := connectortest.New(t)
		c := newConnector(t, m, fk, env)
		run(t, env, c)
		tweet, conv := seedConversation(t, fk, env, 1)
		var ids []int64
		for i := range 2 {
			a := action(conv, inbox.Reply, fmt.Sprintf("r%d", i))
			a.Target, a.Text = strconv.FormatInt(tweet, 10), fmt.Sprintf("Answer %d", i)
			ids = append(ids, env.Action(t, a, 1).ID)
		}
		for _, id := range ids {
			if a := env.WaitAction(t, id, 10*time.Second); a.State != inbox.StateSent {
				t.Errorf("action %d: %s %q", id, a.State, a.Error)
			}
		}
		if n := fk.Requests(m.reply); n != 2 || fk.RateLimited() != 0 {
			t.Errorf("%d requests and %d 429s; want 2 and none", n, fk.RateLimited())
		}
	})
}

func TestBadTokenStopsPolling(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		fk := newFake(t, twfake.Options{Window: time.Second})
		env := connectortest.New(t)
		c := newConnector(t, m, fk, env)
		run(t, env, c)
		state := func() health.State { s, _ := env.Health.Get("twitter"); return s.State }
		connectortest.Eventually(t, 5*time.Second, func() bool { return state() == health.OK })

		fk.ExpireToken()
		// One poll: the next request is refused, and that is the last one.
		connectortest.Eventually(t, 2*time.Second, func() bool { return state() == health.Unauthorized })
		n := len(fk.Calls())
		time.Sleep(10 * interval)
		if m := len(fk.Calls()); m != n {
			t.Errorf("%d more requests after unauthorized", m-n)
		}
		refused := 0
		for _, call := range fk.Calls() {
			if call.Status == 401 {
				refused++
			}
		}
		if refused != 1 {
			t.Errorf("%d requests refused, want 1", refused)
		}
		if s, _ := env.Health.Get("twitter"); !strings.Contains(s.Reason, "401") {
			t.Errorf("health reason %q", s.Reason)
		}
	})
}
