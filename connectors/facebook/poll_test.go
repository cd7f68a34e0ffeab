package facebook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/inbox"
)

// direct is a Connector on a fake, with a memory store and a settable
// clock, for tests that call Poll themselves.
type direct struct {
	srv *fbfake.Server
	c   *Connector
	cfg Config
	st  *memStore
	mu  sync.Mutex
	now time.Time
	got []inbox.Inbound
}

func newDirect(t *testing.T, mods ...func(*Config)) *direct {
	return newDirectWith(t, fbfake.Options{}, mods...)
}

// newDirectWith is newDirect on a fake with options fo (its Page, token
// and, unless set, a Conversations API limit as fast as the connector's).
func newDirectWith(t *testing.T, fo fbfake.Options, mods ...func(*Config)) *direct {
	t.Helper()
	fo.PageID, fo.Token = testPage, testToken
	if fo.ConversationsPerSecond == 0 {
		fo.ConversationsPerSecond = fastRate
	}
	d := &direct{now: time.Now(), srv: fbfake.New(fo)}
	t.Cleanup(d.srv.Close)
	d.cfg = Config{PageID: testPage, PageToken: testToken, GraphURL: d.srv.URL(), PollInterval: time.Second, RequestsPerSecond: fastRate}
	for _, m := range mods {
		m(&d.cfg)
	}
	d.connect(t)
	return d
}

// connect gives d a new Connector and an empty store: a fresh process.
func (d *direct) connect(t *testing.T, opts ...Option) {
	t.Helper()
	d.st = newMemStore()
	opts = append([]Option{
		WithClock(func() time.Time { d.mu.Lock(); defer d.mu.Unlock(); return d.now }),
		WithLogger(slog.New(slog.DiscardHandler)),
	}, opts...)
	c, err := New(d.cfg, d.st, opts...)
	if err != nil {
		t.Fatal(err)
	}
	d.c = c
}

// again returns another direct on the same fake, with a fresh connector
// and store.
func (d *direct) again(t *testing.T) *direct {
	t.Helper()
	o := &direct{srv: d.srv, cfg: d.cfg, now: d.now}
	o.connect(t)
	return o
}

func (d *direct) poll() (time.Duration, error) {
	return d.c.Poll(context.Background(), func(_ context.Context, items []inbox.Inbound) error {
		d.got = append(d.got, items...)
		return nil
	})
}

func (d *direct) advance(by time.Duration) {
	d.mu.Lock()
	d.now = d.now.Add(by)
	d.mu.Unlock()
}

// TestUsageSlowsDown: the usage headers stretch the poll interval, and
// estimated_time_to_regain_access stops all calls until it has passed.
func TestUsageSlowsDown(t *testing.T) {
	d := newDirect(t)
	d.srv.AddMessage("t_1", guest(1), "hello", time.Now().Add(-time.Minute))
	for _, tc := range []struct {
		percent int
		want    time.Duration
	}{{10, 0}, {75, 0}, {80, 2 * time.Second}, {95, 4 * time.Second}, {100, 8 * time.Second}, {30, 0}} {
		d.srv.SetUsage(tc.percent)
		next, err := d.poll()
		if err != nil || next != tc.want {
			t.Errorf("usage %d%%: next = %s, %v; want %s", tc.percent, next, err, tc.want)
		}
	}
	if len(d.got) != 1 {
		t.Fatalf("published %d items, want 1", len(d.got))
	}

	d.srv.SetUsageDetail(fbfake.Usage{BusinessUseCase: 100, EstimatedTimeToRegainAccess: 3})
	_, err := d.poll()
	var rl *connectors.RateLimitError
	if !errors.As(err, &rl) || rl.Until.Sub(d.now) != 3*time.Minute {
		t.Fatalf("throttled: %v", err)
	}
	calls := len(d.srv.Calls())
	if _, err := d.poll(); !errors.As(err, &rl) || len(d.srv.Calls()) != calls {
		t.Fatalf("a poll while throttled must not call: %v, %d calls", err, len(d.srv.Calls())-calls)
	}
	if _, err := d.c.Send(context.Background(), inbox.Action{Kind: inbox.Hide, Target: "1_2"}); !errors.As(err, &rl) || len(d.srv.Calls()) != calls {
		t.Fatalf("a send while throttled must not call: %v", err)
	}
	d.srv.SetUsage(0)
	d.advance(3*time.Minute + time.Second)
	if _, err := d.poll(); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
}

// TestOneUsageHeaderSlowsDown: any one of the three usage headers above
// 75%, with the other two low, slows polling down as TestUsageSlowsDown's
// figures say; back under 75%, polling is at the ordinary interval again.
func TestOneUsageHeaderSlowsDown(t *testing.T) {
	for _, tc := range []struct {
		header string
		usage  func(percent int) fbfake.Usage
	}{
		{"X-App-Usage", func(p int) fbfake.Usage { return fbfake.Usage{App: p, Page: 10, BusinessUseCase: 10} }},
		{"X-Page-Usage", func(p int) fbfake.Usage { return fbfake.Usage{App: 10, Page: p, BusinessUseCase: 10} }},
		{"X-Business-Use-Case-Usage", func(p int) fbfake.Usage { return fbfake.Usage{App: 10, Page: 10, BusinessUseCase: p} }},
	} {
		t.Run(tc.header, func(t *testing.T) {
			d := newDirect(t)
			for _, step := range []struct {
				percent int
				want    time.Duration
			}{{80, 2 * time.Second}, {95, 4 * time.Second}, {100, 8 * time.Second}, {70, 0}} {
				d.srv.SetUsageDetail(tc.usage(step.percent))
				if next, err := d.poll(); err != nil || next != step.want {
					t.Errorf("%s at %d%%, the others at 10%%: next = %s, %v; want %s", tc.header, step.percent, next, err, step.want)
				}
			}
		})
	}
}

// TestConversationPagingAndEqualTimes: the conversation list itself spans
// pages; a message added later within the same second as the last one
// seen is published, once; the messages come embedded in the list, so
// that a poll costs one call per page of conversations plus the feed; and
// only items at exactly the watermark's second are looked at again.
func TestConversationPagingAndEqualTimes(t *testing.T) {
	d := newDirect(t, func(c *Config) { c.PageSize = 20 })
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := 0; i < 50; i++ {
		d.srv.AddMessage(fmt.Sprintf("t_%d", i), guest(i), "hello", at)
	}
	calls := func(poll func()) int {
		n := len(d.srv.Calls())
		poll()
		return len(d.srv.Calls()) - n
	}
	pollWant := func(what string, items int) {
		t.Helper()
		if _, err := d.poll(); err != nil || len(d.got) != items {
			t.Fatalf("%s: %v, %d items, want %d", what, err, len(d.got), items)
		}
	}
	if n := calls(func() { pollWant("first poll", 50) }); n != 3+1 {
		t.Errorf("the first poll made %d calls, want 3 pages of conversations and 1 of the feed", n)
	}
	id := d.srv.AddMessage("t_7", guest(7), "same second", at.Add(500*time.Millisecond))
	pollWant("same second", 51)
	if d.got[50].ExternalID != id {
		t.Fatalf("published %s, want %s", d.got[50].ExternalID, id)
	}
	// All 50 conversations are at the watermark's second, so an idle
	// poll looks at them all again (their messages come with them), and
	// publishes nothing twice.
	if n := calls(func() { pollWant("idle poll at the watermark", 51) }); n != 3+1 {
		t.Errorf("an idle poll made %d calls, want 4", n)
	}
	d.advance(5 * time.Minute)
	id = d.srv.AddMessage("t_9", guest(9), "much later", d.now)
	pollWant("later", 52)
	if d.got[51].ExternalID != id {
		t.Fatalf("published %s, want %s", d.got[51].ExternalID, id)
	}
	// Now one conversation holds the watermark: the first page of each
	// list suffices.
	if n := calls(func() { pollWant("idle poll", 52) }); n != 2 {
		t.Errorf("an idle poll made %d calls, want 2", n)
	}
}

// TestBackfill: with backfill set, the first poll skips older items.
func TestBackfill(t *testing.T) {
	d := newDirect(t, func(c *Config) { c.Backfill = time.Hour })
	now := time.Now()
	d.srv.AddMessage("t_1", guest(1), "too old", now.Add(-2*time.Hour))
	recent := d.srv.AddMessage("t_1", guest(1), "recent", now.Add(-10*time.Minute))
	post := d.srv.AddPost(guest(2), "old visitor post", now.Add(-3*time.Hour))
	cm := d.srv.AddComment(post, "", guest(3), "new comment", now.Add(-5*time.Minute))
	if _, err := d.poll(); err != nil {
		t.Fatal(err)
	}
	if len(d.got) != 2 || d.got[0].ExternalID != recent || d.got[1].ExternalID != cm {
		t.Fatalf("got %+v", d.got)
	}
}

// TestNonJSONServerError: a 5xx with an HTML body is a clear, transient
// error; nothing is published and no cursor moves.
func TestNonJSONServerError(t *testing.T) {
	d := newDirect(t)
	d.srv.AddMessage("t_1", guest(1), "hello", time.Now().Add(-time.Minute))
	d.srv.Inject(fbfake.Fault{Status: 502, Body: "<html><body>502 Bad Gateway</body></html>", Path: "/conversations"})
	_, err := d.poll()
	if err == nil || !strings.Contains(err.Error(), "HTTP 502 with a non-JSON body") ||
		errors.Is(err, errMalformed) || errors.Is(err, connectors.ErrRateLimited) || errors.Is(err, connectors.ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	if cursors := d.st.Cursors(); len(d.got) != 0 || len(cursors) != 0 {
		t.Fatalf("published %d, cursors %v", len(d.got), cursors)
	}
	// A 5xx on a send: the outcome is unknown, not a refusal.
	d.srv.Inject(fbfake.Fault{Status: 503, Body: "Service Unavailable", Method: "POST"})
	_, err = d.c.Send(context.Background(), inbox.Action{Kind: inbox.Reply, Target: "1_2", Text: "hi"})
	if err == nil || errors.Is(err, connectors.ErrRefused) || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("send on 503: %v", err)
	}
	if _, err := d.poll(); err != nil || len(d.got) != 1 {
		t.Fatalf("after the error: %v, %d items", err, len(d.got))
	}
}

// TestPagingLinkHost: a paging link to another host is not followed, so
// the token never leaves for it.
func TestPagingLinkHost(t *testing.T) {
	c := newTestConnector(t)
	_, err := c.follow(context.Background(), "test", "http://evil.example/next?after=x")
	if !errors.Is(err, errMalformed) {
		t.Fatalf("err = %v", err)
	}
}

// shape reduces a JSON value to its structure: object keys with the
// shapes of their values, the first element of arrays, and kinds.
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = shape(e)
		}
		return out
	case []any:
		if len(x) == 0 {
			return []any{}
		}
		return []any{shape(x[0])}
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "null"
}

// checkShape reports the keys of recorded that fake lacks or writes with
// another shape, for the keys the connector reads (keep).
func checkShape(t *testing.T, what string, recorded, fake any, keep []string) {
	t.Helper()
	r, f := shape(recorded).(map[string]any), shape(fake).(map[string]any)
	for _, k := range keep {
		rv, rok := r[k]
		fv, fok := f[k]
		if !rok {
			t.Fatalf("%s: the recording has no %q", what, k)
		}
		if !fok {
			t.Errorf("%s: the fake writes no %q", what, k)
			continue
		}
		// The fake may write more keys inside objects, never fewer.
		if rm, ok := rv.(map[string]any); ok {
			fm, ok := fv.(map[string]any)
			if !ok {
				t.Errorf("%s: %q is %v in the fake, %v recorded", what, k, fv, rv)
				continue
			}
			for kk, rvv := range rm {
				if fvv, ok := fm[kk]; !ok || (!reflect.DeepEqual(fvv, rvv) && kk != "data") {
					t.Errorf("%s: %s.%s is %v in the fake, %v recorded", what, k, kk, fvv, rvv)
				}
			}
			continue
		}
		if !reflect.DeepEqual(rv, fv) {
			t.Errorf("%s: %q is %v in the fake, %v recorded", what, k, fv, rv)
		}
	}
}

func getJSON(t *testing.T, u string) map[string]any {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func first(v map[string]any) map[string]any { return v["data"].([]any)[0].(map[string]any) }

// TestFakeMatchesRecordings compares what fbfake writes, in its default
// "+0000" time format, with the recorded payloads in testdata, for the
// fields the connector reads, and decodes it through the same parsers.
func TestFakeMatchesRecordings(t *testing.T) {
	srv := fbfake.New(fbfake.Options{PageID: testPage, Token: testToken, NoWindows: true})
	defer srv.Close()
	at := time.Date(2021, 7, 23, 9, 50, 48, 0, time.UTC)
	mid := srv.AddMessage("t_1", guest(1), "hello", at, fbfake.Attachment{Type: "image", URL: "https://cdn.example/a.jpg"})
	post := srv.AddPost(guest(2), "visitor post", at)
	top := srv.AddComment(post, "", srv.Page(), "page comment", at.Add(time.Minute))
	srv.AddComment(post, top, guest(3), "reply", at.Add(2*time.Minute))
	get := func(path string, params url.Values) map[string]any {
		params.Set("access_token", testToken)
		return getJSON(t, srv.URL()+path+"?"+params.Encode())
	}

	conv := first(get(testPage+"/conversations", url.Values{"platform": {"messenger"}, "fields": {"id,updated_time,participants"}}))
	checkShape(t, "conversation", decodeJSON(t, readTestdata(t, "conversation_node_full_fields.pyfacebook.json")), conv, []string{"id", "updated_time", "participants"})
	if _, err := parseTime(conv["updated_time"].(string)); err != nil || !strings.HasSuffix(conv["updated_time"].(string), "+0000") {
		t.Errorf("updated_time %v", conv["updated_time"])
	}

	msg := first(get("t_1/messages", url.Values{"fields": {"id,message,from,to,created_time,attachments"}}))
	checkShape(t, "message", decodeJSON(t, readTestdata(t, "message_node_fields.pyfacebook.json")), msg, []string{"id", "message", "from", "to", "created_time"})
	raw, _ := json.Marshal(msg)
	in, err := parseMessage(raw, "t_1", testPage)
	if err != nil || in.ExternalID != mid || !in.CreatedAt.Equal(at) || len(in.Attachments) != 1 {
		t.Errorf("fake message parsed as %+v, %v", in, err)
	}
	recAtt := decodeJSON(t, readTestdata(t, "message_node_fields.pyfacebook.json"))["attachments"].(map[string]any)["data"].([]any)[0]
	fakeAtt := msg["attachments"].(map[string]any)["data"].([]any)[0]
	checkShape(t, "message attachment", recAtt, fakeAtt, []string{"id", "mime_type", "name", "image_data"})

	feed := get(testPage+"/feed", url.Values{"fields": {"id,from,to,message,created_time,permalink_url,comments{id,from,to,message,created_time}"}})
	rec := decodeJSON(t, readTestdata(t, "page_feed_with_comments.zammad.json"))
	recPost := rec["data"].([]any)[1].(map[string]any)
	fakePost := first(feed)
	checkShape(t, "post", recPost, fakePost, []string{"id", "from", "to", "message", "created_time", "permalink_url", "comments"})
	recComment := recPost["comments"].(map[string]any)["data"].([]any)[0]
	fakeComment := fakePost["comments"].(map[string]any)["data"].([]any)[0]
	checkShape(t, "comment", recComment, fakeComment, []string{"id", "from", "message", "created_time"})
	raw, _ = json.Marshal(feed)
	list, err := parseList(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := parsePost(list.Items[0])
	if err != nil || p.ID != post || len(p.Comments.Items) != 1 {
		t.Fatalf("fake feed parsed as %+v, %v (the default filter lists top-level comments only)", p, err)
	}

	// filter=stream lists replies too, with their parent.
	stream := get(post+"/comments", url.Values{"filter": {"stream"}, "fields": {commentFields}})
	if n := len(stream["data"].([]any)); n != 2 {
		t.Fatalf("stream has %d comments", n)
	}
	raw, _ = json.Marshal(stream["data"].([]any)[1])
	reply, err := parseComment(raw, p, testPage)
	if err != nil || reply.ParentID != top || reply.Thread != post {
		t.Errorf("reply = %+v, %v", reply, err)
	}

	// The empty list and the Send API answer match the recordings too.
	bare := srv.AddPagePost("no comments yet", at)
	fakeEmpty := get(bare+"/comments", url.Values{})
	if !reflect.DeepEqual(shape(fakeEmpty), shape(decodeJSON(t, readTestdata(t, "comments_empty.zammad.json")))) {
		t.Errorf("empty list = %v", fakeEmpty)
	}
	resp, err := http.PostForm(srv.URL()+testPage+"/messages", url.Values{"access_token": {testToken},
		"recipient": {`{"id":"` + guest(1).ID + `"}`}, "message": {`{"text":"hi"}`}, "messaging_type": {"RESPONSE"}})
	if err != nil {
		t.Fatal(err)
	}
	var sent map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&sent)
	resp.Body.Close()
	if !reflect.DeepEqual(shape(sent), shape(decodeJSON(t, readTestdata(t, "send_api.response.jgorset.json")))) {
		t.Errorf("send answer = %v", sent)
	}
}
