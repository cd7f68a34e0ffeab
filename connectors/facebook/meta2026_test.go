package facebook

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
)

func TestConfigDefaultsAndVersion(t *testing.T) {
	c := Config{}.WithDefaults()
	if c.Version != "v27.0" || c.PollIntervalWithWebhooks != 5*time.Minute || c.RequestsPerSecond != 2 {
		t.Errorf("defaults %+v", c)
	}
	for _, tt := range []struct {
		version string
		ok      bool
	}{
		{"v27.0", true}, {"v28.0", true}, {"v3.2", true}, {"v100.1", true},
		{"27.0", false}, {"v27", false}, {"V27.0", false}, {"v27.0/", false}, {"v27.0.1", false}, {"latest", false},
	} {
		err := Config{Version: tt.version}.Validate()
		if (err == nil) != tt.ok || (err != nil && !strings.HasPrefix(err.Error(), "version:")) {
			t.Errorf("version %q: %v", tt.version, err)
		}
	}
	for _, rps := range []float64{-1, 1001} {
		if err := (Config{RequestsPerSecond: rps}).Validate(); err == nil || !strings.HasPrefix(err.Error(), "requests_per_second:") {
			t.Errorf("requests_per_second %v: %v", rps, err)
		}
	}
	if err := (Config{PollIntervalWithWebhooks: time.Millisecond}).Validate(); err == nil || !strings.HasPrefix(err.Error(), "poll_interval_with_webhooks:") {
		t.Errorf("poll_interval_with_webhooks: %v", err)
	}
	if err := (Config{VerifyToken: "v"}).Validate(); err == nil || !strings.HasPrefix(err.Error(), "app_secret:") {
		t.Errorf("verify_token without app_secret: %v", err)
	}
	if err := (Config{VerifyToken: "v", AppSecret: "s"}).Validate(); err != nil {
		t.Errorf("verify_token with app_secret: %v", err)
	}
}

// TestLegacyFeaturesNeverUsed runs polls with paging and every kind of
// send, with appsecret_proof, against a fake that refuses the legacy
// features as Meta does for new apps: no call is refused, none carries a
// legacy parameter, and every one names the pinned version, paging links
// included.
func TestLegacyFeaturesNeverUsed(t *testing.T) {
	const secret = "app-s3cret"
	r := newRig(t, fbfake.Options{AppSecret: secret, MaxPageSize: 20}, func(c *Config) { c.AppSecret = secret; c.PageSize = 20 })
	tr := &traffic{want: map[string]bool{}}
	base := time.Now().Add(-time.Hour)
	addConversations(r, tr, 0, 2, 50, base)
	post := r.srv.AddPagePost("Deals", base)
	addComments(r, tr, post, 45, base)
	visitor := r.srv.AddPost(guest(50), "Cold room", base.Add(time.Minute))
	tr.add(visitor, "Cold room")
	r.start()
	r.waitStored(tr.want, 10*time.Second)

	c := r.conversation(inbox.Public, CommentThread(post, guest(100).ID, true))
	dm := r.conversation(inbox.Private, "t_500")
	var comment string
	for id, m := range r.externalIDs() {
		if m.ConversationID == c.ID {
			comment = id
			break
		}
	}
	for _, a := range []inbox.Action{
		{ConversationID: c.ID, Kind: inbox.Reply, Key: "r", Target: comment, Text: "thanks", RequestedBy: "router"},
		{ConversationID: c.ID, Kind: inbox.Hide, Key: "h", Target: comment, RequestedBy: "router"},
		{ConversationID: c.ID, Kind: inbox.PrivateReply, Key: PrivateReplyKey(comment), Target: comment, Text: "see DM", RequestedBy: "router"},
		{ConversationID: dm.ID, Kind: inbox.SendDM, Key: "d", Recipient: guest(0).ID, Text: "hello", RequestedBy: "agent:ann"},
	} {
		a.Platform = inbox.Facebook
		if got := r.env.WaitAction(t, r.env.Action(t, a, 1).ID, 5*time.Second); got.State != inbox.StateSent {
			t.Fatalf("%s: %s %s", a.Kind, got.State, got.Error)
		}
	}
	paging, posts := 0, 0
	for _, call := range r.srv.Calls() {
		if call.Code != 0 || call.Version != DefaultVersion {
			t.Errorf("%s %s?%s: code %d, version %q", call.Method, call.Path, call.Query.Encode(), call.Code, call.Version)
		}
		if p := legacyParam(call.Params); p != "" {
			t.Errorf("%s %s uses %s", call.Method, call.Path, p)
		}
		if call.Query.Get("after") != "" {
			paging++
		}
		if call.Method == "POST" {
			posts++
		}
	}
	if paging == 0 || posts != 4 {
		t.Errorf("%d paging calls, %d posts", paging, posts)
	}
}

// TestLegacyGuard: a request that would use a legacy feature is refused
// before it leaves the process, whatever built it, and a paging link
// without a version gets the pinned one.
func TestLegacyGuard(t *testing.T) {
	d := newDirect(t)
	for _, q := range []url.Values{
		{"date_format": {"U"}}, {"ids": {"1,2"}}, {"method": {"delete"}}, {"callback": {"f"}}, {"batch": {"[]"}},
		{"fields": {"id,name.as(title)"}},
	} {
		res, err := d.c.call(context.Background(), "test", fb.GET, testPage, fb.Params(valuesToParams(q)))
		if !errors.Is(err, errLegacy) || res != nil {
			t.Errorf("%v: %v", q, err)
		}
	}
	// huandu/facebook's global switch would add date_format to every call.
	_, err := d.c.call(context.Background(), "test", fb.POST, "1_2/comments", fb.Params{"message": "hi", "date_format": `Y-m-d\TH:i:sP`})
	if !errors.Is(err, errLegacy) {
		t.Errorf("POST with date_format: %v", err)
	}
	if n := len(d.srv.Calls()); n != 0 {
		t.Fatalf("%d calls reached the fake", n)
	}
	base := d.c.graph.Path
	for in, want := range map[string]string{
		base + "t_1/messages":       base + "v27.0/t_1/messages",
		base + "v26.0/t_1/messages": base + "v26.0/t_1/messages",
		base + "v27.0/1000/feed":    base + "v27.0/1000/feed",
	} {
		if got := d.c.versioned(in); got != want {
			t.Errorf("versioned(%q) = %q, want %q", in, got, want)
		}
	}
}

func valuesToParams(q url.Values) map[string]any {
	out := map[string]any{}
	for k, v := range q {
		out[k] = v[0]
	}
	return out
}

// TestRateLimitCodesStopUntilRegain: every rate-limit code stops all
// calls until the regain time the usage headers estimate, or
// rate_limit_wait when they give none; other errors do not.
func TestRateLimitCodesStopUntilRegain(t *testing.T) {
	for _, tt := range []struct {
		code, regainMinutes int
		limited             bool
		wait                time.Duration
	}{
		{4, 0, true, time.Minute}, {17, 0, true, time.Minute}, {32, 0, true, time.Minute}, {613, 0, true, time.Minute},
		{80001, 0, true, time.Minute}, {80006, 0, true, time.Minute}, {80014, 0, true, time.Minute},
		{613, 7, true, 7 * time.Minute}, {80001, 30, true, 30 * time.Minute},
		{100, 0, false, 0}, {10, 0, false, 0}, {80015, 0, false, 0},
	} {
		t.Run(strings.Join([]string{strconv.Itoa(tt.code), strconv.Itoa(tt.regainMinutes)}, "/"), func(t *testing.T) {
			d := newDirect(t, func(c *Config) { c.RateLimitWait = time.Minute })
			d.srv.AddMessage("t_1", guest(1), "hello", time.Now().Add(-time.Minute))
			d.srv.SetUsageDetail(fbfake.Usage{BusinessUseCase: 100, EstimatedTimeToRegainAccess: tt.regainMinutes})
			d.srv.Inject(fbfake.Fault{Code: tt.code, Path: "/conversations"})
			_, err := d.poll()
			var rl *connectors.RateLimitError
			if errors.As(err, &rl) != tt.limited {
				t.Fatalf("err = %v", err)
			}
			if !tt.limited {
				return
			}
			if got := rl.Until.Sub(d.now); got != tt.wait {
				t.Errorf("waits %s, want %s", got, tt.wait)
			}
			d.srv.SetUsage(0)
			calls := len(d.srv.Calls())
			d.advance(tt.wait - time.Second)
			if _, err := d.poll(); !errors.As(err, &rl) || len(d.srv.Calls()) != calls {
				t.Errorf("a poll before the regain time: %v, %d calls", err, len(d.srv.Calls())-calls)
			}
			if _, err := d.c.Send(context.Background(), inbox.Action{Kind: inbox.Reply, Target: "1_2", Text: "hi"}); !errors.As(err, &rl) {
				t.Errorf("a send before the regain time: %v", err)
			}
			d.advance(2 * time.Second)
			if _, err := d.poll(); err != nil || len(d.got) != 1 {
				t.Errorf("after the wait: %v, %d items", err, len(d.got))
			}
		})
	}
}

// TestRequestBudget: with Meta's 2 calls a second on both sides, a poll
// that needs several calls spaces them and draws no error 32.
func TestRequestBudget(t *testing.T) {
	d := newDirectWith(t, fbfake.Options{ConversationsPerSecond: 2}, func(c *Config) { c.RequestsPerSecond = 2; c.PageSize = 10 })
	for i := range 25 {
		d.srv.AddMessage("t_"+strconv.Itoa(i), guest(i), "hello", time.Now().Add(-time.Minute))
	}
	start := time.Now()
	if _, err := d.poll(); err != nil || len(d.got) != 25 {
		t.Fatalf("%v, %d items", err, len(d.got))
	}
	calls := d.srv.Calls()
	if len(calls) != 4 { // 3 pages of conversations, 1 of the feed
		t.Errorf("%d calls", len(calls))
	}
	for i, c := range calls {
		if c.Code != 0 {
			t.Errorf("call %d: code %d", i, c.Code)
		}
		if i > 0 {
			if gap := c.At.Sub(calls[i-1].At); gap < 450*time.Millisecond {
				t.Errorf("call %d came %s after the one before", i, gap)
			}
		}
	}
	if took := time.Since(start); took < 1400*time.Millisecond {
		t.Errorf("4 calls at 2 a second took %s", took)
	}
}

// TestMessengerTagsAndRestriction: retired tags are never sent; a Page
// restricted from sending (10/1893063) pauses Messenger sends, with the
// reason on /healthz, without calling again until the pause ends; other
// sends go on.
func TestMessengerTagsAndRestriction(t *testing.T) {
	for _, tag := range RetiredTags {
		if err := checkTag(tag); !errors.Is(err, connectors.ErrRefused) || !strings.Contains(err.Error(), "retired") {
			t.Errorf("%s: %v", tag, err)
		}
	}
	now := time.Now()
	for _, age := range []time.Duration{0, 23 * time.Hour, 25 * time.Hour, 6 * 24 * time.Hour} {
		for _, by := range []string{"router", "agent:ann"} {
			_, tag, _ := MessagingType(inbox.Action{RequestedBy: by, LastCustomerMessageAt: now.Add(-age)}, now)
			if tag != "" && (tag != TagHumanAgent || by != "agent:ann" || age < StandardWindow) {
				t.Errorf("%s after %s: tag %s", by, age, tag)
			}
		}
	}

	hr := health.New()
	d := newDirect(t)
	d.connect(t, WithHealth(hr))
	d.srv.AddMessage("t_1", guest(1), "hello", d.now.Add(-time.Hour))
	post := d.srv.AddPagePost("deals", d.now.Add(-time.Hour))
	cm := d.srv.AddComment(post, "", guest(2), "price?", d.now.Add(-time.Hour))
	d.srv.Inject(fbfake.Fault{Code: 10, Subcode: fbfake.SubcodeSendRestricted, Method: "POST", Path: "/messages"})
	dm := inbox.Action{Kind: inbox.SendDM, Recipient: guest(1).ID, Text: "hi", RequestedBy: "agent:ann", LastCustomerMessageAt: d.now.Add(-time.Hour)}
	_, err := d.c.Send(context.Background(), dm)
	var rl *connectors.RateLimitError
	if !errors.As(err, &rl) || rl.Until.Sub(d.now) != SendRestrictedWait || !strings.Contains(rl.Reason, "restricted") {
		t.Fatalf("restricted: %v", err)
	}
	comp, _ := hr.Get("facebook")
	if comp.Details["send_paused_until"] == nil || !strings.Contains(comp.Details["send_paused_reason"].(string), "1893063") {
		t.Errorf("health details %v", comp.Details)
	}
	calls := len(d.srv.Calls())
	pr := inbox.Action{ID: 9, Kind: inbox.PrivateReply, Target: cm, Text: "see DM", LastCustomerMessageAt: d.now.Add(-time.Hour)}
	if _, err := d.c.Send(context.Background(), pr); !errors.As(err, &rl) || len(d.srv.Calls()) != calls {
		t.Errorf("a private reply while paused: %v, %d calls", err, len(d.srv.Calls())-calls)
	}
	if _, err := d.c.Send(context.Background(), inbox.Action{Kind: inbox.Hide, Target: cm}); err != nil {
		t.Errorf("a hide while Messenger is paused: %v", err)
	}
	if until, _ := d.c.SendPaused(); until.IsZero() {
		t.Error("SendPaused says not paused")
	}
	d.advance(SendRestrictedWait)
	if sent, err := d.c.Send(context.Background(), dm); err != nil || sent.PlatformID == "" {
		t.Fatalf("after the pause: %v", err)
	}
	if comp, _ := hr.Get("facebook"); comp.Details["send_paused_until"] != nil || comp.Details["send_paused_reason"] != "" {
		t.Errorf("the pause is still shown: %v", comp.Details)
	}
}

// TestGraphCallsCounter counts every call that reached Facebook, by
// endpoint.
func TestGraphCallsCounter(t *testing.T) {
	cv := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "inboxbot_graph_calls_total"}, []string{"endpoint"})
	d := newDirect(t, func(c *Config) { c.PageSize = 10 })
	d.connect(t, WithGraphCallsCounter(cv))
	for i := range 15 {
		d.srv.AddMessage("t_1", guest(1), "hello "+strconv.Itoa(i), time.Now().Add(-time.Hour).Add(time.Duration(i)*time.Second))
	}
	if _, err := d.poll(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.c.Send(context.Background(), inbox.Action{Kind: inbox.SendDM, Recipient: guest(1).ID, Text: "hi", RequestedBy: "router", LastCustomerMessageAt: d.now}); err != nil {
		t.Fatal(err)
	}
	for ep, want := range map[string]float64{"conversations": 1, "messages": 1, "feed": 1, "send": 1, "node": 0} {
		if got := testutil.ToFloat64(cv.WithLabelValues(ep)); got != want {
			t.Errorf("%s: %v, want %v", ep, got, want)
		}
	}
	if n := len(d.srv.Calls()); n != 4 {
		t.Errorf("the fake saw %d calls", n)
	}
}
