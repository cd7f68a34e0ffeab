package fbfake

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"time"

	"github.com/inboxbot/inboxbot/connectors/internal/fakehook"
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

// DefaultAppSecret signs webhook deliveries when Options.AppSecret is
// empty, so that a fake without appsecret_proof can still sign.
const DefaultAppSecret = "fbfake-app-secret"

// Delivery is one attempt to POST a batch of events to the webhook.
type Delivery = fakehook.Delivery

// newHook starts the Server's webhook sender: batches of
// Options.WebhookBatch entries in {"object":"page","entry":[…]}, signed
// with X-Hub-Signature-256 and retried on Meta's schedule.
func (s *Server) newHook() *fakehook.Sender {
	o := s.opts
	return fakehook.New(fakehook.Config{
		Name:            "fbfake",
		SignatureHeader: "X-Hub-Signature-256",
		Sign:            s.Sign,
		Batch:           o.WebhookBatch,
		Encode: func(entries []any) ([]byte, error) {
			return json.Marshal(map[string]any{"object": "page", "entry": entries})
		},
		Retry: func(attempt int, first time.Time) (time.Duration, bool) {
			if time.Since(first) >= o.WebhookRetryFor {
				return 0, false
			}
			wait := o.WebhookRetryDelay
			for i := 1; i < attempt && wait < o.WebhookMaxRetryDelay; i++ {
				wait *= 2
			}
			return min(wait, o.WebhookMaxRetryDelay), true
		},
		DisableAfter: o.WebhookDisableAfter,
		Now:          o.Now,
	})
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
		s.hook.Subscribe("")
		return nil
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1<<31))
	if err != nil {
		return err
	}
	challenge := n.String()
	status, body, err := s.hook.Check(rawURL, url.Values{
		"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken}, "hub.challenge": {challenge},
	})
	switch {
	case err != nil:
		return err
	case status != http.StatusOK:
		return fmt.Errorf("fbfake: verification of %s: status %d", rawURL, status)
	case string(body) != challenge:
		return fmt.Errorf("fbfake: verification of %s: answered %q, not the challenge", rawURL, body)
	}
	s.hook.Subscribe(rawURL)
	return nil
}

// WebhookDisabled reports whether the subscription was disabled after
// failing deliveries (see Options.WebhookDisableAfter).
func (s *Server) WebhookDisabled() bool { return s.hook.Disabled() }

// PauseWebhook holds events back: they queue up but are not delivered
// until ResumeWebhook, as when Meta's delivery lags, so that a test can
// check that polling fills the gap. A delivery under way (with its
// retries) completes.
func (s *Server) PauseWebhook() { s.hook.Pause() }

// ResumeWebhook delivers the events held back by PauseWebhook, in order
// and batched, and those that follow.
func (s *Server) ResumeWebhook() { s.hook.Resume() }

// PendingDeliveries counts the events queued and not yet taken for
// delivery.
func (s *Server) PendingDeliveries() int { return s.hook.Pending() }

// OutstandingDeliveries counts the events not yet delivered: those
// queued and those of the batch being delivered or retried. It is zero
// once everything queued was taken (or given up).
func (s *Server) OutstandingDeliveries() int { return s.hook.Outstanding() }

// Deliveries returns every delivery attempt so far, in order, retries and
// DeliverRaw included.
func (s *Server) Deliveries() []Delivery { return s.hook.Deliveries() }

// WaitDeliveries waits until n events have been delivered in deliveries
// answered 2xx, in all (DeliverRaw aside), or ctx ends.
func (s *Server) WaitDeliveries(ctx context.Context, n int) error { return s.hook.Wait(ctx, n) }

// DeliverRaw POSTs body with the signature header given (none when
// empty) to the subscribed webhook, now and once, through the same
// client and headers as events: for tests of forged, unsigned or
// oversized deliveries. Use Sign for a valid signature. It is recorded in
// Deliveries with Attempt 0.
func (s *Server) DeliverRaw(body []byte, signature string) (status int, err error) {
	return s.hook.DeliverRaw(body, signature)
}

// queue adds an entry for the webhook, if the Page is subscribed. s.mu
// must be held.
func (s *Server) queue(entry map[string]any) {
	entry["id"] = s.opts.PageID
	entry["time"] = s.opts.Now().UnixMilli()
	s.hook.Queue(entry)
}

// queueMessage queues the messaging event of m: a customer's message, or
// the echo of one the Page sent. Meta sends one event per entry. s.mu
// must be held.
func (s *Server) queueMessage(m *message) {
	if !s.hook.Active() {
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
	if !s.hook.Active() {
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
