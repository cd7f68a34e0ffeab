package fbfake_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
)

const verifyToken = "verify-me"

// receiver is a webhook endpoint as an app would write it: it answers
// Meta's verification request, and takes only deliveries whose signature
// it verifies with its own HMAC.
type receiver struct {
	secret string
	srv    *httptest.Server

	mu sync.Mutex
	// status decides the answer to a verified delivery; nil is 200.
	status func(body []byte) int
	bodies [][]byte
}

func newReceiver(t *testing.T, fk *fbfake.Server) *receiver {
	rc := &receiver{secret: fk.AppSecret()}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(rc.secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		if q.Get("hub.mode") != "subscribe" || q.Get("hub.verify_token") != verifyToken {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		_, _ = io.WriteString(w, q.Get("hub.challenge"))
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil || len(body) > 1<<20 {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	if !hmac.Equal([]byte(r.Header.Get("X-Hub-Signature-256")), []byte(rc.sign(body))) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.status != nil {
		if st := rc.status(body); st != http.StatusOK {
			w.WriteHeader(st)
			return
		}
	}
	rc.bodies = append(rc.bodies, body)
}

func (rc *receiver) setStatus(f func([]byte) int) {
	rc.mu.Lock()
	rc.status = f
	rc.mu.Unlock()
}

// payload is a delivery as Meta documents it.
type payload struct {
	Object string `json:"object"`
	Entry  []struct {
		ID        string `json:"id"`
		Time      int64  `json:"time"`
		Messaging []struct {
			Sender    struct{ ID string } `json:"sender"`
			Recipient struct{ ID string } `json:"recipient"`
			Timestamp int64               `json:"timestamp"`
			Message   struct {
				Mid         string `json:"mid"`
				Text        string `json:"text"`
				IsEcho      bool   `json:"is_echo"`
				Attachments []struct {
					Type    string
					Payload struct {
						URL       string `json:"url"`
						StickerID int64  `json:"sticker_id"`
					}
				} `json:"attachments"`
			} `json:"message"`
		} `json:"messaging"`
		Changes []struct {
			Field string         `json:"field"`
			Value map[string]any `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

func (rc *receiver) entries(t *testing.T) []payload {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []payload
	for _, b := range rc.bodies {
		var p payload
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func waitEvents(t *testing.T, fk *fbfake.Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fk.WaitDeliveries(ctx, n); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookVerification(t *testing.T) {
	fk := fbfake.New(fbfake.Options{PageID: page})
	defer fk.Close()
	rc := newReceiver(t, fk)
	if err := fk.SetWebhook(rc.srv.URL, "wrong token"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("wrong verify token: %v", err)
	}
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "12345") }))
	defer echo.Close()
	if err := fk.SetWebhook(echo.URL, verifyToken); err == nil || !strings.Contains(err.Error(), "not the challenge") {
		t.Errorf("a receiver that does not echo the challenge: %v", err)
	}
	// Nothing is delivered without a subscription.
	fk.AddMessage("t_1", fbfake.User{ID: "2001"}, "before", time.Time{})
	if err := fk.SetWebhook(rc.srv.URL, verifyToken); err != nil {
		t.Fatal(err)
	}
	fk.AddMessage("t_1", fbfake.User{ID: "2001"}, "after", time.Time{})
	waitEvents(t, fk, 1)
	if e := rc.entries(t); len(e) != 1 || e[0].Entry[0].Messaging[0].Message.Text != "after" {
		t.Errorf("entries %+v", e)
	}
}

// TestWebhookEvents: the event of every kind, in Meta's shapes, signed,
// and batched when they pile up.
func TestWebhookEvents(t *testing.T) {
	fk := fbfake.New(fbfake.Options{PageID: page, AppSecret: "s3cret", WebhookBatch: 3})
	defer fk.Close()
	rc := newReceiver(t, fk)
	if err := fk.SetWebhook(rc.srv.URL, verifyToken); err != nil {
		t.Fatal(err)
	}
	fk.PauseWebhook()
	g := fbfake.User{ID: "2001", Name: "Ada"}
	at := time.Date(2026, 11, 30, 18, 20, 0, 123e6, time.UTC)
	mid := fk.AddMessage("t_1", g, "hello", at, fbfake.Attachment{Type: "sticker", URL: "https://cdn.example/s.png"})
	fk.AddMessage("t_1", fk.Page(), "hi Ada", at.Add(time.Second))
	post := fk.AddPost(g, "my room", at, fbfake.Attachment{Type: "image", URL: "https://cdn.example/p.jpg"})
	cm := fk.AddComment(post, "", g, "photo of it", at, fbfake.Attachment{Type: "image", URL: "https://cdn.example/c.jpg"})
	if n := fk.PendingDeliveries(); n != 4 {
		t.Fatalf("%d pending", n)
	}
	fk.ResumeWebhook()
	waitEvents(t, fk, 4)
	ps := rc.entries(t)
	if len(ps) != 2 || len(ps[0].Entry) != 3 || len(ps[1].Entry) != 1 {
		t.Fatalf("batches %+v", ps)
	}
	ds := fk.Deliveries()
	if ds[0].Entries != 3 || ds[0].Signature != rc.sign(ds[0].Body) || ds[0].Attempt != 1 {
		t.Errorf("delivery %+v", ds[0])
	}
	e := ps[0].Entry
	if ps[0].Object != "page" || e[0].ID != page || e[0].Time == 0 {
		t.Errorf("envelope %+v", ps[0])
	}
	m := e[0].Messaging[0]
	if m.Sender.ID != g.ID || m.Recipient.ID != page || m.Timestamp != at.UnixMilli() || m.Message.Mid != mid || m.Message.IsEcho ||
		len(m.Message.Attachments) != 1 || m.Message.Attachments[0].Type != "sticker" || m.Message.Attachments[0].Payload.StickerID == 0 {
		t.Errorf("message event %+v", m)
	}
	if echo := e[1].Messaging[0]; !echo.Message.IsEcho || echo.Sender.ID != page || echo.Recipient.ID != g.ID {
		t.Errorf("echo %+v", echo)
	}
	if v := e[2].Changes[0].Value; e[2].Changes[0].Field != "feed" || v["item"] != "photo" || v["verb"] != "add" || v["post_id"] != post ||
		v["created_time"] != float64(at.Unix()) || v["photos"].([]any)[0] != "https://cdn.example/p.jpg" {
		t.Errorf("post change %+v", v)
	}
	if v := ps[1].Entry[0].Changes[0].Value; v["item"] != "comment" || v["comment_id"] != cm || v["parent_id"] != post || v["photo"] != "https://cdn.example/c.jpg" {
		t.Errorf("comment change %+v", v)
	}
}

// TestWebhookRetriesBackOff: a failed delivery is retried whole, with
// growing waits, and the events behind it wait their turn; the batch
// being retried is outstanding, though no longer pending.
func TestWebhookRetriesBackOff(t *testing.T) {
	fk := fbfake.New(fbfake.Options{PageID: page, WebhookRetryDelay: 20 * time.Millisecond, WebhookMaxRetryDelay: 80 * time.Millisecond})
	defer fk.Close()
	rc := newReceiver(t, fk)
	if err := fk.SetWebhook(rc.srv.URL, verifyToken); err != nil {
		t.Fatal(err)
	}
	failures := 0
	var pending, outstanding int // while the first try is answered
	rc.setStatus(func(body []byte) int {
		if bytes.Contains(body, []byte("flaky")) && failures < 4 {
			if failures == 0 {
				pending, outstanding = fk.PendingDeliveries(), fk.OutstandingDeliveries()
			}
			failures++
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	g := fbfake.User{ID: "2001"}
	fk.AddMessage("t_1", g, "flaky", time.Time{})
	// Added once the first try failed: it waits behind the retries.
	deadline := time.Now().Add(5 * time.Second)
	for len(fk.Deliveries()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no delivery")
		}
		time.Sleep(5 * time.Millisecond)
	}
	fk.AddMessage("t_1", g, "next", time.Time{})
	waitEvents(t, fk, 2)
	rc.mu.Lock() // the handler wrote them under it
	if pending != 0 || outstanding != 1 || fk.OutstandingDeliveries() != 0 {
		t.Errorf("during the first try %d pending, %d outstanding; after, %d outstanding; want 0, 1, 0", pending, outstanding, fk.OutstandingDeliveries())
	}
	rc.mu.Unlock()
	ds := fk.Deliveries()
	if len(ds) != 6 {
		t.Fatalf("%d deliveries", len(ds))
	}
	for i := 1; i < 5; i++ {
		if ds[i].Attempt != i+1 || !bytes.Equal(ds[i].Body, ds[0].Body) || ds[i].Signature != ds[0].Signature {
			t.Errorf("retry %d: attempt %d, status %d", i, ds[i].Attempt, ds[i].Status)
		}
	}
	// Each retry waits twice as long as the one before, up to the cap.
	for i, wait := range []time.Duration{20, 40, 80, 80} {
		if gap := ds[i+1].At.Sub(ds[i].At); gap < wait*time.Millisecond {
			t.Errorf("retry %d came %s after the attempt before, want at least %s", i+1, gap, wait*time.Millisecond)
		}
	}
	if !ds[4].OK() || ds[5].Attempt != 1 || !bytes.Contains(ds[5].Body, []byte("next")) || bytes.Contains(ds[0].Body, []byte("next")) {
		t.Errorf("order: %s then %s", ds[0].Body, ds[5].Body)
	}
}

// TestWebhookDisabledAfterFailures: deliveries that keep failing disable
// the subscription; the events are dropped, none are queued after, and
// subscribing again starts over.
func TestWebhookDisabledAfterFailures(t *testing.T) {
	fk := fbfake.New(fbfake.Options{PageID: page, WebhookRetryDelay: 10 * time.Millisecond, WebhookMaxRetryDelay: 10 * time.Millisecond,
		WebhookDisableAfter: 100 * time.Millisecond})
	defer fk.Close()
	rc := newReceiver(t, fk)
	if err := fk.SetWebhook(rc.srv.URL, verifyToken); err != nil {
		t.Fatal(err)
	}
	rc.setStatus(func([]byte) int { return http.StatusServiceUnavailable })
	g := fbfake.User{ID: "2001"}
	fk.AddMessage("t_1", g, "lost to the webhook", time.Time{})
	deadline := time.Now().Add(5 * time.Second)
	for !fk.WebhookDisabled() {
		if time.Now().After(deadline) {
			t.Fatal("never disabled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	fk.AddMessage("t_1", g, "while disabled", time.Time{})
	if fk.PendingDeliveries() != 0 {
		t.Error("events queued while disabled")
	}
	rc.setStatus(nil)
	if err := fk.SetWebhook(rc.srv.URL, verifyToken); err != nil || fk.WebhookDisabled() {
		t.Fatal(err)
	}
	fk.AddMessage("t_1", g, "back", time.Time{})
	waitEvents(t, fk, 1)
	if e := rc.entries(t); len(e) != 1 || e[0].Entry[0].Messaging[0].Message.Text != "back" {
		t.Errorf("entries %+v", e)
	}
}

func TestDeliverRaw(t *testing.T) {
	fk := fbfake.New(fbfake.Options{PageID: page})
	defer fk.Close()
	if _, err := fk.DeliverRaw([]byte(`{}`), "sha256=00"); err == nil {
		t.Error("delivered with no webhook")
	}
	rc := newReceiver(t, fk)
	if err := fk.SetWebhook(rc.srv.URL, verifyToken); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"object":"page","entry":[]}`)
	for _, tt := range []struct {
		name, sig string
		status    int
	}{
		{"forged", "sha256=" + strings.Repeat("ab", 32), 401},
		{"unsigned", "", 401},
		{"signed", fk.Sign(body), 200},
	} {
		if st, err := fk.DeliverRaw(body, tt.sig); err != nil || st != tt.status {
			t.Errorf("%s: %d %v", tt.name, st, err)
		}
	}
	if ds := fk.Deliveries(); len(ds) != 3 || ds[0].Attempt != 0 {
		t.Errorf("deliveries %+v", ds)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := fk.WaitDeliveries(ctx, 1); err == nil {
		t.Error("WaitDeliveries counted raw deliveries")
	}
}
