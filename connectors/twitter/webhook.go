package twitter

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gotwitter "github.com/dghubble/go-twitter/twitter"

	"github.com/inboxbot/inboxbot/connectors/webhook"
	"github.com/inboxbot/inboxbot/inbox"
)

// SignatureHeader carries the signature of a webhook delivery:
// "sha256=" + base64(HMAC-SHA256(consumer secret, raw body)).
const SignatureHeader = "x-twitter-webhooks-signature"

// WebhookConfig configures the X webhook.
type WebhookConfig struct {
	// ConsumerSecret is the app's consumer secret: the key of the CRC
	// answer and of delivery signatures. Required.
	ConsumerSecret string
	// SelfID returns our account's user id when it is known ("" when
	// not yet): events for another account are ignored. Nil trusts the
	// delivery's for_user_id.
	SelfID func() string
}

// NewWebhook returns the handler of X's Account Activity API webhook
// (GET and POST /webhooks/twitter): the CRC check, and signed deliveries
// of mentions and DMs, which go to INBOUND with the same dedupe ids as
// polling, so that an event seen both ways is stored once.
func NewWebhook(cfg WebhookConfig, deps webhook.Deps) (*webhook.Handler, error) {
	if cfg.ConsumerSecret == "" {
		return nil, errors.New("twitter webhook: the consumer secret is required to verify deliveries")
	}
	if cfg.SelfID == nil {
		cfg.SelfID = func() string { return "" }
	}
	return webhook.New(xWebhook{cfg}, deps)
}

// xWebhook is X's side of the webhook (webhook.Platform).
type xWebhook struct{ cfg WebhookConfig }

func (xWebhook) Name() inbox.Platform { return inbox.Twitter }

// Challenge answers X's challenge-response check, which X makes when the
// webhook is registered and about hourly after.
func (x xWebhook) Challenge(r *http.Request) (int, string, []byte) {
	token := r.URL.Query().Get("crc_token")
	if token == "" {
		return http.StatusBadRequest, "text/plain; charset=utf-8", []byte("crc_token is required\n")
	}
	body, _ := json.Marshal(map[string]string{"response_token": Sign(x.cfg.ConsumerSecret, []byte(token))})
	return http.StatusOK, "application/json", body
}

// Verify compares the signature header with the body's, in constant time.
func (x xWebhook) Verify(h http.Header, body []byte) error {
	if !hmac.Equal([]byte(h.Get(SignatureHeader)), []byte(Sign(x.cfg.ConsumerSecret, body))) {
		return webhook.ErrBadSignature
	}
	return nil
}

// Parse reads a delivery's mentions and DMs.
func (x xWebhook) Parse(body []byte) ([]inbox.Inbound, error) {
	d, err := ParseWebhook(body, x.cfg.SelfID())
	return d.Items, err
}

// Sign returns the signature X sends with body (or answers a CRC token
// with) for the consumer secret: "sha256=" and the base64 HMAC-SHA256.
func Sign(consumerSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(consumerSecret))
	m.Write(body)
	return "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

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

// xaaEvent is an X Activity API delivery: one event in an envelope. It
// has no for_user_id; filter.user_id says whose event it is.
type xaaEvent struct {
	Data *struct {
		EventUUID string `json:"event_uuid"`
		Filter    struct {
			UserID string `json:"user_id"`
		} `json:"filter"`
		EventType string          `json:"event_type"`
		Payload   json.RawMessage `json:"payload"`
		Includes  v2Includes      `json:"includes"`
	} `json:"data"`
}

// xaaDMPayload is the payload of dm.received: v1.1 DM events, with each
// user wrapped as {"data": {…}}.
type xaaDMPayload struct {
	DirectMessageEvents []gotwitter.DirectMessageEvent `json:"direct_message_events"`
	Users               map[string]struct {
		Data v2User `json:"data"`
	} `json:"users"`
}

// ParseWebhook reads a webhook delivery for account selfID ("" to trust
// the delivery's own account field), in either of X's formats:
//
//   - the Account Activity API ({"for_user_id", "tweet_create_events",
//     "direct_message_events", "users"}), whose tweets and DM events are
//     v1.1 objects;
//   - the X Activity API, which replaces it ({"data": {"event_type",
//     "filter": {"user_id"}, "payload", "includes"}}): post.mention.create
//     and post.reply.create carry a v2 post, dm.received v1.1 DM events.
//
// Items are mapped as the pollers map them, so that their dedupe ids match
// polling in either API version. Our own posts and DMs, retweets, other
// event types, and events for another account give no items.
func ParseWebhook(body []byte, selfID string) (Delivery, error) {
	var x xaaEvent
	if err := json.Unmarshal(body, &x); err != nil {
		return Delivery{}, fmt.Errorf("decoding delivery: %w", err)
	}
	if x.Data != nil {
		return parseXAA(&x, selfID)
	}
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

// parseXAA maps one X Activity API event.
func parseXAA(x *xaaEvent, selfID string) (Delivery, error) {
	ev := x.Data
	d := Delivery{ForUserID: ev.Filter.UserID}
	if d.ForUserID == "" {
		return d, errors.New("decoding delivery: filter.user_id is missing")
	}
	if selfID == "" {
		selfID = d.ForUserID
	}
	if d.ForUserID != selfID {
		d.Skipped = 1
		return d, nil
	}
	switch ev.EventType {
	case "post.mention.create", "post.reply.create":
		var t v2Tweet
		if err := json.Unmarshal(ev.Payload, &t); err != nil {
			return d, fmt.Errorf("decoding %s: %w", ev.EventType, err)
		}
		if in, skip := v2Mention(&t, &ev.Includes, selfID); skip == "" {
			d.Items = append(d.Items, in)
			return d, nil
		}
	case "dm.received":
		var p xaaDMPayload
		if err := json.Unmarshal(ev.Payload, &p); err != nil {
			return d, fmt.Errorf("decoding %s: %w", ev.EventType, err)
		}
		for i := range p.DirectMessageEvents {
			in, skip := directMessage(&p.DirectMessageEvents[i], selfID)
			if skip != "" {
				d.Skipped++
				continue
			}
			if u, ok := p.Users[in.Author.ID]; ok {
				in.Author.Handle, in.Author.Name = u.Data.Username, u.Data.Name
			}
			d.Items = append(d.Items, in)
		}
		return d, nil
	}
	d.Skipped++
	return d, nil
}
