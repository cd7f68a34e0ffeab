package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
	"github.com/inboxbot/inboxbot/store"
)

// The secrets of a private message in these tests, and the digits that
// must never show unless revealed.
const (
	privateText = "my booking 4821553907, PIN 5566, call me on 800 555 0199"
	companyNo   = "800 555 0199"
)

var secretDigits = []string{"4821553907", "5566"}

func noSecret(t *testing.T, what, body string) {
	t.Helper()
	for _, d := range secretDigits {
		if strings.Contains(body, d) {
			t.Errorf("%s shows %s:\n%s", what, d, body)
		}
	}
}

// revealEnv is a desk whose redactor knows the company's number, with one
// private conversation holding a booking number and a PIN.
func revealEnv(t *testing.T) (e *testEnv, convID, msgID int64) {
	t.Helper()
	e = newTestEnv(t, func(o *Options) { o.Redactor = redact.New(redact.WithAllowed(companyNo)) })
	convID = e.conv(t, inbox.Twitter, inbox.DM, "ann", privateText)
	msgs, err := e.st.Messages(context.Background(), convID)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages: %v %v", msgs, err)
	}
	return e, convID, msgs[0].ID
}

// TestPrivateSecretsHiddenEverywhere: the thread (API and page), the
// queue (API, page and the CLI's table) and the live events show a
// private message's booking number and PIN hidden, and the company's own
// number as it is.
func TestPrivateSecretsHiddenEverywhere(t *testing.T) {
	e, convID, msgID := revealEnv(t)
	e.addAgent(t, "alice", RoleAgent)
	api := e.bearer(t, "alice")

	rec := api.json(t, "GET", fmt.Sprintf("/api/conversations/%d", convID), "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET conversation: %d %s", rec.Code, rec.Body)
	}
	noSecret(t, "API thread", rec.Body.String())
	var d ConversationDetail
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	m := d.Messages[0]
	if want := "my booking [booking number], PIN [PIN], call me on " + companyNo; m.Text != want || !m.Revealable || m.ID != msgID {
		t.Errorf("API message %+v, want text %q, revealable", m, want)
	}

	rec = api.json(t, "GET", "/api/conversations", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET conversations: %d %s", rec.Code, rec.Body)
	}
	noSecret(t, "API list", rec.Body.String())

	pw := e.addAgent(t, "bob", RoleAgent)
	sess := e.session(t, "bob", pw)
	for _, path := range []string{"/", fmt.Sprintf("/conversations/%d", convID)} {
		rec := sess.do(t, "GET", path, "", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, rec.Code)
		}
		noSecret(t, "page "+path, rec.Body.String())
	}
	page := sess.do(t, "GET", fmt.Sprintf("/conversations/%d", convID), "", "").Body.String()
	if !strings.Contains(page, fmt.Sprintf(`data-reveal="%d"`, msgID)) || !strings.Contains(page, companyNo) {
		t.Errorf("thread page lacks the reveal button or the company's number")
	}

	list, err := e.srv.svc.ListConversations(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := WriteConversationTable(&table, list.Conversations); err != nil {
		t.Fatal(err)
	}
	var detail strings.Builder
	if err := WriteConversation(&detail, d); err != nil {
		t.Fatal(err)
	}
	noSecret(t, "CLI list", table.String())
	noSecret(t, "CLI show", detail.String())

	// A preview hides the secrets before it is cut, so that no cut leaves
	// digits the redactor would no longer recognise.
	long := strings.Repeat("x", previewRunes-8) + " booking 4821553907 PIN 5566"
	if p := preview(e.srv.svc.rd, long); strings.ContainsAny(p, "0123456789") || !strings.HasSuffix(p, "…") {
		t.Errorf("preview %q", p)
	}
	noSecret(t, "preview", preview(e.srv.svc.rd, privateText))

	// Live events carry ids and states only, whatever the bus says.
	ts := httptest.NewServer(e.h)
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/events", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess.cookie})
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	for deadline := time.Now().Add(60 * time.Second); e.srv.hub.len() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("event stream never subscribed")
		}
	}
	ev, _ := json.Marshal(map[string]any{"type": "message", "conversation_id": convID, "text": privateText, "preview": privateText, "at": time.Now()})
	e.publish(fmt.Sprintf("inbox.events.conversation.%d", convID), ev)
	line, err := readEventData(bufio.NewReader(resp.Body))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(line, fmt.Sprintf(`"conversation_id":%d`, convID)) {
		t.Errorf("event %s", line)
	}
	noSecret(t, "live event", line)
}

// readEventData returns the next data line of an event stream.
func readEventData(rd *bufio.Reader) (string, error) {
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(line, "data: {") {
			return strings.TrimSpace(line), nil
		}
	}
}

// TestRevealAPI: POST /api/messages/{id}/reveal returns the stored text
// to agents and admins, with an audit entry written first; it refuses
// requests without sign-in, browser requests without the CSRF token, GET,
// other roles and unknown messages, and writes no entry for them.
func TestRevealAPI(t *testing.T) {
	e, convID, msgID := revealEnv(t)
	ctx := context.Background()
	e.addAgent(t, "alice", RoleAgent)
	adminPW := e.addAgent(t, "root", RoleAdmin)
	if _, err := e.st.CreateAgent(ctx, store.Agent{Name: "viewer", Role: "viewer", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/messages/%d/reveal", msgID)
	reveals := func() int {
		t.Helper()
		trail, err := e.st.AuditTrail(ctx, convID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range trail {
			if a.Action == AuditReveal {
				n++
				noSecret(t, "audit entry", a.Detail)
			}
		}
		return n
	}

	admin := e.session(t, "root", adminPW)
	noCSRF := *admin
	noCSRF.noCSRF = true
	refused := []struct {
		name   string
		c      *client
		method string
		path   string
		status int
	}{
		{"anonymous", e.anon(), "POST", path, http.StatusUnauthorized},
		{"session without CSRF token", &noCSRF, "POST", path, http.StatusForbidden},
		{"GET", e.bearer(t, "alice"), "GET", path, http.StatusMethodNotAllowed},
		{"other role", e.bearer(t, "viewer"), "POST", path, http.StatusForbidden},
		{"unknown message", e.bearer(t, "alice"), "POST", fmt.Sprintf("/api/messages/%d/reveal", msgID+100), http.StatusNotFound},
		{"bad id", e.bearer(t, "alice"), "POST", "/api/messages/x/reveal", http.StatusBadRequest},
	}
	for _, tc := range refused {
		rec := tc.c.json(t, tc.method, tc.path, "")
		if rec.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, rec.Code, rec.Body, tc.status)
		}
		noSecret(t, tc.name, rec.Body.String())
	}
	if n := reveals(); n != 0 {
		t.Fatalf("%d reveal entries after refused requests", n)
	}

	for i, c := range []*client{e.bearer(t, "alice"), admin} {
		rec := c.json(t, "POST", path, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("reveal %d: %d %s", i, rec.Code, rec.Body)
		}
		var got RevealedMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got.Text != privateText || got.ID != msgID || got.ConversationID != convID ||
			strings.Join(got.Revealed, ",") != "booking_number,pin" {
			t.Errorf("revealed %+v", got)
		}
		if n := reveals(); n != i+1 {
			t.Errorf("after reveal %d: %d audit entries", i, n)
		}
	}
	trail, _ := e.st.AuditTrail(ctx, convID)
	last := trail[len(trail)-1]
	if last.Actor != "agent:root" || last.Detail != fmt.Sprintf("message %d: [booking number] [PIN]", msgID) {
		t.Errorf("audit entry %+v", last)
	}

	// A message with nothing hidden is returned without an entry.
	clean := e.conv(t, inbox.Twitter, inbox.DM, "ben", "hello, call "+companyNo)
	msgs, _ := e.st.Messages(ctx, clean)
	rec := e.bearer(t, "alice").json(t, "POST", fmt.Sprintf("/api/messages/%d/reveal", msgs[0].ID), "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"revealed": []`) {
		t.Errorf("clean message: %d %s", rec.Code, rec.Body)
	}
	if trail, _ := e.st.AuditTrail(ctx, clean); len(trail) != 0 {
		t.Errorf("audit entries for a message with nothing hidden: %+v", trail)
	}
}
