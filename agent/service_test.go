package agent

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
	"github.com/inboxbot/inboxbot/router"
	"github.com/inboxbot/inboxbot/store"
)

func TestServiceAgentsAndTokens(t *testing.T) {
	e := newTestEnv(t)
	svc := e.srv.svc
	ctx := context.Background()

	pw, err := svc.AddAgent(ctx, "alice", "")
	if err != nil || len(pw) < 16 {
		t.Fatalf("AddAgent = %q, %v", pw, err)
	}
	a, err := e.st.Agent(ctx, "alice")
	if err != nil || a.Role != RoleAgent || strings.Contains(a.PasswordHash, pw) || !strings.HasPrefix(a.PasswordHash, "$2") {
		t.Fatalf("stored agent = %+v, %v: want role agent and a bcrypt hash", a, err)
	}
	if _, err := svc.AddAgent(ctx, "alice", ""); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate: %v, want ErrExists", err)
	}
	for _, bad := range []string{"", "Alice", "a b", strings.Repeat("x", 33), "../x"} {
		if _, err := svc.AddAgent(ctx, bad, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("AddAgent(%q): %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := svc.AddAgent(ctx, "bob", "root"); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad role: %v", err)
	}

	if _, err := svc.Login(ctx, "alice", "wrong"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := svc.Login(ctx, "nobody", pw); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("unknown agent: %v", err)
	}
	sess, err := svc.Login(ctx, "alice", pw)
	if err != nil || sess.CSRF == "" || sess.Token == "" {
		t.Fatalf("Login = %+v, %v", sess, err)
	}
	p, err := svc.Authenticate(ctx, sess.Token)
	if err != nil || p.Kind != TokenSession || p.Agent.Name != "alice" || p.CSRF != sess.CSRF {
		t.Fatalf("Authenticate(session) = %+v, %v", p, err)
	}

	tok, err := svc.Token(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	p, err = svc.Authenticate(ctx, tok)
	if err != nil || p.Kind != TokenAPI || p.CSRF != "" {
		t.Fatalf("Authenticate(api) = %+v, %v", p, err)
	}
	// Only the hash is stored.
	if _, err := e.st.TokenByHash(ctx, tok); err == nil {
		t.Errorf("the raw token is stored")
	}
	if _, err := svc.Token(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("token for unknown agent: %v", err)
	}

	// Sessions expire.
	svc.now = func() time.Time { return time.Now().Add(DefaultSessionTTL + time.Minute) }
	if _, err := svc.Authenticate(ctx, sess.Token); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("expired session: %v", err)
	}
	svc.now = time.Now
	if err := svc.Logout(ctx, sess.Token); err != nil {
		t.Fatal(err)
	}
	if err := svc.Logout(ctx, sess.Token); err != nil {
		t.Errorf("second logout: %v", err)
	}
	if _, err := svc.Authenticate(ctx, sess.Token); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("after logout: %v", err)
	}

	npw, err := svc.ResetPassword(ctx, "alice")
	if err != nil || npw == pw {
		t.Fatalf("ResetPassword = %v", err)
	}
	if _, err := svc.Login(ctx, "alice", npw); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func TestServiceReplyRules(t *testing.T) {
	e := newTestEnv(t)
	svc := e.srv.svc
	ctx := context.Background()
	dm := e.conv(t, inbox.Twitter, inbox.DM, "ann", "hi")

	if _, err := svc.Reply(ctx, ReplyRequest{ConversationID: dm, Agent: "alice", Text: "  "}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty reply: %v", err)
	}
	var refused *RefusedError
	if _, err := svc.Reply(ctx, ReplyRequest{ConversationID: dm, Agent: "alice", Public: true, Text: "hello"}); !errors.As(err, &refused) ||
		!errors.Is(err, ErrRefused) || !errors.Is(err, router.ErrRefused) || !strings.HasPrefix(refused.Reason, "conversation") {
		t.Errorf("public reply in a DM: %v, want a refusal with the guard's reason", err)
	}
	if _, err := svc.Reply(ctx, ReplyRequest{ConversationID: 424242, Agent: "alice", Text: "hello"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown conversation: %v", err)
	}
	a, err := svc.Reply(ctx, ReplyRequest{ConversationID: dm, Agent: "alice", Text: "hello"})
	if err != nil || a.Kind != inbox.SendDM {
		t.Fatalf("reply: %+v, %v", a, err)
	}
	// The reply claimed the unassigned conversation.
	c, _ := svc.Conversation(ctx, dm)
	if c.Assignee != "alice" {
		t.Errorf("assignee after reply = %q, want alice", c.Assignee)
	}
	var held *HeldError
	if _, err := svc.Reply(ctx, ReplyRequest{ConversationID: dm, Agent: "bob", Text: "me too"}); !errors.As(err, &held) || held.Assignee != "alice" {
		t.Errorf("reply to a held conversation: %v", err)
	}
	if _, err := NewService(e.st, nil).Reply(ctx, ReplyRequest{ConversationID: dm, Agent: "alice", Text: "x"}); !errors.Is(err, ErrNoReplier) {
		t.Errorf("no replier: %v", err)
	}
	// Release and assign.
	e.addAgent(t, "bob", RoleAgent)
	if _, err := svc.Assign(ctx, "alice", dm, "bob", nil); err != nil {
		t.Fatalf("alice assigns to bob: %v", err)
	}
	if _, err := svc.Assign(ctx, "alice", dm, "", nil); !errors.Is(err, ErrHeld) {
		t.Errorf("alice releases bob's conversation without taking over: %v", err)
	}
	if _, err := svc.Assign(ctx, "alice", dm, "nobody", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("assign to unknown agent: %v", err)
	}
	if c, err := svc.Assign(ctx, "bob", dm, "", nil); err != nil || c.Assignee != "" {
		t.Errorf("bob releases: %+v %v", c, err)
	}
}

func TestSegments(t *testing.T) {
	stored := store.Message{Visibility: inbox.Private, Text: "PIN 1234 and [PIN] ok é", Findings: []inbox.Finding{
		{Kind: "pin", Start: 4, End: 8},
		{Kind: "bad", Start: 20, End: 99}, // findings are not trusted for display
	}}
	m := messageView(redact.New(), stored)
	if m.Text != "PIN [PIN] and [PIN] ok é" || !m.Revealable {
		t.Errorf("view %q, revealable %v", m.Text, m.Revealable)
	}
	got := m.Segments()
	want := []Segment{{Text: "PIN "}, {Text: "[PIN]", Mark: "pin", Hidden: true}, {Text: " and "}, {Text: "[PIN]", Mark: "placeholder"}, {Text: " ok é"}}
	if len(got) != len(want) {
		t.Fatalf("segments = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("segment %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// Public text is stored redacted: nothing to reveal, placeholders
	// marked.
	pub := messageView(redact.New(), store.Message{Visibility: inbox.Public, Text: "PIN [PIN] ok"})
	if segs := pub.Segments(); pub.Revealable || len(segs) != 3 || segs[1].Mark != "placeholder" || segs[1].Hidden {
		t.Errorf("public segments %+v, revealable %v", segs, pub.Revealable)
	}
}

func TestTextRenderers(t *testing.T) {
	now := time.Now()
	cs := []ConversationView{
		{ID: 12, Platform: inbox.Facebook, Channel: inbox.Public, Status: inbox.Open, Flags: []string{"pii_redacted"},
			Customer: CustomerView{Name: "Evil\x1b[31mName"}, AwaitingSince: now.Add(-90 * time.Minute)},
		{ID: 7, Platform: inbox.Twitter, Channel: inbox.Private, Status: inbox.Pending, Assignee: "bob", Customer: CustomerView{Handle: "ben"}},
	}
	var buf bytes.Buffer
	if err := WriteConversationTable(&buf, cs); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"ID", "12", "1h 30m", "pii_redacted", "@ben", "bob"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("table passes an escape sequence through")
	}
	buf.Reset()
	d := ConversationDetail{
		ConversationView: cs[0],
		Messages: []MessageView{{Direction: inbox.In, Visibility: inbox.Public, Kind: inbox.Comment, Text: "line1\nline2\x07", CreatedAt: now},
			{Direction: inbox.In, Visibility: inbox.Public, Kind: inbox.Comment, CreatedAt: now,
				Attachments: []AttachmentView{{Type: "sticker", URL: "https://cdn.example/s.png\x1b[2J"}}}},
		Actions:         []ActionView{{ID: 3, Kind: inbox.PrivateReply, State: inbox.StateFailed, Error: "window closed", RequestedBy: "agent:bob"}},
		Audit:           []AuditView{{Actor: "agent:bob", Action: "claim", At: now}},
		MessengerWindow: &MessengerWindow{StandardEndsAt: now.Add(2 * time.Hour), HumanAgentEndsAt: now.Add(-time.Hour)},
	}
	if err := WriteConversation(&buf, d); err != nil {
		t.Fatal(err)
	}
	out = buf.String()
	for _, want := range []string{"Conversation 12", "line1", "      line2", "      [sticker] https://cdn.example/s.png",
		"#3 private_reply failed by bob: window closed", "bob claim", "24h 2h 0m left, human agent closed"} {
		if !strings.Contains(out, want) {
			t.Errorf("detail lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "\x07\x1b") {
		t.Errorf("detail passes control characters through")
	}
}

func TestConfig(t *testing.T) {
	c := Config{}.WithDefaults()
	if c.Addr != DefaultAddr || c.SessionTTL != DefaultSessionTTL || c.LoginAttempts != DefaultLoginAttempts || c.ReadTimeout != DefaultReadTimeout {
		t.Errorf("defaults = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	bad := Config{
		Addr:          "nope",
		CannedReplies: []CannedReply{{Name: "a", Text: "x"}, {Name: "a", Text: ""}},
		SessionTTL:    time.Second,
		TLSCert:       "/nonexistent.pem",
		ReadTimeout:   -time.Second,
	}
	err := bad.Validate()
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, key := range []string{"addr:", "canned_replies: name \"a\" is used twice", "canned_replies: entry 2", "session_ttl:", "tls_key:", "read_timeout:"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("errors lack %q: %v", key, err)
		}
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.HasPrefix(line, "http.") {
			t.Errorf("key not relative to the http section: %q", line)
		}
	}
}

// TestStoreErrorsMap checks that store failures keep their meaning.
func TestStoreErrorsMap(t *testing.T) {
	e := newTestEnv(t)
	if _, err := e.srv.svc.Close(context.Background(), "alice", 99999); !errors.Is(err, ErrNotFound) {
		t.Errorf("close unknown: %v", err)
	}
	if _, err := e.srv.svc.Claim(context.Background(), "alice", 99999, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("claim unknown: %v", err)
	}
	var _ store.Store = e.st
}
