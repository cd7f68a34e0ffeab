package twfake

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/inboxbot/inboxbot/connectors/internal/fakehook"
)

// Delivery is one attempt to POST an event to the webhook, as the fake
// made it.
type Delivery = fakehook.Delivery

// newHook starts the Server's webhook sender: one event per delivery,
// signed with x-twitter-webhooks-signature, retried retries times
// retryDelay apart, then dropped, as X gives up too.
func (s *Server) newHook(retries int, retryDelay time.Duration) *fakehook.Sender {
	return fakehook.New(fakehook.Config{
		Name:            "twfake",
		SignatureHeader: "x-twitter-webhooks-signature",
		Sign:            s.Sign,
		Batch:           1,
		Encode:          func(events []any) ([]byte, error) { return json.Marshal(events[0]) },
		Retry: func(attempt int, _ time.Time) (time.Duration, bool) {
			return retryDelay, attempt <= retries
		},
		Now: s.now,
	})
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
		s.hook.Subscribe("")
		return nil
	}
	if err := s.checkCRC(rawURL); err != nil {
		return err
	}
	s.hook.Subscribe(rawURL)
	return nil
}

// checkCRC makes X's CRC check of rawURL: a GET with a random crc_token,
// which must answer 200 with {"response_token": Sign(crc_token)}.
func (s *Server) checkCRC(rawURL string) error {
	token := rand.Text()
	status, body, err := s.hook.Check(rawURL, url.Values{"crc_token": {token}})
	if err != nil {
		return err
	}
	var answer struct {
		ResponseToken string `json:"response_token"`
	}
	switch err := json.Unmarshal(body, &answer); {
	case status != http.StatusOK:
		return fmt.Errorf("twfake: CRC check of %s: status %d", rawURL, status)
	case err != nil:
		return fmt.Errorf("twfake: CRC check of %s: %w", rawURL, err)
	case !hmac.Equal([]byte(answer.ResponseToken), []byte(s.Sign([]byte(token)))):
		return fmt.Errorf("twfake: CRC check of %s: wrong response_token %q", rawURL, answer.ResponseToken)
	}
	return nil
}

// PauseWebhook holds events back: they queue up but are not delivered
// until ResumeWebhook, as when X's delivery lags or fails, so a test can
// check that polling fills the gap. A delivery already under way (with its
// retries) completes.
func (s *Server) PauseWebhook() { s.hook.Pause() }

// ResumeWebhook delivers the events held back by PauseWebhook, in order,
// and those that follow.
func (s *Server) ResumeWebhook() { s.hook.Resume() }

// PendingDeliveries counts the events queued and not yet taken for
// delivery (while paused, for instance).
func (s *Server) PendingDeliveries() int { return s.hook.Pending() }

// Deliveries returns every delivery attempt so far, in order, retries and
// DeliverRaw included.
func (s *Server) Deliveries() []Delivery { return s.hook.Deliveries() }

// WaitDeliveries waits until n events have been delivered successfully in
// all (counting from the start, DeliverRaw aside), or ctx ends.
func (s *Server) WaitDeliveries(ctx context.Context, n int) error { return s.hook.Wait(ctx, n) }

// DeliverRaw POSTs body with the signature header given to the registered
// webhook, now and once, through the same client and headers as events:
// for tests of forged, replayed or oversized deliveries. Use Sign for a
// valid signature. It is recorded in Deliveries with Attempt 0.
func (s *Server) DeliverRaw(body []byte, signature string) (status int, err error) {
	return s.hook.DeliverRaw(body, signature)
}

// queueEvent queues an Account Activity payload for the webhook, if one
// is registered. s.mu must be held.
func (s *Server) queueEvent(payload map[string]any) {
	payload["for_user_id"] = s.self.IDStr()
	s.hook.Queue(payload)
}

// queueTweet queues a tweet_create_events payload for t. s.mu must be
// held.
func (s *Server) queueTweet(t *Tweet) {
	if !s.hook.Active() {
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
	if !s.hook.Active() {
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
