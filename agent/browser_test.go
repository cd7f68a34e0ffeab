package agent

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/facebook"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/language"
	"github.com/inboxbot/inboxbot/metrics"
	"github.com/inboxbot/inboxbot/router"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// chromium finds a Chromium binary, or "".
func chromium() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// desk is a server wired like `inboxbot serve`: embedded bus, SQLite
// store, router, the Facebook connector (against fbfake) and the desk.
type desk struct {
	url   string
	st    store.Store
	svc   *Service
	fake  *fbfake.Server
	pw    string
	close func()
}

// startDesk starts the desk; opts change its Options (a clock, SLA
// targets) before it is built.
func startDesk(t *testing.T, opts ...func(*Options)) *desk {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := bus.Open(ctx, bus.Config{StoreDir: filepath.Join(dir, "nats")}, log)
	if err != nil {
		t.Fatalf("opening bus: %v", err)
	}
	st, err := sqlstore.Open(ctx, store.Config{Driver: "sqlite", DSN: filepath.Join(dir, "inboxbot.db")})
	if err != nil {
		t.Fatalf("opening store: %v", err)
	}
	reg, met := health.New(), metrics.New()
	// The real policy chain, with automatic Private Replies off so that the
	// agent's reply is the one Facebook allows, and a fixed language so
	// that the test does not load the language models.
	off := false
	policy, err := router.NewPolicy(router.Config{Facebook: router.FacebookPolicy{PageID: "1000", PrivateReply: &off, PublicAck: &off}},
		router.Deps{Store: st, Detector: englishDetector{}, Log: log})
	if err != nil {
		t.Fatalf("policy: %v", err)
	}
	rt := router.New(router.Options{Bus: b, Store: st, Policy: policy, Metrics: met, Log: log})

	fake := fbfake.New(fbfake.Options{PageID: "1000", PageName: "Hotel", Token: "page-token"})
	conn, err := facebook.New(facebook.Config{
		Enabled: true, PageID: "1000", PageToken: "page-token", GraphURL: fake.URL(), PollInterval: 200 * time.Millisecond,
	}, st, facebook.WithLogger(log), facebook.WithMetrics(met))
	if err != nil {
		t.Fatalf("facebook connector: %v", err)
	}
	runner := &connectors.Runner{
		Platform: inbox.Facebook, Source: conn, Sender: conn, Bus: b, Store: st, Health: reg, Metrics: met, Log: log,
		Interval: 200 * time.Millisecond, Poll: true, Send: true,
	}

	o := Options{
		Config: Config{CannedReplies: []CannedReply{{Name: "Pool hours", Text: "The pool is open from 7am to 10pm."}}},
		Store:  st, Replier: rt, Health: reg, Subscribe: b.SubscribeEvents, Publish: b.PublishEvent, Metrics: met.Handler(), Log: log,
	}
	for _, f := range opts {
		f(&o)
	}
	srv, err := New(o)
	if err != nil {
		t.Fatalf("agent.New: %v", err)
	}
	pw, err := srv.Service().AddAgent(ctx, "alice", RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())

	done := make(chan struct{}, 2)
	go func() { _ = rt.Run(ctx); done <- struct{}{} }()
	go func() { _ = runner.Run(ctx); done <- struct{}{} }()
	d := &desk{url: ts.URL, st: st, svc: srv.Service(), fake: fake, pw: pw}
	var closed atomic.Bool
	d.close = func() {
		if closed.Swap(true) {
			return
		}
		srv.Close()
		ts.Close()
		cancel()
		<-done
		<-done
		fake.Close()
		st.Close()
		b.Close()
	}
	t.Cleanup(d.close)
	return d
}

// englishDetector says every text is English.
type englishDetector struct{}

func (englishDetector) Detect(context.Context, string, string) (language.Result, error) {
	return language.Result{Language: "en", Confidence: 1, English: language.English, EnglishConfidence: 1}, nil
}

// waitConversation waits until the store has a conversation of the
// customer named name, and returns its id.
func (d *desk) waitConversation(t *testing.T, name string) int64 {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		p, err := d.st.Conversations(context.Background(), store.Filter{Limit: 100})
		if err == nil {
			for _, c := range p.Conversations {
				if c.Customer.Name == name {
					return c.ID
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no conversation of %s was stored", name)
	return 0
}

// waitSent waits until the conversation's reply is sent, and reports its
// state and error when it is not.
func (d *desk) waitSent(t *testing.T, conv int64) {
	t.Helper()
	var acts []inbox.Action
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		acts, _ = d.st.Actions(context.Background(), conv)
		if len(acts) > 0 && acts[len(acts)-1].State.Terminal() {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(acts) == 0 || acts[len(acts)-1].State != inbox.StateSent {
		for _, a := range acts {
			t.Logf("action %d %s %s attempts=%d error=%q", a.ID, a.Kind, a.State, a.Attempts, a.Error)
		}
		t.Fatalf("the reply was not sent")
	}
}

// TestBrowser drives real headless Chromium through an agent's day: sign
// in, see a new comment arrive live, claim it, answer privately and see
// the reply turn sent, read hostile text safely, and sign out.
func TestBrowser(t *testing.T) {
	exe := chromium()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is required in CI (apt-get install chromium)")
		}
		t.Skip("chromium not installed")
	}
	d := startDesk(t)

	// A hostile Messenger message, there before the page loads.
	const hostile = `<script>alert(1)</script> <img src=x onerror=alert(1)>`
	d.fake.AddMessage("t_1", fbfake.User{ID: "2001", Name: "Mallory"}, hostile, time.Now().Add(-time.Hour))
	hostileID := d.waitConversation(t, "Mallory")
	post := d.fake.AddPagePost("Our new pool is open!", time.Now().Add(-2*time.Hour))

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()

	// Every JavaScript dialog is counted (and dismissed): customer text
	// must never be able to open one.
	var dialogs atomic.Int32
	err := chromedp.Listen(bctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			go func() {
				_ = chromedp.Do(bctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := cdp.Call(ctx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
					return err
				}))
			}()
		}
	})
	if err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	run := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	eval := func(expr string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("evaluating %s: %v", expr, err)
		}
		return v
	}

	// Sign in: the queue redirects to the form, which leads back.
	run("sign in",
		chromedp.Navigate(d.url+"/"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("name"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), d.pw),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.ID("queue-list")),
		chromedp.WaitVisible(chromedp.CSS("#live.on")),
	)
	eval(`window.__noReload = 42`)

	// A comment arrives on Facebook after the page loaded: it appears
	// without a reload.
	d.fake.AddComment(post, "", fbfake.User{ID: "2002", Name: "Pat Guest"}, "Is the pool heated?", time.Now())
	row := `//ol[@id="queue-list"]//span[@class="cust" and normalize-space(text())="Pat Guest"]`
	run("see the new comment live", chromedp.WaitVisible(row))
	if v := eval(`window.__noReload || 0`); v != float64(42) {
		t.Fatalf("the page reloaded to show the comment (marker %v)", v)
	}
	commentID := d.waitConversation(t, "Pat Guest")
	if d.shot(t, ctx, "screenshot.png") == "" {
		t.Error("no screenshot")
	}

	// Claim it, answer privately (the default), and see the reply sent.
	run("open and claim",
		chromedp.Click(row),
		chromedp.WaitVisible(chromedp.ID("claim")),
		chromedp.Click(chromedp.ID("claim")),
		chromedp.WaitVisible(chromedp.ID("release")),
	)
	if v := eval(`document.getElementById('vis-private').checked`); v != true {
		t.Fatal("the reply box does not default to private")
	}
	// Pick the canned reply as a user would: select it, which fires change.
	eval(`(function(s){ s.value = 'Pool hours'; s.dispatchEvent(new Event('change', {bubbles: true})); })(document.getElementById('canned'))`)
	run("send",
		chromedp.SendKeys(chromedp.ID("reply-text"), " Yes, it is heated."),
		chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.CSS(`.action[data-action-id]`)),
	)
	eval(`window.__noReload = 43`)
	d.waitSent(t, commentID)
	run("see it sent", chromedp.WaitVisible(chromedp.CSS(`.action[data-state="sent"]`)))
	if v := eval(`window.__noReload || 0`); v != float64(43) {
		t.Errorf("the page reloaded to show the sent state (marker %v)", v)
	}
	sent := d.fake.SentMessages()
	if len(sent) != 1 || sent[0].CommentID == "" || !strings.Contains(sent[0].Text, "Yes, it is heated.") || !strings.HasPrefix(sent[0].Text, "The pool is open") {
		t.Errorf("Facebook received %+v, want one private reply to the comment with the canned text", sent)
	}
	if c, _ := d.st.Conversation(context.Background(), commentID); c.Assignee != "alice" {
		t.Errorf("assignee = %q", c.Assignee)
	}
	d.shot(t, ctx, "conversation.png")

	// A public reply with a PIN is refused, and the page says why.
	run("public reply with a PIN",
		chromedp.Click(chromedp.ID("vis-public")),
		chromedp.SendKeys(chromedp.ID("reply-text"), "Your PIN is 4821"),
		chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.ID("error")),
	)
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("error")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "Not sent:") || !strings.Contains(msg, "PIN") || strings.Contains(msg, "4821") {
		t.Errorf("refusal shown as %q", msg)
	}
	if len(d.fake.Replies()) != 0 {
		t.Errorf("a public reply reached Facebook: %+v", d.fake.Replies())
	}

	// Hostile text is shown as text, and nothing runs.
	run("hostile conversation",
		chromedp.Navigate(d.url+"/conversations/"+strconv.FormatInt(hostileID, 10)),
		chromedp.WaitVisible(chromedp.CSS(`#thread .msg .text`)),
		chromedp.Sleep(300*time.Millisecond),
	)
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#thread .msg .text`)))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(text) != hostile {
		t.Errorf("message text = %q, want it verbatim", text)
	}
	if n := eval(`document.querySelectorAll('#thread img, main script').length`); n != float64(0) {
		t.Errorf("customer text became markup: %v img or script elements", n)
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened", n)
	}

	run("sign out",
		chromedp.Click(chromedp.ID("sign-out")),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.Navigate(d.url+"/"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
	)
}

// shot saves a screenshot of the current page as a test artifact named
// name: always in t.TempDir() and $ARTIFACT_DIR, and in agent/testdata
// when INBOXBOT_SCREENSHOT is set. It returns the last path written.
func (d *desk) shot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return ""
	}
	dirs := []string{t.TempDir()}
	if dir := os.Getenv("ARTIFACT_DIR"); dir != "" {
		dirs = append(dirs, dir)
	}
	if os.Getenv("INBOXBOT_SCREENSHOT") != "" {
		dirs = append(dirs, "testdata")
	}
	var path string
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Errorf("screenshot dir: %v", err)
			continue
		}
		path = filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Errorf("saving screenshot: %v", err)
			continue
		}
		t.Logf("screenshot: %s", path)
	}
	return path
}
