package twitter

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gotwitter "github.com/dghubble/go-twitter/twitter"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/health"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/metrics"
)

// MaxWebhookBody is the largest webhook delivery accepted. X's deliveries
// are a few kilobytes; anything far larger is not X.
const MaxWebhookBody = 1 << 20

// SignatureHeader carries the signature of a webhook delivery:
// "sha256=" + base64(HMAC-SHA256(consumer secret, raw body)).
const SignatureHeader = "x-twitter-webhooks-signature"

// webhookPublishTimeout bounds putting a delivery on the bus; past it the
// delivery is answered 503 and X delivers it again.
const webhookPublishTimeout = 10 * time.Second

// WebhookConfig configures a Webhook.
type WebhookConfig struct {
	// ConsumerSecret is the app's consumer secret: the key of the CRC
	// answer and of delivery signatures. Required.
	ConsumerSecret string
	// SelfID returns our account's user id when it is known ("" when
	// not yet): events for another account are ignored. Nil trusts the
	// delivery's for_user_id.
	SelfID func() string
}

// WebhookDeps are what a Webhook hands deliveries to and reports into.
type WebhookDeps struct {
	// Publish puts items on INBOUND; the delivery is answered once it
	// returns. Required.
	Publish connectors.Publish
	// Delivered, when set, is told of every verified delivery (the
	// connector's WebhookDelivered, which slows polling to a gap fill).
	Delivered func()
	// Health, when set, shows the last delivery and the refused
	// signatures under the "twitter" component.
	Health *health.Registry
	// Metrics, when set, counts deliveries by outcome.
	Metrics *metrics.Metrics
	// Log receives one line per refused delivery, never its body.
	Log *slog.Logger
}

// Webhook serves X's Account Activity API webhook (GET and POST
// /webhooks/twitter): the CRC check, and signed deliveries of mentions and
// DMs, which go to INBOUND with the same dedupe ids as polling, so an event
// seen both ways is stored once.
type Webhook struct {
	secret []byte
	selfID func() string
	deps   WebhookDeps

	badSignatures atomic.Int64
	mu            sync.Mutex
	last          time.Time
}

// NewWebhook returns the handler for cfg.
func NewWebhook(cfg WebhookConfig, deps WebhookDeps) (*Webhook, error) {
	if cfg.ConsumerSecret == "" {
		return nil, errors.New("twitter webhook: the consumer secret is required to verify deliveries")
	}
	if deps.Publish == nil {
		return nil, errors.New("twitter webhook: a publisher is required")
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if cfg.SelfID == nil {
		cfg.SelfID = func() string { return "" }
	}
	return &Webhook{secret: []byte(cfg.ConsumerSecret), selfID: cfg.SelfID, deps: deps}, nil
}

// Sign returns the signature X sends with body (or answers a CRC token
// with) for the consumer secret: "sha256=" and the base64 HMAC-SHA256.
func Sign(consumerSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(consumerSecret))
	m.Write(body)
	return "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// ServeHTTP answers GET with the CRC response and POST with a delivery.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.crc(w, r)
	case http.MethodPost:
		h.deliver(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// crc answers X's challenge-response check, which X makes when the
// webhook is registered and about hourly after.
func (h *Webhook) crc(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("crc_token")
	if token == "" {
		http.Error(w, "crc_token is required", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"response_token": Sign(string(h.secret), []byte(token))})
}

// deliver verifies a delivery's signature on the raw body before parsing
// anything, publishes its mentions and DMs, and answers 200 once they are
// on the bus.
func (h *Webhook) deliver(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	switch {
	case err != nil:
		h.refuse(w, "unreadable", http.StatusBadRequest, "reading the body: "+err.Error())
		return
	case len(body) > MaxWebhookBody:
		h.refuse(w, "too_large", http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", MaxWebhookBody))
		return
	}
	want := Sign(string(h.secret), body)
	if got := r.Header.Get(SignatureHeader); !hmac.Equal([]byte(got), []byte(want)) {
		h.badSignatures.Add(1)
		if h.deps.Health != nil {
			h.deps.Health.SetDetail(string(inbox.Twitter), "webhook_bad_signatures", h.badSignatures.Load())
		}
		h.refuse(w, "bad_signature", http.StatusUnauthorized, "signature does not match the body")
		return
	}
	d, err := ParseWebhook(body, h.selfID())
	if err != nil {
		// Signed by X but not understood: a 4xx would make X retry the
		// same bytes; say so loudly instead and accept it.
		h.refuse(w, "malformed", http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), webhookPublishTimeout)
	defer cancel()
	if err := h.deps.Publish(ctx, d.Items); err != nil {
		// Not on the bus: X delivers it again.
		h.refuse(w, "unavailable", http.StatusServiceUnavailable, "publishing: "+err.Error())
		return
	}
	now := time.Now()
	h.mu.Lock()
	h.last = now
	h.mu.Unlock()
	if h.deps.Health != nil {
		h.deps.Health.SetDetail(string(inbox.Twitter), "webhook_last_delivery", now.UTC())
	}
	if h.deps.Delivered != nil {
		h.deps.Delivered()
	}
	h.count("ok")
	w.WriteHeader(http.StatusOK)
}

// refuse answers a delivery that is not taken, counts it and logs why
// (never the body).
func (h *Webhook) refuse(w http.ResponseWriter, outcome string, status int, why string) {
	h.count(outcome)
	h.deps.Log.Warn("twitter webhook delivery refused", "outcome", outcome, "status", status, "reason", why)
	http.Error(w, http.StatusText(status), status)
}

func (h *Webhook) count(outcome string) {
	if h.deps.Metrics != nil {
		h.deps.Metrics.Webhooks.WithLabelValues(string(inbox.Twitter), outcome).Inc()
	}
}

// LastDelivery returns when the last verified delivery arrived.
func (h *Webhook) LastDelivery() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// BadSignatures returns how many deliveries were refused for their
// signature.
func (h *Webhook) BadSignatures() int64 { return h.badSignatures.Load() }

// Delivery is what one webhook delivery holds for inboxbot.
type Delivery struct {
	// ForUserID is the account the events are for.
	ForUserID string
	// Items are the customers' mentions and DMs, oldest first.
	Items []inbox.Inbound
	// Skipped counts events that are not customer items: our own posts
	// and DMs, retweets, other event types, and malformed events.
	Skipped int
}

// aaaPayload is an Account Activity API delivery. Other event types
// (favorites, follows, deletes…) are not read.
type aaaPayload struct {
	ForUserID           string                         `json:"for_user_id"`
	TweetCreateEvents   []gotwitter.Tweet              `json:"tweet_create_events"`
	DirectMessageEvents []gotwitter.DirectMessageEvent `json:"direct_message_events"`
	Users               map[string]aaaUser             `json:"users"`
}

// aaaUser is an entry of a DM delivery's users map.
type aaaUser struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	ScreenName string `json:"screen_name"`
}

// ParseWebhook reads an Account Activity API delivery for account selfID
// ("" to trust the delivery's for_user_id). Tweets (tweet_create_events)
// and DM events (direct_message_events) are v1.1 objects, mapped as the
// v1.1 poller maps them, so that their dedupe ids match polling in either
// API version. Events for another account give no items.
func ParseWebhook(body []byte, selfID string) (Delivery, error) {
	var p aaaPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return Delivery{}, fmt.Errorf("decoding delivery: %w", err)
	}
	d := Delivery{ForUserID: p.ForUserID}
	if p.ForUserID == "" {
		return d, errors.New("decoding delivery: for_user_id is missing")
	}
	if selfID == "" {
		selfID = p.ForUserID
	}
	if p.ForUserID != selfID {
		d.Skipped = len(p.TweetCreateEvents) + len(p.DirectMessageEvents)
		return d, nil
	}
	for i := range p.TweetCreateEvents {
		in, skip := mention(&p.TweetCreateEvents[i], selfID)
		if skip != "" {
			d.Skipped++
			continue
		}
		d.Items = append(d.Items, in)
	}
	for i := range p.DirectMessageEvents {
		in, skip := directMessage(&p.DirectMessageEvents[i], selfID)
		if skip != "" {
			d.Skipped++
			continue
		}
		if u, ok := p.Users[in.Author.ID]; ok {
			in.Author.Handle, in.Author.Name = strings.TrimPrefix(u.ScreenName, "@"), u.Name
		}
		d.Items = append(d.Items, in)
	}
	return d, nil
}
