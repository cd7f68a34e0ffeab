package fbfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Webhooks, as Meta sends them for the page object: SetWebhook makes the
// verification request (hub.mode, hub.verify_token, hub.challenge) and
// subscribes the Page to the messages, message_echoes and feed fields.
// From then on every customer message, echo of the Page's own messages,
// post, comment and hide becomes an event. The delivery goroutine takes
// what is queued, up to Options.WebhookBatch entries at once, and POSTs it
// as one delivery {"object":"page","entry":[…]} signed with
// X-Hub-Signature-256 ("sha256=" + hex HMAC-SHA256 of the body keyed with
// the app secret, see AppSecret). A delivery that is not answered 2xx is
// retried whole, in order, after Options.WebhookRetryDelay, doubling up to
// Options.WebhookMaxRetryDelay, for Options.WebhookRetryFor; when
// deliveries have failed without a break for Options.WebhookDisableAfter
// the subscription is disabled (WebhookDisabled), as Messenger does. The
// webhook machinery runs on real time, whatever Options.Now says.

// webhookTimeout bounds each verification request and delivery.
const webhookTimeout = 10 * time.Second

// DefaultAppSecret signs webhook deliveries when Options.AppSecret is
// empty, so that a fake without appsecret_proof can still sign.
const DefaultAppSecret = "fbfake-app-secret"

// Delivery is one attempt to POST a batch of events to the webhook.
type Delivery struct {
	// At is when the attempt was made, by Options.Now.
	At time.Time
	// Body is the delivery's raw JSON, as signed.
	Body []byte
	// Signature is the X-Hub-Signature-256 header sent.
	Signature string
	// Entries is how many events the body holds.
	Entries int
	// Status is the receiver's HTTP status, 0 when the request failed.
	Status int
	// Attempt is 1 for a batch's first try and 2, 3, … for its retries;
	// 0 for a DeliverRaw.
	Attempt int
	// Err is the request's error (network, timeout), or "".
	Err string
}

// OK reports whether the receiver took the delivery: it answered 2xx.
func (d Delivery) OK() bool { return d.Err == "" && d.Status/100 == 2 }

// webhook is a Server's subscription state, guarded by Server.mu except
// the fields set once by init.
type webhook struct {
	url          string
	queue        []map[string]any // entries not yet taken for delivery
	paused       bool
	disabled     bool
	failingSince time.Time // start of the current run of failed attempts
	deliveries   []Delivery
	delivered    int           // events in deliveries answered 2xx, DeliverRaw aside
	changed      chan struct{} // closed and replaced when deliveries grows

	wake   chan struct{} // nudges the delivery goroutine; buffered
	client *http.Client
	ctx    context.Context // ends with the Server
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (h *webhook) init() {
	h.changed = make(chan struct{})
	h.wake = make(chan struct{}, 1)
	h.client = &http.Client{Timeout: webhookTimeout}
	h.ctx, h.cancel = context.WithCancel(context.Background())
}

// nudge wakes the delivery goroutine without blocking.
func (h *webhook) nudge() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// AppSecret returns the secret that signs webhook deliveries:
// Options.AppSecret, or DefaultAppSecret.
func (s *Server) AppSecret() string {
	if s.opts.AppSecret != "" {
		return s.opts.AppSecret
	}
	return DefaultAppSecret
}

// Sign returns the X-Hub-Signature-256 of body: "sha256=" and the hex
// HMAC-SHA256 keyed with AppSecret.
func (s *Server) Sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(s.AppSecret()))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// SetWebhook subscribes the Page's webhook at rawURL, after the
// verification request Meta makes: a GET of rawURL with
// hub.mode=subscribe, hub.verify_token=verifyToken and a random numeric
// hub.challenge, which must answer 200 with the challenge as its body.
// If the check fails it returns why and changes nothing. It also
// re-enables a subscription that was disabled. Only activity after it is
// delivered. An empty rawURL removes the subscription and drops the
// events not yet sent.
func (s *Server) SetWebhook(rawURL, verifyToken string) error {
	if rawURL == "" {
		s.mu.Lock()
		s.hook.url, s.hook.queue = "", nil
		s.mu.Unlock()
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("fbfake: webhook URL: %w", err)
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1<<31))
	if err != nil {
		return err
	}
	challenge := n.String()
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.verify_token", verifyToken)
	q.Set("hub.challenge", challenge)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(s.hook.ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("fbfake: verification request: %w", err)
	}
	resp, err := s.hook.client.Do(req)
	if err != nil {
		return fmt.Errorf("fbfake: verification request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	switch {
	case err != nil:
		return fmt.Errorf("fbfake: verification of %s: %w", rawURL, err)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("fbfake: verification of %s: status %d", rawURL, resp.StatusCode)
	case string(body) != challenge:
		return fmt.Errorf("fbfake: verification of %s: answered %q, not the challenge", rawURL, body)
	}
	s.mu.Lock()
	s.hook.url, s.hook.disabled, s.hook.failingSince = rawURL, false, time.Time{}
	s.mu.Unlock()
	s.hook.nudge()
	return nil
}

// WebhookDisabled reports whether the subscription was disabled after
// failing deliveries (see Options.WebhookDisableAfter).
func (s *Server) WebhookDisabled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hook.disabled
}

// PauseWebhook holds events back: they queue up but are not delivered
// until ResumeWebhook, as when Meta's delivery lags, so that a test can
// check that polling fills the gap. A delivery under way (with its
// retries) completes.
func (s *Server) PauseWebhook() {
	s.mu.Lock()
	s.hook.paused = true
	s.mu.Unlock()
}

// ResumeWebhook delivers the events held back by PauseWebhook, in order
// and batched, and those that follow.
func (s *Server) ResumeWebhook() {
	s.mu.Lock()
	s.hook.paused = false
	s.mu.Unlock()
	s.hook.nudge()
}

// PendingDeliveries counts the events queued and not yet taken for
// delivery.
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

// WaitDeliveries waits until n events have been delivered in deliveries
// answered 2xx, in all (DeliverRaw aside), or ctx ends.
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
			return fmt.Errorf("fbfake: %d of %d webhook events delivered: %w", got, n, ctx.Err())
		}
	}
}

// DeliverRaw POSTs body with the signature header given (none when
// empty) to the subscribed webhook, now and once, through the same
// client and headers as events: for tests of forged, unsigned or
// oversized deliveries. Use Sign for a valid signature. It is recorded in
// Deliveries with Attempt 0.
func (s *Server) DeliverRaw(body []byte, signature string) (status int, err error) {
	s.mu.Lock()
	u := s.hook.url
	s.mu.Unlock()
	if u == "" {
		return 0, errors.New("fbfake: no webhook subscribed")
	}
	d, err := s.attemptDelivery(u, body, signature, 0, 0)
	return d.Status, err
}

// deliverLoop is the Server's delivery goroutine: it takes the queued
// events in batches, in order, until the Server closes.
func (s *Server) deliverLoop() {
	for {
		s.mu.Lock()
		u := s.hook.url
		var batch []map[string]any
		ready := !s.hook.paused && !s.hook.disabled && u != "" && len(s.hook.queue) > 0
		if ready {
			n := min(len(s.hook.queue), s.opts.WebhookBatch)
			batch = slices.Clone(s.hook.queue[:n])
			s.hook.queue = s.hook.queue[n:]
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
		s.deliver(u, batch)
	}
}

// deliver sends one batch, retrying it with back-off as Meta does, until
// it is taken, its retry period ends, or the subscription is disabled.
func (s *Server) deliver(u string, batch []map[string]any) {
	body, err := json.Marshal(map[string]any{"object": "page", "entry": batch})
	if err != nil {
		panic(err) // maps of strings, numbers and slices always marshal
	}
	sig := s.Sign(body)
	first := time.Now()
	wait := s.opts.WebhookRetryDelay
	for attempt := 1; ; attempt++ {
		d, _ := s.attemptDelivery(u, body, sig, attempt, len(batch))
		if d.OK() || s.failed() || time.Since(first) >= s.opts.WebhookRetryFor {
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.hook.ctx.Done():
			t.Stop()
			return
		}
		wait = min(2*wait, s.opts.WebhookMaxRetryDelay)
	}
}

// failed records a failed attempt and reports whether it disabled the
// subscription: deliveries have failed for WebhookDisableAfter.
func (s *Server) failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if s.hook.failingSince.IsZero() {
		s.hook.failingSince = now
	}
	if now.Sub(s.hook.failingSince) < s.opts.WebhookDisableAfter {
		return false
	}
	s.hook.disabled, s.hook.queue = true, nil
	return true
}

// attemptDelivery makes one delivery attempt and records it. It must not be called
// with s.mu held: the receiver may call the Server.
func (s *Server) attemptDelivery(u string, body []byte, sig string, attempt, entries int) (Delivery, error) {
	d := Delivery{At: s.opts.Now(), Body: body, Signature: sig, Attempt: attempt, Entries: entries}
	req, err := http.NewRequestWithContext(s.hook.ctx, http.MethodPost, u, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set("X-Hub-Signature-256", sig)
		}
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
		s.hook.delivered += entries
		s.hook.failingSince = time.Time{}
	}
	close(s.hook.changed)
	s.hook.changed = make(chan struct{})
	s.mu.Unlock()
	return d, err
}

// queue adds an entry for the webhook, if the Page is subscribed. s.mu
// must be held.
func (s *Server) queue(entry map[string]any) {
	if s.hook.url == "" || s.hook.disabled {
		return
	}
	entry["id"] = s.opts.PageID
	entry["time"] = s.opts.Now().UnixMilli()
	s.hook.queue = append(s.hook.queue, entry)
	s.hook.nudge()
}

// queueMessage queues the messaging event of m: a customer's message, or
// the echo of one the Page sent. Meta sends one event per entry. s.mu
// must be held.
func (s *Server) queueMessage(m *message) {
	if s.hook.url == "" {
		return
	}
	msg := map[string]any{"mid": m.id}
	if m.text != "" {
		msg["text"] = m.text
	}
	var atts []any
	for i, a := range m.atts {
		payload := map[string]any{"url": a.URL}
		if a.Type == "sticker" {
			payload["sticker_id"] = 369239263222822 + m.seq*10 + int64(i)
		}
		atts = append(atts, map[string]any{"type": a.Type, "payload": payload})
	}
	if len(atts) > 0 {
		msg["attachments"] = atts
	}
	sender, recipient := m.from.ID, m.conv.customer.ID
	if m.from.ID != s.opts.PageID {
		recipient = s.opts.PageID
	} else {
		msg["is_echo"] = true
		msg["app_id"] = 1517776481860111
	}
	s.queue(map[string]any{"messaging": []any{map[string]any{
		"sender":    map[string]any{"id": sender},
		"recipient": map[string]any{"id": recipient},
		"timestamp": m.exact.UnixMilli(),
		"message":   msg,
	}}})
}

// queueFeed queues a feed change. s.mu must be held.
func (s *Server) queueFeed(value map[string]any) {
	if s.hook.url == "" {
		return
	}
	s.queue(map[string]any{"changes": []any{map[string]any{"field": "feed", "value": value}}})
}

// postChange is the feed change of a post being added: item "status",
// or "photo" with photos when it has images, and link for another
// attachment. s.mu must be held.
func (s *Server) postChange(p *post) map[string]any {
	v := map[string]any{
		"from": userJSON(p.from), "post_id": p.id, "created_time": p.at.Unix(),
		"item": "status", "published": 1, "verb": "add",
	}
	if p.text != "" {
		v["message"] = p.text
	}
	var photos []string
	for _, a := range p.atts {
		if a.Type == "image" {
			photos = append(photos, a.URL)
		} else {
			v["link"] = a.URL
		}
	}
	if len(photos) > 0 {
		v["item"], v["photos"] = "photo", photos
	}
	return v
}

// commentChange is the feed change of comment c: verb "add", "hide" or
// "unhide". s.mu must be held.
func (s *Server) commentChange(c *comment, verb string) map[string]any {
	parent := c.post.id
	if c.parent != nil {
		parent = c.parent.id
	}
	v := map[string]any{
		"from": userJSON(c.from),
		"post": map[string]any{"id": c.post.id, "status_type": "mobile_status_update", "is_published": true,
			"updated_time": fbTimeOf(c.at), "promotion_status": "inactive"},
		"post_id": c.post.id, "comment_id": c.id, "parent_id": parent,
		"created_time": c.at.Unix(), "item": "comment", "verb": verb,
	}
	if c.text != "" {
		v["message"] = c.text
	}
	if len(c.atts) > 0 {
		key := "photo"
		if c.atts[0].Type == "video" {
			key = "video"
		}
		v[key] = c.atts[0].URL
	}
	return v
}

func fbTimeOf(t time.Time) string { return t.UTC().Format(fbTime) }
