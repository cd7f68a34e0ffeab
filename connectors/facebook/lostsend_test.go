package facebook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/inbox"
)

// loseAnswer is an HTTP transport that loses the answer of the first
// request that matches: after Facebook acted on it (the request went
// through and the answer was dropped, as with a timeout or a reset
// connection, or cut short), or before Facebook saw it.
type loseAnswer struct {
	match func(*http.Request) bool
	acted bool // forward the request before failing
	cut   bool // with acted: answer the first bytes of a 200 instead of an error

	mu   sync.Mutex
	done bool
}

func (l *loseAnswer) RoundTrip(req *http.Request) (*http.Response, error) {
	l.mu.Lock()
	lose := !l.done && l.match(req)
	l.done = l.done || lose
	l.mu.Unlock()
	if !lose {
		return http.DefaultTransport.RoundTrip(req)
	}
	if l.acted {
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if l.cut {
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(`{"succ`)), Request: req}, nil
		}
	} else if req.Body != nil {
		req.Body.Close()
	}
	return nil, errors.New("read: connection reset by peer")
}

// hidePosts counts the hides of comment that the fake accepted.
func hidePosts(srv *fbfake.Server, comment string) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Method == http.MethodPost && c.Path == "/"+comment && c.Params.Get("is_hidden") == "true" && c.Status == http.StatusOK {
			n++
		}
	}
	return n
}

// hideChecks counts the reads of comment's is_hidden.
func hideChecks(srv *fbfake.Server, comment string) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Method == http.MethodGet && c.Path == "/"+comment && c.Params.Get("fields") == "is_hidden" {
			n++
		}
	}
	return n
}

// TestLostHideIsCheckedThenSent: a hide whose outcome was lost is not
// left unknown (the comment may show a booking number): the connector
// reads the comment's is_hidden, records the hide sent when Facebook did
// it, and sends it once more only when the comment is still visible. No
// comment is hidden twice.
func TestLostHideIsCheckedThenSent(t *testing.T) {
	isHide := func(comment string) func(*http.Request) bool {
		return func(r *http.Request) bool {
			return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/"+comment)
		}
	}
	for _, tc := range []struct {
		name string
		// lose makes the hide's first answer get lost; nil: it is not.
		lose func(comment string) *loseAnswer
		// fault is injected into the fake for the first hide (Facebook
		// answers an error whose outcome is unknown).
		fault func(comment string) *fbfake.Fault
		// crashed begins the send before the Runner starts, as an
		// instance killed mid-send leaves it; hiddenBefore says whether
		// that send reached Facebook.
		crashed, hiddenBefore bool
		// posts is how many hides Facebook accepts in all.
		posts int
	}{
		{name: "answer lost after Facebook hid it", posts: 1,
			lose: func(c string) *loseAnswer { return &loseAnswer{match: isHide(c), acted: true} }},
		{name: "connection reset before Facebook saw it", posts: 1,
			lose: func(c string) *loseAnswer { return &loseAnswer{match: isHide(c)} }},
		{name: "Facebook answered an unknown error", posts: 1,
			fault: func(c string) *fbfake.Fault { return &fbfake.Fault{Code: 2, Method: "POST", Path: c} }},
		{name: "a 502 page from a proxy", posts: 1,
			fault: func(c string) *fbfake.Fault {
				return &fbfake.Fault{Status: 502, Body: "<html>502 Bad Gateway</html>", Method: "POST", Path: c}
			}},
		{name: "an answer cut short after Facebook hid it", posts: 1,
			lose: func(c string) *loseAnswer { return &loseAnswer{match: isHide(c), acted: true, cut: true} }},
		{name: "instance killed mid-send, the hide not done", crashed: true, posts: 1},
		{name: "instance killed mid-send, the hide done", crashed: true, hiddenBefore: true, posts: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, fbfake.Options{}, nil)
			post := r.srv.AddPagePost("Deals", time.Now().Add(-time.Hour))
			comment := r.srv.AddComment(post, "", guest(1), "my booking number is 1234567890", time.Now().Add(-time.Minute))
			var opts []Option
			if tc.lose != nil {
				opts = append(opts, WithHTTPClient(&http.Client{Transport: tc.lose(comment), Timeout: 10 * time.Second}))
			}
			if tc.fault != nil {
				r.srv.Inject(*tc.fault(comment))
			}
			c, err := New(r.cfg, r.env.Store, append(opts, WithLogger(r.logger()))...)
			if err != nil {
				t.Fatal(err)
			}
			r.conn = c
			r.run()
			conv := r.conversation(inbox.Public, CommentThread(post, guest(1).ID, true))
			hide := inbox.Action{ConversationID: conv.ID, Platform: inbox.Facebook, Kind: inbox.Hide, Key: "hide:" + comment, Target: comment, RequestedBy: "router"}
			if tc.crashed {
				// The killed instance's attempt: recorded, its outcome lost.
				r.stop()
				stored := r.env.Action(t, hide, 0)
				if _, err := r.env.Store.BeginSend(context.Background(), stored.ID); err != nil {
					t.Fatal(err)
				}
				if tc.hiddenBefore {
					if err := hideDirect(r, comment); err != nil {
						t.Fatal(err)
					}
				}
				r.run()
			}
			h := waitSettled(t, r, r.env.Action(t, hide, 1).ID)
			if h.State != inbox.StateSent || !r.srv.Hidden(comment) {
				t.Fatalf("hide: %s %q, hidden on Facebook: %v", h.State, h.Error, r.srv.Hidden(comment))
			}
			if n := hidePosts(r.srv, comment); n != tc.posts {
				t.Errorf("Facebook accepted %d hides of the comment, want %d", n, tc.posts)
			}
			if hideChecks(r.srv, comment) == 0 {
				t.Errorf("the lost hide was not checked on Facebook (GET /%s?fields=is_hidden)", comment)
			}
			if h.Error != "" {
				t.Errorf("a sent hide keeps the error %q", h.Error)
			}
		})
	}
}

// waitSettled waits until action id is sent or failed: unknown is what
// a lost hide must not stay.
func waitSettled(t *testing.T, r *rig, id int64) inbox.Action {
	t.Helper()
	var a inbox.Action
	deadline := time.Now().Add(60 * time.Second)
	for {
		var err error
		a, err = r.env.Store.Action(context.Background(), id)
		if err == nil && (a.State == inbox.StateSent || a.State == inbox.StateFailed) {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("action %d still %s after 60 s: %q", id, a.State, a.Error)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hideDirect hides comment on the fake, as a send that reached Facebook
// before its instance died did.
func hideDirect(r *rig, comment string) error {
	req, err := http.NewRequest(http.MethodPost, r.srv.URL()+DefaultVersion+"/"+comment,
		strings.NewReader("is_hidden=true&access_token="+r.cfg.PageToken))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// TestLostHideOfADeletedComment: a comment Facebook no longer has cannot
// be hidden; the check says so and the hide fails with the reason instead
// of being retried for ever.
func TestLostHideOfADeletedComment(t *testing.T) {
	r := newRig(t, fbfake.Options{}, nil)
	post := r.srv.AddPagePost("Deals", time.Now().Add(-time.Hour))
	comment := r.srv.AddComment(post, "", guest(1), "PIN 4321", time.Now().Add(-time.Minute))
	r.srv.Inject(fbfake.Fault{Code: 2, Method: "POST", Path: comment})
	r.srv.Inject(fbfake.Fault{Code: 100, Subcode: 33, Method: "GET", Path: comment, Query: "is_hidden", Times: -1,
		Message: "Unsupported get request. Object with ID '" + comment + "' does not exist"})
	r.start()
	conv := r.conversation(inbox.Public, CommentThread(post, guest(1).ID, true))
	h := waitSettled(t, r, r.env.Action(t, inbox.Action{ConversationID: conv.ID, Platform: inbox.Facebook, Kind: inbox.Hide,
		Key: "hide:" + comment, Target: comment, RequestedBy: "router"}, 1).ID)
	if h.State != inbox.StateFailed || !strings.Contains(h.Error, "does not exist") {
		t.Fatalf("hide of a deleted comment: %s %q", h.State, h.Error)
	}
	if n := hidePosts(r.srv, comment); n != 0 {
		t.Errorf("Facebook accepted %d hides", n)
	}
}

// TestVerify reads is_hidden as Graph documents it: GET /{comment-id}
// with fields=is_hidden answers {"is_hidden": bool, "id": …}; only hides
// are verifiable.
func TestVerify(t *testing.T) {
	r := newRig(t, fbfake.Options{}, nil)
	post := r.srv.AddPagePost("Deals", time.Now().Add(-time.Hour))
	comment := r.srv.AddComment(post, "", guest(1), "hello", time.Now())
	r.connect()
	hide := inbox.Action{Platform: inbox.Facebook, Kind: inbox.Hide, Target: comment}
	for _, want := range []bool{false, true} {
		if want {
			if err := hideDirect(r, comment); err != nil {
				t.Fatal(err)
			}
		}
		got, err := r.conn.Verify(context.Background(), hide)
		if err != nil || got != want {
			t.Errorf("Verify: %v %v, want %v", got, err, want)
		}
	}
	for _, k := range []inbox.ActionKind{inbox.Reply, inbox.SendDM, inbox.PrivateReply} {
		if r.conn.Verifiable(inbox.Action{Platform: inbox.Facebook, Kind: k}) {
			t.Errorf("%s is verifiable: Facebook shows no mark of it", k)
		}
	}
	if !r.conn.Verifiable(hide) {
		t.Error("a hide is not verifiable")
	}
}
