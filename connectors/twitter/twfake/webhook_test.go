package twfake_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
)

// receiver is a webhook endpoint as an app would write it: it answers the
// CRC challenge, and takes only deliveries whose signature it verifies
// with its own HMAC.
type receiver struct {
	secret string
	srv    *httptest.Server

	mu sync.Mutex
	// crc answers the challenge; nil answers it right.
	crc func(w http.ResponseWriter, token string)
	// status decides the answer to a verified delivery; nil is 200.
	status func(body []byte) int
	bodies [][]byte
	types  []string // Content-Type of each body taken
}

func newReceiver(t *testing.T, fk *twfake.Server) *receiver {
	_, secret, _, _ := fk.Credentials()
	rc := &receiver{secret: secret}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) sign(msg []byte) string {
	mac := hmac.New(sha256.New, []byte(rc.secret))
	mac.Write(msg)
	return "sha256=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Method == http.MethodGet {
		token := r.URL.Query().Get("crc_token")
		if rc.crc != nil {
			rc.crc(w, token)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"response_token": rc.sign([]byte(token))})
		return
	}
	// Read it all before refusing a body too large, so that the sender
	// gets the 413 rather than a reset connection.
	body, err := io.ReadAll(r.Body)
	if err != nil || len(body) > 1<<20 {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	if !hmac.Equal([]byte(r.Header.Get("x-twitter-webhooks-signature")), []byte(rc.sign(body))) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rc.status != nil {
		if st := rc.status(body); st != http.StatusOK {
			w.WriteHeader(st)
			return
		}
	}
	rc.bodies = append(rc.bodies, body)
	rc.types = append(rc.types, r.Header.Get("Content-Type"))
}

func (rc *receiver) received() [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.bodies...)
}

// wait waits for n successful deliveries, failing the test after 10s.
func wait(t *testing.T, fk *twfake.Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fk.WaitDeliveries(ctx, n); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookCRC(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	rc := newReceiver(t, fk)
	tests := []struct {
		name string
		crc  func(w http.ResponseWriter, token string)
	}{
		{"wrong key", func(w http.ResponseWriter, token string) {
			mac := hmac.New(sha256.New, []byte("another secret"))
			mac.Write([]byte(token))
			_ = json.NewEncoder(w).Encode(map[string]string{"response_token": "sha256=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))})
		}},
		{"echo", func(w http.ResponseWriter, token string) {
			_ = json.NewEncoder(w).Encode(map[string]string{"response_token": token})
		}},
		{"no JSON", func(w http.ResponseWriter, token string) { _, _ = io.WriteString(w, "ok") }},
		{"error status", func(w http.ResponseWriter, token string) { w.WriteHeader(http.StatusInternalServerError) }},
	}
	for _, tt := range tests {
		rc.mu.Lock()
		rc.crc = tt.crc
		rc.mu.Unlock()
		if err := fk.SetWebhook(rc.srv.URL + "/hook"); err == nil {
			t.Errorf("%s: registered", tt.name)
		}
	}
	fk.AddMention(guest, "@HotelHelp hello?", "en", 0)
	fk.AddDM(guest, "hello?")
	if n := fk.PendingDeliveries(); n != 0 {
		t.Errorf("%d events queued for an unregistered webhook", n)
	}
	if err := fk.SetWebhook("http://127.0.0.1:1/unreachable"); err == nil {
		t.Error("unreachable webhook registered")
	}
	rc.mu.Lock()
	rc.crc = nil
	rc.mu.Unlock()
	if err := fk.SetWebhook(rc.srv.URL + "/hook?app=inboxbot"); err != nil {
		t.Fatalf("right answer refused: %v", err)
	}
	if len(fk.Deliveries()) != 0 {
		t.Error("events from before registration delivered")
	}
}

func TestWebhookDeliveries(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	rc := newReceiver(t, fk)
	if err := fk.SetWebhook(rc.srv.URL); err != nil {
		t.Fatal(err)
	}
	hc := client(fk)
	long := "@HotelHelp " + strings.Repeat("the wifi drops every hour ", 8)
	m := fk.AddMention(guest, long, "en", 0)
	fk.AddTweet(guest, "not about the hotel", "en", 0) // not delivered
	fk.AddDM(guest, "room 12")
	do(t, hc, "POST", fk.URLv2()+"tweets", "application/json", `{"text":"Sorry, a technician is on the way.","reply":{"in_reply_to_tweet_id":"`+idStr(m)+`"}}`, nil)
	do(t, hc, "POST", fk.URLv2()+"dm_conversations/with/42/messages", "application/json", `{"text":"Fixed?"}`, nil)
	wait(t, fk, 4)

	bodies := rc.received()
	if len(bodies) != 4 {
		t.Fatalf("%d bodies", len(bodies))
	}
	for i, d := range fk.Deliveries() {
		if !d.OK() || d.Attempt != 1 || !bytes.Equal(d.Body, bodies[i]) || d.Signature != rc.sign(d.Body) {
			t.Errorf("delivery %d: %+v", i, d)
		}
	}
	if rc.types[0] != "application/json" {
		t.Errorf("Content-Type %q", rc.types[0])
	}

	type tweetEvent struct {
		IDStr     string `json:"id_str"`
		Text      string `json:"text"`
		Truncated bool   `json:"truncated"`
		User      struct {
			IDStr      string `json:"id_str"`
			ScreenName string `json:"screen_name"`
		} `json:"user"`
		InReplyToStatusIDStr string `json:"in_reply_to_status_id_str"`
		ExtendedTweet        *struct {
			FullText string `json:"full_text"`
		} `json:"extended_tweet"`
	}
	type dmEvent struct {
		Type             string `json:"type"`
		ID               string `json:"id"`
		CreatedTimestamp string `json:"created_timestamp"`
		MessageCreate    struct {
			Target struct {
				RecipientID string `json:"recipient_id"`
			} `json:"target"`
			SenderID    string `json:"sender_id"`
			MessageData struct {
				Text string `json:"text"`
			} `json:"message_data"`
		} `json:"message_create"`
	}
	type payload struct {
		ForUserID           string       `json:"for_user_id"`
		UserHasBlocked      *bool        `json:"user_has_blocked"`
		TweetCreateEvents   []tweetEvent `json:"tweet_create_events"`
		DirectMessageEvents []dmEvent    `json:"direct_message_events"`
		Users               map[string]struct {
			ID         string `json:"id"`
			ScreenName string `json:"screen_name"`
		} `json:"users"`
	}
	var p [4]payload
	for i, b := range bodies {
		if err := json.Unmarshal(b, &p[i]); err != nil || p[i].ForUserID != fk.Self().IDStr() {
			t.Fatalf("body %d: %v %s", i, err, b)
		}
	}
	// The customer's long mention: compat text, and the whole in extended_tweet.
	if ev := p[0].TweetCreateEvents; len(ev) != 1 || ev[0].IDStr != idStr(m) || !ev[0].Truncated || ev[0].User.ScreenName != "guest" ||
		ev[0].ExtendedTweet == nil || ev[0].ExtendedTweet.FullText != long || p[0].UserHasBlocked == nil {
		t.Errorf("mention event %s", bodies[0])
	}
	if ev := p[1].DirectMessageEvents; len(ev) != 1 || ev[0].Type != "message_create" || ev[0].MessageCreate.SenderID != "42" ||
		ev[0].MessageCreate.Target.RecipientID != fk.Self().IDStr() || ev[0].MessageCreate.MessageData.Text != "room 12" || ev[0].CreatedTimestamp == "" ||
		p[1].Users["42"].ScreenName != "guest" || p[1].Users[fk.Self().IDStr()].ScreenName != "HotelHelp" {
		t.Errorf("DM event %s", bodies[1])
	}
	// Our own sends come back too, as X echoes them.
	if ev := p[2].TweetCreateEvents; len(ev) != 1 || ev[0].User.IDStr != fk.Self().IDStr() || ev[0].InReplyToStatusIDStr != idStr(m) || p[2].UserHasBlocked != nil {
		t.Errorf("own tweet event %s", bodies[2])
	}
	if ev := p[3].DirectMessageEvents; len(ev) != 1 || ev[0].MessageCreate.SenderID != fk.Self().IDStr() || ev[0].MessageCreate.Target.RecipientID != "42" {
		t.Errorf("own DM event %s", bodies[3])
	}
}

func TestWebhookRetries(t *testing.T) {
	fk := twfake.New(twfake.Options{WebhookRetries: 2, WebhookRetryDelay: 10 * time.Millisecond})
	defer fk.Close()
	rc := newReceiver(t, fk)
	if err := fk.SetWebhook(rc.srv.URL); err != nil {
		t.Fatal(err)
	}
	// The receiver is down for two tries of "flaky", and never takes "doomed".
	failures := 0
	rc.mu.Lock()
	rc.status = func(body []byte) int {
		switch {
		case bytes.Contains(body, []byte("doomed")):
			return http.StatusServiceUnavailable
		case bytes.Contains(body, []byte("flaky")) && failures < 2:
			failures++
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	rc.mu.Unlock()
	fk.AddMention(guest, "@HotelHelp flaky", "en", 0)
	fk.AddMention(guest, "@HotelHelp doomed", "en", 0)
	fk.AddMention(guest, "@HotelHelp fine", "en", 0)
	// Deliveries run in order, so "fine" arrives after "doomed" was given up.
	wait(t, fk, 2)

	type attempt struct {
		word    string
		status  int
		attempt int
	}
	want := []attempt{
		{"flaky", 500, 1}, {"flaky", 500, 2}, {"flaky", 200, 3},
		{"doomed", 503, 1}, {"doomed", 503, 2}, {"doomed", 503, 3},
		{"fine", 200, 1},
	}
	ds := fk.Deliveries()
	if len(ds) != len(want) {
		t.Fatalf("%d deliveries: %+v", len(ds), ds)
	}
	for i, w := range want {
		if d := ds[i]; !bytes.Contains(d.Body, []byte(w.word)) || d.Status != w.status || d.Attempt != w.attempt || d.Signature != rc.sign(d.Body) {
			t.Errorf("delivery %d: %d attempt %d %s, want %+v", i, d.Status, d.Attempt, d.Body, w)
		}
	}
	if got := rc.received(); len(got) != 2 {
		t.Errorf("receiver took %d", len(got))
	}
}

func TestWebhookNetworkErrorIsRetried(t *testing.T) {
	fk := twfake.New(twfake.Options{WebhookRetries: 1, WebhookRetryDelay: 10 * time.Millisecond})
	defer fk.Close()
	// A receiver that answers the CRC and then hangs up on deliveries.
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			_ = json.NewEncoder(w).Encode(map[string]string{"response_token": fk.Sign([]byte(r.URL.Query().Get("crc_token")))})
			return
		}
		hung := false
		once.Do(func() {
			hung = true
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		})
		if !hung {
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	if err := fk.SetWebhook(srv.URL); err != nil {
		t.Fatal(err)
	}
	fk.AddDM(guest, "anyone?")
	wait(t, fk, 1)
	ds := fk.Deliveries()
	if len(ds) != 2 || ds[0].Err == "" || ds[0].Status != 0 || ds[0].OK() || !ds[1].OK() || ds[1].Attempt != 2 {
		t.Errorf("deliveries %+v", ds)
	}
}

func TestWebhookPause(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	rc := newReceiver(t, fk)
	if err := fk.SetWebhook(rc.srv.URL); err != nil {
		t.Fatal(err)
	}
	fk.PauseWebhook()
	fk.AddMention(guest, "@HotelHelp one", "en", 0)
	fk.AddMention(guest, "@HotelHelp two", "en", 0)
	if n := fk.PendingDeliveries(); n != 2 || len(fk.Deliveries()) != 0 {
		t.Fatalf("paused: %d pending, %d delivered", n, len(fk.Deliveries()))
	}
	// Polling still sees what the webhook holds back.
	var p v2Page
	do(t, client(fk), "GET", mentionsURL(fk, nil), "", "", &p)
	if len(p.Data) != 2 {
		t.Errorf("polled %d", len(p.Data))
	}
	fk.ResumeWebhook()
	wait(t, fk, 2)
	if got := rc.received(); len(got) != 2 || !bytes.Contains(got[0], []byte("one")) || !bytes.Contains(got[1], []byte("two")) {
		t.Errorf("received %q", got)
	}
	if fk.PendingDeliveries() != 0 {
		t.Error("events left in the queue")
	}
}

func TestDeliverRaw(t *testing.T) {
	fk := twfake.New(twfake.Options{})
	defer fk.Close()
	if _, err := fk.DeliverRaw([]byte(`{}`), "sha256=x"); err == nil {
		t.Error("delivered with no webhook")
	}
	rc := newReceiver(t, fk)
	if err := fk.SetWebhook(rc.srv.URL); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"for_user_id":"1000001","direct_message_events":[]}`)
	huge := []byte(`{"pad":"` + strings.Repeat("x", 2<<20) + `"}`)
	tests := []struct {
		name      string
		body      []byte
		signature string
		status    int
	}{
		{"forged", body, "sha256=" + base64.StdEncoding.EncodeToString([]byte("forged")), 401},
		{"unsigned", body, "", 401},
		{"signed", body, fk.Sign(body), 200},
		{"replayed", body, fk.Sign(body), 200}, // the receiver here does not dedupe
		{"signature of another body", []byte(`{"for_user_id":"1"}`), fk.Sign(body), 401},
		{"huge", huge, fk.Sign(huge), 413},
	}
	for _, tt := range tests {
		status, err := fk.DeliverRaw(tt.body, tt.signature)
		if err != nil || status != tt.status {
			t.Errorf("%s: %d %v", tt.name, status, err)
		}
	}
	ds := fk.Deliveries()
	if len(ds) != len(tests) || ds[0].Attempt != 0 || ds[2].Signature != fk.Sign(body) {
		t.Errorf("deliveries %+v", ds)
	}
	// Raw deliveries do not count as events delivered.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := fk.WaitDeliveries(ctx, 1); err == nil {
		t.Error("WaitDeliveries counted raw deliveries")
	}
}
