package facebook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/webhook"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/testutil/connectortest"
	"github.com/inboxbot/inboxbot/metrics"
)

const testVerifyToken = "EAAverify-token"

// collector gathers what a webhook publishes.
type collector struct {
	mu    sync.Mutex
	items []inbox.Inbound
	fail  error
}

func (c *collector) publish(_ context.Context, items []inbox.Inbound) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	c.items = append(c.items, items...)
	return nil
}

func (c *collector) got() []inbox.Inbound {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.items)
}

// hookFixture is a fake Graph API, a Connector on it (for look-ups and
// polling) and the connector's webhook on a test server, publishing into
// a collector.
type hookFixture struct {
	*direct
	wh      *webhook.Handler
	hs      *httptest.Server
	col     *collector
	health  *health.Registry
	metrics *metrics.Metrics
}

func newHookFixture(t *testing.T, fo fbfake.Options, mods ...func(*Config)) *hookFixture {
	t.Helper()
	f := &hookFixture{direct: newDirectWith(t, fo, mods...), col: &collector{}, health: health.New(), metrics: metrics.New()}
	wh, err := NewWebhook(WebhookConfig{AppSecret: f.srv.AppSecret(), VerifyToken: testVerifyToken, PageID: testPage, Connector: f.c}, webhook.Deps{
		Publish: f.col.publish, Delivered: f.c.WebhookDelivered, Health: f.health, Metrics: f.metrics, Log: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.wh = wh
	f.hs = httptest.NewServer(wh)
	t.Cleanup(f.hs.Close)
	return f
}

// subscribe makes the fake deliver to the webhook.
func (f *hookFixture) subscribe(t *testing.T) {
	t.Helper()
	if err := f.srv.SetWebhook(f.hs.URL, testVerifyToken); err != nil {
		t.Fatal(err)
	}
}

func (f *hookFixture) post(t *testing.T, body []byte, header, signature string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.hs.URL, bytes.NewReader(body))
	if signature != "" {
		req.Header.Set(header, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (f *hookFixture) outcome(o string) int {
	return int(testutil.ToFloat64(f.metrics.Webhooks.WithLabelValues("facebook", o)))
}

func waitDelivered(t *testing.T, srv *fbfake.Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitDeliveries(ctx, n); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookVerification(t *testing.T) {
	f := newHookFixture(t, fbfake.Options{})
	for _, tt := range []struct {
		name   string
		query  url.Values
		status int
		body   string
	}{
		{"subscribe", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerifyToken}, "hub.challenge": {"1158201444"}}, 200, "1158201444"},
		{"wrong token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"guess"}, "hub.challenge": {"1"}}, 403, ""},
		{"token prefix", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerifyToken[:5]}, "hub.challenge": {"1"}}, 403, ""},
		{"no token", url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"1"}}, 403, ""},
		{"other mode", url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {testVerifyToken}, "hub.challenge": {"1"}}, 403, ""},
		{"no challenge", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerifyToken}}, 400, ""},
		{"huge challenge", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerifyToken}, "hub.challenge": {strings.Repeat("9", 1000)}}, 400, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(f.hs.URL + "?" + tt.query.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || (tt.body != "" && string(body) != tt.body) {
				t.Errorf("%d %q, want %d %q", resp.StatusCode, body, tt.status, tt.body)
			}
		})
	}
	// Meta's own check, as the fake makes it.
	f.subscribe(t)
}

func TestNewWebhookNeedsItsSettings(t *testing.T) {
	c := newTestConnector(t)
	ok := WebhookConfig{AppSecret: "s", VerifyToken: "v", PageID: testPage, Connector: c}
	deps := webhook.Deps{Publish: (&collector{}).publish}
	if _, err := NewWebhook(ok, deps); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*WebhookConfig){
		"no app secret":   func(w *WebhookConfig) { w.AppSecret = "" },
		"no verify token": func(w *WebhookConfig) { w.VerifyToken = "" },
		"no page":         func(w *WebhookConfig) { w.PageID = "" },
		"no connector":    func(w *WebhookConfig) { w.Connector = nil },
		"another page":    func(w *WebhookConfig) { w.PageID = "2000" },
	} {
		cfg := ok
		mod(&cfg)
		if _, err := NewWebhook(cfg, deps); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestWebhookRefusals: forged, unsigned, wrongly keyed, replayed with
// another body's signature, signed with the legacy SHA-1 header only, and
// 5 MiB bodies are refused with a 4xx, counted, and publish nothing.
func TestWebhookRefusals(t *testing.T) {
	f := newHookFixture(t, fbfake.Options{})
	body := readTestdata(t, "webhook/messages_text.meta_docs.json")
	other := readTestdata(t, "webhook/standby.meta_docs.json")
	secret := f.srv.AppSecret()
	sha1sig := func(b []byte) string {
		m := hmac.New(sha1.New, []byte(secret))
		m.Write(b)
		return "sha1=" + hex.EncodeToString(m.Sum(nil))
	}
	huge := append([]byte(`{"object":"page","entry":[`), bytes.Repeat([]byte(" "), 5<<20)...)
	for _, tt := range []struct {
		name, header, sig string
		body              []byte
		status            int
	}{
		{"forged", SignatureHeader, "sha256=" + strings.Repeat("ab", 32), body, 401},
		{"not hex", SignatureHeader, "sha256=zz", body, 401},
		{"no prefix", SignatureHeader, strings.TrimPrefix(Sign(secret, body), "sha256="), body, 401},
		{"unsigned", SignatureHeader, "", body, 401},
		{"another secret", SignatureHeader, Sign("not-our-secret", body), body, 401},
		{"another body's signature", SignatureHeader, Sign(secret, other), body, 401},
		{"legacy SHA-1 only", "X-Hub-Signature", sha1sig(body), body, 401},
		{"5 MiB", SignatureHeader, Sign(secret, huge), huge, 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.post(t, tt.body, tt.header, tt.sig); got != tt.status {
				t.Errorf("status %d, want %d", got, tt.status)
			}
		})
	}
	if n := len(f.col.got()); n != 0 {
		t.Fatalf("refused deliveries published %d items", n)
	}
	if n := f.wh.BadSignatures(); n != 7 || f.outcome("bad_signature") != 7 || f.outcome("too_large") != 1 {
		t.Errorf("bad signatures %d (metric %d), too large %d", n, f.outcome("bad_signature"), f.outcome("too_large"))
	}
	if c, _ := f.health.Get("facebook"); c.Details["webhook_bad_signatures"] != int64(7) {
		t.Errorf("health details %v", c.Details)
	}
	if !f.wh.LastDelivery().IsZero() || len(f.srv.Calls()) != 0 {
		t.Error("a refused delivery counted as delivered, or was looked up")
	}
	// Signed, the same body goes through; the bus down gives 503.
	if got := f.post(t, body, SignatureHeader, Sign(secret, body)); got != 200 {
		t.Fatalf("signed: %d", got)
	}
	f.col.mu.Lock()
	f.col.fail = errors.New("no bus")
	f.col.mu.Unlock()
	if got := f.post(t, body, SignatureHeader, Sign(secret, body)); got != 503 {
		t.Errorf("bus down: %d", got)
	}
	if c, _ := f.health.Get("facebook"); c.Details["webhook_last_delivery"] == nil {
		t.Errorf("health details %v", c.Details)
	}
}

// TestParseWebhookRecorded reads the recorded deliveries (testdata/
// webhook, see the README) without look-ups.
func TestParseWebhookRecorded(t *testing.T) {
	type want struct {
		kind   inbox.Kind
		id     string
		author string
		text   string
		atts   []inbox.Attachment
		at     time.Time
		psid   string // messages: the sender looked up
		post   string // comments: the post looked up
	}
	ms := func(ms int64) time.Time { return time.UnixMilli(ms).UTC().Truncate(time.Second) }
	sec := func(s int64) time.Time { return time.Unix(s, 0).UTC() }
	for _, tt := range []struct {
		file, page string
		want       []want
		skipped    int
		posts      map[string]bool
	}{
		{file: "messages_text.meta_docs.json", page: testPage, want: []want{{kind: inbox.Message, id: "mid.1457764197618:41d102a3e1ae206a38",
			author: "20001", text: "hello, world!", at: ms(1458692752478), psid: "20001"}}},
		{file: "messages_attachment.meta_docs.json", page: testPage, want: []want{{kind: inbox.Message, id: "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c",
			author: "20001", atts: []inbox.Attachment{{Type: inbox.AttachImage, URL: "<ATTACHMENT_URL>"}}, at: ms(1518479195308), psid: "20001"}}},
		{file: "messages_sticker_transition.meta_docs.json", page: testPage, want: []want{{kind: inbox.Message, id: "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_d",
			author: "20001", atts: []inbox.Attachment{{Type: inbox.AttachSticker, URL: "<STICKER_URL>"}}, at: ms(1518479195308), psid: "20001"}}},
		{file: "message_echoes.meta_docs.json", page: testPage, skipped: 1},
		{file: "message_reads_deliveries.meta_docs.json", page: testPage, skipped: 2},
		{file: "standby.meta_docs.json", page: testPage, want: []want{{kind: inbox.Message, id: "m_standby_1", author: "20001",
			text: "is anyone there?", at: ms(1458692752478), psid: "20001"}}},
		{file: "messages_text.meta_docs.json", page: "2000", skipped: 1}, // another Page's
		{file: "webhook_messages.jgorset_server_spec.json", page: "1", want: []want{{kind: inbox.Message, id: "mid.1457764197618:41d102a3e1ae206a38",
			author: "2", text: "Hello, bot!", at: ms(1457764197627), psid: "2"}}},
		{file: "feed_batch.meta_reference.json", page: testPage, skipped: 6, want: []want{
			{kind: inbox.Comment, id: "500_601", author: "30001", text: "Is breakfast included?", at: sec(1764526800), post: "1000_500"},
			// The edit of the same comment: dropped by dedupe downstream.
			{kind: inbox.Comment, id: "500_601", author: "30001", text: "Is breakfast included? (edited)", at: sec(1764526800), post: "1000_500"},
			{kind: inbox.Comment, id: "500_602", author: "30002", text: "Same question, and parking?", at: sec(1764526801), post: "1000_500",
				atts: []inbox.Attachment{{Type: inbox.AttachImage, URL: "https://scontent.example/parking.jpg"}}},
			{kind: inbox.Post, id: "1000_700", author: "30003", text: "My room was cold all night", at: sec(1764526806)},
			{kind: inbox.Post, id: "1000_701", author: "30004", text: "Look at this view", at: sec(1764526807),
				atts: []inbox.Attachment{{Type: inbox.AttachImage, URL: "https://scontent.example/view1.jpg"},
					{Type: inbox.AttachImage, URL: "https://scontent.example/view2.jpg"}}},
		}, posts: map[string]bool{"1000_700": false, "1000_701": false, "1000_702": true}},
	} {
		t.Run(tt.file+"@"+tt.page, func(t *testing.T) {
			d, err := parseWebhook(readTestdata(t, "webhook/"+tt.file), tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.items) != len(tt.want) || d.skipped != tt.skipped {
				t.Fatalf("%d items, %d skipped; want %d, %d", len(d.items), d.skipped, len(tt.want), tt.skipped)
			}
			for i, it := range d.items {
				w, in := tt.want[i], it.in
				if in.Kind != w.kind || in.ExternalID != w.id || in.Author.ID != w.author || in.Text != w.text ||
					!slices.Equal(in.Attachments, w.atts) || !in.CreatedAt.Equal(w.at) || it.psid != w.psid || it.post != w.post ||
					in.Recipient != tt.page || in.Platform != inbox.Facebook {
					t.Errorf("item %d = %+v (psid %q, post %q), want %+v", i, in, it.psid, it.post, w)
				}
				if w.kind == inbox.Post && (in.Thread != w.id || in.Validate() != nil) {
					t.Errorf("post %+v: %v", in, in.Validate())
				}
			}
			if tt.posts != nil && !reflect.DeepEqual(d.posts, tt.posts) {
				t.Errorf("posts %v, want %v", d.posts, tt.posts)
			}
		})
	}
	// jgorset's feed change, one element of changes[]: the Page's own
	// status, so no item, but its authorship is learnt.
	change := readTestdata(t, "webhook/webhook_feed_change_value.jgorset_feed_spec.json")
	body := fmt.Appendf(nil, `{"object":"page","entry":[{"id":"100518329516574","time":1682963528,"changes":[%s]}]}`, change)
	d, err := parseWebhook(body, "100518329516574")
	if err != nil || len(d.items) != 0 || !d.posts["100518329516574_194260390126069"] {
		t.Errorf("page status: %+v %v", d, err)
	}
	// The App Dashboard's test delivery of the messages field: a change,
	// with the timestamp in seconds, as a string.
	test := []byte(`{"object":"page","entry":[{"id":"1000","time":1764526800,"changes":[{"field":"messages","value":` +
		`{"sender":{"id":"20001"},"recipient":{"id":"1000"},"timestamp":"1764526800","message":{"mid":"m_test","text":"test"}}}]}]}`)
	d, err = parseWebhook(test, testPage)
	if err != nil || len(d.items) != 1 || d.items[0].psid != "20001" || !d.items[0].in.CreatedAt.Equal(time.Unix(1764526800, 0)) {
		t.Errorf("test delivery: %+v %v", d, err)
	}
	if _, err := parseWebhook([]byte(`{"object":`), testPage); err == nil {
		t.Error("a truncated body must be an error")
	}
}

// scriptTraffic adds one of each kind of customer item to srv: Messenger
// messages (text, image, sticker, a second message from the same
// customer), a visitor post with a photo, comments under a Page post (top
// level, a reply, one with a photo) and under the visitor post, and the
// Page's own items, which are not customer items. It returns the ids of
// the customer items.
func scriptTraffic(srv *fbfake.Server, at time.Time) []string {
	var ids []string
	add := func(id string) { ids = append(ids, id) }
	g1, g2, g3 := guest(1), guest(2), guest(3)
	add(srv.AddMessage("", g1, "Is breakfast included?", at))
	conv := srv.ConversationOf(ids[0])
	add(srv.AddMessage(conv, g1, "Here is my booking", at.Add(time.Second), fbfake.Attachment{Type: "image", URL: "https://cdn.example/b.jpg"}))
	srv.AddMessage(conv, srv.Page(), "Thanks, looking", at.Add(2*time.Second))
	add(srv.AddMessage("", g2, "", at.Add(2*time.Second), fbfake.Attachment{Type: "sticker", URL: "https://cdn.example/thumbs.png"}))
	pagePost := srv.AddPagePost("Winter deals", at.Add(-time.Hour))
	visitor := srv.AddPost(g3, "The view from 404", at.Add(3*time.Second), fbfake.Attachment{Type: "image", URL: "https://cdn.example/v.jpg"})
	add(visitor)
	top := srv.AddComment(pagePost, "", g1, "Price for two?", at.Add(4*time.Second))
	add(top)
	add(srv.AddComment(pagePost, top, g2, "Same question", at.Add(5*time.Second), fbfake.Attachment{Type: "image", URL: "https://cdn.example/c.jpg"}))
	srv.AddComment(pagePost, top, srv.Page(), "199 EUR", at.Add(6*time.Second))
	add(srv.AddComment(visitor, "", g2, "Lovely", at.Add(7*time.Second)))
	return ids
}

// TestWebhookItemEqualsPolledItem: for every kind of item, what the
// webhook publishes is exactly what polling publishes for the same
// message, comment or post, so that the bus's dedupe (facebook:<kind>:<id>)
// stores it once; the webhook's look-ups are one per customer and post.
func TestWebhookItemEqualsPolledItem(t *testing.T) {
	f := newHookFixture(t, fbfake.Options{DistinctPSIDs: true})
	f.subscribe(t)
	at := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	f.srv.PauseWebhook() // so that every event comes in one batch
	ids := scriptTraffic(f.srv, at)
	f.srv.ResumeWebhook()
	// The customer items plus an echo and the Page's comment and post.
	waitDelivered(t, f.srv, len(ids)+3)
	if ds := f.srv.Deliveries(); len(ds) != 1 || ds[0].Entries != len(ids)+3 {
		t.Fatalf("%d deliveries, want one batch", len(ds))
	}
	hooked := map[string]inbox.Inbound{}
	for _, in := range f.col.got() {
		if _, dup := hooked[in.ExternalID]; dup {
			t.Errorf("%s published twice by the webhook", in.ExternalID)
		}
		hooked[in.ExternalID] = in
	}
	lookups := map[string]int{}
	for _, c := range f.srv.Calls() {
		lookups[c.Path]++
	}
	// Two customers' conversations; both posts announced their authors.
	if len(f.srv.Calls()) != 2 || lookups["/"+testPage+"/conversations"] != 2 {
		t.Errorf("look-ups %v", lookups)
	}

	polled := f.again(t) // another process, polling the same Page
	if _, err := polled.poll(); err != nil {
		t.Fatal(err)
	}
	if len(polled.got) != len(ids) || len(hooked) != len(ids) {
		t.Fatalf("polled %d, webhook %d, want %d", len(polled.got), len(hooked), len(ids))
	}
	for _, p := range polled.got {
		h, ok := hooked[p.ExternalID]
		if !ok {
			t.Errorf("%s %s not delivered", p.Kind, p.ExternalID)
			continue
		}
		if !reflect.DeepEqual(h, p) {
			t.Errorf("%s %s\n webhook: %+v\n polled:  %+v", p.Kind, p.ExternalID, h, p)
		}
		if h.MsgID() != p.MsgID() {
			t.Errorf("dedupe ids %s and %s", h.MsgID(), p.MsgID())
		}
	}
}

// TestWebhookLookupFailureLeftToPolling: when a look-up fails the item is
// not published with a wrong thread; the delivery is still taken (Meta
// must not retry and disable the subscription over it), and the next poll
// is due at once and publishes it.
func TestWebhookLookupFailureLeftToPolling(t *testing.T) {
	f := newHookFixture(t, fbfake.Options{}, func(c *Config) { c.PollInterval = time.Minute })
	f.subscribe(t)
	f.srv.Inject(fbfake.Fault{Code: 2, Query: "user_id=", Times: -1})
	id := f.srv.AddMessage("", guest(1), "hello?", time.Time{})
	post := f.srv.AddPost(guest(2), "visitor post", time.Time{})
	waitDelivered(t, f.srv, 2)
	if got := f.col.got(); len(got) != 1 || got[0].ExternalID != post {
		t.Fatalf("published %+v", got)
	}
	// The fake sends the two events in one delivery or in two, as its
	// loop happens to find them queued: each delivery, the one whose
	// sender could not be looked up included, must be taken (2xx, counted
	// ok), the gap being left to polling.
	ds := f.srv.Deliveries()
	for _, d := range ds {
		if !d.OK() {
			t.Errorf("a delivery was refused (status %d, %q); want it taken", d.Status, d.Err)
		}
	}
	if f.outcome("ok") != len(ds) {
		t.Errorf("%d deliveries counted ok, want all %d", f.outcome("ok"), len(ds))
	}
	if wait := f.c.notDue(); wait != 0 {
		t.Fatalf("a poll is due in %s, want now", wait)
	}
	f.srv.ClearFaults()
	f.advance(time.Second)
	if _, err := f.poll(); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(f.got, func(in inbox.Inbound) bool { return in.ExternalID == id }) {
		t.Errorf("polling did not fill the gap: %+v", f.got)
	}
	// Filled: with deliveries coming, the next poll waits again.
	f.advance(time.Second)
	f.c.WebhookDelivered()
	if wait := f.c.notDue(); wait != time.Minute {
		t.Errorf("next poll in %s, want the ordinary interval", wait)
	}
}

// TestWebhookSlowsPolling: while deliveries arrive, a poll is due only
// every poll_interval_with_webhooks, and Poll makes no call in between;
// when they stop, polling returns to its interval.
func TestWebhookSlowsPolling(t *testing.T) {
	d := newDirect(t, func(c *Config) { c.PollInterval = 30 * time.Second; c.PollIntervalWithWebhooks = 5 * time.Minute })
	if _, err := d.poll(); err != nil {
		t.Fatal(err)
	}
	calls := len(d.srv.Calls())
	d.c.WebhookDelivered()
	for _, step := range []time.Duration{0, time.Minute, 2 * time.Minute} {
		d.advance(step)
		next, err := d.poll()
		if err != nil || next <= 0 || next > 30*time.Second || len(d.srv.Calls()) != calls {
			t.Fatalf("after %s: next %s, %v, %d calls", step, next, err, len(d.srv.Calls())-calls)
		}
		d.c.WebhookDelivered()
	}
	d.advance(2*time.Minute + time.Second) // 5m after the last poll
	if _, err := d.poll(); err != nil || len(d.srv.Calls()) != calls+2 {
		t.Fatalf("the gap fill did not poll: %v, %d calls", err, len(d.srv.Calls())-calls)
	}
	// No delivery for 5 minutes: back to the ordinary interval.
	d.advance(5*time.Minute + time.Second)
	if wait := d.c.notDue(); wait != 0 {
		t.Errorf("deliveries stopped, but the next poll waits %s", wait)
	}
}

// serveHook serves r.conn's webhook, publishing into r's bus as app wires
// it, at a stable URL whose handler can be
// swapped, so that a "restarted" process answers on the same address.
func serveHook(t *testing.T, r *rig, front *swappable) *webhook.Handler {
	t.Helper()
	wh, err := NewWebhook(WebhookConfig{AppSecret: r.srv.AppSecret(), VerifyToken: testVerifyToken, PageID: testPage, Connector: r.conn}, webhook.Deps{
		Publish: connectors.Publisher(r.env.Bus, r.env.Metrics), Delivered: r.conn.WebhookDelivered,
		Health: r.env.Health, Metrics: r.env.Metrics, Log: slog.New(slog.NewTextHandler(r.logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	front.set(wh)
	return wh
}

// swappable is an http.Handler whose target changes.
type swappable struct {
	mu sync.Mutex
	h  http.Handler
}

func (s *swappable) set(h http.Handler) { s.mu.Lock(); s.h = h; s.mu.Unlock() }

func (s *swappable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	h.ServeHTTP(w, r)
}

// TestWebhookAndPollingStoreOnce: items delivered by the webhook are
// stored without waiting for a poll; polling then reads them all again
// (its first poll, without cursors) and the store still holds each once.
func TestWebhookAndPollingStoreOnce(t *testing.T) {
	r := newRig(t, fbfake.Options{DistinctPSIDs: true}, nil)
	front := &swappable{}
	hs := httptest.NewServer(front)
	t.Cleanup(hs.Close)
	r.connect()
	wh := serveHook(t, r, front)
	if err := r.srv.SetWebhook(hs.URL, testVerifyToken); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i := range 5 {
		for _, id := range scriptTraffic(r.srv, base.Add(time.Duration(i)*time.Minute)) {
			want[id] = true
		}
	}
	waitDelivered(t, r.srv, len(want)+5*3) // and per script an echo, the Page's post and comment
	r.waitStored(want, 10*time.Second)
	if wh.LastDelivery().IsZero() || r.ingested() != len(want) {
		t.Fatalf("webhook: last delivery %v, %d published for %d", wh.LastDelivery(), r.ingested(), len(want))
	}
	r.run()
	connectortest.Eventually(t, 10*time.Second, func() bool { return r.ingested() == 2*len(want) })
	r.waitStored(want, time.Second)
	// Deliveries came in: the next poll is a gap fill, minutes away.
	if wait := r.conn.notDue(); wait <= 0 {
		t.Errorf("polling did not slow down: next poll in %s", wait)
	}
}

// TestWebhookRestartWhileRetrying: the process takes a batch onto the
// bus (and the store has it) and dies before answering; Meta retries the
// batch while a new process starts on the same data, polls, and serves
// the webhook. Nothing is lost and nothing doubled.
func TestWebhookRestartWhileRetrying(t *testing.T) {
	r := newRig(t, fbfake.Options{WebhookRetryDelay: 50 * time.Millisecond}, nil)
	front := &swappable{}
	hs := httptest.NewServer(front)
	t.Cleanup(hs.Close)
	r.connect() // the first process serves the webhook; it does not poll
	serveHook(t, r, front)
	if err := r.srv.SetWebhook(hs.URL, testVerifyToken); err != nil {
		t.Fatal(err)
	}
	// The dying process: it publishes the batch, then answers 500; every
	// later attempt finds it down.
	var dead sync.Once
	died := make(chan struct{})
	real := front.h
	front.set(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		first := false
		dead.Do(func() {
			first = true
			rec := httptest.NewRecorder()
			real.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Errorf("the first process refused the batch: %d", rec.Code)
			}
			close(died)
		})
		if first {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusBadGateway)
	}))
	r.srv.PauseWebhook()
	want := map[string]bool{}
	for _, id := range scriptTraffic(r.srv, time.Now().Add(-time.Minute).Truncate(time.Second)) {
		want[id] = true
	}
	r.srv.ResumeWebhook()
	<-died
	r.waitStored(want, 10*time.Second)
	// kill -9: the bus and store close mid-retry; a new process starts
	// on the same data, polling and serving the webhook.
	r.restart()
	r.start()
	serveHook(t, r, front)
	waitDelivered(t, r.srv, len(want)+3)
	connectortest.Eventually(t, 10*time.Second, func() bool {
		r.conn.mu.Lock()
		defer r.conn.mu.Unlock()
		return !r.conn.pollStart.IsZero()
	})
	r.waitStored(want, 10*time.Second)
	retried := 0
	for _, d := range r.srv.Deliveries() {
		if d.Attempt > 1 {
			retried++
		}
	}
	if retried < 1 {
		t.Errorf("the batch was retried %d times", retried)
	}
	// The retry and the poll both published everything again.
	if got := r.ingested(); got < len(want) {
		t.Errorf("the new process published %d items", got)
	}
}
