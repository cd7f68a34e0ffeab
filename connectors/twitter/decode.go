package twitter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	gotwitter "github.com/dghubble/go-twitter/twitter"

	"github.com/inboxbot/inboxbot/inbox"
)

// Reasons an item from Twitter is not published. Only skipMalformed counts
// as a problem (metrics "skipped"); the others are expected noise.
const (
	skipOwn        = "own"
	skipRetweet    = "retweet"
	skipNotMessage = "not_message"
	skipMalformed  = "malformed"
)

// twitterEpochMS is the Unix time in ms at which Twitter snowflake ids
// start counting. It lets us date an item whose timestamp is missing or
// unparsable from its id alone.
const twitterEpochMS = 1288834974657

// snowflakeTime returns the creation time encoded in a snowflake id, or
// the zero time for ids too small to be snowflakes (pre-2010 tweets).
func snowflakeTime(id int64) time.Time {
	if id < 1<<32 {
		return time.Time{}
	}
	return time.UnixMilli((id >> 22) + twitterEpochMS).UTC()
}

// tweetText returns the full text of a tweet in either mode: full_text in
// extended mode, extended_tweet.full_text for a truncated tweet in compat
// mode, and text otherwise.
func tweetText(t *gotwitter.Tweet) string {
	switch {
	case t.FullText != "":
		return t.FullText
	case t.ExtendedTweet != nil && t.ExtendedTweet.FullText != "":
		return t.ExtendedTweet.FullText
	}
	return t.Text
}

// tweetID returns a tweet's id as text, preferring id_str because ids
// above 2^53 lose precision in JavaScript-produced JSON numbers.
func tweetID(t *gotwitter.Tweet) string {
	if t.IDStr != "" {
		return t.IDStr
	}
	if t.ID > 0 {
		return strconv.FormatInt(t.ID, 10)
	}
	return ""
}

// numericID returns the int64 form of a tweet's id, taken from id_str
// when it parses, so that paging (since_id, max_id) uses exact values.
func numericID(t *gotwitter.Tweet) int64 {
	if n, err := strconv.ParseInt(t.IDStr, 10, 64); err == nil && n > 0 {
		return n
	}
	return t.ID
}

// mention maps one mentions_timeline tweet to an Inbound, or returns why
// it is skipped: our own tweets and retweets are noise, and a tweet without
// an id or author cannot be stored.
func mention(t *gotwitter.Tweet, selfID string) (inbox.Inbound, string) {
	id := tweetID(t)
	if id == "" || t.User == nil {
		return inbox.Inbound{}, skipMalformed
	}
	uid := t.User.IDStr
	if uid == "" && t.User.ID > 0 {
		uid = strconv.FormatInt(t.User.ID, 10)
	}
	switch {
	case uid == "":
		return inbox.Inbound{}, skipMalformed
	case uid == selfID:
		return inbox.Inbound{}, skipOwn
	case t.RetweetedStatus != nil:
		return inbox.Inbound{}, skipRetweet
	}
	created, err := t.CreatedAtTime()
	if err != nil {
		created = snowflakeTime(numericID(t))
	}
	if created.IsZero() {
		return inbox.Inbound{}, skipMalformed
	}
	parent := t.InReplyToStatusIDStr
	if parent == "" && t.InReplyToStatusID > 0 {
		parent = strconv.FormatInt(t.InReplyToStatusID, 10)
	}
	return inbox.Inbound{
		V:        inbox.SchemaVersion,
		Platform: inbox.Twitter,
		Kind:     inbox.Mention,
		// One public conversation per customer: mentions are scattered
		// tweets, and the customer is what ties them together.
		ExternalID:  id,
		Thread:      uid,
		ParentID:    parent,
		Author:      inbox.Author{ID: uid, Handle: t.User.ScreenName, Name: t.User.Name},
		Recipient:   selfID,
		Text:        tweetText(t),
		Lang:        t.Lang, // passed through as is ("in", "und"): the router interprets it
		Attachments: tweetMedia(t),
		CreatedAt:   created.UTC(),
	}, ""
}

// tweetMedia lists a tweet's attached media, for display.
func tweetMedia(t *gotwitter.Tweet) []inbox.Attachment {
	var out []inbox.Attachment
	add := func(ms []gotwitter.MediaEntity) {
		for _, m := range ms {
			if u := m.MediaURLHttps; u != "" {
				out = append(out, inbox.Attachment{Type: mediaKind(m.Type), URL: u})
			} else if m.MediaURL != "" {
				out = append(out, inbox.Attachment{Type: mediaKind(m.Type), URL: m.MediaURL})
			}
		}
	}
	switch {
	case t.ExtendedEntities != nil && len(t.ExtendedEntities.Media) > 0:
		add(t.ExtendedEntities.Media)
	case t.ExtendedTweet != nil && t.ExtendedTweet.ExtendedEntities != nil:
		add(t.ExtendedTweet.ExtendedEntities.Media)
	case t.Entities != nil:
		add(t.Entities.Media)
	}
	return out
}

// decodeTweets decodes a JSON array of tweets as mentions_timeline returns
// it. The connector lets go-twitter do this; the function exists so that
// the recorded payloads and the fuzz test exercise the same types.
func decodeTweets(body []byte) ([]gotwitter.Tweet, error) {
	var ts []gotwitter.Tweet
	if err := json.Unmarshal(body, &ts); err != nil {
		return nil, fmt.Errorf("decoding tweets: %w", err)
	}
	return ts, nil
}

// dmPage is one page of direct_messages/events/list. next_cursor is
// decoded by hand because real responses carry it as a string, as the
// integer 0 (sferik's recording), or not at all, and go-twitter's string
// field fails on the integer.
type dmPage struct {
	Events     []gotwitter.DirectMessageEvent `json:"events"`
	NextCursor json.RawMessage                `json:"next_cursor"`
}

// errBadCursor means a DM list's next_cursor was neither a string, a
// number, nor null.
var errBadCursor = errors.New("next_cursor is neither a string nor a number")

// decodeDMList decodes a DM events page and returns its events (newest
// first) and the cursor of the next page, "" on the last page. A missing,
// null, empty or zero next_cursor means the last page; any other number is
// used as an opaque cursor in its decimal form.
func decodeDMList(body []byte) ([]gotwitter.DirectMessageEvent, string, error) {
	var p dmPage
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, "", fmt.Errorf("decoding direct message events: %w", err)
	}
	raw := bytes.TrimSpace(p.NextCursor)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return p.Events, "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return p.Events, s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if f, err := n.Float64(); err == nil && f == 0 {
			return p.Events, "", nil
		}
		return p.Events, n.String(), nil
	}
	return nil, "", fmt.Errorf("decoding direct message events: %w", errBadCursor)
}

// dmTime returns when a DM event was created, from created_timestamp (ms
// since the epoch, as a string) or else from its snowflake id.
func dmTime(ev *gotwitter.DirectMessageEvent) time.Time {
	if ms, err := strconv.ParseInt(ev.CreatedAt, 10, 64); err == nil && ms > 0 {
		return time.UnixMilli(ms).UTC()
	}
	if id, err := strconv.ParseInt(ev.ID, 10, 64); err == nil {
		return snowflakeTime(id)
	}
	return time.Time{}
}

// directMessage maps one DM event to an Inbound, or returns why it is
// skipped: events we sent ourselves appear in the same list, and other
// event types carry no customer text.
func directMessage(ev *gotwitter.DirectMessageEvent, selfID string) (inbox.Inbound, string) {
	if ev.Type != "" && ev.Type != "message_create" {
		return inbox.Inbound{}, skipNotMessage
	}
	m := ev.Message
	if ev.ID == "" || m == nil || m.SenderID == "" {
		return inbox.Inbound{}, skipMalformed
	}
	if m.SenderID == selfID {
		return inbox.Inbound{}, skipOwn
	}
	created := dmTime(ev)
	if created.IsZero() {
		return inbox.Inbound{}, skipMalformed
	}
	in := inbox.Inbound{
		V:          inbox.SchemaVersion,
		Platform:   inbox.Twitter,
		Kind:       inbox.DM,
		ExternalID: ev.ID,
		Thread:     m.SenderID, // one private conversation per customer
		Author:     inbox.Author{ID: m.SenderID},
		Recipient:  selfID,
		CreatedAt:  created,
	}
	if m.Target != nil && m.Target.RecipientID != "" {
		in.Recipient = m.Target.RecipientID
	}
	if d := m.Data; d != nil {
		in.Text = d.Text
		if a := d.Attachment; a != nil {
			switch {
			case a.Media.MediaURLHttps != "":
				in.Attachments = []inbox.Attachment{{Type: mediaKind(a.Media.Type), URL: a.Media.MediaURLHttps}}
			case a.Media.MediaURL != "":
				in.Attachments = []inbox.Attachment{{Type: mediaKind(a.Media.Type), URL: a.Media.MediaURL}}
			case a.Type != "":
				in.Attachments = []inbox.Attachment{{Type: a.Type}}
			}
		}
	}
	return in, ""
}
