package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/inbox"
)

// routePath fills a route pattern's wildcards with real values.
func routePath(pattern string, conv int64) string {
	p := strings.ReplaceAll(pattern, "{id}", strconv.FormatInt(conv, 10))
	p = strings.ReplaceAll(p, "{name}", "alice")
	return strings.ReplaceAll(p, "{$}", "")
}

// routeBody is a valid body for a route, so that the authorized request of
// each case gets past parsing.
func routeBody(rt route) (contentType, body string) {
	if !stateChanging(rt.method) {
		return "", ""
	}
	switch {
	case strings.HasSuffix(rt.path, "/reply") && rt.api:
		return "application/json", `{"text":"We are looking into it."}`
	case strings.HasSuffix(rt.path, "/reply"):
		return "application/x-www-form-urlencoded", "text=We+are+looking+into+it.&visibility=private"
	case rt.path == "/api/agents":
		return "application/json", `{"name":"newbie","role":"agent"}`
	case rt.path == "/agents":
		return "application/x-www-form-urlencoded", "name=newbie2&role=agent"
	case strings.HasSuffix(rt.path, "/notes") && rt.api:
		return "application/json", `{"text":"Checked with the hotel."}`
	case strings.HasSuffix(rt.path, "/notes"):
		return "application/x-www-form-urlencoded", "note=Checked+with+the+hotel."
	case strings.HasSuffix(rt.path, "/tags") && rt.api:
		return "application/json", `{"tag":"vip"}`
	case strings.HasSuffix(rt.path, "/tags"):
		return "application/x-www-form-urlencoded", "tag=vip"
	case strings.HasSuffix(rt.path, "/presence"):
		return "application/json", `{"state":"viewing"}`
	case rt.path == "/api/conversations/bulk":
		return "application/json", `{"ids":[1],"action":"tag","tag":"vip"}`
	case rt.path == "/bulk":
		return "application/x-www-form-urlencoded", "action=tag&tag=vip&id=1"
	case strings.HasSuffix(rt.path, "/assign") && rt.api:
		return "application/json", `{"assignee":"alice"}`
	case strings.HasSuffix(rt.path, "/assign"):
		return "application/x-www-form-urlencoded", "assignee=alice&expect="
	case rt.api:
		return "application/json", "{}"
	}
	return "application/x-www-form-urlencoded", "x=1"
}

// TestRouteAccess checks every route of the table for who may use it.
func TestRouteAccess(t *testing.T) {
	e := newTestEnv(t)
	e.addAgent(t, "alice", RoleAgent)
	adminPW := e.addAgent(t, "root", RoleAdmin)
	admin := e.session(t, "root", adminPW)

	for _, rt := range e.srv.routes() {
		if rt.access == open {
			continue
		}
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			conv := e.conv(t, inbox.Facebook, inbox.Comment, "cust", "Where is my refund?")
			path := routePath(rt.path, conv)
			ct, body := routeBody(rt)

			// Unauthenticated: API routes 401, HTML pages redirect to sign-in.
			rec := e.anon().do(t, rt.method, path, ct, body)
			switch {
			case rt.api || rt.method != http.MethodGet:
				if rec.Code != http.StatusUnauthorized {
					t.Errorf("unauthenticated: got %d, want 401", rec.Code)
				}
			default:
				if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
					t.Errorf("unauthenticated: got %d to %q, want 303 to /login", rec.Code, rec.Header().Get("Location"))
				}
			}
			// A forged or unknown credential is no better.
			rec = (&client{e: e, token: "ibx_forged"}).do(t, rt.method, path, ct, body)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("forged bearer token: got %d, want 401", rec.Code)
			}

			// A plain agent on an admin route: 403.
			agentPW, err := e.srv.svc.ResetPassword(context.Background(), "alice")
			if err != nil {
				t.Fatal(err)
			}
			agent := e.session(t, "alice", agentPW)
			if rt.access == adminOnly {
				rec = agent.do(t, rt.method, path, ct, body)
				if rec.Code != http.StatusForbidden {
					t.Errorf("agent on admin route: got %d, want 403", rec.Code)
				}
				rec = e.bearer(t, "alice").do(t, rt.method, path, ct, body)
				if rec.Code != http.StatusForbidden {
					t.Errorf("agent token on admin route: got %d, want 403", rec.Code)
				}
			}
			who := agent
			if rt.access == adminOnly {
				who = admin
			}

			// A state-changing request with the session cookie but no CSRF
			// token: 403, and nothing happens.
			if stateChanging(rt.method) {
				noCSRF := *who
				noCSRF.noCSRF = true
				rec = noCSRF.do(t, rt.method, path, ct, body)
				if rec.Code != http.StatusForbidden {
					t.Errorf("missing CSRF token: got %d, want 403", rec.Code)
				}
				wrong := *who
				wrong.csrf = "not-the-token"
				if ct == "application/x-www-form-urlencoded" {
					rec = wrong.do(t, rt.method, path, ct, body+"&csrf=not-the-token")
				} else {
					rec = wrong.do(t, rt.method, path, ct, body)
				}
				if rec.Code != http.StatusForbidden {
					t.Errorf("wrong CSRF token: got %d, want 403", rec.Code)
				}
				if acts, _ := e.st.Actions(context.Background(), conv); len(acts) != 0 {
					t.Errorf("a request refused for CSRF created %d actions", len(acts))
				}
				if c, _ := e.st.Conversation(context.Background(), conv); c.Assignee != "" || c.Status != inbox.Open {
					t.Errorf("a request refused for CSRF changed the conversation: %+v", c)
				}
			}

			// The right principal with the token gets through.
			if rt.path == "/events" {
				return // a stream: covered by TestEventsStream
			}
			if stateChanging(rt.method) && ct == "application/x-www-form-urlencoded" {
				rec = who.form(t, path, formFields(body)...)
			} else {
				rec = who.do(t, rt.method, path, ct, body)
			}
			if rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden || rec.Code >= 500 {
				t.Errorf("authorized request: got %d: %s", rec.Code, rec.Body.String())
			}
		})
	}
}

func formFields(body string) []string {
	var out []string
	for _, kv := range strings.Split(body, "&") {
		k, v, _ := strings.Cut(kv, "=")
		out = append(out, k, strings.ReplaceAll(v, "+", " "))
	}
	return out
}

// TestBearerNeedsNoCSRF: API clients carry no ambient credential, so they
// are exempt from CSRF; but an API token is not accepted as a cookie.
func TestBearerNeedsNoCSRF(t *testing.T) {
	e := newTestEnv(t)
	e.addAgent(t, "alice", RoleAgent)
	conv := e.conv(t, inbox.Twitter, inbox.Mention, "cust", "hello")
	api := e.bearer(t, "alice")
	rec := api.json(t, "POST", "/api/conversations/"+strconv.FormatInt(conv, 10)+"/claim", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("claim with bearer token: got %d: %s", rec.Code, rec.Body)
	}
	asCookie := &client{e: e, cookie: api.token}
	if rec := asCookie.json(t, "GET", "/api/conversations", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("API token as cookie: got %d, want 401", rec.Code)
	}
	pw := e.addAgent(t, "bob", RoleAgent)
	sess := e.session(t, "bob", pw)
	asBearer := &client{e: e, token: sess.cookie}
	if rec := asBearer.json(t, "POST", "/api/conversations/"+strconv.FormatInt(conv, 10)+"/close", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("session token as bearer: got %d, want 401", rec.Code)
	}
}

func TestClaimConflict(t *testing.T) {
	e := newTestEnv(t)
	alice := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	bob := e.session(t, "bob", e.addAgent(t, "bob", RoleAgent))
	conv := e.conv(t, inbox.Facebook, inbox.Comment, "cust", "My room was cold")
	base := "/api/conversations/" + strconv.FormatInt(conv, 10)

	if rec := alice.json(t, "POST", base+"/claim", `{}`); rec.Code != http.StatusOK {
		t.Fatalf("alice claims: %d %s", rec.Code, rec.Body)
	}
	if rec := alice.json(t, "POST", base+"/claim", `{}`); rec.Code != http.StatusOK {
		t.Fatalf("alice claims again (double click): %d %s", rec.Code, rec.Body)
	}
	rec := bob.json(t, "POST", base+"/claim", `{}`)
	if rec.Code != http.StatusConflict {
		t.Fatalf("bob claims a held conversation: got %d, want 409", rec.Code)
	}
	var body apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Code != "held" || body.Assignee != "alice" {
		t.Errorf("409 body = %s, want code held and assignee alice", rec.Body)
	}

	// Replying to a conversation held by someone else: 409, nothing queued.
	rec = bob.json(t, "POST", base+"/reply", `{"text":"I can help"}`)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), `"assignee": "alice"`) {
		t.Errorf("bob replies to alice's conversation: got %d %s, want 409 naming alice", rec.Code, rec.Body)
	}
	// Assigning it away without taking over explicitly: 409.
	if rec := bob.json(t, "POST", base+"/assign", `{"assignee":"bob"}`); rec.Code != http.StatusConflict {
		t.Errorf("bob assigns alice's conversation: got %d, want 409", rec.Code)
	}
	// The HTML form says who holds it.
	rec = bob.form(t, base[len("/api"):]+"/reply", "text", "I can help", "visibility", "private")
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "held by alice") {
		t.Errorf("HTML reply to held conversation: got %d, want 409 page naming alice", rec.Code)
	}
	if acts, _ := e.st.Actions(context.Background(), conv); len(acts) != 0 {
		t.Errorf("refused replies created %d actions", len(acts))
	}

	// A take-over must name the current holder: a stale one loses.
	if rec := bob.json(t, "POST", base+"/claim", `{"expect":"carol"}`); rec.Code != http.StatusConflict {
		t.Errorf("take-over with a stale holder: got %d, want 409", rec.Code)
	}
	if rec := bob.json(t, "POST", base+"/claim", `{"expect":"alice"}`); rec.Code != http.StatusOK {
		t.Fatalf("explicit take-over: got %d %s", rec.Code, rec.Body)
	}
	rec = bob.json(t, "POST", base+"/reply", `{"text":"I can help"}`)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("reply after take-over: got %d %s", rec.Code, rec.Body)
	}
	var a ActionView
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.State != inbox.StatePending || a.Kind != inbox.PrivateReply {
		t.Errorf("reply = %+v (%v), want a pending private reply", a, err)
	}

	// The audit trail says who did what.
	d, err := e.srv.svc.ShowConversation(context.Background(), conv)
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	for _, a := range d.Audit {
		trail = append(trail, a.Actor+" "+a.Action)
	}
	want := []string{"agent:alice claim", "agent:bob take_over", "agent:bob reply_queued"}
	if strings.Join(trail, ", ") != strings.Join(want, ", ") {
		t.Errorf("audit = %v, want %v", trail, want)
	}
}

func TestPublicReplyWithPINRefused(t *testing.T) {
	e := newTestEnv(t)
	alice := e.session(t, "alice", e.addAgent(t, "alice", RoleAgent))
	conv := e.conv(t, inbox.Facebook, inbox.Comment, "cust", "I cannot log in")
	base := "/api/conversations/" + strconv.FormatInt(conv, 10)

	rec := alice.json(t, "POST", base+"/reply", `{"text":"Your PIN is 4821, booking 1425-587-239","public":true}`)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("public reply with a PIN: got %d %s, want 422", rec.Code, rec.Body)
	}
	var body apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Code != "refused" || body.Reason == "" {
		t.Errorf("422 body = %s, want code refused with a reason", rec.Body)
	}
	if strings.Contains(rec.Body.String(), "4821") {
		t.Errorf("the refusal echoes the secret: %s", rec.Body)
	}
	// The HTML form shows why, keeps the draft, and sends nothing.
	rec = alice.form(t, "/conversations/"+strconv.FormatInt(conv, 10)+"/reply", "text", "PIN 4821", "visibility", "public")
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Not sent:") {
		t.Errorf("HTML public reply with a PIN: got %d, want 422 with the reason", rec.Code)
	}
	if acts, _ := e.st.Actions(context.Background(), conv); len(acts) != 0 {
		t.Errorf("refused replies created %d actions", len(acts))
	}
	// Private is fine.
	if rec := alice.json(t, "POST", base+"/reply", `{"text":"Your PIN is 4821"}`); rec.Code != http.StatusAccepted {
		t.Errorf("private reply with a PIN: got %d %s, want 202", rec.Code, rec.Body)
	}
}

func TestListFiltersAndShow(t *testing.T) {
	e := newTestEnv(t)
	api := e.bearer(t, mustAgent(t, e, "alice"))
	fb := e.conv(t, inbox.Facebook, inbox.Comment, "ann", "comment")
	tw := e.conv(t, inbox.Twitter, inbox.DM, "ben", "dm")
	e.conv(t, inbox.Facebook, inbox.Message, "cat", "messenger")

	var page ConversationPage
	get := func(q string) {
		t.Helper()
		rec := api.json(t, "GET", "/api/conversations"+q, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", q, rec.Code, rec.Body)
		}
		page = ConversationPage{}
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
	}
	get("")
	if page.Total != 3 || len(page.Conversations) != 3 {
		t.Fatalf("all: total %d, %d rows", page.Total, len(page.Conversations))
	}
	// Oldest unanswered first: the first conversation was created latest
	// (helpers age later items more), so the order is the reverse.
	if page.Conversations[0].Customer.Handle != "cat" {
		t.Errorf("first row = %s, want the longest waiting (cat)", page.Conversations[0].Customer.Handle)
	}
	get("?platform=twitter")
	if page.Total != 1 || page.Conversations[0].ID != tw {
		t.Errorf("platform=twitter: %+v", page)
	}
	get("?channel=public")
	if page.Total != 1 || page.Conversations[0].ID != fb {
		t.Errorf("channel=public: %+v", page)
	}
	get("?limit=1&offset=1")
	if page.Total != 3 || len(page.Conversations) != 1 || page.Offset != 1 {
		t.Errorf("paging: %+v", page)
	}
	if rec := api.json(t, "GET", "/api/conversations?platform=myspace", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("bad platform: got %d, want 400", rec.Code)
	}
	api.json(t, "POST", "/api/conversations/"+strconv.FormatInt(fb, 10)+"/claim", "")
	get("?assignee=me")
	if page.Total != 1 || page.Conversations[0].ID != fb || page.Conversations[0].Assignee != "alice" {
		t.Errorf("assignee=me: %+v", page)
	}
	get("?assignee=-")
	if page.Total != 2 {
		t.Errorf("unassigned: total %d, want 2", page.Total)
	}
	api.json(t, "POST", "/api/conversations/"+strconv.FormatInt(tw, 10)+"/close", "")
	get("")
	if page.Total != 2 {
		t.Errorf("open after closing one: total %d, want 2", page.Total)
	}
	get("?status=all")
	if page.Total != 3 {
		t.Errorf("status=all: total %d, want 3", page.Total)
	}

	// show: the documented JSON shape.
	rec := api.json(t, "GET", "/api/conversations/"+strconv.FormatInt(fb, 10), "")
	var raw map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "platform", "channel", "status", "language", "flags", "customer", "linked_conversation", "updated_at", "messages", "actions", "audit"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("show lacks %q: %s", k, rec.Body)
		}
	}
	msgs, _ := raw["messages"].([]any)
	if len(msgs) != 1 {
		t.Fatalf("messages = %v", raw["messages"])
	}
	for _, k := range []string{"id", "external_id", "kind", "direction", "author", "text", "visibility", "findings", "created_at"} {
		if _, ok := msgs[0].(map[string]any)[k]; !ok {
			t.Errorf("message lacks %q", k)
		}
	}
	if rec := api.json(t, "GET", "/api/conversations/999999", ""); rec.Code != http.StatusNotFound {
		t.Errorf("unknown conversation: got %d, want 404", rec.Code)
	}
	if rec := api.json(t, "GET", "/api/counts", ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "by_platform") {
		t.Errorf("counts: %d %s", rec.Code, rec.Body)
	}
}

func mustAgent(t *testing.T, e *testEnv, name string) string {
	t.Helper()
	e.addAgent(t, name, RoleAgent)
	return name
}

func TestAdminAgents(t *testing.T) {
	e := newTestEnv(t)
	admin := e.bearer(t, func() string { e.addAgent(t, "root", RoleAdmin); return "root" }())
	rec := admin.json(t, "POST", "/api/agents", `{"name":"dora","role":"agent"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("add agent: %d %s", rec.Code, rec.Body)
	}
	var added map[string]string
	_ = json.Unmarshal(rec.Body.Bytes(), &added)
	if _, err := e.srv.svc.Login(context.Background(), "dora", added["password"]); err != nil {
		t.Errorf("the one-time password does not sign in: %v", err)
	}
	if rec := admin.json(t, "POST", "/api/agents", `{"name":"dora"}`); rec.Code != http.StatusConflict {
		t.Errorf("duplicate agent: got %d, want 409", rec.Code)
	}
	if rec := admin.json(t, "POST", "/api/agents", `{"name":"Bad Name!"}`); rec.Code != http.StatusBadRequest {
		t.Errorf("bad name: got %d, want 400", rec.Code)
	}
	rec = admin.json(t, "GET", "/api/agents", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"dora"`) || strings.Contains(rec.Body.String(), "$2a$") {
		t.Errorf("list agents: %d %s", rec.Code, rec.Body)
	}
	rec = admin.json(t, "POST", "/api/agents/dora/token", "")
	var tok map[string]string
	_ = json.Unmarshal(rec.Body.Bytes(), &tok)
	if rec.Code != http.StatusCreated || !strings.HasPrefix(tok["token"], "ibx_") {
		t.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	if rec := (&client{e: e, token: tok["token"]}).json(t, "GET", "/api/me", ""); !strings.Contains(rec.Body.String(), `"dora"`) {
		t.Errorf("/api/me with the new token: %s", rec.Body)
	}
}
