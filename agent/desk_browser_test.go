package agent

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/sla"
	"github.com/inboxbot/inboxbot/store"
)

// The desk in real headless Chromium: search, notes seen live by a second
// agent, canned replies through '/', the keyboard-only path, bulk close,
// presence, and the SLA colour as the clock runs. Each test waits for what
// the page shows, never for time.

// browser starts Chromium for a test and returns its root context; each
// signIn opens a browser context of its own (its own cookies), as a
// second agent's browser would be.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is required in CI (apt-get install chromium)")
		}
		t.Skip("chromium not installed")
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	)
	root, cancelRoot := chromedp.NewContext(alloc)
	// A generous guard for a loaded machine; every step waits for a
	// condition, not for time.
	ctx, cancel := context.WithTimeout(root, 180*time.Second)
	t.Cleanup(func() { cancel(); cancelRoot(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// tab is one agent's signed-in browser.
type tab struct {
	t    *testing.T
	ctx  context.Context
	name string
}

// signIn opens a new browser context and signs name in with password.
func (d *desk) signIn(t *testing.T, root context.Context, name, password string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &tab{t: t, ctx: ctx, name: name}
	b.do("open the sign-in page", chromedp.Navigate(d.url+"/login"), chromedp.WaitVisible(chromedp.ID("login-form")))
	// The logo's "inbox" half is dark on the white card, not white on white.
	if c := b.eval(`getComputedStyle(document.querySelector('#login-form .brand')).color`); c == "rgb(255, 255, 255)" {
		t.Errorf("the sign-in logo is %v on a white card", c)
	}
	b.do("sign in "+name,
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.ID("queue-list")),
	)
	return b
}

func (b *tab) do(step string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s (%s): %v", step, b.name, err)
	}
}

// until waits for a JavaScript condition to hold on the page. A page
// that navigates meanwhile (a form posted, a shortcut followed) ends the
// poll in the old document; it is asked again in the new one.
func (b *tab) until(what, expr string) {
	b.t.Helper()
	for {
		_, err := chromedp.Run(b.ctx, chromedp.Poll[any](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil {
			return
		}
		if b.ctx.Err() != nil || !navigated(err) {
			b.t.Fatalf("waiting for %s (%s): %v", what, b.name, err)
		}
	}
}

// navigated reports whether err says the document went away under a
// call: the page navigated.
func navigated(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find context") || strings.Contains(msg, "navigated or closed") ||
		strings.Contains(msg, "Could not find node") || strings.Contains(msg, "Execution context was destroyed")
}

func (b *tab) eval(expr string) any {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// keys types keys into the focused element as a keyboard does: each key
// goes down with its text and up, so that a page that handles the key
// (preventDefault on keydown) keeps its character from being typed.
// chromedp.KeyEvent sends the character as an event of its own, which
// no page can prevent.
func (b *tab) keys(keys string, mods ...chromedp.Modifier) {
	b.t.Helper()
	b.do("typing "+keys, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, r := range keys {
			events := kb.Encode(r)
			var text string
			for _, k := range events {
				if k.Type == kb.KeyChar {
					text = k.Text
				}
			}
			for _, k := range events {
				if k.Type == kb.KeyChar {
					continue
				}
				for _, m := range mods {
					k.Modifiers |= int64(m)
				}
				if k.Type == kb.KeyDown && len(mods) == 0 {
					k.Text, k.UnmodifiedText = text, text
				}
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, *k); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// seed stores customer items directly, as the router would, and returns
// their conversations.
func (d *desk) seed(t *testing.T, items ...inbox.Inbound) []int64 {
	t.Helper()
	var its []store.Item
	for _, m := range items {
		m.V = inbox.SchemaVersion
		its = append(its, store.Item{Message: m, Language: "en", LanguageConfidence: 1})
	}
	res, err := d.st.Ingest(context.Background(), its)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, r := range res {
		out = append(out, r.ConversationID)
	}
	return out
}

func tweet(ext, user, handle, name, text string, at time.Time) inbox.Inbound {
	return inbox.Inbound{Platform: inbox.Twitter, Kind: inbox.Mention, ExternalID: ext, Thread: user,
		Author: inbox.Author{ID: user, Handle: handle, Name: name}, Text: text, CreatedAt: at}
}

func rowSel(id int64) string {
	return `#queue-list li.row[data-id="` + strconv.FormatInt(id, 10) + `"]`
}

func TestDeskSearchBrowser(t *testing.T) {
	root := browser(t)
	d := startDesk(t)
	now := time.Now()
	ids := d.seed(t,
		tweet("s1", "u1", "ann_smith", "Ann Smith", "I need a refund for my stay in Rome", now.Add(-3*time.Hour)),
		tweet("s2", "u2", "bob", "Bob Jones", "Can I change my dates to next week?", now.Add(-2*time.Hour)),
		tweet("s3", "u3", "annika", "Annika Berg", "Where do I find my booking number?", now.Add(-time.Hour)),
	)
	alice := d.signIn(t, root, "alice", d.pw)
	rows := `Array.from(document.querySelectorAll('#queue-list li.row')).map(r => r.dataset.id).join(',')`

	// A text: '/' focuses the search box; Enter searches.
	alice.do("focus search", chromedp.WaitVisible(chromedp.ID("search")))
	alice.keys("/")
	alice.until("the search box focused", `document.activeElement && document.activeElement.id === 'search'`)
	alice.keys(`"change my dates"` + kb.Enter)
	alice.until("the phrase's results", rows+` === '`+strconv.FormatInt(ids[1], 10)+`'`)
	d.shot(t, alice.ctx, "desk-search-text.png")

	// A handle prefix.
	alice.eval(`document.getElementById('search').value = ''`)
	alice.do("focus search", chromedp.Focus(chromedp.ID("search")))
	alice.keys("@ann" + kb.Enter)
	want := fmt.Sprintf("%d,%d", ids[2], ids[0])
	alice.until("@ann's conversations", rows+` === '`+want+`'`)
	if v := alice.eval(`document.getElementById('total').textContent`); !strings.HasPrefix(fmt.Sprint(v), "2 conversations") {
		t.Errorf("total = %v", v)
	}
	d.shot(t, alice.ctx, "desk-search-handle.png")
}

func TestDeskNotesLiveBrowser(t *testing.T) {
	root := browser(t)
	d := startDesk(t)
	bobPW, err := d.svc.AddAgent(context.Background(), "bob", RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	id := d.seed(t, tweet("n1", "u1", "cust", "Cust", "Where is my refund?", time.Now().Add(-time.Hour)))[0]
	alice := d.signIn(t, root, "alice", d.pw)
	bob := d.signIn(t, root, "bob", bobPW)
	page := d.url + "/conversations/" + strconv.FormatInt(id, 10)
	for _, b := range []*tab{alice, bob} {
		b.do("open the conversation", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("note-text")), chromedp.WaitVisible(chromedp.CSS("#live.on")))
	}
	bob.eval(`window.__noReload = 7`)

	// n focuses the note box; Ctrl+Enter adds it.
	alice.eval(`document.activeElement.blur()`)
	alice.keys("n")
	alice.until("the note box focused", `document.activeElement.id === 'note-text'`)
	alice.keys("Refund approved by finance, @bob can you confirm?")
	alice.keys(kb.Enter, chromedp.ModifierCtrl)
	alice.until("the note in alice's thread", `!!document.querySelector('#thread li.note[data-note-id]')`)

	// Bob sees it without reloading, marked as mentioning him.
	bob.until("the note in bob's thread", `!!document.querySelector('#thread li.note.mentions-me')`)
	if v := bob.eval(`window.__noReload || 0`); v != float64(7) {
		t.Errorf("bob's page reloaded to show the note (marker %v)", v)
	}
	if txt := bob.eval(`document.querySelector('#thread li.note .text').textContent`); txt != "Refund approved by finance, @bob can you confirm?" {
		t.Errorf("bob sees %q", txt)
	}
	d.shot(t, bob.ctx, "desk-note-live.png")
	// Nothing went to a platform.
	if acts, _ := d.st.Actions(context.Background(), id); len(acts) != 0 {
		t.Errorf("a note created %d actions", len(acts))
	}
}

func TestDeskCannedReplyBrowser(t *testing.T) {
	root := browser(t)
	d := startDesk(t)
	ids := d.seed(t, inbox.Inbound{Platform: inbox.Twitter, Kind: inbox.DM, ExternalID: "c1", Thread: "u1",
		Author: inbox.Author{ID: "u1", Handle: "giulia", Name: "Giulia"}, Text: "Voglio un rimborso", CreatedAt: time.Now().Add(-time.Hour)})
	alice := d.signIn(t, root, "alice", d.pw)
	alice.do("open", chromedp.Navigate(d.url+"/conversations/"+strconv.FormatInt(ids[0], 10)), chromedp.WaitVisible(chromedp.ID("reply-text")))
	alice.do("focus the reply box", chromedp.Click(chromedp.ID("reply-text")))
	alice.keys("/canc")
	alice.until("the picker", `!document.getElementById('canned-pick').classList.contains('hidden')`)
	if v := alice.eval(`Array.from(document.querySelectorAll('#canned-pick li')).map(l => l.dataset.name).join(',')`); v != "cancellation" {
		t.Errorf("picker offers %v, want cancellation", v)
	}
	d.shot(t, alice.ctx, "desk-canned.png")
	alice.keys(kb.Enter)
	text := fmt.Sprint(alice.eval(`document.getElementById('reply-text').value`))
	if !strings.HasPrefix(text, "Hi Giulia, I can help with your cancellation.") || !strings.HasSuffix(text, "alice") || strings.Contains(text, "{") {
		t.Errorf("reply box = %q", text)
	}
	// The private-only reply is offered here (a DM)...
	alice.eval(`document.getElementById('reply-text').value = ''`)
	alice.keys("/book")
	alice.until("the booking-number reply", `Array.from(document.querySelectorAll('#canned-pick li')).some(l => l.dataset.name === 'booking-number')`)
}

// TestDeskKeyboardPath: j, j, e, r, type, Ctrl+Enter answers the second
// conversation of the queue without touching the mouse.
func TestDeskKeyboardPath(t *testing.T) {
	root := browser(t)
	d := startDesk(t)
	d.fake.AddMessage("t_1", fbfake.User{ID: "3001", Name: "First Guest"}, "Is breakfast included?", time.Now().Add(-2*time.Hour))
	d.fake.AddMessage("t_2", fbfake.User{ID: "3002", Name: "Second Guest"}, "Can I check in early?", time.Now().Add(-time.Hour))
	d.waitConversation(t, "First Guest")
	second := d.waitConversation(t, "Second Guest")
	alice := d.signIn(t, root, "alice", d.pw)
	alice.until("both conversations listed", `document.querySelectorAll('#queue-list li.row').length === 2`)
	// Each page refreshes its regions once its live stream opens; a key
	// pressed while the queue list is being replaced can act on the list
	// before the selection is marked again, so wait for that refresh.
	caughtUp := `!!document.body.dataset.refreshed`
	alice.until("the queue caught up", caughtUp)

	alice.keys("j")
	alice.until("the first conversation open", `document.body.dataset.page === 'conversation' && document.querySelector('#queue-list li.row.selected') === document.querySelectorAll('#queue-list li.row')[0]`)
	alice.until("the first conversation caught up", caughtUp)
	alice.keys("j")
	alice.until("the second conversation open", `document.body.dataset.conversation === '`+strconv.FormatInt(second, 10)+`'`)
	alice.until("the page ready", `!!document.getElementById('claim')`)
	alice.keys("e")
	alice.until("claimed", `!!document.getElementById('release')`)
	alice.keys("r")
	alice.until("the reply box focused", `document.activeElement.id === 'reply-text'`)
	alice.keys("Yes, from 11am.")
	alice.keys(kb.Enter, chromedp.ModifierCtrl)
	d.waitSent(t, second)
	alice.until("the reply shown sent", `!!document.querySelector('#thread li.reply[data-state="sent"]')`)
	d.shot(t, alice.ctx, "desk-keyboard.png")
	c, _ := d.st.Conversation(context.Background(), second)
	if c.Assignee != "alice" {
		t.Errorf("assignee = %q", c.Assignee)
	}
	sent := d.fake.SentMessages()
	if len(sent) != 1 || sent[0].Text != "Yes, from 11am." {
		t.Errorf("Facebook received %+v", sent)
	}
	// ? shows the shortcuts.
	alice.eval(`document.activeElement.blur()`)
	alice.keys("?")
	alice.until("the help", `document.getElementById('help').open`)
}

func TestDeskBulkCloseBrowser(t *testing.T) {
	root := browser(t)
	d := startDesk(t)
	ctx := context.Background()
	if _, err := d.svc.AddAgent(ctx, "bob", RoleAgent); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ids := d.seed(t,
		tweet("b1", "u1", "one", "One", "first", now.Add(-3*time.Hour)),
		tweet("b2", "u2", "two", "Two", "second", now.Add(-2*time.Hour)),
		tweet("b3", "u3", "three", "Three", "third", now.Add(-time.Hour)),
	)
	if _, err := d.svc.Claim(ctx, "bob", ids[1], ""); err != nil {
		t.Fatal(err)
	}
	alice := d.signIn(t, root, "alice", d.pw)
	alice.do("live", chromedp.WaitVisible(chromedp.CSS("#live.on")))
	alice.until("the first refresh", `!!document.body.dataset.refreshed`)
	alice.do("pick two",
		chromedp.Click(chromedp.CSS(rowSel(ids[0])+" input.pick")),
		chromedp.Click(chromedp.CSS(rowSel(ids[1])+" input.pick")),
	)
	alice.until("the apply button counting 2", `document.getElementById('bulk-apply').textContent === 'Apply to 2 selected'`)
	alice.do("close them", chromedp.Click(chromedp.ID("bulk-apply")), chromedp.WaitVisible(chromedp.ID("bulk-report")))
	report := fmt.Sprint(alice.eval(`document.getElementById('bulk-report').textContent`))
	if !strings.Contains(report, "close: 1 done, 1 skipped") || !strings.Contains(report, "held by bob") {
		t.Errorf("report = %q", report)
	}
	d.shot(t, alice.ctx, "desk-bulk.png")
	for id, want := range map[int64]inbox.Status{ids[0]: inbox.Closed, ids[1]: inbox.Open, ids[2]: inbox.Open} {
		if c, _ := d.st.Conversation(ctx, id); c.Status != want {
			t.Errorf("conversation %d is %s, want %s", id, c.Status, want)
		}
	}
}

func TestDeskPresenceBrowser(t *testing.T) {
	root := browser(t)
	d := startDesk(t)
	bobPW, err := d.svc.AddAgent(context.Background(), "bob", RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	id := d.seed(t, tweet("p1", "u1", "cust", "Cust", "hello?", time.Now().Add(-time.Hour)))[0]
	page := d.url + "/conversations/" + strconv.FormatInt(id, 10)
	alice := d.signIn(t, root, "alice", d.pw)
	alice.do("alice opens", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#live.on")))
	bob := d.signIn(t, root, "bob", bobPW)
	bob.do("bob opens", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#live.on")))

	bob.until("bob sees alice", `!!document.querySelector('#presence [data-agent="alice"][data-presence="viewing"]')`)
	alice.until("alice sees bob", `!!document.querySelector('#presence [data-agent="bob"][data-presence="viewing"]')`)
	bob.do("bob types", chromedp.Click(chromedp.ID("reply-text")))
	bob.keys("Hel")
	alice.until("alice sees bob typing", `document.getElementById('presence').textContent.includes('bob is typing')`)
	d.shot(t, alice.ctx, "desk-presence.png")
	if v := alice.eval(`document.querySelectorAll('#presence [data-agent="alice"]').length`); v != float64(0) {
		t.Error("alice is shown to herself")
	}
}

// TestDeskSLAColourBrowser runs the SLA clock with an injected clock: the
// queue row turns amber, then red, as the desk's tick refreshes the page.
func TestDeskSLAColourBrowser(t *testing.T) {
	root := browser(t)
	clock := newFakeClock(time.Now())
	d := startDesk(t, func(o *Options) {
		o.Clock = clock
		o.SLA = sla.Config{Twitter: sla.Channels{Public: sla.Target{FirstResponse: 20 * time.Minute}}}
	})
	id := d.seed(t, tweet("l1", "u1", "late", "Late", "anyone there?", clock.Now()))[0]
	alice := d.signIn(t, root, "alice", d.pw)
	alice.do("live", chromedp.WaitVisible(chromedp.CSS("#live.on")))
	row := `document.querySelector('` + rowSel(id) + `').classList`
	alice.until("green", row+`.contains('sla-ok')`)

	clock.Advance(16 * time.Minute)
	alice.until("amber after 16 minutes", row+`.contains('sla-warning')`)
	d.shot(t, alice.ctx, "desk-sla-amber.png")
	clock.Advance(5 * time.Minute)
	alice.until("red after 21 minutes", row+`.contains('sla-breached')`)
	if v := alice.eval(`document.querySelector('` + rowSel(id) + ` .sla').textContent`); !strings.HasPrefix(fmt.Sprint(v), "overdue") {
		t.Errorf("the row says %v", v)
	}
	d.shot(t, alice.ctx, "desk-sla-red.png")
}
