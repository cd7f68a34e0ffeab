package twitter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/testutil/connectortest"
	"github.com/inboxbot/inboxbot/store"
)

// newMemStore keeps cursors in memory. These tests call Poll directly,
// and only the cursor methods are used; the end-to-end tests use the real
// SQLite store through connectortest.
func newMemStore() *connectortest.MemStore { return connectortest.NewMemStore() }

// clock is a settable clock that starts at the real time, so that the
// fake server's reset headers stay meaningful.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// collector is a Publish that keeps what it is given.
type collector struct {
	items []inbox.Inbound
	seen  map[string]int
}

func (c *collector) publish(_ context.Context, items []inbox.Inbound) error {
	if c.seen == nil {
		c.seen = make(map[string]int)
	}
	for _, in := range items {
		if err := in.Validate(); err != nil {
			return fmt.Errorf("invalid item %s: %w", in.ExternalID, err)
		}
		c.seen[in.ExternalID]++
	}
	c.items = append(c.items, items...)
	return nil
}

func (c *collector) dups() int {
	n := 0
	for _, v := range c.seen {
		n += v - 1
	}
	return n
}

// testConnector returns a v1.1 connector for fk's account.
func testConnector(t *testing.T, fk *twfake.Server, st store.Cursors, opts ...Option) *Connector {
	t.Helper()
	return testConnectorAPI(t, APIv11, fk.URL(), fk, st, opts...)
}

// testConnectorAPI returns a connector speaking api at apiURL for fk's
// account, polling every 100ms.
func testConnectorAPI(t *testing.T, api, apiURL string, fk *twfake.Server, st store.Cursors, opts ...Option) *Connector {
	t.Helper()
	ck, cs, at, as := fk.Credentials()
	c, err := New(Config{
		Enabled: true, ConsumerKey: ck, ConsumerSecret: cs, AccessToken: at, AccessSecret: as,
		API: api, APIURL: apiURL, PollInterval: 100 * time.Millisecond,
	}, st, append([]Option{WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func customer(i int) twfake.User {
	return twfake.User{ID: int64(5000 + i), ScreenName: fmt.Sprintf("guest%d", i), Name: fmt.Sprintf("Guest %d", i)}
}

// pollOnce advances the clock to when the connector asked to be called
// again, then polls.
func pollOnce(t *testing.T, c *Connector, clk *clock, col *collector, next time.Duration) time.Duration {
	t.Helper()
	clk.advance(next)
	n, err := c.Poll(context.Background(), col.publish)
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return n
}

func TestPollCostsAndOrder(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	clk := &clock{}
	c := testConnector(t, fk, newMemStore(), WithClock(clk.now))
	col := &collector{}

	next := pollOnce(t, c, clk, col, 0)
	if got := fk.Requests(twfake.MentionsTimeline); got != 1 {
		t.Fatalf("first poll of an empty timeline: %d requests", got)
	}
	if next <= 0 || next > 15*time.Second {
		t.Fatalf("next poll in %s", next)
	}

	parent := fk.AddOwnTweet("Welcome to our help desk", 0)
	a := fk.AddMention(customer(1), "@HotelHelp my room is cold", "en", parent)
	b := fk.AddMention(customer(2), "@HotelHelp kamar saya dingin", "in", 0)
	fk.AddMention(customer(3), "@HotelHelp 🙂", "und", 0)
	fk.AddRetweet(customer(4), a)
	fk.AddOwnTweet("@HotelHelp note to self", 0)

	// The mentions budget (75 per 15 minutes) spaces polls at most 12.5s
	// apart; 20s makes sure they are due.
	const due = 20 * time.Second
	before := fk.Requests(twfake.MentionsTimeline)
	pollOnce(t, c, clk, col, due)
	// No since_id yet: one page, then an empty page to be sure.
	if got := fk.Requests(twfake.MentionsTimeline) - before; got != 2 {
		t.Errorf("first mentions: %d requests, want 2", got)
	}
	if len(col.items) != 3 {
		t.Fatalf("published %d items, want 3 (own tweets and retweets skipped)", len(col.items))
	}
	if col.items[0].ExternalID != strconv.FormatInt(a, 10) || col.items[1].ExternalID != strconv.FormatInt(b, 10) {
		t.Errorf("not oldest first: %s, %s", col.items[0].ExternalID, col.items[1].ExternalID)
	}
	first := col.items[0]
	if first.ParentID != strconv.FormatInt(parent, 10) || first.Lang != "en" || first.Thread != customer(1).IDStr() ||
		first.Author.Handle != "guest1" || first.Author.Name != "Guest 1" || first.Text != "@HotelHelp my room is cold" ||
		first.Recipient != fk.Self().IDStr() {
		t.Errorf("mention mapped as %+v", first)
	}
	if col.items[1].Lang != "in" || col.items[2].Lang != "und" {
		t.Errorf("langs %q %q", col.items[1].Lang, col.items[2].Lang)
	}

	// Nothing new: one request (the sentinel tweet comes back alone).
	before = fk.Requests(twfake.MentionsTimeline)
	pollOnce(t, c, clk, col, due)
	if got := fk.Requests(twfake.MentionsTimeline) - before; got != 1 {
		t.Errorf("empty poll: %d requests, want 1", got)
	}
	// Two new: still one request.
	fk.AddMention(customer(5), "@HotelHelp hello", "en", 0)
	fk.AddMention(customer(5), "@HotelHelp again", "en", 0)
	before = fk.Requests(twfake.MentionsTimeline)
	pollOnce(t, c, clk, col, due)
	if got := fk.Requests(twfake.MentionsTimeline) - before; got != 1 {
		t.Errorf("poll with 2 new: %d requests, want 1", got)
	}
	if len(col.items) != 5 || col.dups() != 0 {
		t.Errorf("published %d items, %d duplicates", len(col.items), col.dups())
	}
	for _, call := range fk.Calls() {
		if call.Endpoint == twfake.MentionsTimeline && (call.Query.Get("tweet_mode") != "extended" || call.Query.Get("count") != "200") {
			t.Errorf("mentions query %v", call.Query)
		}
	}
}

func TestPollGapPaging(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	clk := &clock{}
	st := newMemStore()
	c := testConnector(t, fk, st, WithClock(clk.now))
	col := &collector{}
	for i := range 450 {
		fk.AddMention(customer(i%30), fmt.Sprintf("@HotelHelp backlog %d", i), "en", 0)
	}
	pollOnce(t, c, clk, col, 0)
	if got := fk.Requests(twfake.MentionsTimeline); got != 4 { // 200, 200, 50, empty
		t.Errorf("backlog: %d requests, want 4", got)
	}
	var newest int64
	for i := range 450 {
		newest = fk.AddMention(customer(i%30), fmt.Sprintf("@HotelHelp burst %d", i), "en", 0)
	}
	before := fk.Requests(twfake.MentionsTimeline)
	pollOnce(t, c, clk, col, 20*time.Second)
	if got := fk.Requests(twfake.MentionsTimeline) - before; got != 3 { // 200, 200, 50 + sentinel
		t.Errorf("burst: %d requests, want 3", got)
	}
	if len(col.items) != 900 || col.dups() != 0 {
		t.Fatalf("published %d, %d duplicates", len(col.items), col.dups())
	}
	var cur mentionCursor
	_ = json.Unmarshal([]byte(st.Cursors()[cursorKey(fk.Self().IDStr(), "mentions")]), &cur)
	if cur.SinceID != newest || cur.Gap != nil {
		t.Errorf("cursor %+v, want since_id %d and no gap", cur, newest)
	}
	if fk.RateLimited() != 0 {
		t.Errorf("%d 429s", fk.RateLimited())
	}
}

func TestPollStopsAtBudgetAndResumesAfterRestart(t *testing.T) {
	fk := twfake.New(twfake.Options{Window: time.Hour, Limits: map[string]int{twfake.MentionsTimeline: 2}})
	defer fk.Close()
	clk := &clock{}
	st := newMemStore()
	c := testConnector(t, fk, st, WithClock(clk.now))
	col := &collector{}
	for i := range 450 {
		fk.AddMention(customer(i%30), fmt.Sprintf("@HotelHelp backlog %d", i), "en", 0)
	}
	next := pollOnce(t, c, clk, col, 0)
	if len(col.items) != 400 || fk.Requests(twfake.MentionsTimeline) != 2 {
		t.Fatalf("published %d with %d requests; want 400 with 2", len(col.items), fk.Requests(twfake.MentionsTimeline))
	}
	key := cursorKey(fk.Self().IDStr(), "mentions")
	var cur mentionCursor
	if err := json.Unmarshal([]byte(st.Cursors()[key]), &cur); err != nil || cur.Gap == nil || cur.NotBefore.IsZero() {
		t.Fatalf("cursor after running out mid-gap: %s (%v)", st.Cursors()[key], err)
	}
	if !c.mentionsAt.Equal(cur.NotBefore) || next <= 0 {
		t.Fatalf("mentions due at %v, want the window's reset %v (next %s)", c.mentionsAt, cur.NotBefore, next)
	}

	// Restart: the new connector honours the saved wait.
	c2 := testConnector(t, fk, st, WithClock(clk.now))
	pollOnce(t, c2, clk, col, time.Minute)
	if fk.Requests(twfake.MentionsTimeline) != 2 || fk.RateLimited() != 0 {
		t.Fatalf("called into a spent window: %d requests, %d 429s", fk.Requests(twfake.MentionsTimeline), fk.RateLimited())
	}
	// The budget is back (the test raises it rather than wait an hour).
	fk.SetLimit(twfake.MentionsTimeline, 10)
	pollOnce(t, c2, clk, col, time.Until(cur.NotBefore)+time.Second)
	if len(col.items) != 450 || col.dups() != 0 {
		t.Fatalf("after resuming: published %d, %d duplicates", len(col.items), col.dups())
	}
	var calls []string
	for _, call := range fk.Calls() {
		if call.Endpoint == twfake.MentionsTimeline {
			calls = append(calls, call.Query.Get("max_id"))
		}
	}
	if len(calls) != 4 || calls[2] != strconv.FormatInt(cur.Gap.MaxID, 10) {
		t.Errorf("max_id of the mentions calls: %v; want the 3rd to resume at %d", calls, cur.Gap.MaxID)
	}
}

func TestPollDMPaging(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	clk := &clock{}
	c := testConnector(t, fk, newMemStore(), WithClock(clk.now))
	col := &collector{}
	for i := range 120 {
		fk.AddDM(customer(i%7), fmt.Sprintf("dm %d", i))
		if i%25 == 0 {
			fk.AddOwnDM(customer(i%7), "our answer")
		}
	}
	fk.InjectEmptyDMPage()
	next := pollOnce(t, c, clk, col, 0)
	// empty page with a cursor, then 50, 50, 25 (5 of them ours).
	if got := fk.Requests(twfake.DMEventsList); got != 4 {
		t.Errorf("DM backlog: %d requests, want 4", got)
	}
	if len(col.items) != 120 || col.dups() != 0 {
		t.Fatalf("published %d DMs (%d duplicates), want 120", len(col.items), col.dups())
	}
	for _, in := range col.items {
		if in.Author.ID == fk.Self().IDStr() || in.Kind != inbox.DM || in.Thread != in.Author.ID {
			t.Fatalf("bad DM item %+v", in)
		}
	}
	for i := 1; i < 40; i++ { // each page is published oldest first
		if col.items[i].ExternalID <= col.items[i-1].ExternalID {
			t.Fatalf("page not oldest first at %d", i)
		}
	}

	// The DM list's budget (15 per 15 minutes, 11 left) spaces its polls
	// at most 82s apart.
	const due = 2 * time.Minute
	if next > due {
		t.Errorf("next poll in %s", next)
	}
	before := fk.Requests(twfake.DMEventsList)
	pollOnce(t, c, clk, col, due)
	if got := fk.Requests(twfake.DMEventsList) - before; got != 1 {
		t.Errorf("nothing new: %d requests, want 1", got)
	}
	fk.AddDM(customer(1), "new one")
	fk.InjectEmptyDMPage()
	before = fk.Requests(twfake.DMEventsList)
	pollOnce(t, c, clk, col, due)
	if got := fk.Requests(twfake.DMEventsList) - before; got != 2 {
		t.Errorf("empty page then the new DM: %d requests, want 2", got)
	}
	if len(col.items) != 121 || col.items[120].Text != "new one" {
		t.Errorf("published %d", len(col.items))
	}
	for _, call := range fk.Calls() {
		if call.Endpoint == twfake.DMEventsList && call.Query.Get("count") != "50" {
			t.Errorf("DM list query %v", call.Query)
		}
	}
}

func TestPollUnauthorized(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	c := testConnector(t, fk, newMemStore())
	fk.ExpireToken()
	_, err := c.Poll(context.Background(), (&collector{}).publish)
	if !errors.Is(err, connectors.ErrUnauthorized) || !strings.Contains(err.Error(), "89") {
		t.Fatalf("expired token: %v", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.Endpoint != string(v11Endpoints.verify) {
		t.Errorf("error does not carry the API error: %v", err)
	}
}

func TestPollRateLimitedByAnotherClient(t *testing.T) {
	// Another client with the same token spent the window: one 429, then
	// no call before the reset.
	fk := twfake.New(twfake.Options{Window: time.Hour, Limits: map[string]int{twfake.MentionsTimeline: 0}})
	defer fk.Close()
	clk := &clock{}
	c := testConnector(t, fk, newMemStore(), WithClock(clk.now))
	_, err := c.Poll(context.Background(), (&collector{}).publish)
	var rl *connectors.RateLimitError
	if !errors.As(err, &rl) || !rl.Until.After(time.Now()) {
		t.Fatalf("poll: %v", err)
	}
	for range 5 {
		clk.advance(time.Second)
		_, _ = c.Poll(context.Background(), (&collector{}).publish)
	}
	if fk.RateLimited() != 1 {
		t.Errorf("%d 429s, want 1 per window", fk.RateLimited())
	}
}

// fixtureServer serves recorded payloads: verify_credentials of the
// sferik DM recording's account, an empty mentions timeline, the DM list
// whose next_cursor is the integer 0, and a legacy string error for
// statuses/update.
func fixtureServer(t *testing.T) *httptest.Server {
	dmList := readFixture(t, "dm_events_list.sferik.json")
	legacy := readFixture(t, "error_403_duplicate_legacy_format.sferik.json")
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		switch r.URL.Path {
		case "/proxy/1.1/account/verify_credentials.json":
			_, _ = w.Write([]byte(`{"id":22095868,"id_str":"22095868","screen_name":"Support"}`))
		case "/proxy/1.1/statuses/mentions_timeline.json":
			_, _ = w.Write(readFixture(t, "mentions_timeline.tweepy_empty.json"))
		case "/proxy/1.1/direct_messages/events/list.json":
			_, _ = w.Write(dmList)
		case "/proxy/1.1/statuses/update.json":
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write(legacy)
		default:
			http.NotFound(w, r)
		}
	}))
}

func TestRecordedPayloadsThroughTheConnector(t *testing.T) {
	srv := fixtureServer(t)
	defer srv.Close()
	c, err := New(Config{ConsumerKey: "k", ConsumerSecret: "s", AccessToken: "t", AccessSecret: "x",
		API: APIv11, APIURL: srv.URL + "/proxy/1.1/"}, newMemStore(), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	col := &collector{}
	if _, err := c.Poll(context.Background(), col.publish); err != nil {
		t.Fatalf("poll with an integer next_cursor: %v", err)
	}
	if len(col.items) != 13 {
		t.Errorf("published %d DMs, want 13 (3 are ours)", len(col.items))
	}
	_, err = c.Send(context.Background(), inbox.Action{Kind: inbox.Reply, Target: "1", Text: "hello"})
	if !errors.Is(err, connectors.ErrRefused) || !strings.Contains(err.Error(), "Status is a duplicate.") {
		t.Errorf("legacy error body: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{APIURL: "ftp://x/"}, newMemStore()); err == nil {
		t.Error("bad api_url accepted")
	}
	if _, err := New(Config{ConsumerKey: "k"}, newMemStore()); err == nil || !strings.Contains(err.Error(), "access_secret") {
		t.Errorf("missing secrets: %v", err)
	}
	if _, err := New(Config{ConsumerKey: "k", ConsumerSecret: "s", AccessToken: "t", AccessSecret: "x"}, nil); err == nil {
		t.Error("nil store accepted")
	}
}

func TestRewriteTransport(t *testing.T) {
	var got []string
	rt, err := newRewriteTransport("http://127.0.0.1:9/proxy/1.1/", roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.URL.String()+" host="+r.Host)
		return nil, errors.New("stop")
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{
		"https://api.twitter.com/1.1/statuses/update.json?status=a+b",
		"https://example.com/1.1/x.json",
	} {
		req, _ := http.NewRequest(http.MethodPost, u, nil)
		_, _ = rt.RoundTrip(req)
		if req.URL.String() != u {
			t.Errorf("caller's request modified: %s", req.URL)
		}
	}
	want := []string{
		"http://127.0.0.1:9/proxy/1.1/statuses/update.json?status=a+b host=",
		"https://example.com/1.1/x.json host=example.com",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
