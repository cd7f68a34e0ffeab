package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/demo"
	"github.com/inboxbot/inboxbot/internal/testutil"
)

// apiConversation is what the JSON API says about a conversation: the
// fields a newcomer looks at.
type apiConversation struct {
	ID                 int64    `json:"id"`
	Platform           string   `json:"platform"`
	Channel            string   `json:"channel"`
	Status             string   `json:"status"`
	Language           string   `json:"language"`
	Flags              []string `json:"flags"`
	LinkedConversation int64    `json:"linked_conversation"`
	Customer           struct {
		Handle string `json:"handle"`
		Name   string `json:"name"`
	} `json:"customer"`
}

type apiDetail struct {
	apiConversation
	Messages []struct {
		Direction  string    `json:"direction"`
		Text       string    `json:"text"`
		Visibility string    `json:"visibility"`
		CreatedAt  time.Time `json:"created_at"`
	} `json:"messages"`
	Actions []struct {
		Kind        string    `json:"kind"`
		Text        string    `json:"text"`
		RequestedBy string    `json:"requested_by"`
		State       string    `json:"state"`
		CreatedAt   time.Time `json:"created_at"`
	} `json:"actions"`
}

// demoClient talks to a running demo as a newcomer would: with the API
// token it printed.
type demoClient struct {
	t        *testing.T
	inbox    string // http://host:port/
	token    string
	recorded string
}

func (c *demoClient) get(url string, auth bool, v any) error {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if auth {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return c.do(req, http.StatusOK, v)
}

func (c *demoClient) do(req *http.Request, want int, v any) error {
	cl := http.Client{Timeout: 10 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	return json.Unmarshal(body, v)
}

func (c *demoClient) conversations() ([]apiConversation, error) {
	var page struct {
		Conversations []apiConversation `json:"conversations"`
	}
	err := c.get(c.inbox+"api/conversations?status=all&limit=500", true, &page)
	return page.Conversations, err
}

func (c *demoClient) detail(id int64) (apiDetail, error) {
	var d apiDetail
	err := c.get(fmt.Sprintf("%sapi/conversations/%d", c.inbox, id), true, &d)
	return d, err
}

func (c *demoClient) record() (demo.Recorded, error) {
	var r demo.Recorded
	err := c.get(c.recorded, false, &r)
	return r, err
}

// TestDemo runs `inboxbot demo` as a newcomer would and checks, through
// the JSON API and the fakes' record, that every branch of the policy
// shows, that no planted secret is public anywhere, and that Ctrl-C stops
// it cleanly.
func TestDemo(t *testing.T) {
	const seed = 42
	bin := buildBinary(t)
	addr := testutil.FreeAddr(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "demo", "--rate", "600", "--seed", fmt.Sprint(seed), "--addr", addr,
		"--data-dir", filepath.Join(dir, "data"))
	cmd.Dir = dir // no ./inboxbot.yaml
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INBOXBOT_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "INBOXBOT_LOG_LEVEL=warn")
	stdout, stderr := &testutil.Buffer{}, &testutil.Buffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("demo stdout:\n%s\ndemo stderr:\n%s", stdout.String(), stderr.String())
		}
	})
	start := time.Now()

	// The banner says where to go.
	var c *demoClient
	waitFor(t, 60*time.Second, func() bool {
		out := stdout.String()
		inbox, token, rec := testutil.WordAfter(out, demo.LabelInbox), testutil.WordAfter(out, demo.LabelToken), testutil.WordAfter(out, demo.LabelRecorded)
		if inbox == "" || token == "" || rec == "" {
			return false
		}
		c = &demoClient{t: t, inbox: inbox, token: token, recorded: rec}
		return true
	})
	if c.inbox != "http://"+addr+"/" {
		t.Fatalf("web inbox at %s, want http://%s/", c.inbox, addr)
	}
	if out := stdout.String(); testutil.WordAfter(out, demo.LabelUser) != demo.AgentName || testutil.WordAfter(out, demo.LabelPassword) == "" {
		t.Fatalf("no user name and password in the banner")
	}

	// What a newcomer should see within the first minute or so. The
	// language detector loads in the background at start, and the demo
	// restarts inboxbot once (the renewed Facebook token), so errors are
	// retried.
	var missing []string
	deadline := start.Add(90 * time.Second)
	for {
		missing = c.missing()
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	if len(missing) > 0 {
		t.Fatalf("after %s the demo still lacks: %s", time.Since(start).Round(time.Second), strings.Join(missing, "; "))
	}
	t.Logf("everything visible after %s", time.Since(start).Round(time.Second))

	c.tokenExpiresAndIsRenewed(time.Now().Add(60 * time.Second))
	c.agentGetsAnAnswer(time.Now().Add(30 * time.Second))
	c.noSecretInPublic(seed)

	// Ctrl-C stops everything cleanly.
	stopAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("demo exited with %v after SIGINT, want 0", waitErr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("demo did not exit within 10 s of SIGINT")
	}
	t.Logf("stopped %s after SIGINT", time.Since(stopAt).Round(time.Millisecond))
	if _, err := os.Stat(filepath.Join(dir, "data", "inboxbot.db")); err != nil {
		t.Errorf("the given --data-dir was not used or not kept: %v", err)
	}
}

// missing lists what the demo does not show yet.
func (c *demoClient) missing() []string {
	convs, err := c.conversations()
	if err != nil {
		return []string{"the API: " + err.Error()}
	}
	rec, err := c.record()
	if err != nil {
		return []string{"the record: " + err.Error()}
	}
	has := map[string]bool{}
	for _, cv := range convs {
		has["platform "+cv.Platform] = true
		has[cv.Platform+" "+cv.Channel] = true
		for _, f := range cv.Flags {
			has["flag "+f] = true
		}
		if cv.LinkedConversation != 0 {
			has["a linked conversation"] = true
		}
	}
	var privateReplies int
	for _, m := range rec.Facebook.Messages {
		if m.CommentID != "" || m.PostID != "" {
			privateReplies++
		}
	}
	for what, n := range map[string]int{
		"the router's tweet replies": len(rec.Twitter.Replies),
		"the router's Twitter DMs":   len(rec.Twitter.DMs),
		"Private Replies":            privateReplies,
		"the Page's public replies":  len(rec.Facebook.Replies),
		"hidden comments":            len(rec.Facebook.Hidden),
	} {
		has[what] = n > 0
	}
	var out []string
	for _, want := range []string{
		"platform facebook", "platform twitter", "twitter public", "twitter private", "facebook public", "facebook private",
		"flag non_english", "flag pii_redacted", "flag moved_to_private", "a linked conversation",
		"the router's tweet replies", "the router's Twitter DMs", "Private Replies", "the Page's public replies", "hidden comments",
	} {
		if !has[want] {
			out = append(out, want)
		}
	}
	return out
}

// tokenExpiresAndIsRenewed follows the simulated Page token's expiry: the
// health report behind the inbox's banner says the Facebook connector is
// unauthorized, then, after the renewal and the restart, ok again, and
// Facebook conversations keep coming in.
func (c *demoClient) tokenExpiresAndIsRenewed(deadline time.Time) {
	t := c.t
	state := func() string {
		var h struct {
			Components map[string]struct {
				State string `json:"state"`
			} `json:"components"`
		}
		if err := c.get(c.inbox+"api/health", true, &h); err != nil {
			return "" // restarting
		}
		return h.Components["facebook"].State
	}
	facebookConversations := func() int {
		convs, err := c.conversations()
		if err != nil {
			return -1
		}
		n := 0
		for _, cv := range convs {
			if cv.Platform == "facebook" {
				n++
			}
		}
		return n
	}
	// The expiry and the restart are read from the demo's own record of
	// what it did, not by catching the unauthorized state in the act: on a
	// loaded machine both may happen between two looks.
	for _, want := range []string{"token has expired", "inboxbot restarted"} {
		for !c.happened(want) {
			if time.Now().After(deadline) {
				t.Fatalf("the demo never recorded %q", want)
			}
			time.Sleep(250 * time.Millisecond)
		}
		t.Logf("demo: %s", want)
	}
	for state() != "ok" {
		if time.Now().After(deadline) {
			t.Fatal("the Facebook connector is not ok after the renewal")
		}
		time.Sleep(250 * time.Millisecond)
	}
	before := facebookConversations()
	for facebookConversations() <= before {
		if time.Now().After(deadline) {
			t.Fatal("no new Facebook conversation after the token was renewed")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// happened reports whether the demo's record holds an event containing s.
func (c *demoClient) happened(s string) bool {
	r, err := c.record()
	if err != nil {
		return false
	}
	for _, ev := range r.Events {
		if strings.Contains(ev.Text, s) {
			return true
		}
	}
	return false
}

// agentGetsAnAnswer replies to a customer as the demo agent and waits for
// the customer's answer.
func (c *demoClient) agentGetsAnAnswer(deadline time.Time) {
	t := c.t
	convs, err := c.conversations()
	if err != nil {
		t.Fatal(err)
	}
	var target apiConversation
	for _, cv := range convs {
		if cv.Platform == "twitter" && cv.Channel == "private" {
			target = cv
			break
		}
	}
	if target.ID == 0 {
		t.Fatal("no Twitter DM conversation to answer")
	}
	body := `{"text": "Thanks for writing! We're looking into it now."}`
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%sapi/conversations/%d/reply", c.inbox, target.ID), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	var action struct {
		ID int64 `json:"id"`
	}
	if err := c.do(req, http.StatusAccepted, &action); err != nil {
		t.Fatalf("replying as the demo agent: %v", err)
	}
	for {
		d, err := c.detail(target.ID)
		if err == nil {
			var repliedAt time.Time
			for _, a := range d.Actions {
				if strings.HasPrefix(a.RequestedBy, "agent:") {
					repliedAt = a.CreatedAt
				}
			}
			for _, m := range d.Messages {
				if m.Direction == "in" && !repliedAt.IsZero() && m.CreatedAt.After(repliedAt) {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			rec, _ := c.record()
			t.Fatalf("the customer of conversation %d did not answer the agent (answers recorded: %d, detail error: %v)", target.ID, rec.Answers, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// noSecretInPublic recomputes the script the demo played and checks that
// none of the booking numbers, PINs and card numbers it planted shows in
// a public reply on the platforms or in stored public text.
func (c *demoClient) noSecretInPublic(seed int64) {
	t := c.t
	rec, err := c.record()
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string
	publicSecrets := 0
	for _, m := range demo.Messages(seed, rec.ScriptMessages) {
		for _, s := range m.Secrets {
			secrets = append(secrets, s, digitsOf(s))
			if m.Kind.Public() {
				publicSecrets++
			}
		}
	}
	if publicSecrets == 0 {
		t.Fatalf("the %d script messages planted no secret in public", rec.ScriptMessages)
	}
	check := func(where, text string) {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows the secret %q: %q", where, s, text)
			}
		}
	}
	for _, r := range rec.Twitter.Replies {
		check("tweet "+r.ID, r.Text)
	}
	for _, r := range rec.Facebook.Replies {
		check("Page comment "+r.ID, r.Text)
	}
	convs, err := c.conversations()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, cv := range convs {
		if cv.Channel != "public" {
			continue
		}
		d, err := c.detail(cv.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range d.Messages {
			if m.Visibility == "public" {
				check(fmt.Sprintf("stored public message of conversation %d", cv.ID), m.Text)
				checked++
			}
		}
		for _, a := range d.Actions {
			if a.Kind == "reply" {
				check(fmt.Sprintf("public reply of conversation %d", cv.ID), a.Text)
			}
		}
	}
	t.Logf("%d planted secrets (%d in public) absent from %d tweets, %d Page comments and %d stored public messages",
		len(secrets)/2, publicSecrets, len(rec.Twitter.Replies), len(rec.Facebook.Replies), checked)
}

func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
