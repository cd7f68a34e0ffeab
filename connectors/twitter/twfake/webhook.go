package twfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// webhookTimeout bounds each CRC check and delivery. X expects an answer
// within a few seconds; the fake is more lenient, so that a loaded test
// machine does not turn a slow receiver into a retry.
const webhookTimeout = 10 * time.Second

// Delivery is one attempt to POST an event to the webhook, as the fake
// made it.
type Delivery struct {
	At   time.Time
	Body []byte
	// Signature is the x-twitter-webhooks-signature header sent.
	Signature string
	// Status is the receiver's HTTP status, 0 when the request failed.
	Status int
	// Attempt is 1 for an event's first try and 2, 3, … for its retries;
	// 0 for a DeliverRaw.
	Attempt int
	// Err is the request's error (network, timeout), or "".
	Err string
}

// OK reports whether the receiver took the delivery: it answered 2xx.
func (d Delivery) OK() bool { return d.Err == "" && d.Status/100 == 2 }

// webhook is a Server's Account Activity state. The fields above the blank
// line are guarded by Server.mu; the others are set once by init.
type webhook struct {
	url        string
	queue      [][]byte // bodies not yet taken by the delivery goroutine
	paused     bool
	deliveries []Delivery
	delivered  int           // events delivered with a 2xx, DeliverRaw aside
	changed    chan struct{} // closed and replaced when deliveries grows

	wake       chan struct{} // nudges the delivery goroutine; buffered
	retries    int
	retryDelay time.Duration
	client     *http.Client
	ctx        context.Context // ends with the Server
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// init readies h for New: no URL, and a client bounded by webhookTimeout.
func (h *webhook) init(retries int, retryDelay time.Duration) {
	h.changed = make(chan struct{})
	h.wake = make(chan struct{}, 1)
	h.retries, h.retryDelay = retries, retryDelay
	h.client = &http.Client{Timeout: webhookTimeout}
	h.ctx, h.cancel = context.WithCancel(context.Background())
}

// nudge wakes the delivery goroutine, without blocking: a nudge already
// pending will do.
func (h *webhook) nudge() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Sign returns the signature X puts on a webhook body: "sha256=" and the
// base64 HMAC-SHA256 of body keyed with the consumer secret. It is also
// the CRC response_token for a crc_token, so a test's receiver can answer
// the challenge with fk.Sign([]byte(token)).
func (s *Server) Sign(body []byte) string {
	mac := hmac.New(sha256.New, []byte(s.consumerSecret))
	mac.Write(body)
	return "sha256=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SetWebhook registers the webhook URL the account's activity goes to,
// after the CRC check X makes: a GET of rawURL with a random crc_token,
// which must answer 200 with {"response_token": Sign(crc_token)}. If the
// check fails, it returns why and registers nothing (a webhook already
// registered stays). Only activity after registration is delivered. An
// empty rawURL removes the webhook and drops the events not yet sent.
func (s *Server) SetWebhook(rawURL string) error {
	if rawURL == "" {
		s.mu.Lock()
		s.hook.url, s.hook.queue = "", nil
		s.mu.Unlock()
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("twfake: webhook URL: %w", err)
	}
	token := rand.Text()
	q := u.Query()
	q.Set("crc_token", token)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(s.hook.ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("twfake: CRC check: %w", err)
	}
	resp, err := s.hook.client.Do(req)
	if err != nil {
		return fmt.Errorf("twfake: CRC check: %w", err)
	}
	defer resp.Body.Close()
	var answer struct {
		ResponseToken string `json:"response_token"`
	}
	switch err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&answer); {
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("twfake: CRC check of %s: status %d", rawURL, resp.StatusCode)
	case err != nil:
		return fmt.Errorf("twfake: CRC check of %s: %w", rawURL, err)
	case !hmac.Equal([]byte(answer.ResponseToken), []byte(s.Sign([]byte(token)))):
		return fmt.Errorf("twfake: CRC check of %s: wrong response_token %q", rawURL, answer.ResponseToken)
	}
	s.mu.Lock()
	s.hook.url = rawURL
	s.mu.Unlock()
	s.hook.nudge()
	return nil
}

// PauseWebhook holds events back: they queue up but are not delivered
// until ResumeWebhook, as when X's delivery lags or fails, so a test can
// check that polling fills the gap. A delivery already under way (with its
// retries) completes.
func (s *Server) PauseWebhook() {
	s.mu.Lock()
	s.hook.paused = true
	s.mu.Unlock()
}

// ResumeWebhook delivers the events held back by PauseWebhook, in order,
// and those that follow.
func (s *Server) ResumeWebhook() {
	s.mu.Lock()
	s.hook.paused = false
	s.mu.Unlock()
	s.hook.nudge()
}

// PendingDeliveries counts the events queued and not yet taken for
// delivery (while paused, for instance).
func (s *Server) PendingDeliveries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hook.queue)
}

// Deliveries returns every delivery attempt so far, in order, retries and
// DeliverRaw included.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hook.deliveries)
}

// WaitDeliveries waits until n events have been delivered successfully in
// all (counting from the start, DeliverRaw aside), or ctx ends.
func (s *Server) WaitDeliveries(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, changed := s.hook.delivered, s.hook.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("twfake: %d of %d webhook deliveries: %w", got, n, ctx.Err())
		}
	}
}

// DeliverRaw POSTs body with the signature header given to the registered
// webhook, now and once, through the same client and headers as events:
// for tests of forged, replayed or oversized deliveries. Use Sign for a
// valid signature. It is recorded in Deliveries with Attempt 0.
func (s *Server) DeliverRaw(body []byte, signature string) (status int, err error) {
	s.mu.Lock()
	u := s.hook.url
	s.mu.Unlock()
	if u == "" {
		return 0, errors.New("twfake: no webhook registered")
	}
	d, err := s.post(u, body, signature, 0)
	return d.Status, err
}

// deliverLoop is the Server's delivery goroutine: it takes queued events
// one at a time, in order, until the Server closes.
func (s *Server) deliverLoop() {
	for {
		s.mu.Lock()
		u := s.hook.url
		var body []byte
		ready := !s.hook.paused && u != "" && len(s.hook.queue) > 0
		if ready {
			body, s.hook.queue = s.hook.queue[0], s.hook.queue[1:]
		}
		s.mu.Unlock()
		if !ready {
			select {
			case <-s.hook.wake:
				continue
			case <-s.hook.ctx.Done():
				return
			}
		}
		s.deliver(u, body)
	}
}

// deliver sends one event, retrying a failure as X does, then gives up.
func (s *Server) deliver(u string, body []byte) {
	sig := s.Sign(body)
	for attempt := 1; ; attempt++ {
		if d, _ := s.post(u, body, sig, attempt); d.OK() || attempt > s.hook.retries {
			return
		}
		t := time.NewTimer(s.hook.retryDelay)
		select {
		case <-t.C:
		case <-s.hook.ctx.Done():
			t.Stop()
			return
		}
	}
}

// post makes one delivery attempt and records it. It must not be called
// with s.mu held: the receiver may call the Server.
func (s *Server) post(u string, body []byte, sig string, attempt int) (Delivery, error) {
	d := Delivery{At: s.now(), Body: body, Signature: sig, Attempt: attempt}
	req, err := http.NewRequestWithContext(s.hook.ctx, http.MethodPost, u, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-twitter-webhooks-signature", sig)
		var resp *http.Response
		if resp, err = s.hook.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			d.Status = resp.StatusCode
		}
	}
	if err != nil {
		d.Err = err.Error()
	}
	s.mu.Lock()
	s.hook.deliveries = append(s.hook.deliveries, d)
	if attempt > 0 && d.OK() {
		s.hook.delivered++
	}
	close(s.hook.changed)
	s.hook.changed = make(chan struct{})
	s.mu.Unlock()
	return d, err
}

// queueEvent queues an Account Activity payload for the webhook, if one
// is registered. s.mu must be held.
func (s *Server) queueEvent(payload map[string]any) {
	if s.hook.url == "" {
		return
	}
	payload["for_user_id"] = s.self.IDStr()
	body, err := json.Marshal(payload)
	if err != nil {
		panic(err) // maps of strings, numbers and slices always marshal
	}
	s.hook.queue = append(s.hook.queue, body)
	s.hook.nudge()
}

// queueTweet queues a tweet_create_events payload for t. s.mu must be
// held.
func (s *Server) queueTweet(t *Tweet) {
	if s.hook.url == "" {
		return
	}
	payload := map[string]any{"tweet_create_events": []any{s.hookTweet(t)}}
	if t.User.ID != s.self.ID && s.mentionsSelf(t.Text) {
		// X adds it to @mentions only: whether the account blocked the
		// author.
		payload["user_has_blocked"] = false
	}
	s.queueEvent(payload)
}

// queueDM queues a direct_message_events payload for d, with both users.
// s.mu must be held.
func (s *Server) queueDM(d *DM) {
	if s.hook.url == "" {
		return
	}
	users := make(map[string]any)
	for _, id := range []int64{d.From, d.To} {
		u := s.user(id)
		users[u.IDStr()] = hookUser(u)
	}
	s.queueEvent(map[string]any{"direct_message_events": []any{wireDM(d)}, "users": users})
}

// hookTweet renders t as Account Activity sends it: the v1.1 compat
// object, with the whole text in extended_tweet when text is truncated,
// and the same for the tweets it retweets or quotes. s.mu must be held.
func (s *Server) hookTweet(t *Tweet) map[string]any {
	m := s.wireTweet(t, false)
	if m["truncated"] == true {
		m["extended_tweet"] = map[string]any{
			"full_text":          t.Text,
			"display_text_range": []int{0, utf8.RuneCountInString(t.Text)},
			"entities":           map[string]any{"hashtags": []any{}, "symbols": []any{}, "user_mentions": []any{}, "urls": []any{}},
		}
	}
	if orig, ok := s.tweets[t.RetweetOf]; ok {
		m["retweeted_status"] = s.hookTweet(orig)
	}
	if q, ok := s.tweets[t.QuoteOf]; ok {
		m["quoted_status"] = s.hookTweet(q)
	}
	return m
}

// hookUser renders a user of a direct_message_events payload's users map.
func hookUser(u User) map[string]any {
	return map[string]any{
		"id":                u.IDStr(),
		"created_timestamp": strconv.FormatInt(userCreatedAt.UnixMilli(), 10),
		"name":              u.Name,
		"screen_name":       u.ScreenName,
		"protected":         false,
		"verified":          false,
		"followers_count":   0,
		"friends_count":     0,
		"statuses_count":    0,
	}
}
