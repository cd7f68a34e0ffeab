package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/sla"
	"github.com/inboxbot/inboxbot/store"
)

// fakeClock is a Clock that moves only when told to: tests make the SLA
// clock run without waiting.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	every []*fakeTicker
}

type fakeTicker struct {
	d       time.Duration
	next    time.Time
	fn      func()
	stopped bool
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Every(d time.Duration, fn func()) func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	tk := &fakeTicker{d: d, next: c.now.Add(d), fn: fn}
	c.every = append(c.every, tk)
	return func() {
		c.mu.Lock()
		tk.stopped = true
		c.mu.Unlock()
	}
}

// Advance moves the clock on by d and runs what came due, as tickers would.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	for _, tk := range c.every {
		for !tk.stopped && !tk.next.After(c.now) {
			due = append(due, tk.fn)
			tk.next = tk.next.Add(tk.d)
		}
	}
	c.mu.Unlock()
	for _, fn := range due {
		fn()
	}
}

// decode reads a JSON response into v, failing the test on a bad status.
func decode(t *testing.T, rec interface {
	Result() *http.Response
}, want int, v any) {
	t.Helper()
	res := rec.Result()
	defer res.Body.Close()
	if res.StatusCode != want {
		var b strings.Builder
		_, _ = fmt.Fprint(&b, res.Body)
		t.Fatalf("status %d, want %d", res.StatusCode, want)
	}
	if v != nil {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatalf("decoding: %v", err)
		}
	}
}

func cid(id int64) string { return strconv.FormatInt(id, 10) }

// inbound stores one customer item with the given author and text and
// returns its conversation.
func (e *testEnv) inbound(t testing.TB, p inbox.Platform, k inbox.Kind, author inbox.Author, thread, text string) int64 {
	t.Helper()
	e.mu.Lock()
	e.seq++
	n := e.seq
	e.mu.Unlock()
	res, err := e.st.Ingest(context.Background(), []store.Item{{Message: inbox.Inbound{
		V: inbox.SchemaVersion, Platform: p, Kind: k, ExternalID: fmt.Sprintf("in-%d", n), Thread: thread,
		Author: author, Text: text, CreatedAt: time.Now().Add(-time.Duration(100-n) * time.Minute),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return res[0].ConversationID
}

func TestSearchAPI(t *testing.T) {
	e := newTestEnv(t)
	e.addAgent(t, "alice", RoleAgent)
	api := e.bearer(t, "alice")
	refund := e.inbound(t, inbox.Twitter, inbox.Mention, inbox.Author{ID: "u1", Handle: "ann_smith", Name: "Ann Smith"}, "u1", "I want a refund for Rome")
	dates := e.inbound(t, inbox.Twitter, inbox.Mention, inbox.Author{ID: "u2", Handle: "bob", Name: "Bob"}, "u2", "Can I change my dates please?")
	secret := e.inbound(t, inbox.Facebook, inbox.Message, inbox.Author{ID: "u3", Name: "Cy"}, "t3", "refund please, booking 1425587239 PIN 4821")

	search := func(q string) QueuePage {
		t.Helper()
		var p QueuePage
		decode(t, api.json(t, "GET", "/api/conversations?status=all&q="+url.QueryEscape(q), ""), http.StatusOK, &p)
		return p
	}
	got := func(p QueuePage) []int64 {
		var out []int64
		for _, c := range p.Conversations {
			out = append(out, c.ID)
		}
		return out
	}
	for _, tc := range []struct {
		q    string
		want []int64
	}{
		{"refund", []int64{secret, refund}},
		{`"change my dates"`, []int64{dates}},
		{"@ann", []int64{refund}},
		{"@ann refund", []int64{refund}},
		{"bob", []int64{dates}},
		{"4821", nil},
	} {
		if g := got(search(tc.q)); fmt.Sprint(g) != fmt.Sprint(tc.want) {
			t.Errorf("search %q = %v, want %v", tc.q, g, tc.want)
		}
	}
	// Results show the matching message, with secrets hidden: the JSON
	// holds no booking number or PIN.
	rec := api.json(t, "GET", "/api/conversations?q=refund", "")
	body := rec.Body.String()
	if strings.Contains(body, "1425587239") || strings.Contains(body, "4821") {
		t.Errorf("search results reveal a secret: %s", body)
	}
	p := search("refund")
	if len(p.Conversations) != 2 || !strings.Contains(p.Conversations[0].Preview, "refund please") || p.Conversations[0].PreviewBy != "customer" {
		t.Errorf("first result = %+v", p.Conversations[0])
	}
	for _, bad := range []string{`""`, "@", strings.Repeat("x", store.MaxQueryBytes+1)} {
		rec := api.json(t, "GET", "/api/conversations?q="+url.QueryEscape(bad), "")
		var e apiError
		decode(t, rec, http.StatusBadRequest, &e)
		if !strings.HasPrefix(e.Error, "search: ") {
			t.Errorf("bad query %q: %q", bad, e.Error)
		}
	}
	decode(t, api.json(t, "GET", "/api/conversations?sort=sideways", ""), http.StatusBadRequest, nil)
	decode(t, e.anon().json(t, "GET", "/api/conversations?q=refund", ""), http.StatusUnauthorized, nil)
	// The UI searches the same way.
	page := e.session(t, "alice", mustPassword(t, e, "alice")).do(t, "GET", "/?q="+url.QueryEscape("@ann"), "", "").Body.String()
	if !strings.Contains(page, `data-id="`+cid(refund)+`"`) || strings.Contains(page, `data-id="`+cid(dates)+`"`) {
		t.Errorf("the search page does not list exactly @ann's conversation")
	}
}

// mustPassword gives an agent a new password and returns it.
func mustPassword(t testing.TB, e *testEnv, name string) string {
	t.Helper()
	pw, err := e.srv.svc.ResetPassword(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return pw
}

// facetLinkRE finds the queue's facet links with their counts.
var facetLinkRE = regexp.MustCompile(`<a href="([^"]+)" class="[^"]*" data-value="([^"]*)">[^<]*<span class="count">(\d+)</span>`)

// totalRE finds the number of conversations the queue lists.
var totalRE = regexp.MustCompile(`id="total">(\d+)\+? conversation`)

// TestFacetCountsAgreeWithList follows every facet link of the queue (and
// of the queue with a facet chosen) and checks that the list it shows has
// as many conversations as the link's count said.
func TestFacetCountsAgreeWithList(t *testing.T) {
	e := newTestEnv(t)
	c := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	ctx := context.Background()
	var items []store.Item
	for i := range 30 {
		k := []inbox.Kind{inbox.Comment, inbox.Message, inbox.Mention, inbox.DM}[i%4]
		p := inbox.Facebook
		if k == inbox.Mention || k == inbox.DM {
			p = inbox.Twitter
		}
		it := store.Item{Message: inbox.Inbound{
			V: 1, Platform: p, Kind: k, ExternalID: fmt.Sprintf("f%d", i), Thread: fmt.Sprintf("ft%d", i),
			Author: inbox.Author{ID: fmt.Sprintf("fu%d", i)}, Text: "hello", CreatedAt: time.Now().Add(-time.Hour),
		}, Language: []string{"en", "it", "de"}[i%3], LanguageConfidence: 1}
		if i%3 != 0 {
			it.Flags = []string{inbox.FlagNonEnglish}
		}
		if i%5 == 0 {
			it.Status = inbox.Pending // the non-English ones that await no agent
		}
		items = append(items, it)
	}
	res, err := e.st.Ingest(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if i%7 == 0 {
			if _, err := e.srv.svc.Close(ctx, "alice", r.ConversationID); err != nil {
				t.Fatal(err)
			}
		}
	}
	total := func(path string) int {
		t.Helper()
		body := c.do(t, "GET", path, "", "").Body.String()
		m := totalRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no total on %s", path)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	checked := 0
	for _, start := range []string{"/", "/?flag=non_english", "/?status=pending", "/?platform=twitter&status=all"} {
		body := c.do(t, "GET", start, "", "").Body.String()
		links := facetLinkRE.FindAllStringSubmatch(body, -1)
		if len(links) < 8 {
			t.Fatalf("%s: %d facet links", start, len(links))
		}
		for _, l := range links {
			href := strings.ReplaceAll(l[1], "&amp;", "&")
			want, _ := strconv.Atoi(l[3])
			if got := total(href); got != want {
				t.Errorf("on %s, %q counts %d but its list has %d", start, href, want, got)
			}
			checked++
		}
	}
	t.Logf("%d facet links checked", checked)
}

func TestNotesAPI(t *testing.T) {
	e := newTestEnv(t)
	e.addAgent(t, "alice", RoleAgent)
	bobPW := e.addAgent(t, "bob", RoleAgent)
	alice := e.bearer(t, "alice")
	id := e.conv(t, inbox.Facebook, inbox.Message, "cust", "Where is my refund?")
	path := "/api/conversations/" + cid(id) + "/notes"

	var n NoteView
	decode(t, alice.json(t, "POST", path, `{"text":"Finance approved it, @bob please confirm. Booking 1425587239, PIN 4821. cc @nobody, mail x@bob.com"}`), http.StatusCreated, &n)
	if n.ID == 0 || n.Author != "alice" || fmt.Sprint(n.Mentions) != "[bob]" {
		t.Errorf("note = %+v", n)
	}
	if strings.Contains(n.Text, "1425587239") || strings.Contains(n.Text, "4821") || !strings.Contains(n.Text, "[booking number]") {
		t.Errorf("note keeps a secret: %q", n.Text)
	}
	// Never sent to a platform: no action, nothing for the router.
	if acts, _ := e.st.Actions(context.Background(), id); len(acts) != 0 {
		t.Errorf("a note created %d actions", len(acts))
	}
	// Audited without its text.
	trail, _ := e.st.AuditTrail(context.Background(), id)
	if len(trail) != 1 || trail[0].Action != "note" || trail[0].Detail != "mentions bob" {
		t.Errorf("audit = %+v", trail)
	}
	// Bob sees the marker until he opens the conversation.
	bob := e.session(t, "bob", bobPW)
	var q QueuePage
	decode(t, bob.json(t, "GET", "/api/conversations", ""), http.StatusOK, &q)
	if len(q.Conversations) != 1 || !q.Conversations[0].Mentioned {
		t.Fatalf("bob's queue = %+v", q.Conversations)
	}
	if page := bob.do(t, "GET", "/", "", "").Body.String(); !strings.Contains(page, `id="mentions"`) || !strings.Contains(page, `class="mention-mark"`) {
		t.Error("bob's queue page shows no mention marker")
	}
	var d Desk
	decode(t, bob.json(t, "GET", "/api/conversations/"+cid(id), ""), http.StatusOK, &d)
	if len(d.Notes) != 1 || !d.Notes[0].MentionsMe || len(d.Messages) != 1 {
		t.Errorf("conversation for bob: notes %+v, %d messages", d.Notes, len(d.Messages))
	}
	decode(t, bob.json(t, "GET", "/api/conversations", ""), http.StatusOK, &q)
	if q.Conversations[0].Mentioned {
		t.Error("the mention stays after bob opened the conversation")
	}
	// The page shows notes apart from the customer's messages.
	page := bob.do(t, "GET", "/conversations/"+cid(id), "", "").Body.String()
	if !strings.Contains(page, `class="note mentions-me"`) || !strings.Contains(page, "Internal note") {
		t.Error("the page does not show the note as a note")
	}
	// The form posts a note too, and keeps the queue's place.
	rec := bob.form(t, "/conversations/"+cid(id)+"/notes?sort=newest", "note", "Done, thanks @alice")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/conversations/"+cid(id)+"?sort=newest" {
		t.Errorf("note form: %d to %q", rec.Code, rec.Header().Get("Location"))
	}

	for _, tc := range []struct {
		name, path, body string
		status           int
	}{
		{"empty", path, `{"text":"   "}`, http.StatusBadRequest},
		{"too long", path, `{"text":"` + strings.Repeat("a", MaxNoteBytes+1) + `"}`, http.StatusBadRequest},
		{"not JSON", path, `{"text":`, http.StatusBadRequest},
		{"unknown field", path, `{"note":"x"}`, http.StatusBadRequest},
		{"unknown conversation", "/api/conversations/999999/notes", `{"text":"x"}`, http.StatusNotFound},
		{"bad id", "/api/conversations/abc/notes", `{"text":"x"}`, http.StatusBadRequest},
	} {
		if rec := alice.json(t, "POST", tc.path, tc.body); rec.Code != tc.status {
			t.Errorf("%s: got %d, want %d: %s", tc.name, rec.Code, tc.status, rec.Body)
		}
	}
	decode(t, e.anon().json(t, "POST", path, `{"text":"x"}`), http.StatusUnauthorized, nil)
}

func TestBulkAPI(t *testing.T) {
	e := newTestEnv(t)
	e.addAgent(t, "alice", RoleAgent)
	e.addAgent(t, "bob", RoleAgent)
	e.addAgent(t, "root", RoleAdmin)
	ctx := context.Background()
	a := e.conv(t, inbox.Twitter, inbox.Mention, "one", "a")
	b := e.conv(t, inbox.Twitter, inbox.Mention, "two", "b")
	held := e.conv(t, inbox.Twitter, inbox.Mention, "three", "c")
	if _, err := e.srv.svc.Claim(ctx, "bob", held, ""); err != nil {
		t.Fatal(err)
	}
	alice := e.bearer(t, "alice")
	body := fmt.Sprintf(`{"ids":[%d,%d,%d,%d],"action":"close"}`, a, b, held, a)
	var res struct{ Results []BulkResult }
	decode(t, alice.json(t, "POST", "/api/conversations/bulk", body), http.StatusOK, &res)
	if len(res.Results) != 3 || !res.Results[0].OK || !res.Results[1].OK || res.Results[2].OK ||
		res.Results[2].Code != "held" || res.Results[2].Assignee != "bob" {
		t.Fatalf("results = %+v", res.Results)
	}
	for id, want := range map[int64]inbox.Status{a: inbox.Closed, b: inbox.Closed, held: inbox.Open} {
		if c, _ := e.st.Conversation(ctx, id); c.Status != want {
			t.Errorf("conversation %d is %s, want %s", id, c.Status, want)
		}
	}
	for _, id := range []int64{a, b} {
		if trail, _ := e.st.AuditTrail(ctx, id); len(trail) != 1 || trail[0].Action != "close" || trail[0].Actor != "agent:alice" {
			t.Errorf("audit of %d = %+v", id, trail)
		}
	}
	// Reopen, assign and tag the same way.
	decode(t, alice.json(t, "POST", "/api/conversations/bulk", fmt.Sprintf(`{"ids":[%d,%d],"action":"reopen"}`, a, held)), http.StatusOK, &res)
	if !res.Results[0].OK || res.Results[1].Code != "held" {
		t.Errorf("reopen results = %+v", res.Results)
	}
	decode(t, alice.json(t, "POST", "/api/conversations/bulk", fmt.Sprintf(`{"ids":[%d,%d],"action":"tag","tag":"vip"}`, a, held)), http.StatusOK, &res)
	if c, _ := e.st.Conversation(ctx, a); !res.Results[0].OK || res.Results[1].OK || !c.HasFlag("vip") {
		t.Errorf("tag results = %+v, flags %v", res.Results, c.Flags)
	}
	decode(t, alice.json(t, "POST", "/api/conversations/bulk", fmt.Sprintf(`{"ids":[%d,%d],"action":"assign","assignee":"alice"}`, b, held)), http.StatusOK, &res)
	if c, _ := e.st.Conversation(ctx, b); !res.Results[0].OK || res.Results[1].Code != "held" || c.Assignee != "alice" {
		t.Errorf("assign results = %+v, assignee %q", res.Results, c.Assignee)
	}
	// An admin may close what another holds, as with the single action.
	decode(t, e.bearer(t, "root").json(t, "POST", "/api/conversations/bulk", fmt.Sprintf(`{"ids":[%d],"action":"close"}`, held)), http.StatusOK, &res)
	if c, _ := e.st.Conversation(ctx, held); !res.Results[0].OK || c.Status != inbox.Closed {
		t.Errorf("admin close: %+v, status %s", res.Results, c.Status)
	}

	many := make([]string, MaxBulk+1)
	for i := range many {
		many[i] = "1"
	}
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"no ids", `{"ids":[],"action":"close"}`, http.StatusBadRequest},
		{"too many", `{"ids":[` + strings.Join(many, ",") + `],"action":"close"}`, http.StatusBadRequest},
		{"unknown action", fmt.Sprintf(`{"ids":[%d],"action":"delete"}`, a), http.StatusBadRequest},
		{"bad tag", fmt.Sprintf(`{"ids":[%d],"action":"tag","tag":"No Spaces"}`, a), http.StatusBadRequest},
		{"unknown assignee", fmt.Sprintf(`{"ids":[%d],"action":"assign","assignee":"zed"}`, a), http.StatusNotFound},
		{"ids not numbers", `{"ids":["x"],"action":"close"}`, http.StatusBadRequest},
	} {
		if rec := alice.json(t, "POST", "/api/conversations/bulk", tc.body); rec.Code != tc.status {
			t.Errorf("%s: got %d, want %d: %s", tc.name, rec.Code, tc.status, rec.Body)
		}
	}
	// An unknown conversation is skipped, not an error of the request.
	decode(t, alice.json(t, "POST", "/api/conversations/bulk", `{"ids":[987654],"action":"close"}`), http.StatusOK, &res)
	if res.Results[0].OK || res.Results[0].Code != "not_found" {
		t.Errorf("unknown conversation: %+v", res.Results)
	}
}

func TestBulkForm(t *testing.T) {
	e := newTestEnv(t)
	c := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	e.addAgent(t, "bob", RoleAgent)
	a := e.conv(t, inbox.Twitter, inbox.Mention, "one", "a")
	held := e.conv(t, inbox.Twitter, inbox.Mention, "two", "b")
	if _, err := e.srv.svc.Claim(context.Background(), "bob", held, ""); err != nil {
		t.Fatal(err)
	}
	rec := c.form(t, "/bulk?sort=newest", "action", "close", "id", cid(a), "id", cid(held))
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "close: 1 done, 1 skipped") || !strings.Contains(body, "#"+cid(held)+": held by bob") {
		t.Errorf("bulk form: %d, report missing", rec.Code)
	}
	if rec := c.form(t, "/bulk", "action", "close", "id", "x"); rec.Code != http.StatusBadRequest {
		t.Errorf("bad id: %d", rec.Code)
	}
}

func TestTagsAndMerge(t *testing.T) {
	e := newTestEnv(t)
	e.addAgent(t, "alice", RoleAgent)
	e.addAgent(t, "bob", RoleAgent)
	alice := e.bearer(t, "alice")
	ctx := context.Background()
	pub := e.inbound(t, inbox.Facebook, inbox.Comment, inbox.Author{ID: "fb-1", Name: "Ann"}, "c1", "help")
	tw := e.inbound(t, inbox.Twitter, inbox.DM, inbox.Author{ID: "tw-1", Handle: "ann", Name: "Ann"}, "tw-1", "it's me again")

	var v ConversationView
	decode(t, alice.json(t, "POST", "/api/conversations/"+cid(pub)+"/tags", `{"tag":"vip"}`), http.StatusOK, &v)
	if !v.HasFlag("vip") {
		t.Errorf("flags = %v", v.Flags)
	}
	decode(t, alice.json(t, "POST", "/api/conversations/"+cid(pub)+"/tags", `{"tag":"VIP!"}`), http.StatusBadRequest, nil)
	if _, err := e.srv.svc.Claim(ctx, "bob", tw, ""); err != nil {
		t.Fatal(err)
	}
	decode(t, alice.json(t, "POST", "/api/conversations/"+cid(tw)+"/tags", `{"tag":"vip"}`), http.StatusConflict, nil)

	var p PersonView
	decode(t, alice.json(t, "POST", "/api/conversations/"+cid(pub)+"/merge", fmt.Sprintf(`{"conversation":%d}`, tw)), http.StatusOK, &p)
	if len(p.Accounts) != 2 || len(p.Recent) != 2 {
		t.Fatalf("merged person = %+v", p)
	}
	var d Desk
	decode(t, alice.json(t, "GET", "/api/conversations/"+cid(tw), ""), http.StatusOK, &d)
	if len(d.Person.Accounts) != 2 || len(d.Person.Recent) != 2 {
		t.Errorf("the twitter side's person = %+v", d.Person)
	}
	if trail, _ := e.st.AuditTrail(ctx, tw); trail[len(trail)-1].Action != "merge_customer" {
		t.Errorf("merge not audited: %+v", trail)
	}
	decode(t, alice.json(t, "POST", "/api/conversations/"+cid(pub)+"/merge", fmt.Sprintf(`{"conversation":%d}`, pub)), http.StatusBadRequest, nil)
	decode(t, alice.json(t, "POST", "/api/conversations/"+cid(pub)+"/merge", `{"conversation":987654}`), http.StatusNotFound, nil)
	decode(t, alice.json(t, "POST", "/api/conversations/"+cid(pub)+"/merge", `{}`), http.StatusBadRequest, nil)
	// The page lists both conversations in the customer pane.
	page := e.session(t, "alice", mustPassword(t, e, "alice")).do(t, "GET", "/conversations/"+cid(pub), "", "").Body.String()
	if !strings.Contains(page, `<li class="" data-id="`+cid(tw)+`">`) || !strings.Contains(page, `<span class="plat twitter">twitter</span> @ann`) {
		t.Error("the customer pane does not show the merged twitter account and conversation")
	}
}

func TestPresenceAPI(t *testing.T) {
	e := newTestEnv(t)
	e.addAgent(t, "alice", RoleAgent)
	bobPW := e.addAgent(t, "bob", RoleAgent)
	id := e.conv(t, inbox.Twitter, inbox.DM, "cust", "hi")
	alice := e.bearer(t, "alice")
	path := "/api/conversations/" + cid(id) + "/presence"
	decode(t, alice.json(t, "POST", path, `{"state":"typing"}`), http.StatusNoContent, nil)
	others := e.srv.presence.others(id, "bob", time.Now())
	if len(others) != 1 || others[0].Agent != "alice" || others[0].Presence != PresenceTyping {
		t.Errorf("others = %+v", others)
	}
	if e.srv.presence.others(id, "alice", time.Now()) != nil {
		t.Error("alice sees herself")
	}
	page := e.session(t, "bob", bobPW).do(t, "GET", "/conversations/"+cid(id), "", "").Body.String()
	if !strings.Contains(page, `data-agent="alice" data-presence="typing">alice is typing…</span>`) {
		t.Error("bob's page does not show alice typing")
	}
	decode(t, alice.json(t, "POST", path, `{"state":"left"}`), http.StatusNoContent, nil)
	if o := e.srv.presence.others(id, "bob", time.Now()); len(o) != 0 {
		t.Errorf("after leaving: %+v", o)
	}
	decode(t, alice.json(t, "POST", path, `{"state":"dancing"}`), http.StatusBadRequest, nil)
	decode(t, alice.json(t, "POST", "/api/conversations/987654/presence", `{"state":"viewing"}`), http.StatusNotFound, nil)
	// A presence event from the bus reaches browsers with names and
	// states only; a malformed one is dropped.
	e.srv.onBusEvent("inbox.events.conversation.1", []byte(`{"type":"presence","conversation_id":1,"agent":"<b>x","presence":"viewing"}`))
	if o := e.srv.presence.others(1, "bob", time.Now()); len(o) != 0 {
		t.Errorf("a bad agent name was kept: %+v", o)
	}
}

func TestCannedOffer(t *testing.T) {
	set := cannedSet([]CannedReply{
		{Name: "refund", Language: "it", Text: "Ciao {customer.name}, rimborso in arrivo. {agent.name}"},
		{Name: "pool", Text: "The pool is open, {customer.name}."},
	})
	c := ConversationView{Language: "it", Channel: inbox.Private, Customer: CustomerView{Name: "Giulia"}}
	offered := offerCanned(set, c, "ann")
	by := map[string]OfferedCanned{}
	for _, o := range offered {
		by[o.Name] = o
	}
	if got := by["refund"]; got.Language != "it" || got.Text != "Ciao Giulia, rimborso in arrivo. ann" {
		t.Errorf("refund = %+v (the configured Italian one replaces the built-in)", got)
	}
	if got := by["change-dates"]; got.Language != "it" || !strings.Contains(got.Text, "Giulia") {
		t.Errorf("change-dates = %+v", got)
	}
	if got := by["pool"]; got.Language != "en" || got.Text != "The pool is open, Giulia." {
		t.Errorf("pool (English only) = %+v", got)
	}
	if got := by["booking-number"]; !got.Private || !strings.Contains(got.Text, "PIN") {
		t.Errorf("booking-number = %+v", got)
	}
	// Public conversations are not offered the private-only reply.
	c.Channel = inbox.Public
	c.Customer = CustomerView{Handle: "gg"}
	for _, o := range offerCanned(set, c, "ann") {
		if o.Private {
			t.Errorf("public conversation offered %s", o.Name)
		}
		if o.Name == "cancellation" && !strings.HasPrefix(o.Text, "Ciao @gg,") {
			t.Errorf("cancellation = %q", o.Text)
		}
	}
	// Every built-in exists in every language with both variables.
	langs := map[string]int{}
	for _, r := range BuiltinCannedReplies {
		langs[r.Language]++
		if err := checkCannedVars(r.Text); err != nil || !strings.Contains(r.Text, VarCustomerName) || !strings.Contains(r.Text, VarAgentName) {
			t.Errorf("%s/%s: %v", r.Name, r.Language, err)
		}
	}
	for l, n := range langs {
		if n != 4 {
			t.Errorf("language %s has %d built-in replies, want 4", l, n)
		}
	}
	if err := (Config{CannedReplies: []CannedReply{{Name: "x", Text: "Hi {customer.email}"}}}).Validate(); err == nil || !strings.Contains(err.Error(), "unknown placeholder {customer.email}") {
		t.Errorf("unknown placeholder: %v", err)
	}
}

func TestSLAClock(t *testing.T) {
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	cfg := sla.Config{Twitter: sla.Channels{Public: sla.Target{FirstResponse: 20 * time.Minute, NextResponse: 10 * time.Minute}}}.WithDefaults()
	c := store.Conversation{Platform: inbox.Twitter, Channel: inbox.Public, Status: inbox.Open, AwaitingSince: start}
	for _, tc := range []struct {
		after    time.Duration
		answered bool
		want     sla.State
	}{
		{time.Minute, false, sla.OK}, {15 * time.Minute, false, sla.Warning}, {21 * time.Minute, false, sla.Breached},
		{5 * time.Minute, true, sla.OK}, {8 * time.Minute, true, sla.Warning}, {11 * time.Minute, true, sla.Breached},
	} {
		v := slaView(cfg, c, tc.answered, start.Add(tc.after))
		if v.State != tc.want || v.First == tc.answered {
			t.Errorf("after %s (answered %v): %+v, want %s", tc.after, tc.answered, v, tc.want)
		}
	}
	if v := slaView(cfg, store.Conversation{Status: inbox.Pending, AwaitingSince: start, Platform: inbox.Twitter, Channel: inbox.Public}, false, start.Add(time.Hour)); v.State != "" {
		t.Errorf("a pending conversation has an SLA state: %+v", v)
	}
	if v := slaView(sla.Config{Disabled: true}, c, false, start.Add(time.Hour)); v.State != "" {
		t.Errorf("disabled SLA: %+v", v)
	}
}

// TestSLAColourAsTheClockRuns renders the queue with an injected clock:
// the row turns amber, then red, and the tick tells open pages.
func TestSLAColourAsTheClockRuns(t *testing.T) {
	clock := newFakeClock(time.Now())
	e := newTestEnv(t, func(o *Options) {
		o.Clock = clock
		o.SLA = sla.Config{Twitter: sla.Channels{Public: sla.Target{FirstResponse: 20 * time.Minute}}}
	})
	c := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	res, err := e.st.Ingest(context.Background(), []store.Item{{Message: inbox.Inbound{V: 1, Platform: inbox.Twitter,
		Kind: inbox.Mention, ExternalID: "m1", Thread: "u", Author: inbox.Author{ID: "u"}, Text: "hello", CreatedAt: clock.Now()}}})
	if err != nil {
		t.Fatal(err)
	}
	id := res[0].ConversationID
	clock.Advance(time.Minute)
	class := func() string {
		body := c.do(t, "GET", "/?sort=due", "", "").Body.String()
		m := regexp.MustCompile(`<li class="row([^"]*)" data-id="` + cid(id) + `"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("row missing")
		}
		return m[1]
	}
	if got := class(); !strings.Contains(got, "sla-ok") {
		t.Errorf("after 1 min: %q", got)
	}
	ticks := e.srv.hub.add("watch")
	defer e.srv.hub.remove(ticks)
	clock.Advance(15 * time.Minute)
	if got := class(); !strings.Contains(got, "sla-warning") {
		t.Errorf("after 16 min: %q", got)
	}
	clock.Advance(5 * time.Minute)
	if got := class(); !strings.Contains(got, "sla-breached") {
		t.Errorf("after 21 min: %q", got)
	}
	select {
	case ev := <-ticks.ch:
		if ev.name != "tick" {
			t.Errorf("event %s, want tick", ev.name)
		}
	default:
		t.Error("the clock's ticks told no browser")
	}
}

func TestRelTime(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		10 * time.Second: "just now", 4 * time.Minute: "4 min ago", 3 * time.Hour: "3 h ago",
		50 * time.Hour: "2 d ago", -12 * time.Minute: "in 12 min",
	} {
		if got := relTime(now.Add(-d), now); got != want {
			t.Errorf("relTime(%s ago) = %q, want %q", d, got, want)
		}
	}
	if relTime(time.Time{}, now) != "" {
		t.Error("zero time")
	}
}

// TestThreadListsEachReplyOnce: a sent reply is both an action and a
// message; the thread shows it once, with its delivery state.
func TestThreadListsEachReplyOnce(t *testing.T) {
	e := newTestEnv(t)
	c := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	ctx := context.Background()
	id := e.conv(t, inbox.Twitter, inbox.DM, "cust", "hello")
	cv, _ := e.st.Conversation(ctx, id)
	a, _, err := e.st.CreateAction(ctx, inbox.Action{V: 1, ConversationID: id, Platform: inbox.Twitter, Kind: inbox.SendDM,
		Key: "k1", Recipient: cv.Customer.ExternalID, Text: "Refund on its way", RequestedBy: "agent:alice", Purpose: "agent_reply"})
	if err != nil {
		t.Fatal(err)
	}
	pending := c.do(t, "GET", "/conversations/"+cid(id), "", "").Body.String()
	if strings.Count(pending, "Refund on its way") != 1 || !strings.Contains(pending, `data-state="pending"`) {
		t.Error("the pending reply is not shown once with its state")
	}
	if _, err := e.st.BeginSend(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.FinishSend(ctx, a.ID, store.Result{State: inbox.StateSent, PlatformID: "dm-1"}); err != nil {
		t.Fatal(err)
	}
	sent := c.do(t, "GET", "/conversations/"+cid(id), "", "").Body.String()
	if n := strings.Count(sent, "Refund on its way"); n != 1 {
		t.Errorf("the sent reply is listed %d times", n)
	}
	if !strings.Contains(sent, `data-state="sent"`) || strings.Contains(sent, "Replies and actions") {
		t.Error("the sent reply lost its state, or the old second list is back")
	}
}

// TestMovedToPrivateShownUnder: the public conversation a customer left
// for a private one is pending, out of the open queue, and shown under the
// private one.
func TestMovedToPrivateShownUnder(t *testing.T) {
	e := newTestEnv(t)
	c := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	ctx := context.Background()
	now := time.Now()
	res, err := e.st.Ingest(ctx, []store.Item{
		{Message: inbox.Inbound{V: 1, Platform: inbox.Twitter, Kind: inbox.Mention, ExternalID: "m1", Thread: "u9",
			Author: inbox.Author{ID: "u9", Handle: "mover"}, Text: "help", CreatedAt: now.Add(-time.Hour)}},
		{Message: inbox.Inbound{V: 1, Platform: inbox.Twitter, Kind: inbox.DM, ExternalID: "d1", Thread: "u9",
			Author: inbox.Author{ID: "u9", Handle: "mover"}, Text: "here I am", CreatedAt: now.Add(-time.Minute)}, Link: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	pub, priv := res[0].ConversationID, res[1].ConversationID
	body := c.do(t, "GET", "/", "", "").Body.String()
	if strings.Contains(body, `data-id="`+cid(pub)+`"`) {
		t.Error("the public conversation is still a row of the open queue")
	}
	if !strings.Contains(body, `data-moved="`+cid(pub)+`">↳ moved from public twitter #`+cid(pub)+` · pending`) {
		t.Error("the public conversation is not shown under the private one")
	}
	if !strings.Contains(body, `data-id="`+cid(priv)+`"`) {
		t.Error("the private conversation is missing")
	}
}

// TestLiveEventsCarryNoText: what the desk announces on the bus (a note,
// presence, a bulk change) names conversations and agents, never text.
func TestLiveEventsCarryNoText(t *testing.T) {
	var mu sync.Mutex
	var events []inbox.Event
	e := newTestEnv(t, func(o *Options) {
		o.Publish = func(ev inbox.Event) {
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
		}
	})
	e.addAgent(t, "alice", RoleAgent)
	e.addAgent(t, "bob", RoleAgent)
	alice := e.bearer(t, "alice")
	id := e.conv(t, inbox.Twitter, inbox.DM, "cust", "my PIN is 4821")
	decode(t, alice.json(t, "POST", "/api/conversations/"+cid(id)+"/notes", `{"text":"refund approved, booking 1425587239 @bob"}`), http.StatusCreated, nil)
	decode(t, alice.json(t, "POST", "/api/conversations/"+cid(id)+"/presence", `{"state":"typing"}`), http.StatusNoContent, nil)
	decode(t, alice.json(t, "POST", "/api/conversations/bulk", fmt.Sprintf(`{"ids":[%d],"action":"tag","tag":"vip"}`, id)), http.StatusOK, nil)
	mu.Lock()
	defer mu.Unlock()
	types := map[string]bool{}
	for _, ev := range events {
		types[ev.Type] = true
		b, _ := json.Marshal(ev)
		for _, bad := range []string{"refund", "1425587239", "4821", "PIN"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("event %s carries %q", b, bad)
			}
		}
		if ev.ConversationID != id {
			t.Errorf("event %+v names another conversation", ev)
		}
	}
	if !types["note"] || !types["presence"] || !types["conversation"] {
		t.Errorf("events published: %v", types)
	}
}
