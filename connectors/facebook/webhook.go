package facebook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/connectors/webhook"
	"github.com/inboxbot/inboxbot/inbox"
)

// SignatureHeader carries the signature of a Meta webhook delivery:
// "sha256=" + hex(HMAC-SHA256(app secret, raw body)).
const SignatureHeader = "X-Hub-Signature-256"

// lookupTimeout bounds the Graph API look-ups of one delivery, well
// inside the shared handler's publish timeout: what is not found by then
// is left to polling.
const lookupTimeout = 5 * time.Second

// maxChallenge caps the hub.challenge echoed back. Meta sends a number;
// anything much longer is not Meta.
const maxChallenge = 128

// WebhookConfig configures the Facebook webhook.
type WebhookConfig struct {
	// AppSecret is the app's secret, the key of delivery signatures.
	// Required.
	AppSecret string
	// VerifyToken is what Meta must send as hub.verify_token when it
	// checks the subscription (facebook.verify_token). Required.
	VerifyToken string
	// PageID is our Page: events of other Pages of the same app are
	// ignored. Required.
	PageID string
	// Connector is the Page's connector, which supplies what a delivery
	// lacks so that webhook items equal polled ones (the Messenger
	// conversation of a message, whether a commented post is the Page's)
	// from what polling saw or with one Graph API look-up, and which
	// fills the gap at the ordinary interval when a look-up fails.
	// Required.
	Connector *Connector
}

// NewWebhook returns the handler of the Page's webhook (GET and POST
// /webhooks/facebook): the subscription check, and signed deliveries of
// Messenger messages (the messages field) and feed changes (the feed
// field), whose customer items go to INBOUND with the same fields, and so
// the same dedupe ids, as polling gives them: an item seen both ways is
// stored once. Pass deps.Delivered = cfg.Connector.WebhookDelivered so
// that polling slows to a gap fill while deliveries arrive.
func NewWebhook(cfg WebhookConfig, deps webhook.Deps) (*webhook.Handler, error) {
	var missing []string
	for _, f := range []struct{ key, v string }{
		{"app_secret", cfg.AppSecret}, {"verify_token", cfg.VerifyToken}, {"page_id", cfg.PageID},
	} {
		if f.v == "" {
			missing = append(missing, f.key)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("facebook webhook: %s required", strings.Join(missing, ", "))
	}
	if cfg.Connector == nil {
		return nil, errors.New("facebook webhook: the Page's connector is required for look-ups")
	}
	if cfg.Connector.cfg.PageID != cfg.PageID {
		return nil, fmt.Errorf("facebook webhook: the connector serves Page %s, not %s", cfg.Connector.cfg.PageID, cfg.PageID)
	}
	return webhook.New(metaWebhook{cfg}, deps)
}

// metaWebhook is Meta's side of the webhook (webhook.Platform).
type metaWebhook struct{ cfg WebhookConfig }

func (metaWebhook) Name() inbox.Platform { return inbox.Facebook }

// Challenge answers the verification request Meta makes when the webhook
// is configured: hub.mode=subscribe and our verify token give hub.challenge
// back; anything else gets 403.
func (w metaWebhook) Challenge(r *http.Request) (int, string, []byte) {
	const text = "text/plain; charset=utf-8"
	q := r.URL.Query()
	if q.Get("hub.mode") != "subscribe" || !equalSecret(q.Get("hub.verify_token"), w.cfg.VerifyToken) {
		return http.StatusForbidden, text, []byte("forbidden\n")
	}
	ch := q.Get("hub.challenge")
	if ch == "" || len(ch) > maxChallenge {
		return http.StatusBadRequest, text, []byte("hub.challenge is required\n")
	}
	return http.StatusOK, text, []byte(ch)
}

// equalSecret compares two secrets in constant time, their lengths
// included (the digests have one length).
func equalSecret(a, b string) bool {
	da, db := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(da[:], db[:]) == 1
}

// Verify compares X-Hub-Signature-256 with the body's HMAC, in constant
// time.
func (w metaWebhook) Verify(h http.Header, body []byte) error {
	hexSig, ok := strings.CutPrefix(h.Get(SignatureHeader), "sha256=")
	got, err := hex.DecodeString(hexSig)
	if !ok || err != nil || !hmac.Equal(got, mac(w.cfg.AppSecret, body)) {
		return webhook.ErrBadSignature
	}
	return nil
}

// Parse reads the customer items of a verified delivery and completes
// them the way polling would (see WebhookConfig.Connector).
func (w metaWebhook) Parse(body []byte) ([]inbox.Inbound, error) {
	d, err := parseWebhook(body, w.cfg.PageID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	return w.cfg.Connector.complete(ctx, d), nil
}

// Sign returns the signature Meta sends with body for the app secret:
// "sha256=" and the hex HMAC-SHA256.
func Sign(appSecret string, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(appSecret, body))
}

func mac(key string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return m.Sum(nil)
}

// hookItem is a customer item of a delivery, still lacking what a
// look-up supplies: the Thread of every item but a visitor post, and the
// name of a Messenger sender.
type hookItem struct {
	in inbox.Inbound
	// psid is the sender of a Messenger message, whose conversation is
	// looked up.
	psid string
	// post is the post a comment is under, whose author is looked up.
	post string
}

// hookDelivery is what one delivery holds for inboxbot.
type hookDelivery struct {
	items []hookItem
	// posts are the authors the delivery reveals: a post added by the
	// Page or by a visitor (post id → written by the Page).
	posts map[string]bool
	// skipped counts events that are not customer items: echoes of our
	// own sends, delivery and read receipts, our own posts and comments,
	// removals, other Pages' and other fields' events, malformed events.
	skipped int
}

// wireDelivery is a Meta webhook delivery for the page object. Entries
// come in batches; each holds Messenger events (messaging, or standby
// while another app owns the conversation) or field changes (feed, and
// messages in the App Dashboard's test deliveries).
type wireDelivery struct {
	Object string `json:"object"`
	Entry  []struct {
		ID        string          `json:"id"`
		Messaging []wireMessaging `json:"messaging"`
		Standby   []wireMessaging `json:"standby"`
		Changes   []struct {
			Field string          `json:"field"`
			Value json.RawMessage `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

// wireMessaging is one Messenger event. Only message events are read;
// receipts, reactions, postbacks and the rest have no message.
type wireMessaging struct {
	Sender struct {
		ID string `json:"id"`
	} `json:"sender"`
	Timestamp flexNumber `json:"timestamp"` // milliseconds
	Message   *struct {
		Mid         string `json:"mid"`
		Text        string `json:"text"`
		IsEcho      bool   `json:"is_echo"`
		Attachments []struct {
			Type    string `json:"type"`
			Payload *struct {
				URL       string     `json:"url"`
				StickerID flexNumber `json:"sticker_id"`
			} `json:"payload"`
		} `json:"attachments"`
	} `json:"message"`
}

// wireFeedChange is the value of a feed change: a post or comment added,
// edited, removed or hidden (item, verb).
type wireFeedChange struct {
	Item        string          `json:"item"`
	Verb        string          `json:"verb"`
	PostID      string          `json:"post_id"`
	CommentID   string          `json:"comment_id"`
	ParentID    string          `json:"parent_id"`
	From        wireUser        `json:"from"`
	Message     string          `json:"message"`
	CreatedTime flexNumber      `json:"created_time"` // Unix seconds
	Published   json.RawMessage `json:"published"`
	Photo       string          `json:"photo"`
	Photos      []string        `json:"photos"`
	Video       string          `json:"video"`
	Link        string          `json:"link"`
}

// flexNumber is an integer that Meta writes as a JSON number or, in some
// events, as a string of digits.
type flexNumber int64

func (n *flexNumber) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f >= -1e18 && f <= 1e18 {
			v, err = int64(f), nil
		}
	}
	if err != nil {
		return errors.New("not an integer")
	}
	*n = flexNumber(v)
	return nil
}

// plausible returns t in UTC with whole seconds, as Graph API shows it,
// or an error for a time before Facebook existed or absurdly far ahead.
func plausible(t time.Time) (time.Time, error) {
	t = t.UTC()
	if y := t.Year(); y < 2004 || y > 9999 {
		return time.Time{}, fmt.Errorf("implausible time %d", y)
	}
	return t.Truncate(time.Second), nil
}

// parseWebhook reads a delivery for Page pageID. It does no I/O: the
// items still need complete. Only a body that is not a JSON delivery is
// an error; an event that cannot be read is skipped, so that one odd
// event does not make Meta retry (and in the end disable) the whole
// subscription.
func parseWebhook(body []byte, pageID string) (hookDelivery, error) {
	var w wireDelivery
	if err := json.Unmarshal(body, &w); err != nil {
		return hookDelivery{}, fmt.Errorf("decoding delivery: %s", jsonErrText(err))
	}
	d := hookDelivery{posts: map[string]bool{}}
	for _, e := range w.Entry {
		if w.Object != "page" || e.ID != pageID {
			d.skipped += len(e.Messaging) + len(e.Standby) + len(e.Changes)
			continue
		}
		for _, list := range [][]wireMessaging{e.Messaging, e.Standby} {
			for i := range list {
				if it, ok := messagingItem(&list[i], pageID); ok {
					d.items = append(d.items, it)
				} else {
					d.skipped++
				}
			}
		}
		for _, ch := range e.Changes {
			switch ch.Field {
			case "feed":
				if !d.feedItem(ch.Value, pageID) {
					d.skipped++
				}
			case "messages":
				// The App Dashboard's test deliveries put a messaging
				// event here rather than in messaging.
				var ev wireMessaging
				if err := json.Unmarshal(ch.Value, &ev); err == nil {
					if it, ok := messagingItem(&ev, pageID); ok {
						d.items = append(d.items, it)
						continue
					}
				}
				d.skipped++
			default:
				d.skipped++
			}
		}
	}
	slices.SortStableFunc(d.items, func(a, b hookItem) int { return a.in.CreatedAt.Compare(b.in.CreatedAt) })
	return d, nil
}

// messagingItem maps a customer's Messenger message. Echoes of what the
// Page sent, and events without a message, give none.
func messagingItem(ev *wireMessaging, pageID string) (hookItem, bool) {
	m := ev.Message
	// The entry names the Page; recipient is not checked again (Meta's
	// own samples disagree on it).
	if m == nil || m.IsEcho || m.Mid == "" || ev.Sender.ID == "" || ev.Sender.ID == pageID {
		return hookItem{}, false
	}
	ts := int64(ev.Timestamp)
	if ts < 1e11 && ts > -1e11 {
		// Seconds, as some test deliveries write it: milliseconds since
		// 1970 passed 1e11 in 1973.
		ts *= 1000
	}
	at, err := plausible(time.UnixMilli(ts))
	if err != nil {
		return hookItem{}, false
	}
	var atts []inbox.Attachment
	stickers := map[flexNumber]bool{}
	for _, a := range m.Attachments {
		if a.Type == inbox.AttachSticker && a.Payload != nil {
			stickers[a.Payload.StickerID] = true
		}
	}
	for _, a := range m.Attachments {
		switch {
		case a.Payload == nil || a.Payload.URL == "":
			// A fallback without payload: nothing to show.
		case a.Type == inbox.AttachImage && a.Payload.StickerID != 0 && stickers[a.Payload.StickerID]:
			// During Meta's sticker transition a sticker came twice, as
			// "sticker" and as "image": keep one reference.
		case a.Type == inbox.AttachImage && a.Payload.StickerID != 0:
			// Before it, a sticker came as an image with a sticker_id.
			atts = append(atts, inbox.Attachment{Type: inbox.AttachSticker, URL: a.Payload.URL})
		case a.Type == "fallback":
			// A shared link that Messenger could not show otherwise.
			atts = append(atts, inbox.Attachment{Type: inbox.AttachLink, URL: a.Payload.URL})
		default:
			// image, video, audio, file and sticker are inbox's kinds
			// already; others (template, location) keep Meta's name.
			atts = append(atts, inbox.Attachment{Type: a.Type, URL: a.Payload.URL})
		}
	}
	// Thread and the sender's name come from the look-up.
	in := messageInbound(m.Mid, "", inbox.Author{ID: ev.Sender.ID}, pageID, m.Text, atts, at)
	return hookItem{in: in, psid: ev.Sender.ID}, true
}

// feedItem maps a feed change, adding the item (if any) to d, and reports
// whether the change was used: a customer's post or comment added or
// edited (an edit of a known item is dropped by dedupe, as polling would
// not publish it again), or a post whose author it reveals. Removals,
// hides, reactions and the Page's own posts and comments give no item.
func (d *hookDelivery) feedItem(raw json.RawMessage, pageID string) bool {
	var v wireFeedChange
	if err := json.Unmarshal(raw, &v); err != nil {
		return false
	}
	if v.Verb != "add" && v.Verb != "edited" {
		return false
	}
	if p := strings.Trim(string(v.Published), `"`); p == "0" || p == "false" {
		// Not published (scheduled or a draft): not on the Page yet.
		return false
	}
	at, err := plausible(time.Unix(int64(v.CreatedTime), 0))
	if err != nil || v.PostID == "" || v.From.ID == "" {
		return false
	}
	author := inbox.Author{ID: v.From.ID, Name: v.From.Name}
	switch v.Item {
	case "comment":
		if v.CommentID == "" || v.From.ID == pageID {
			return false
		}
		atts := append(refs(inbox.AttachImage, v.Photo), refs(inbox.AttachVideo, v.Video)...)
		in := commentInbound(v.CommentID, v.PostID, v.ParentID, author, false, pageID, v.Message, atts, at)
		d.items = append(d.items, hookItem{in: in, post: v.PostID})
		return true
	case "status", "post", "photo", "video", "share", "link":
		pagePost := v.From.ID == pageID
		d.posts[v.PostID] = pagePost
		if pagePost {
			return false
		}
		photos := v.Photos
		if len(photos) == 0 {
			photos = []string{v.Photo}
		}
		atts := append(refs(inbox.AttachImage, photos...), refs(inbox.AttachVideo, v.Video)...)
		atts = append(atts, refs(inbox.AttachLink, v.Link)...)
		post := feedPost{ID: v.PostID, From: v.From, Text: v.Message, Created: at, Updated: at, Attachments: atts}
		d.items = append(d.items, hookItem{in: postInbound(post, pageID)})
		return true
	}
	return false
}

// refs returns attachments of kind typ for the non-empty URLs, or nil.
func refs(typ string, urls ...string) []inbox.Attachment {
	var out []inbox.Attachment
	for _, u := range urls {
		if u != "" {
			out = append(out, inbox.Attachment{Type: typ, URL: u})
		}
	}
	return out
}

// complete fills in what the delivery's items lack, from the cache or
// with one look-up per new customer or post, and returns the items ready
// to publish, oldest first. An item whose look-up fails is left to
// polling, which then runs at its ordinary interval (see leftToPolling):
// answering 200 without it keeps Meta from retrying, and in the end
// disabling, a subscription over a look-up. The look-ups take the
// urgent lane of the Page's request budget: the customer's item waits on
// them, while polling and profile look-ups can wait.
func (c *Connector) complete(ctx context.Context, d hookDelivery) []inbox.Inbound {
	ctx = urgentReads(ctx)
	for id, pp := range d.posts {
		c.rememberPost(id, pp)
	}
	failed := map[string]bool{}
	out := make([]inbox.Inbound, 0, len(d.items))
	left := 0
	for _, it := range d.items {
		in := it.in
		var err error
		switch {
		case it.psid != "" && failed["psid:"+it.psid]:
			err = errors.New("look-up failed")
		case it.psid != "":
			var t thread
			if t, err = c.messengerThread(ctx, it.psid); err == nil {
				in.Thread, in.Author.Name = t.id, t.name
			} else {
				failed["psid:"+it.psid] = true
			}
		case it.post != "" && failed["post:"+it.post]:
			err = errors.New("look-up failed")
		case it.post != "":
			var pp bool
			if pp, err = c.pagePost(ctx, it.post); err == nil {
				in.Thread = CommentThread(it.post, in.Author.ID, pp)
			} else {
				failed["post:"+it.post] = true
			}
		}
		if err != nil {
			left++
			c.log.Warn("facebook webhook item left to polling", "kind", in.Kind, "id", in.ExternalID, "err", c.redact(err.Error()))
			continue
		}
		out = append(out, in)
	}
	if left > 0 {
		c.leftToPolling()
	}
	if d.skipped > 0 {
		c.log.Debug("facebook webhook events without customer items", "count", d.skipped)
	}
	return out
}
